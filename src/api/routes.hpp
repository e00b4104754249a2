// Route registration that keeps the router and the OpenAPI document in step: every route is
// added through ApiRoutes::Add with its OpenAPI operation, so /openapi.json cannot miss one.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "http/message.hpp"
#include "http/router.hpp"

namespace reflector::api {

class ApiRoutes {
 public:
  ApiRoutes(http::Router& router, std::string title, std::string version);

  // Registers `handler` for `method path` and documents it with `operation` (an OpenAPI 3
  // Operation object: summary, tags, parameters, requestBody, responses).
  void Add(http::Method method, const std::string& path, nlohmann::json operation,
           http::Handler handler);

  // Adds a reusable schema under components/schemas.
  void AddSchema(const std::string& name, nlohmann::json schema);

  // The whole OpenAPI 3.0 document.
  const nlohmann::json& Document() const { return doc_; }

 private:
  http::Router& router_;
  nlohmann::json doc_;
};

// Standard `{"detail": ...}` error response entry for an OpenAPI responses map.
nlohmann::json ErrorResponseDoc(const std::string& description);

}  // namespace reflector::api
