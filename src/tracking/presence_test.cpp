#include "tracking/presence.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"
#include "store/meeting_state.hpp"
#include "store/meetings.hpp"
#include "store/participant_sessions.hpp"
#include "tracking/deactivation.hpp"
#include "tracking/tracking_test_support.hpp"

namespace reflector::tracking {
namespace {

using fakes::FakeTransport;
using namespace std::chrono_literals;

constexpr char kPresenceUrl[] = "https://api.daily.co/v1/rooms/standup-20260101120000/presence";

DailyConfig Config() {
  DailyConfig config;
  config.api_key = "key";
  config.api_url = "https://api.daily.co/v1";
  return config;
}

class PresenceTest : public TrackingDbTest {
 protected:
  void Presence(const std::string& data) {
    transport_.PushFor("GET", kPresenceUrl,
                       FakeTransport::Json(200, R"({"total_count":1,"data":)" + data + "}"));
  }

  Status Open(const std::string& key, TimePoint joined) {
    auto session = db().Acquire();
    store::ParticipantInfo info{"meeting-daily", "room-1", "daily", key, std::nullopt, "x", joined};
    auto opened = store::ParticipantSessionRepository::Join(session, info);
    if (!opened) return Err(opened.error());
    return Ok();
  }

  Status Close(const std::string& key, TimePoint joined, TimePoint left) {
    auto session = db().Acquire();
    store::ParticipantInfo info{"meeting-daily", "room-1", "daily", key, std::nullopt, "x", joined};
    auto closed = store::ParticipantSessionRepository::Leave(session, info, left);
    if (!closed) return Err(closed.error());
    return Ok();
  }

  std::map<std::string, store::ParticipantSession> Sessions() {
    auto session = db().Acquire();
    auto list = store::ParticipantSessionRepository::ListForMeeting(session, "meeting-daily");
    EXPECT_TRUE(list.has_value());
    std::map<std::string, store::ParticipantSession> out;
    if (list) {
      for (auto& s : *list) out[s.session_key] = s;
    }
    return out;
  }

  fakes::FakeClock clock_{At("2026-01-01T13:00:00Z")};
  FakeTransport transport_;
  platforms::DailyClient daily_{Config(), std::chrono::seconds(300), transport_, clock_};
};

TEST_P(PresenceTest, OpensMissingClosesAbsentKeepsClosedAndSetsNumClients) {
  ASSERT_TRUE(Open("stale", At("2026-01-01T12:00:00Z")));
  ASSERT_TRUE(Open("still-here", At("2026-01-01T12:10:00Z")));
  // Closed by a `left` event, but still listed (a stale snapshot): stays closed, no flapping.
  ASSERT_TRUE(Close("left-event", At("2026-01-01T12:20:00Z"), At("2026-01-01T12:50:00Z")));
  Presence(R"([
    {"room":"standup-20260101120000","id":"still-here","userId":"u1","userName":"A","joinTime":"2026-01-01T12:10:00Z","duration":3000},
    {"room":"standup-20260101120000","id":"left-event","userId":"u2","userName":"B","joinTime":"2026-01-01T12:20:00Z","duration":2400},
    {"room":"standup-20260101120000","id":"lost-webhook","userId":"u3","userName":"Zoë","joinTime":"2026-01-01T12:40:00Z","duration":1200}])");
  auto outcome = ReconcileDailyPresence(db(), daily_, clock_, "meeting-daily");
  ASSERT_TRUE(outcome.has_value()) << outcome.error().ToString();
  EXPECT_EQ(outcome->opened, 1);
  EXPECT_EQ(outcome->closed, 1);
  EXPECT_EQ(outcome->num_clients, 2);
  auto sessions = Sessions();
  EXPECT_EQ(sessions["stale"].left_at, At("2026-01-01T13:00:00Z"));
  EXPECT_TRUE(sessions["still-here"].open());
  EXPECT_EQ(sessions["left-event"].left_at, At("2026-01-01T12:50:00Z"));
  EXPECT_TRUE(sessions["lost-webhook"].open());
  EXPECT_EQ(sessions["lost-webhook"].user_name, "Zoë");
  EXPECT_EQ(sessions["lost-webhook"].joined_at, At("2026-01-01T12:40:00Z"));
  auto session = db().Acquire();
  EXPECT_EQ(store::MeetingRepository::GetById(session, "meeting-daily")->num_clients, 2);
}

// A participant.joined can arrive before Daily lists the participant (WebRTC handshake): one empty
// snapshot must not close it, nor let the meeting be deactivated.
TEST_P(PresenceTest, RecentJoinSurvivesAnEmptySnapshotAndTheMeetingStaysActive) {
  ASSERT_TRUE(Open("joining", At("2026-01-01T12:59:50Z")));
  Presence("[]");
  auto outcome = ReconcileDailyPresence(db(), daily_, clock_, "meeting-daily");
  ASSERT_TRUE(outcome.has_value()) << outcome.error().ToString();
  EXPECT_EQ(outcome->closed, 0);
  EXPECT_EQ(outcome->num_clients, 1);
  EXPECT_TRUE(Sessions()["joining"].open());
  auto report = DeactivateIdleMeetings(db(), clock_);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(std::find(report->deactivated.begin(), report->deactivated.end(), "meeting-daily") ==
              report->deactivated.end());

  // Still absent after the grace: closed; the deactivation still waits for the recent-activity
  // window, then deactivates ("everyone left").
  clock_.Advance(40s);
  Presence("[]");
  outcome = ReconcileDailyPresence(db(), daily_, clock_, "meeting-daily");
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->closed, 1);
  report = DeactivateIdleMeetings(db(), clock_);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(std::count(report->deactivated.begin(), report->deactivated.end(), "meeting-daily"), 0);
  clock_.Advance(121s);
  report = DeactivateIdleMeetings(db(), clock_);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(std::count(report->deactivated.begin(), report->deactivated.end(), "meeting-daily"), 1);
  auto session = db().Acquire();
  EXPECT_FALSE(store::MeetingRepository::GetById(session, "meeting-daily")->is_active);
}

// The common case under webhook load: our sessions and num_clients already agree with Daily. The
// reconciliation then only reads; it must not take the write lock the webhook writer needs
// (on SQLite a write here would wait behind the held lock and fail after the busy timeout).
TEST_P(PresenceTest, InAgreementWritesNothing) {
  ASSERT_TRUE(Open("here", At("2026-01-01T12:10:00Z")));
  ASSERT_TRUE(Open("joining", At("2026-01-01T12:59:50Z")));  // absent, but within the grace
  {
    auto session = db().Acquire();
    ASSERT_TRUE(store::MeetingStateRepository::SetNumClients(session, "meeting-daily", 2));
  }
  Presence(
      R"([{"room":"standup-20260101120000","id":"here","userId":"u1","userName":"A","joinTime":"2026-01-01T12:10:00Z","duration":3000}])");
  auto writer = db().Acquire();
  auto held = writer.Begin(store::TxMode::kWrite);
  ASSERT_TRUE(held.has_value()) << held.error().ToString();
  auto outcome = ReconcileDailyPresence(db(), daily_, clock_, "meeting-daily");
  ASSERT_TRUE(outcome.has_value()) << outcome.error().ToString();
  EXPECT_FALSE(outcome->skipped);
  EXPECT_EQ(outcome->opened, 0);
  EXPECT_EQ(outcome->closed, 0);
  EXPECT_EQ(outcome->num_clients, 2);
  ASSERT_TRUE(held->Rollback());
  auto sessions = Sessions();
  EXPECT_TRUE(sessions["here"].open());
  EXPECT_TRUE(sessions["joining"].open());
}

// num_clients drifted (a lost webhook's delta) while the sessions agree with Daily: recounted.
TEST_P(PresenceTest, DriftedNumClientsIsRecountedEvenWithoutSessionChanges) {
  ASSERT_TRUE(Open("here", At("2026-01-01T12:10:00Z")));
  {
    auto session = db().Acquire();
    ASSERT_TRUE(store::MeetingStateRepository::SetNumClients(session, "meeting-daily", 7));
  }
  Presence(
      R"([{"room":"standup-20260101120000","id":"here","userId":"u1","userName":"A","joinTime":"2026-01-01T12:10:00Z","duration":3000}])");
  auto outcome = ReconcileDailyPresence(db(), daily_, clock_, "meeting-daily");
  ASSERT_TRUE(outcome.has_value()) << outcome.error().ToString();
  EXPECT_EQ(outcome->opened, 0);
  EXPECT_EQ(outcome->closed, 0);
  EXPECT_EQ(outcome->num_clients, 1);
  EXPECT_EQ(GetMeeting("meeting-daily").num_clients, 1);
}

// An open session whose join time is unknown has no grace: absent from the snapshot, it closes.
TEST_P(PresenceTest, OpenSessionWithUnknownJoinTimeIsClosedWhenAbsent) {
  {
    auto session = db().Acquire();
    store::ParticipantInfo info{"meeting-daily", "room-1", "daily",     "no-join-time",
                                std::nullopt,    "x",      std::nullopt};
    ASSERT_TRUE(store::ParticipantSessionRepository::Join(session, info).has_value());
  }
  Presence("[]");
  auto outcome = ReconcileDailyPresence(db(), daily_, clock_, "meeting-daily");
  ASSERT_TRUE(outcome.has_value()) << outcome.error().ToString();
  EXPECT_EQ(outcome->closed, 1);
  EXPECT_EQ(outcome->num_clients, 0);
  EXPECT_EQ(Sessions()["no-join-time"].left_at, At("2026-01-01T13:00:00Z"));
}

TEST_P(PresenceTest, DailyErrorChangesNothingAndIsReturned) {
  ASSERT_TRUE(Open("stale", At("2026-01-01T12:00:00Z")));
  transport_.PushFor("GET", kPresenceUrl, FakeTransport::Json(500, R"({"error":"server-error"})"));
  auto outcome = ReconcileDailyPresence(db(), daily_, clock_, "meeting-daily");
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code, Code::kBadGateway);
  EXPECT_TRUE(Sessions()["stale"].open());
}

TEST_P(PresenceTest, SkipsUnknownAndNonDailyMeetingsWithoutCallingDaily) {
  auto unknown = ReconcileDailyPresence(db(), daily_, clock_, "nope");
  ASSERT_TRUE(unknown.has_value());
  EXPECT_TRUE(unknown->skipped);
  EXPECT_EQ(unknown->reason, "meeting not found");
  auto whereby = ReconcileDailyPresence(db(), daily_, clock_, "meeting-whereby");
  ASSERT_TRUE(whereby.has_value());
  EXPECT_EQ(whereby->reason, "not a Daily meeting");
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_P(PresenceTest, DeactivatesNeverUsedMeetingsAfterEndDateOnly) {
  auto report = DeactivateIdleMeetings(db(), clock_);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->checked, 3);
  EXPECT_TRUE(report->deactivated.empty());
  clock_.Set(At("2026-01-01T20:00:01Z"));
  report = DeactivateIdleMeetings(db(), clock_);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->deactivated.size(), 3u);
}

TEST_P(PresenceTest, SweepQueuesOneCoalescedJobPerActiveDailyMeeting) {
  AddMeeting("meeting-daily-2", "daily", "standup-20260101130000", "daily-room-2");
  AddMeeting("meeting-daily-old", "daily", "standup-20251231120000", "daily-room-3");
  {
    auto session = db().Acquire();
    ASSERT_TRUE(store::MeetingRepository::Deactivate(session, "meeting-daily-old"));
  }
  auto swept = QueueDailyPresenceSweep(db(), clock_);
  ASSERT_TRUE(swept.has_value()) << swept.error().ToString();
  EXPECT_EQ(*swept, 2);
  // Again (and a participant event's job for the same meeting): still one queued job each.
  swept = QueueDailyPresenceSweep(db(), clock_);
  ASSERT_TRUE(swept.has_value());
  EXPECT_EQ(
      Jobs(),
      (std::vector<std::string>{
          R"(daily.presence_reconcile|presence:meeting-daily|{"meeting_id":"meeting-daily"})",
          R"(daily.presence_reconcile|presence:meeting-daily-2|{"meeting_id":"meeting-daily-2"})"}));
  EXPECT_TRUE(transport_.requests().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, PresenceTest, reflector::testing::TestBackends(),
                         reflector::testing::BackendName);

}  // namespace
}  // namespace reflector::tracking
