#include "api/routes.hpp"

#include <algorithm>
#include <cctype>

namespace reflector::api {

ApiRoutes::ApiRoutes(http::Router& router, std::string title, std::string version)
    : router_(router) {
  nlohmann::json detail = {
      {"oneOf", nlohmann::json::array({{{"type", "string"}}, {{"type", "array"}}})}};
  nlohmann::json error_schema = {{"type", "object"},
                                 {"properties", {{"detail", detail}}},
                                 {"required", nlohmann::json::array({"detail"})}};
  doc_ = {{"openapi", "3.0.3"},
          {"info", {{"title", std::move(title)}, {"version", std::move(version)}}},
          {"paths", nlohmann::json::object()},
          {"components", {{"schemas", {{"Error", std::move(error_schema)}}}}}};
}

void ApiRoutes::Add(http::Method method, const std::string& path, nlohmann::json operation,
                    http::Handler handler) {
  std::string verb(http::MethodName(method));
  std::transform(verb.begin(), verb.end(), verb.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Document path parameters that the operation didn't describe itself.
  auto& params = operation["parameters"];
  if (!params.is_array()) params = nlohmann::json::array();
  for (size_t open = path.find('{'); open != std::string::npos; open = path.find('{', open + 1)) {
    const size_t close = path.find('}', open);
    const std::string name = path.substr(open + 1, close - open - 1);
    const bool described = std::any_of(params.begin(), params.end(), [&](const auto& p) {
      return p.value("name", "") == name && p.value("in", "") == "path";
    });
    if (!described) {
      params.push_back(
          {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
  }
  if (params.empty()) operation.erase("parameters");
  doc_["paths"][path][verb] = std::move(operation);
  router_.Add(method, path, std::move(handler));
}

void ApiRoutes::AddSchema(const std::string& name, nlohmann::json schema) {
  doc_["components"]["schemas"][name] = std::move(schema);
}

nlohmann::json ErrorResponseDoc(const std::string& description) {
  return {
      {"description", description},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace reflector::api
