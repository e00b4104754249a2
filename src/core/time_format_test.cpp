#include "core/time_format.hpp"

#include <gtest/gtest.h>

namespace reflector {
namespace {

using std::chrono::microseconds;

TEST(TimeFormatTest, FormatsUtcWithMicrosecondsAndZ) {
  const TimePoint t = FromUnixSeconds(1763789000) + microseconds(42);
  EXPECT_EQ(FormatIso8601(t), "2025-11-22T05:23:20.000042Z");
  EXPECT_EQ(FormatIso8601(FromUnixSeconds(0)), "1970-01-01T00:00:00.000000Z");
}

TEST(TimeFormatTest, RoundTripsToTheMicrosecond) {
  const TimePoint t = FromUnixSeconds(1800000000) + microseconds(123456);
  auto parsed = ParseIso8601(FormatIso8601(t));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, t);
}

struct ParseCase {
  const char* text;
  int64_t unix_seconds;
  int64_t micros;
};

class ParseIsoTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseIsoTest, ParsesAcceptedForms) {
  const auto& c = GetParam();
  auto parsed = ParseIso8601(c.text);
  ASSERT_TRUE(parsed) << c.text;
  EXPECT_EQ(*parsed, FromUnixSeconds(c.unix_seconds) + microseconds(c.micros)) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Forms, ParseIsoTest,
    ::testing::Values(ParseCase{"2025-11-22T05:23:20Z", 1763789000, 0},
                      ParseCase{"2025-11-22T05:23:20.5Z", 1763789000, 500000},
                      ParseCase{"2025-11-22 05:23:20.123456+00", 1763789000, 123456},
                      ParseCase{"2025-11-22T06:23:20+01:00", 1763789000, 0},
                      ParseCase{"2025-11-22T04:23:20-0100", 1763789000, 0},
                      ParseCase{"2025-11-22T05:23:20.1234567891Z", 1763789000, 123456},
                      ParseCase{"2025-11-22T05:23:20", 1763789000, 0},
                      ParseCase{"2025-11-22", 1763769600, 0}));

TEST(TimeFormatTest, RejectsMalformed) {
  for (const char* bad : {"", "2025", "2025-13-01", "2025-11-22T25:00:00Z", "2025-11-22T05:23Z",
                          "2025-11-22T05:23:20.Z", "2025-11-22T05:23:20Zjunk", "yesterday"}) {
    auto parsed = ParseIso8601(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, Code::kInvalidArgument) << bad;
  }
}

// Found by fuzz/webhook_event_fuzz (a Whereby createdAt in year 8724): years a nanosecond
// TimePoint cannot hold overflowed instead of being rejected.
TEST(TimeFormatTest, RejectsYearsOutsideTheRepresentableRange) {
  for (const char* far : {"8724-01-01T00:31:00.000Z", "2262-12-31T00:00:00Z", "9999-12-31",
                          "0001-01-01T00:00:00Z", "1677-01-01T00:00:00Z"}) {
    auto parsed = ParseIso8601(far);
    ASSERT_FALSE(parsed) << far;
    EXPECT_EQ(parsed.error().code, Code::kInvalidArgument) << far;
  }
  for (const char* edge : {"2261-12-31T23:59:59.999999Z", "1678-01-01T00:00:00Z"}) {
    auto parsed = ParseIso8601(edge);
    ASSERT_TRUE(parsed) << edge;
    EXPECT_EQ(FormatIso8601(*parsed).substr(0, 10), std::string(edge).substr(0, 10));
  }
}

}  // namespace
}  // namespace reflector
