#include "api/routes.hpp"

#include <gtest/gtest.h>

namespace reflector::api {
namespace {

TEST(ApiRoutesTest, DocumentsEveryRouteAndPathParameters) {
  http::Router router;
  ApiRoutes routes(router, "t", "1");
  routes.Add(http::Method::kGet, "/v1/rooms/{room_id}", {{"summary", "get"}, {"responses", {}}},
             [](http::Request&) { return http::Response::Json(200, {}); });
  routes.Add(http::Method::kPost, "/v1/rooms", {{"summary", "create"}, {"responses", {}}},
             [](http::Request&) { return http::Response::Json(200, {}); });
  const auto& doc = routes.Document();
  EXPECT_EQ(doc["openapi"], "3.0.3");
  ASSERT_TRUE(doc["paths"].contains("/v1/rooms/{room_id}"));
  const auto& get = doc["paths"]["/v1/rooms/{room_id}"]["get"];
  ASSERT_EQ(get["parameters"].size(), 1u);
  EXPECT_EQ(get["parameters"][0]["name"], "room_id");
  EXPECT_EQ(get["parameters"][0]["in"], "path");
  EXPECT_FALSE(doc["paths"]["/v1/rooms"]["post"].contains("parameters"));

  auto match = router.Find(http::Method::kGet, "/v1/rooms/abc");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(router.Routes().size(), 2u);
}

}  // namespace
}  // namespace reflector::api
