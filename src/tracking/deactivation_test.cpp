#include "tracking/deactivation.hpp"

#include <gtest/gtest.h>

#include "core/time_format.hpp"

namespace reflector::tracking {
namespace {

using namespace std::chrono_literals;

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

store::ParticipantSession Session(std::optional<TimePoint> joined, std::optional<TimePoint> left) {
  store::ParticipantSession s;
  s.session_key = "s";
  s.joined_at = joined;
  s.left_at = left;
  return s;
}

const TimePoint kNow = At("2026-01-01T12:00:00Z");
const TimePoint kEndLater = At("2026-01-01T20:00:00Z");
const TimePoint kEndPassed = At("2026-01-01T11:00:00Z");

TEST(DecideDeactivation, Table) {
  struct Case {
    const char* name;
    TimePoint end;
    std::vector<store::ParticipantSession> sessions;
    bool deactivate;
    const char* reason;
  };
  const Case cases[] = {
      {"open session keeps, even after end_date",
       kEndPassed,
       {Session(kNow - 3h, std::nullopt)},
       false,
       "participants present"},
      {"everyone left long ago",
       kEndLater,
       {Session(kNow - 1h, kNow - 30min)},
       true,
       "everyone left"},
      // The lesson of reference §10: a recent join (its session already closed by one empty
      // snapshot or a quick reconnect) must not deactivate.
      {"recent join keeps", kEndLater, {Session(kNow - 60s, kNow - 1s)}, false, "recent activity"},
      {"recent leave keeps (reconnect window)",
       kEndLater,
       {Session(kNow - 1h, kNow - 119s)},
       false,
       "recent activity"},
      {"activity just outside the window",
       kEndLater,
       {Session(kNow - 1h, kNow - 121s)},
       true,
       "everyone left"},
      {"left before joined row, old",
       kEndLater,
       {Session(std::nullopt, kNow - 10min)},
       true,
       "everyone left"},
      {"never used, schedule over", kEndPassed, {}, true, "never used, schedule over"},
      {"never used, still scheduled", kEndLater, {}, false, "not used yet"},
  };
  for (const auto& c : cases) {
    auto decision = DecideDeactivation(c.end, c.sessions, kNow);
    EXPECT_EQ(decision.deactivate, c.deactivate) << c.name;
    EXPECT_EQ(decision.reason, c.reason) << c.name;
  }
}

TEST(DecideDeactivation, WindowIsConfigurable) {
  std::vector<store::ParticipantSession> sessions = {Session(kNow - 10min, kNow - 5min)};
  EXPECT_FALSE(DecideDeactivation(kEndLater, sessions, kNow, {600s}).deactivate);
  EXPECT_TRUE(DecideDeactivation(kEndLater, sessions, kNow, {60s}).deactivate);
}

}  // namespace
}  // namespace reflector::tracking
