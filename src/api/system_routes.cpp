#include "api/system_routes.hpp"

#include <spdlog/spdlog.h>

#include "core/metrics.hpp"
#include "store/database.hpp"

namespace reflector::api {

void RegisterSystemRoutes(ApiRoutes& routes, store::Database& db, Metrics& metrics) {
  routes.Add(
      http::Method::kGet, "/health",
      {{"summary", "Liveness and database reachability"},
       {"tags", {"system"}},
       {"responses",
        {{"200",
          {{"description", "Healthy"},
           {"content",
            {{"application/json",
              {{"schema",
                {{"type", "object"},
                 {"properties", {{"status", {{"type", "string"}, {"enum", {"healthy"}}}}}}}}}}}}}},
         {"503", ErrorResponseDoc("The database is unreachable")}}}},
      [&db](http::Request&) {
        auto ping = db.Ping();
        if (!ping) {
          spdlog::warn("health check failed: {}", ping.error().ToString());
          return http::Response::Json(
              503, {{"status", "unhealthy"}, {"detail", "database unavailable"}});
        }
        return http::Response::Json(200, {{"status", "healthy"}});
      });

  routes.Add(http::Method::kGet, "/metrics",
             {{"summary", "Prometheus metrics"},
              {"tags", {"system"}},
              {"responses",
               {{"200",
                 {{"description", "Prometheus text exposition format 0.0.4"},
                  {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}}}}}},
             [&metrics](http::Request&) {
               return http::Response::Text(200, metrics.Render(),
                                           "text/plain; version=0.0.4; charset=utf-8");
             });

  routes.Add(http::Method::kGet, "/openapi.json",
             {{"summary", "This OpenAPI document"},
              {"tags", {"system"}},
              {"responses", {{"200", {{"description", "OpenAPI 3 document"}}}}}},
             [&routes](http::Request&) { return http::Response::Json(200, routes.Document()); });
}

}  // namespace reflector::api
