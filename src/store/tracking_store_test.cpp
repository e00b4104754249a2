// The repositories behind provider webhooks: webhook events, participant and meeting sessions,
// recordings, meeting state, and the minimal job enqueue. On SQLite and PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time_format.hpp"
#include "fakes/test_databases.hpp"
#include "store/jobs.hpp"
#include "store/meeting_sessions.hpp"
#include "store/meeting_state.hpp"
#include "store/meetings.hpp"
#include "store/participant_sessions.hpp"
#include "store/recordings.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"
#include "store/webhook_events.hpp"

namespace reflector::store {
namespace {

using testing::DatabaseTest;

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

class TrackingStoreTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto session = db().Acquire();
    Room room;
    room.id = "room-1";
    room.name = "standup";
    room.user_id = "owner";
    room.created_at = At("2026-01-01T00:00:00Z");
    ASSERT_TRUE(RoomRepository::Create(session, room).has_value());
    Meeting m;
    m.id = "m1";
    m.room_id = "room-1";
    m.room_name = "standup-1";
    m.room_url = "u";
    m.host_room_url = "h";
    m.start_date = At("2026-01-01T00:00:00Z");
    m.end_date = At("2026-01-01T08:00:00Z");
    ASSERT_TRUE(MeetingRepository::Create(session, m).has_value());
  }

  ParticipantInfo Info(const std::string& key, std::optional<TimePoint> joined,
                       std::optional<std::string> name = std::nullopt) {
    return ParticipantInfo{"m1", "room-1", "daily", key, std::nullopt, std::move(name), joined};
  }
};

TEST_P(TrackingStoreTest, WebhookEventIsInsertedOnceByTheUniqueConstraint) {
  auto session = db().Acquire();
  const TimePoint now = At("2026-01-01T01:00:00Z");
  EXPECT_EQ(WebhookEventRepository::Record(session, "daily", "e1", "t", now).value_or(false), true);
  EXPECT_EQ(WebhookEventRepository::Record(session, "daily", "e1", "t", now).value_or(true), false);
  // Same id from another provider is another event.
  EXPECT_EQ(WebhookEventRepository::Record(session, "whereby", "e1", "t", now).value_or(false),
            true);
  EXPECT_EQ(WebhookEventRepository::Exists(session, "daily", "e1").value_or(false), true);
  EXPECT_EQ(WebhookEventRepository::Exists(session, "mock", "e1").value_or(true), false);
}

TEST_P(TrackingStoreTest, ParticipantSessionsAreOrderIndependentAndLeftAtImmutable) {
  auto session = db().Acquire();
  const TimePoint joined = At("2026-01-01T01:00:00Z");
  const TimePoint left = At("2026-01-01T01:30:00Z");
  // left before joined: a closed row; the late join fills joined_at and the name, never reopens.
  // Each call also says whether it opened / closed a session (num_clients follows that).
  EXPECT_EQ(ParticipantSessionRepository::Leave(session, Info("s1", std::nullopt), left), false);
  EXPECT_EQ(ParticipantSessionRepository::Join(session, Info("s1", joined, "Zoë")), false);
  EXPECT_EQ(ParticipantSessionRepository::Leave(session, Info("s1", std::nullopt),
                                                At("2026-01-01T02:00:00Z")),
            false);
  // An open one; a duplicate join with a slightly different joined_at keeps the first.
  EXPECT_EQ(ParticipantSessionRepository::Join(session, Info("s2", joined)), true);
  EXPECT_EQ(ParticipantSessionRepository::Join(
                session, Info("s2", joined + std::chrono::milliseconds(4), "Late name")),
            false);
  auto list = ParticipantSessionRepository::ListForMeeting(session, "m1");
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].session_key, "s1");
  EXPECT_EQ((*list)[0].joined_at, joined);
  EXPECT_EQ((*list)[0].left_at, left);
  EXPECT_EQ((*list)[0].user_name, "Zoë");
  EXPECT_EQ((*list)[1].joined_at, joined);
  EXPECT_EQ((*list)[1].user_name, "Late name");
  EXPECT_EQ(ParticipantSessionRepository::CountOpen(session, "m1").value_or(-1), 1);
  EXPECT_EQ(ParticipantSessionRepository::CloseIfOpen(session, "m1", "s1", left).value_or(true),
            false);
  EXPECT_EQ(ParticipantSessionRepository::CloseIfOpen(session, "m1", "s2", left).value_or(false),
            true);
  EXPECT_EQ(ParticipantSessionRepository::CountOpen(session, "m1").value_or(-1), 0);
  // Open and close by events: s3 joins (opened), leaves (closed), leaves again (nothing).
  EXPECT_EQ(ParticipantSessionRepository::Join(session, Info("s3", joined)), true);
  EXPECT_EQ(ParticipantSessionRepository::Leave(session, Info("s3", std::nullopt), left), true);
  EXPECT_EQ(ParticipantSessionRepository::Leave(session, Info("s3", std::nullopt), left), false);
  // The schema itself refuses to move left_at.
  auto moved = Exec(session, "UPDATE participant_session SET left_at = :t WHERE session_key = 's1'",
                    SqlParams().Time("t", At("2026-01-01T03:00:00Z")));
  ASSERT_FALSE(moved.has_value());
  EXPECT_EQ(moved.error().code, Code::kFailedPrecondition);
}

TEST_P(TrackingStoreTest, MeetingSessionsFillEachColumnOnce) {
  auto session = db().Acquire();
  ASSERT_TRUE(MeetingSessionRepository::RecordEnd(session, "m1", "ms", std::nullopt,
                                                  At("2026-01-01T02:00:00Z")));
  ASSERT_TRUE(
      MeetingSessionRepository::RecordStart(session, "m1", "ms", At("2026-01-01T01:00:00Z")));
  ASSERT_TRUE(
      MeetingSessionRepository::RecordStart(session, "m1", "ms", At("2026-01-01T01:05:00Z")));
  ASSERT_TRUE(MeetingSessionRepository::RecordEnd(session, "m1", "ms", std::nullopt,
                                                  At("2026-01-01T03:00:00Z")));
  auto list = MeetingSessionRepository::ListForMeeting(session, "m1");
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].started_at, At("2026-01-01T01:00:00Z"));
  EXPECT_EQ((*list)[0].ended_at, At("2026-01-01T02:00:00Z"));
}

TEST_P(TrackingStoreTest, MeetingStateUpdatesAreConditional) {
  auto session = db().Acquire();
  EXPECT_EQ(
      MeetingStateRepository::SetNumClientsIfNewer(session, "m1", 3, At("2026-01-01T01:00:02Z"))
          .value_or(false),
      true);
  EXPECT_EQ(
      MeetingStateRepository::SetNumClientsIfNewer(session, "m1", 1, At("2026-01-01T01:00:01Z"))
          .value_or(true),
      false);
  EXPECT_EQ(MeetingRepository::GetById(session, "m1")->num_clients, 3);
  EXPECT_EQ(
      MeetingStateRepository::SetComposedVideoOnce(session, "m1", "a.mp4", 10).value_or(false),
      true);
  EXPECT_EQ(MeetingStateRepository::SetComposedVideoOnce(session, "m1", "b.mp4", 20).value_or(true),
            false);
  auto m = MeetingRepository::GetById(session, "m1");
  EXPECT_EQ(m->daily_composed_video_s3_key, "a.mp4");
  EXPECT_EQ(m->daily_composed_video_duration, 10);
  ASSERT_TRUE(MeetingStateRepository::SetNumClients(session, "m1", 0));
  EXPECT_EQ(MeetingStateRepository::SetNumClients(session, "nope", 0).error().code,
            Code::kNotFound);
  auto active = MeetingStateRepository::ListActive(session);
  ASSERT_TRUE(active.has_value());
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].end_date, At("2026-01-01T08:00:00Z"));
}

TEST_P(TrackingStoreTest, RecordingQueuedOnceAndLateFailureKeepsItQueued) {
  auto session = db().Acquire();
  ASSERT_TRUE(RecordingRepository::RememberStarted(session, "rec-1", "m1", "raw-tracks",
                                                   At("2026-01-01T01:00:00Z")));
  ReadyRecording ready;
  ready.provider_recording_id = "rec-1";
  ready.meeting_id = "m1";
  ready.type = "raw-tracks";
  ready.bucket_name = "b";
  ready.object_key = "k";
  ready.recorded_at = At("2026-01-01T01:00:00Z");
  ready.duration = 62.5;
  ready.track_keys = R"(["a1"])";
  auto first = RecordingRepository::MarkReady(session, ready, At("2026-01-01T01:30:00Z"));
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  ASSERT_TRUE(first->has_value());
  auto second = RecordingRepository::MarkReady(session, ready, At("2026-01-01T01:30:00Z"));
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->has_value());
  auto failed = RecordingRepository::MarkFailed(session, "m1", "raw-tracks", "late error",
                                                At("2026-01-01T02:00:00Z"));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(*failed, **first);
  auto rec = RecordingRepository::GetByProviderId(session, "rec-1");
  ASSERT_TRUE(rec.has_value());
  // Queued for processing once; a later provider error does not stop that.
  EXPECT_EQ(rec->status, "pending");
  EXPECT_EQ(rec->queued_at, At("2026-01-01T01:30:00Z"));
  EXPECT_EQ(rec->error, "late error");
  EXPECT_EQ(rec->duration, 62.5);
  EXPECT_EQ(RecordingRepository::GetByProviderId(session, "nope").error().code, Code::kNotFound);
}

TEST_P(TrackingStoreTest, EnqueueCoalescesQueuedJobsByDedupKey) {
  auto session = db().Acquire();
  const TimePoint now = At("2026-01-01T01:00:00Z");
  NewJob job;
  job.kind = std::string(job_kind::kDailyPresenceReconcile);
  job.payload_json = R"({"meeting_id":"m1"})";
  job.dedup_key = "presence:m1";
  auto first = JobRepository::Enqueue(session, job, now);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_FALSE(first->coalesced);
  auto second = JobRepository::Enqueue(session, job, now);
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_TRUE(second->coalesced);
  EXPECT_EQ(second->job_id, first->job_id);
  // Once the queued job runs, the key is free again.
  ASSERT_TRUE(Exec(session, "UPDATE job SET status = 'running'"));
  auto third = JobRepository::Enqueue(session, job, now);
  ASSERT_TRUE(third.has_value());
  EXPECT_FALSE(third->coalesced);
  // No dedup key: never coalesced.
  job.dedup_key.reset();
  EXPECT_FALSE(JobRepository::Enqueue(session, job, now)->coalesced);
  EXPECT_FALSE(JobRepository::Enqueue(session, job, now)->coalesced);
  auto rows = Query(session, "SELECT COUNT(*) FROM job", {}, 1);
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ(rows->front()[0], "4");
}

INSTANTIATE_TEST_SUITE_P(Backends, TrackingStoreTest, testing::TestBackends(),
                         testing::BackendName);

}  // namespace
}  // namespace reflector::store
