#include "tracking/apply.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "fakes/fake_clock.hpp"
#include "platforms/daily/daily_client.hpp"
#include "store/meeting_sessions.hpp"
#include "store/participant_sessions.hpp"
#include "store/recordings.hpp"
#include "store/sql.hpp"
#include "tracking/events.hpp"
#include "tracking/tracking_test_support.hpp"

namespace reflector::tracking {
namespace {

using ::testing::ElementsAre;

class ApplyTest : public TrackingDbTest {
 protected:
  // Parses (must be an event) and applies.
  Result<Applied> Apply(const std::string& body, const std::string& provider = "daily") {
    auto parsed = provider == "daily"     ? ParseDailyEvent(body)
                  : provider == "whereby" ? ParseWherebyEvent(body)
                                          : ParseMockEvent(body);
    EXPECT_TRUE(parsed.has_value());
    if (!parsed) return Err(parsed.error());
    EXPECT_EQ(parsed->kind, Parsed::Kind::kEvent) << parsed->reason << " " << body;
    if (!parsed->event) return Err(Code::kInternal, "not an event");
    ApplyOptions options;
    options.daily_bucket = "daily-bucket";
    options.whereby_bucket = "whereby-bucket";
    return ApplyEvent(db(), *parsed->event, clock_, options);
  }

  Outcome MustApply(const std::string& body, const std::string& provider = "daily") {
    auto applied = Apply(body, provider);
    EXPECT_TRUE(applied.has_value()) << (applied ? "" : applied.error().ToString());
    return applied ? applied->outcome : Outcome::kIgnored;
  }

  std::vector<store::ParticipantSession> Sessions(const std::string& meeting_id) {
    auto session = db().Acquire();
    auto list = store::ParticipantSessionRepository::ListForMeeting(session, meeting_id);
    EXPECT_TRUE(list.has_value());
    return list ? *list : std::vector<store::ParticipantSession>{};
  }

  static std::string DailyParticipant(const std::string& id, const std::string& type,
                                      const std::string& session_id, double joined_at,
                                      std::optional<double> duration = std::nullopt,
                                      const std::string& room = "standup-20260101120000") {
    nlohmann::json payload = {{"room", room},
                              {"session_id", session_id},
                              {"user_id", "u-" + session_id},
                              {"user_name", "Zoë " + session_id},
                              {"joined_at", joined_at}};
    if (duration) payload["duration"] = *duration;
    return nlohmann::json{{"version", "1.0.0"},
                          {"type", type},
                          {"id", id},
                          {"payload", payload},
                          {"event_ts", joined_at + duration.value_or(0)}}
        .dump();
  }

  fakes::FakeClock clock_{At("2026-01-01T12:30:00Z")};
};

constexpr double kT0 = 1767270600;  // 2026-01-01T12:30:00Z

TEST_P(ApplyTest, DailyJoinOpensSessionSetsNumClientsAndQueuesOneCoalescedPresenceJob) {
  EXPECT_EQ(MustApply(DailyParticipant("j1", "participant.joined", "s1", kT0)), Outcome::kOk);
  EXPECT_EQ(MustApply(DailyParticipant("j2", "participant.joined", "s2", kT0 + 1)), Outcome::kOk);
  auto sessions = Sessions("meeting-daily");
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].session_key, "s1");
  EXPECT_EQ(sessions[0].user_name, "Zoë s1");
  EXPECT_EQ(sessions[0].user_id, "u-s1");
  EXPECT_EQ(sessions[0].provider, "daily");
  EXPECT_EQ(sessions[0].room_id, "room-1");
  EXPECT_EQ(sessions[0].joined_at, FromUnixSeconds(kT0));
  EXPECT_TRUE(sessions[0].open());
  EXPECT_EQ(GetMeeting("meeting-daily").num_clients, 2);
  EXPECT_THAT(Jobs(), ElementsAre("daily.presence_reconcile|presence:meeting-daily|"
                                  R"({"meeting_id":"meeting-daily"})"));
}

// The reconciliation runs presence_delay after the first event of a burst; later events of the
// window coalesce into it (its run_at stays), so a busy meeting is not reconciled back to back.
TEST_P(ApplyTest, PresenceJobRunsAfterTheDelayAndLaterEventsCoalesceIntoIt) {
  EXPECT_EQ(MustApply(DailyParticipant("j1", "participant.joined", "s1", kT0)), Outcome::kOk);
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_EQ(MustApply(DailyParticipant("j2", "participant.left", "s1", kT0, 2)), Outcome::kOk);
  auto session = db().Acquire();
  auto rows = store::Query(session,
                           "SELECT run_at FROM job WHERE kind = 'daily.presence_reconcile' AND "
                           "status = 'queued'",
                           {}, 1);
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 1u);
  store::RowReader r(rows->front());
  EXPECT_EQ(r.Time(), At("2026-01-01T12:30:05Z"));  // the first event's time + 5 s (default)
  ASSERT_TRUE(r.Finish());
}

TEST_P(ApplyTest, DuplicateIdIsDuplicateWithNoEffect) {
  const auto joined = DailyParticipant("j1", "participant.joined", "s1", kT0);
  EXPECT_EQ(MustApply(joined), Outcome::kOk);
  // Same id, different content: still the same event.
  EXPECT_EQ(MustApply(DailyParticipant("j1", "participant.joined", "s9", kT0)),
            Outcome::kDuplicate);
  EXPECT_EQ(Sessions("meeting-daily").size(), 1u);
  EXPECT_EQ(Count("webhook_event"), 1);
}

TEST_P(ApplyTest, LeftBeforeJoinedStaysClosedAndJoinedFillsJoinedAt) {
  EXPECT_EQ(MustApply(DailyParticipant("l1", "participant.left", "s1", kT0, 30)), Outcome::kOk);
  EXPECT_EQ(MustApply(DailyParticipant("j1", "participant.joined", "s1", kT0)), Outcome::kOk);
  auto sessions = Sessions("meeting-daily");
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].joined_at, FromUnixSeconds(kT0));
  EXPECT_EQ(sessions[0].left_at, FromUnixSeconds(kT0 + 30));
  EXPECT_EQ(GetMeeting("meeting-daily").num_clients, 0);
  // A second left with another time does not move left_at.
  EXPECT_EQ(MustApply(DailyParticipant("l2", "participant.left", "s1", kT0, 99)), Outcome::kOk);
  EXPECT_EQ(Sessions("meeting-daily")[0].left_at, FromUnixSeconds(kT0 + 30));
}

TEST_P(ApplyTest, UnknownRoomIsIgnoredAndLeavesNoTrace) {
  auto applied =
      Apply(DailyParticipant("j1", "participant.joined", "s1", kT0, std::nullopt, "nowhere"));
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(applied->outcome, Outcome::kIgnored);
  EXPECT_EQ(applied->reason, "unknown room nowhere");
  EXPECT_EQ(Count("webhook_event"), 0);
  EXPECT_EQ(Count("participant_session"), 0);
  EXPECT_TRUE(Jobs().empty());
  // A Daily event naming a Whereby meeting's room is not ours either.
  auto other =
      Apply(DailyParticipant("j2", "participant.joined", "s1", kT0, std::nullopt, "/standup-3f1c"));
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->outcome, Outcome::kIgnored);
}

TEST_P(ApplyTest, MeetingEndedBeforeFinalLeftRecordsHistoryAndDoesNotDeactivate) {
  EXPECT_EQ(MustApply(DailyParticipant("j1", "participant.joined", "s1", kT0)), Outcome::kOk);
  EXPECT_EQ(
      MustApply(R"({"id":"me","type":"meeting.ended","payload":{"room":"standup-20260101120000",)"
                R"("meeting_id":"ms-1","start_ts":1767270000,"end_ts":1767270700}})"),
      Outcome::kOk);
  EXPECT_TRUE(GetMeeting("meeting-daily").is_active);
  EXPECT_EQ(GetMeeting("meeting-daily").num_clients, 1);
  EXPECT_EQ(MustApply(DailyParticipant("l1", "participant.left", "s1", kT0, 100)), Outcome::kOk);
  EXPECT_EQ(GetMeeting("meeting-daily").num_clients, 0);
  EXPECT_EQ(
      MustApply(R"({"id":"ms","type":"meeting.started","payload":{"room":"standup-20260101120000",)"
                R"("meeting_id":"ms-1","start_ts":1767270001}})"),
      Outcome::kOk);
  auto session = db().Acquire();
  auto history = store::MeetingSessionRepository::ListForMeeting(session, "meeting-daily");
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].provider_session_id, "ms-1");
  EXPECT_EQ((*history)[0].started_at, FromUnixSeconds(1767270000));  // first value kept
  EXPECT_EQ((*history)[0].ended_at, FromUnixSeconds(1767270700));
}

std::string RawTracksReady(const std::string& id, const std::string& recording_id,
                           const std::string& tracks) {
  return R"({"version":"1.0.0","type":"recording.ready-to-download","id":")" + id +
         R"(","payload":{"type":"raw-tracks","recording_id":")" + recording_id +
         R"(","room_name":"standup-20260101120000","start_ts":1767270000,"status":"finished",)"
         R"("duration":62,"s3_key":"b/standup/1767270000","tracks":)" +
         tracks + R"(},"event_ts":1767270100})";
}

TEST_P(ApplyTest, RawTracksReadyBeforeStartedCreatesOneRecordingAndOneJob) {
  EXPECT_EQ(MustApply(RawTracksReady("rtd-1", "rec-1",
                                     R"([{"type":"audio","s3Key":"a1","size":1},)"
                                     R"({"type":"video","s3Key":"v1","size":2},)"
                                     R"({"type":"audio","s3Key":"a2","size":3}])")),
            Outcome::kOk);
  // Another delivery with another event id (Daily and our poll can overlap): no second job.
  EXPECT_EQ(MustApply(RawTracksReady("rtd-2", "rec-1", R"([{"type":"audio","s3Key":"a1"}])")),
            Outcome::kOk);
  EXPECT_EQ(
      MustApply(
          R"({"id":"rs","type":"recording.started","payload":{"room_name":"standup-20260101120000",)"
          R"("recording_id":"rec-1","instance_id":"x","start_ts":1767269999}})"),
      Outcome::kOk);
  auto session = db().Acquire();
  auto rec = store::RecordingRepository::GetByProviderId(session, "rec-1");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->status, "pending");
  EXPECT_TRUE(rec->queued_at.has_value());
  EXPECT_EQ(rec->platform, "daily");
  EXPECT_EQ(rec->meeting_id, "meeting-daily");
  EXPECT_EQ(rec->type, "raw-tracks");
  EXPECT_EQ(rec->bucket_name, "daily-bucket");
  EXPECT_EQ(nlohmann::json::parse(*rec->track_keys), nlohmann::json({"a1", "a2"}));
  EXPECT_EQ(rec->duration, 62.0);
  EXPECT_THAT(Jobs(), ElementsAre("recording.process|recording:" + rec->id +
                                  R"(|{"recording_id":")" + rec->id + R"("})"));
}

TEST_P(ApplyTest, RawTracksWithNullTracksIsRecordedWithoutAJob) {
  EXPECT_EQ(MustApply(RawTracksReady("rtd-1", "rec-1", "null")), Outcome::kOk);
  auto session = db().Acquire();
  auto rec = store::RecordingRepository::GetByProviderId(session, "rec-1");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(*rec->track_keys, "[]");
  EXPECT_TRUE(Jobs().empty());
}

TEST_P(ApplyTest, CloudReadySetsComposedKeyOnceAndQueuesOnce) {
  auto cloud = [](const std::string& id, const std::string& rec, const std::string& key) {
    return R"({"id":")" + id +
           R"(","type":"recording.ready-to-download","payload":{"type":"cloud","recording_id":")" +
           rec +
           R"(","room_name":"standup-20260101120000","start_ts":1767270000,)"
           R"("status":"finished","duration":3605,"s3_key":")" +
           key + R"("}})";
  };
  EXPECT_EQ(MustApply(cloud("c1", "rec-c", "k/first.mp4")), Outcome::kOk);
  EXPECT_EQ(MustApply(cloud("c2", "rec-c", "k/second.mp4")), Outcome::kOk);
  EXPECT_EQ(MustApply(cloud("c3", "rec-other", "k/third.mp4")), Outcome::kOk);
  auto meeting = GetMeeting("meeting-daily");
  EXPECT_EQ(meeting.daily_composed_video_s3_key, "k/first.mp4");
  EXPECT_EQ(meeting.daily_composed_video_duration, 3605);
  EXPECT_EQ(Jobs().size(), 2u);  // one per recording id
}

TEST_P(ApplyTest, RecordingErrorThenReadyAndReadyThenErrorEndTheSame) {
  const std::string meeting = "meeting-daily";
  const std::string raw_instance = platforms::RawTracksInstanceId(meeting);
  auto error = [&](const std::string& id) {
    return R"({"id":")" + id +
           R"(","type":"recording.error","payload":{"action":"clourd-recording-err",)"
           R"("error_msg":"upload failed","instance_id":")" +
           raw_instance + R"(","room_name":"standup-20260101120000","timestamp":"1767270050"}})";
  };
  // Error first (no recording known yet), then ready: adopted, queued, error kept.
  EXPECT_EQ(MustApply(error("e1")), Outcome::kOk);
  EXPECT_EQ(MustApply(RawTracksReady("r1", "rec-1", R"([{"type":"audio","s3Key":"a"}])")),
            Outcome::kOk);
  {
    auto session = db().Acquire();
    auto all = store::RecordingRepository::ListForMeeting(session, meeting);
    ASSERT_TRUE(all.has_value());
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ((*all)[0].status, "pending");
    EXPECT_TRUE((*all)[0].queued_at.has_value());
    EXPECT_EQ((*all)[0].error, "upload failed");
    EXPECT_EQ((*all)[0].provider_recording_id, "rec-1");
  }
  // Started, then error alone: failed.
  EXPECT_EQ(
      MustApply(
          R"({"id":"s2","type":"recording.started","payload":{"room_name":"standup-20260101120000",)"
          R"("recording_id":"rec-2","instance_id":")" +
          meeting + R"(","start_ts":1767271000}})"),
      Outcome::kOk);
  EXPECT_EQ(
      MustApply(
          R"({"id":"e2","type":"recording.error","payload":{"action":"cloud-recording-error",)"
          R"("error_msg":"boom","instance_id":")" +
          meeting + R"(","room_name":"standup-20260101120000","timestamp":1767271010}})"),
      Outcome::kOk);
  auto session = db().Acquire();
  auto rec2 = store::RecordingRepository::GetByProviderId(session, "rec-2");
  ASSERT_TRUE(rec2.has_value());
  EXPECT_EQ(rec2->status, "failed");
  EXPECT_EQ(rec2->type, "cloud");
  EXPECT_EQ(rec2->error, "boom");
}

TEST_P(ApplyTest, WherebyNumClientsFollowsTheNewestEventByCreatedAt) {
  auto event = [](const std::string& id, const std::string& type, const std::string& created,
                  const std::string& participant, int num) {
    return R"({"id":")" + id + R"(","apiVersion":"1.0","createdAt":")" + created + R"(","type":")" +
           type + R"(","data":{"meetingId":"134","participantId":")" + participant +
           R"(","displayName":"Zoë","numClients":)" + std::to_string(num) + "}}";
  };
  EXPECT_EQ(
      MustApply(event("w1", "room.client.joined", "2026-01-01T12:00:01Z", "p1", 1), "whereby"),
      Outcome::kOk);
  EXPECT_EQ(
      MustApply(event("w3", "room.client.joined", "2026-01-01T12:00:03Z", "p2", 2), "whereby"),
      Outcome::kOk);
  // Older, arriving last: the count stays; the session still records the leave.
  EXPECT_EQ(MustApply(event("w2", "room.client.left", "2026-01-01T12:00:02Z", "p1", 0), "whereby"),
            Outcome::kOk);
  auto meeting = GetMeeting("meeting-whereby");
  EXPECT_EQ(meeting.num_clients, 2);
  EXPECT_EQ(meeting.num_clients_updated_at, At("2026-01-01T12:00:03Z"));
  auto sessions = Sessions("meeting-whereby");
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].session_key, "p1");
  EXPECT_EQ(sessions[0].left_at, At("2026-01-01T12:00:02Z"));
  EXPECT_EQ(sessions[0].provider, "whereby");
  EXPECT_TRUE(Jobs().empty());  // no presence reconciliation for Whereby
}

TEST_P(ApplyTest, WherebyRecordingFinishedQueuesOnceAndUnknownMeetingIsIgnored) {
  const std::string finished =
      R"({"id":"f1","apiVersion":"1.0","createdAt":"2026-01-01T13:00:00Z","type":"recording.finished",)"
      R"("data":{"meetingId":"134","recordingId":"wr-1","filename":"standup.mp4","status":"completed"}})";
  EXPECT_EQ(MustApply(finished, "whereby"), Outcome::kOk);
  EXPECT_EQ(MustApply(finished, "whereby"), Outcome::kDuplicate);
  EXPECT_EQ(Jobs().size(), 1u);
  // The same file reported again (another event, as the bucket's S3 event path does): still one.
  const std::string again =
      R"({"id":"f9","apiVersion":"1.0","createdAt":"2026-01-01T13:01:00Z","type":"recording.finished",)"
      R"("data":{"meetingId":"134","recordingId":"other","filename":"folder/standup.mp4"}})";
  EXPECT_EQ(MustApply(again, "whereby"), Outcome::kOk);
  EXPECT_EQ(Jobs().size(), 1u);
  auto unknown = Apply(
      R"({"id":"f2","createdAt":"2026-01-01T13:00:00Z","type":"room.client.joined","data":{"meetingId":"999","numClients":1}})",
      "whereby");
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->outcome, Outcome::kIgnored);
  EXPECT_EQ(unknown->reason, "unknown meeting 999");
}

TEST_P(ApplyTest, MockParticipantsWithoutPresenceJob) {
  const std::string joined =
      R"({"version":"1.0.0","type":"participant.joined","id":"m1","event_ts":1767270600,)"
      R"("payload":{"room":"standup-1234abcd","session_id":"p1","user_name":"Zoë","joined_at":1767270600}})";
  EXPECT_EQ(MustApply(joined, "mock"), Outcome::kOk);
  EXPECT_EQ(GetMeeting("meeting-mock").num_clients, 1);
  EXPECT_TRUE(Jobs().empty());
  // The same id from another provider is another event.
  EXPECT_EQ(Count("webhook_event"), 1);
}

// Contract §5: concurrent copies of one event → exactly one effect, every copy answered.
TEST_P(ApplyTest, ConcurrentDuplicatesHaveExactlyOneEffect) {
  constexpr int kCopies = 12;
  const auto body = DailyParticipant("dup-1", "participant.left", "s1", kT0, 10);
  auto parsed = ParseDailyEvent(body);
  ASSERT_TRUE(parsed.has_value());
  std::atomic<int> ok{0}, duplicate{0}, other{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCopies; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      auto applied = ApplyEvent(db(), *parsed->event, clock_);
      if (applied && applied->outcome == Outcome::kOk) {
        ++ok;
      } else if (applied && applied->outcome == Outcome::kDuplicate) {
        ++duplicate;
      } else {
        ++other;
        ADD_FAILURE() << (applied ? "ignored" : applied.error().ToString());
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(duplicate.load(), kCopies - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Count("webhook_event"), 1);
  EXPECT_EQ(Count("participant_session"), 1);
  EXPECT_EQ(Jobs().size(), 1u);
}

// Different events racing on the same new session row: the unique violation is retried.
TEST_P(ApplyTest, ConcurrentDifferentEventsOnOneSessionAllApply) {
  constexpr int kEvents = 10;
  std::vector<ProviderEvent> events;
  for (int i = 0; i < kEvents; ++i) {
    auto parsed = ParseDailyEvent(DailyParticipant(
        "ev-" + std::to_string(i), i % 2 == 0 ? "participant.joined" : "participant.left", "s1",
        kT0, i % 2 == 0 ? std::nullopt : std::optional<double>(10)));
    ASSERT_TRUE(parsed.has_value());
    events.push_back(*parsed->event);
  }
  std::atomic<bool> go{false};
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (const auto& event : events) {
    threads.emplace_back([&, event] {
      while (!go.load()) std::this_thread::yield();
      auto applied = ApplyEvent(db(), event, clock_);
      if (applied && applied->outcome == Outcome::kOk)
        ++ok;
      else
        ADD_FAILURE() << (applied ? "not ok" : applied.error().ToString());
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kEvents);
  auto sessions = Sessions("meeting-daily");
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].left_at, FromUnixSeconds(kT0 + 10));
  EXPECT_EQ(GetMeeting("meeting-daily").num_clients, 0);
}

// The group commit (EventApplier): events applied together give the outcomes ApplyEvent gives
// them one by one — duplicates inside one batch, an ignored event between applied ones leaving no
// trace, num_clients from the opened sessions.
TEST_P(ApplyTest, EventApplierBatchesConcurrentEventsWithUnchangedOutcomes) {
  ApplyOptions options;
  EventApplier applier(db(), clock_, options);
  std::vector<ProviderEvent> events;
  auto add = [&](const std::string& body) {
    auto parsed = ParseDailyEvent(body);
    ASSERT_TRUE(parsed.has_value() && parsed->event.has_value());
    events.push_back(*parsed->event);
  };
  constexpr int kSessions = 12;
  for (int i = 0; i < kSessions; ++i) {
    add(DailyParticipant("j" + std::to_string(i), "participant.joined", "s" + std::to_string(i),
                         kT0 + i));
  }
  add(DailyParticipant("j0", "participant.joined", "s0", kT0));  // duplicates of j0
  add(DailyParticipant("j0", "participant.joined", "s0", kT0));
  add(DailyParticipant("x1", "participant.joined", "s-x", kT0, std::nullopt, "unknown-room"));
  add(DailyParticipant("x2", "participant.joined", "s-y", kT0, std::nullopt, "unknown-room"));

  // On SQLite, hold the write lock so that every event queues up behind the first one: the
  // rest must then be written as one batch (PostgreSQL has no such global lock; its batches
  // form as they come).
  std::optional<store::Session> blocker_session;
  std::optional<store::Transaction> blocker;
  if (!postgres()) {
    blocker_session.emplace(db().Acquire());
    auto tx = blocker_session->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.has_value());
    blocker.emplace(std::move(*tx));
  }
  std::vector<std::optional<Result<Applied>>> results(events.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < events.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = applier.Apply(events[i]); });
  }
  if (blocker) {
    // Every event accepted: the writer holds the first batch (waiting for the lock), the others
    // queue behind it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    while (applier.pending() < events.size() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    EXPECT_EQ(applier.pending(), events.size());
    ASSERT_TRUE(blocker->Commit().has_value());
  }
  for (auto& t : threads) t.join();

  int ok = 0, duplicate = 0, ignored = 0;
  for (auto& result : results) {
    ASSERT_TRUE(result.has_value() && result->has_value())
        << (result && !*result ? (*result).error().ToString() : "no result");
    switch ((*result)->outcome) {
      case Outcome::kOk:
        ++ok;
        break;
      case Outcome::kDuplicate:
        ++duplicate;
        break;
      case Outcome::kIgnored:
        ++ignored;
        break;
    }
  }
  EXPECT_EQ(ok, kSessions);
  EXPECT_EQ(duplicate, 2);
  EXPECT_EQ(ignored, 2);
  EXPECT_EQ(Sessions("meeting-daily").size(), static_cast<size_t>(kSessions));
  EXPECT_EQ(GetMeeting("meeting-daily").num_clients, kSessions);
  auto session = db().Acquire();
  auto stored = store::Query(session, "SELECT COUNT(*) FROM webhook_event", {}, 1);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ((*stored)[0][0], std::to_string(kSessions)) << "ignored events leave no trace";
  const auto stats = applier.stats();
  EXPECT_EQ(stats.events, events.size());
  if (!postgres()) {
    EXPECT_LE(stats.batches, 2u) << "the queued events were not batched";
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ApplyTest, reflector::testing::TestBackends(),
                         reflector::testing::BackendName);

}  // namespace
}  // namespace reflector::tracking
