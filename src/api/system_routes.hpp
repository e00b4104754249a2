// Operational endpoints: GET /health, GET /metrics, GET /openapi.json.
#pragma once

#include "api/routes.hpp"

namespace reflector {
class Metrics;
namespace store {
class Database;
}
}  // namespace reflector

namespace reflector::api {

// Registers the system routes. `db` and `metrics` must outlive the router. /openapi.json serves
// routes.Document() as it is when requested, so register it before or after the others alike.
void RegisterSystemRoutes(ApiRoutes& routes, store::Database& db, Metrics& metrics);

}  // namespace reflector::api
