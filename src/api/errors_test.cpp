#include "api/errors.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace reflector::api {
namespace {

TEST(ErrorsTest, EveryCodeMapsToItsStatus) {
  const std::pair<Code, int> table[] = {
      {Code::kInvalidArgument, 400},   {Code::kNotFound, 404},
      {Code::kAlreadyExists, 409},     {Code::kUnauthenticated, 401},
      {Code::kPermissionDenied, 403},  {Code::kFailedPrecondition, 503},
      {Code::kUnavailable, 503},       {Code::kDeadlineExceeded, 504},
      {Code::kResourceExhausted, 429}, {Code::kBadGateway, 502},
      {Code::kInternal, 500}};
  for (const auto& [code, status] : table) EXPECT_EQ(HttpStatusFor(code), status) << CodeName(code);
}

TEST(ErrorsTest, BodyCarriesExternalMessageOnly) {
  auto r = ErrorResponse(Error{Code::kNotFound, "Room not found", "id=42 secret-ish", 0});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(nlohmann::json::parse(r.body), nlohmann::json({{"detail", "Room not found"}}));
}

TEST(ErrorsTest, InternalErrorsAreGeneric) {
  auto r = ErrorResponse(Error{Code::kInternal, "constraint xyz failed in table abc", "", 0});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(nlohmann::json::parse(r.body)["detail"], "Internal Server Error");
}

TEST(ErrorsTest, NotConfiguredProviderNamesTheVariable) {
  auto r = ErrorResponse(
      Error{Code::kFailedPrecondition, "Daily.co is not configured: set DAILY_API_KEY", "", 0});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(nlohmann::json::parse(r.body)["detail"],
            "Daily.co is not configured: set DAILY_API_KEY");
}

}  // namespace
}  // namespace reflector::api
