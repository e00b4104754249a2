// End-to-end: the job handlers that follow meetings (contract §5.1, §6; reference §6.2, §6.3) run
// by `reflector serve`'s in-process workers, on SQLite and PostgreSQL:
//   - a Daily participant event queues a presence reconciliation, which the worker runs against
//     the (fake) Daily presence API: present participants get sessions, stale ones are closed;
//   - the meeting deactivation job deactivates a meeting everyone left long ago and keeps one with
//     a participant still in it.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/time_format.hpp"
#include "fakes/fake_daily_server.hpp"
#include "platforms/daily/daily_signature.hpp"
#include "store/database.hpp"
#include "store/jobs.hpp"
#include "store/meetings.hpp"
#include "store/participant_sessions.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"
#include "support/reflector_server.hpp"

namespace reflector::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kDailySecret[] = "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=";
constexpr char kDailyRoom[] = "standup-20260101120000";

// Polls `done` until it holds or `timeout` passes (no fixed sleeps).
bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class TrackingJobsE2E : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
    server_ = std::make_unique<ReflectorServer>(
        GetParam(), std::map<std::string, std::string>{{"DAILY_API_KEY", daily_.api_key()},
                                                       {"DAILY_API_URL", daily_.api_url()},
                                                       {"DAILY_WEBHOOK_SECRET", kDailySecret},
                                                       {"WORKER_THREADS", "1"},
                                                       {"LOG_LEVEL", "info"}});
    ASSERT_TRUE(server_->started()) << server_->error();
    auto opened = store::Database::Open(server_->database_url(), 2);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    db_ = std::move(*opened);
    auto session = db_->Acquire();
    store::Room room;
    room.id = "room-1";
    room.name = "standup";
    room.user_id = "owner";
    room.created_at = std::chrono::system_clock::now() - 2h;
    ASSERT_TRUE(store::RoomRepository::Create(session, room).has_value());
  }

  void AddMeeting(const std::string& id, const std::string& platform,
                  const std::string& room_name) {
    auto session = db_->Acquire();
    store::Meeting m;
    m.id = id;
    m.room_id = "room-1";
    m.platform = platform;
    m.room_name = room_name;
    m.room_url = "https://example.test/" + room_name;
    m.host_room_url = m.room_url;
    m.start_date = std::chrono::system_clock::now() - 1h;
    m.end_date = std::chrono::system_clock::now() + 7h;
    ASSERT_TRUE(store::MeetingRepository::Create(session, m).has_value());
  }

  std::map<std::string, store::ParticipantSession> Sessions(const std::string& meeting_id) {
    auto session = db_->Acquire();
    auto list = store::ParticipantSessionRepository::ListForMeeting(session, meeting_id);
    std::map<std::string, store::ParticipantSession> out;
    if (list) {
      for (auto& s : *list) out[s.session_key] = s;
    }
    return out;
  }

  store::Meeting Meeting(const std::string& id) {
    auto session = db_->Acquire();
    auto meeting = store::MeetingRepository::GetById(session, id);
    EXPECT_TRUE(meeting.has_value());
    return meeting ? *meeting : store::Meeting{};
  }

  fakes::FakeDailyServer daily_;
  std::unique_ptr<ReflectorServer> server_;
  std::unique_ptr<store::Database> db_;
};

TEST_P(TrackingJobsE2E, ADailyJoinQueuesAPresenceReconciliationThatTheWorkerRuns) {
  AddMeeting("meeting-daily", "daily", kDailyRoom);
  // Daily's view: the room exists and one participant is in it, whom no webhook told us about.
  httplib::Client api("127.0.0.1", daily_.port());
  auto created = api.Post("/v1/rooms", {{"Authorization", "Bearer " + daily_.api_key()}},
                          json({{"name", kDailyRoom}}).dump(), "application/json");
  ASSERT_TRUE(created && created->status == 200);
  daily_.AddParticipant(kDailyRoom,
                        {{"id", "p-present"},
                         {"userId", "u-present"},
                         {"userName", "Present Zoë"},
                         {"joinTime", FormatIso8601(std::chrono::system_clock::now() - 5min)},
                         {"duration", 300}});

  // A join for a session Daily no longer lists (it joined 10 minutes ago and its `left` was
  // lost): the receiver opens it and queues the reconciliation.
  const std::string body = json{
      {"version", "1.0.0"},
      {"type", "participant.joined"},
      {"id", "join-s-gone"},
      {"payload",
       {{"room", kDailyRoom},
        {"session_id", "s-gone"},
        {"user_id", "u-gone"},
        {"user_name", "Gone"},
        {"joined_at", UnixNow() - 600}}},
      {"event_ts",
       UnixNow() - 600}}.dump();
  const std::string ts = std::to_string(UnixNow());
  auto res =
      server_->client().Post("/v1/daily/webhook",
                             {{"X-Webhook-Signature", platforms::SignDaily(body, ts, kDailySecret)},
                              {"X-Webhook-Timestamp", ts}},
                             body, "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;

  ASSERT_TRUE(Eventually([&] {
    auto sessions = Sessions("meeting-daily");
    return sessions.count("p-present") == 1 && sessions.count("s-gone") == 1 &&
           sessions["s-gone"].left_at.has_value();
  })) << server_->Output();
  auto sessions = Sessions("meeting-daily");
  EXPECT_FALSE(sessions["p-present"].left_at.has_value());
  EXPECT_EQ(sessions["p-present"].user_name, "Present Zoë");
  EXPECT_EQ(Meeting("meeting-daily").num_clients, 1);
  EXPECT_GE(daily_.requests(fakes::kDailyPresence).size(), 1u);
}

TEST_P(TrackingJobsE2E, DeactivationClosesAMeetingEveryoneLeftAndKeepsAnOccupiedOne) {
  AddMeeting("meeting-empty", "mock", "standup-empty");
  AddMeeting("meeting-busy", "mock", "standup-busy");
  const auto now = std::chrono::system_clock::now();
  {
    auto session = db_->Acquire();
    store::ParticipantInfo left{"meeting-empty", "room-1", "mock",     "s1",
                                std::nullopt,    "A",      now - 30min};
    ASSERT_TRUE(store::ParticipantSessionRepository::Join(session, left).has_value());
    ASSERT_TRUE(store::ParticipantSessionRepository::Leave(session, left, now - 20min));
    store::ParticipantInfo staying{"meeting-busy", "room-1", "mock",     "s2",
                                   std::nullopt,   "B",      now - 30min};
    ASSERT_TRUE(store::ParticipantSessionRepository::Join(session, staying).has_value());
    // The periodic job runs every 60 s; run one now.
    store::NewJob job;
    job.kind = std::string(store::job_kind::kMeetingDeactivation);
    ASSERT_TRUE(store::JobRepository::Enqueue(session, job, now).has_value());
  }
  ASSERT_TRUE(Eventually([&] { return !Meeting("meeting-empty").is_active; })) << server_->Output();
  EXPECT_TRUE(Meeting("meeting-busy").is_active);
  // The room's active meetings no longer list it.
  auto active = server_->client().Get("/v1/rooms/standup/meetings/active");
  ASSERT_TRUE(active && active->status == 200);
  auto listed = json::parse(active->body);
  ASSERT_EQ(listed.size(), 1u) << active->body;
  EXPECT_EQ(listed[0]["id"], "meeting-busy");
}

// Contract §5: the 200 is sent only after the event is committed — so every event that got its
// 200 is in the database after the server is killed with SIGKILL in the middle of the traffic.
// Sends signed unique events from 8 clients, calls `stop` once a quarter are answered, and checks
// that every event answered {"status":"ok"} is in the database afterwards.
void SendStopAndCheck(ReflectorServer& server, const std::function<void()>& stop);

TEST_P(TrackingJobsE2E, EveryAnsweredEventSurvivesKill9) {
  AddMeeting("meeting-daily", "daily", kDailyRoom);
  SendStopAndCheck(*server_, [this] { server_->Kill(); });
}

// SIGTERM mid-stream: the graceful stop answers the events already handed to the writer (deferred
// requests count as running handlers) and exits 0.
TEST_P(TrackingJobsE2E, EveryAnsweredEventSurvivesAGracefulStop) {
  AddMeeting("meeting-daily", "daily", kDailyRoom);
  SendStopAndCheck(*server_, [this] { EXPECT_EQ(server_->Stop(), 0); });
}

void SendStopAndCheck(ReflectorServer& server, const std::function<void()>& stop) {
  ReflectorServer* server_ = &server;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::atomic<int> answered{0};
  std::vector<std::vector<std::string>> accepted(kThreads);
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_read_timeout(10, 0);
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "kill-" + std::to_string(t) + "-" + std::to_string(i);
        const std::string body = json{
            {"version", "1.0.0"},
            {"type", "participant.joined"},
            {"id", id},
            {"payload",
             {{"room", kDailyRoom}, {"session_id", "s-" + id}, {"joined_at", UnixNow()}}},
            {"event_ts", UnixNow()}}.dump();
        const std::string ts = std::to_string(UnixNow());
        auto res =
            client.Post("/v1/daily/webhook",
                        {{"X-Webhook-Signature", platforms::SignDaily(body, ts, kDailySecret)},
                         {"X-Webhook-Timestamp", ts}},
                        body, "application/json");
        if (!res) return;  // the server is gone
        if (res->status == 200 &&
            json::parse(res->body, nullptr, false) == json({{"status", "ok"}})) {
          accepted[t].push_back(id);
          ++answered;
        }
      }
    });
  }
  // Stop it mid-stream, once a good part of the traffic has been answered.
  ASSERT_TRUE(Eventually([&] { return answered.load() >= kThreads * kPerThread / 4; }))
      << server_->Output();
  stop();
  for (auto& s : senders) s.join();
  ASSERT_LT(answered.load(), kThreads * kPerThread) << "the stop came too late to mean anything";

  // A fresh connection (after a SIGKILL, SQLite recovers from its WAL; PostgreSQL never noticed).
  auto reopened = store::Database::Open(server_->database_url(), 1);
  ASSERT_TRUE(reopened.has_value()) << reopened.error().ToString();
  auto session = (*reopened)->Acquire();
  int missing = 0;
  for (const auto& ids : accepted) {
    for (const auto& id : ids) {
      auto row = store::QueryOptional(
          session, "SELECT event_id FROM webhook_event WHERE provider = 'daily' AND event_id = :id",
          store::SqlParams().Text("id", id), 1);
      ASSERT_TRUE(row.has_value()) << row.error().ToString();
      if (!*row) ++missing;
    }
  }
  EXPECT_EQ(missing, 0) << "of " << answered.load() << " answered events";
}

INSTANTIATE_TEST_SUITE_P(Backends, TrackingJobsE2E, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reflector::testing
