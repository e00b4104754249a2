#include "core/status.hpp"

#include <gtest/gtest.h>

namespace reflector {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return Err(Code::kInvalidArgument, "odd", "value was " + std::to_string(v));
  return v / 2;
}

Status HalfTwice(int v) {
  auto once = Half(v);
  REFLECTOR_RETURN_IF_ERROR(once);
  REFLECTOR_RETURN_IF_ERROR(Half(*once));
  return Ok();
}

TEST(StatusTest, CarriesCodeAndSeparatesExternalFromInternalMessage) {
  auto r = Half(3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_EQ(r.error().message, "odd");
  EXPECT_EQ(r.error().detail, "value was 3");
  EXPECT_EQ(r.error().ToString(), "invalid_argument: odd (value was 3)");
}

TEST(StatusTest, ReturnIfErrorPropagatesFirstFailure) {
  EXPECT_TRUE(HalfTwice(8));
  auto s = HalfTwice(6);  // 6 -> 3 -> odd
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "value was 3");
}

TEST(StatusTest, CodeNamesAreStable) {
  EXPECT_EQ(CodeName(Code::kNotFound), "not_found");
  EXPECT_EQ(CodeName(Code::kUnavailable), "unavailable");
  EXPECT_EQ(CodeName(Code::kFailedPrecondition), "failed_precondition");
  EXPECT_EQ(CodeName(Code::kBadGateway), "bad_gateway");
}

}  // namespace
}  // namespace reflector
