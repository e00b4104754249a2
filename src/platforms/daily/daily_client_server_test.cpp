// Black-box tests of DailyClient against the loopback fake Daily API (tests/fakes/
// fake_daily_server.hpp), through the production transport stack: RetryingTransport over
// CurlTransport, with the retry sleep recorded instead of slept.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "core/time_format.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_daily_server.hpp"
#include "net/curl_transport.hpp"
#include "net/retrying_transport.hpp"
#include "platforms/daily/daily_client.hpp"

namespace reflector::platforms {
namespace {

using fakes::FakeDailyServer;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1768478400;  // 2026-01-15T12:00:00Z

class DailyClientServerTest : public ::testing::Test {
 protected:
  DailyClientServerTest()
      : clock_(FromUnixSeconds(kNow)),
        retrying_(curl_, clock_, net::RetryPolicy{},
                  net::RetryHooks{[this](std::chrono::milliseconds d) {
                                    std::lock_guard lock(mu_);
                                    sleeps_.push_back(d);
                                  },
                                  [] { return 0.0; }}),
        client_(Config(), std::chrono::seconds(300), retrying_, clock_) {}

  DailyConfig Config(std::string api_key = "") const {
    DailyConfig config;
    config.api_key = api_key.empty() ? server_.api_key() : api_key;
    config.api_url = server_.api_url();
    config.storage_bucket = "reflector-dailyco";
    config.storage_region = "us-west-2";
    config.storage_role_arn = "arn:aws:iam::123:role/daily";
    return config;
  }

  std::vector<std::chrono::milliseconds> sleeps() {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

  static RoomSettings Room(std::string name, bool locked = false, std::string recording = "none") {
    RoomSettings room;
    room.name = std::move(name);
    room.is_locked = locked;
    room.recording_type = std::move(recording);
    return room;
  }

  MeetingData CreateRoom(const std::string& name, std::string recording = "none") {
    auto meeting = client_.CreateMeeting(Room(name, false, std::move(recording)),
                                         FromUnixSeconds(kNow + 3600));
    EXPECT_TRUE(meeting) << meeting.error().ToString();
    return meeting.value_or(MeetingData{});
  }

  // Declared first: destroyed last, after the transport has closed its connections.
  FakeDailyServer server_;
  fakes::FakeClock clock_;
  net::CurlTransport curl_;
  std::mutex mu_;
  std::vector<std::chrono::milliseconds> sleeps_;  // guarded by mu_
  net::RetryingTransport retrying_;
  DailyClient client_;
};

TEST_F(DailyClientServerTest, CreateGetPresenceDeleteRoundTrip) {
  const MeetingData meeting = CreateRoom("team-standup");
  EXPECT_EQ(meeting.platform, "daily");
  EXPECT_EQ(meeting.room_name, "team-standup-20260115120000");
  EXPECT_EQ(meeting.room_url, "https://reflector-test.daily.co/team-standup-20260115120000");
  EXPECT_EQ(meeting.host_room_url, meeting.room_url);
  EXPECT_EQ(meeting.provider_meeting_id.size(), 36u);

  // The server saw Daily's wire format.
  auto creates = server_.requests(fakes::kDailyCreateRoom);
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_EQ(creates[0].path, "/v1/rooms");
  EXPECT_EQ(creates[0].header("Authorization"), "Bearer " + server_.api_key());
  EXPECT_EQ(creates[0].header("Content-Type"), "application/json");
  EXPECT_EQ(creates[0].json["privacy"], "public");
  EXPECT_EQ(creates[0].json["properties"]["exp"], kNow + 3600);

  auto room = client_.GetRoom(meeting.room_name);
  ASSERT_TRUE(room) << room.error().ToString();
  EXPECT_EQ(room->id, meeting.provider_meeting_id);
  EXPECT_EQ(room->url, meeting.room_url);
  EXPECT_TRUE(room->api_created);
  EXPECT_EQ(room->config["enable_knocking"], false);

  auto empty = client_.GetRoomSessions(meeting.room_name);
  ASSERT_TRUE(empty) << empty.error().ToString();
  EXPECT_TRUE(empty->empty());

  server_.AddParticipant(meeting.room_name, {{"id", "d61cd7b2-a273-42b4-89bd-be763fd562c1"},
                                             {"userId", "user-1"},
                                             {"userName", "Alice"},
                                             {"joinTime", "2026-01-15T12:01:00.000Z"},
                                             {"duration", 60}});
  server_.AddParticipant(meeting.room_name, {{"id", "anon-session"},
                                             {"userId", nullptr},
                                             {"userName", nullptr},
                                             {"joinTime", "2026-01-15T12:02:00.000Z"},
                                             {"duration", 0}});
  auto sessions = client_.GetRoomSessions(meeting.room_name);
  ASSERT_TRUE(sessions) << sessions.error().ToString();
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ((*sessions)[0].session_id, "d61cd7b2-a273-42b4-89bd-be763fd562c1");
  EXPECT_EQ((*sessions)[0].started_at, FromUnixSeconds(kNow + 60));
  EXPECT_EQ((*sessions)[0].ended_at, std::nullopt);
  auto presence = client_.GetPresence(meeting.room_name);
  ASSERT_TRUE(presence);
  EXPECT_EQ((*presence)[0].user_id, "user-1");
  EXPECT_EQ((*presence)[0].user_name, "Alice");
  EXPECT_EQ((*presence)[0].duration_seconds, 60);
  EXPECT_EQ((*presence)[1].user_id, std::nullopt);

  ASSERT_TRUE(client_.DeleteRoom(meeting.room_name));
  EXPECT_EQ(server_.room_count(), 0u);
  EXPECT_TRUE(client_.DeleteRoom(meeting.room_name));  // Daily answers 404: still success
  EXPECT_EQ(server_.requests(fakes::kDailyDeleteRoom).size(), 2u);

  auto gone = client_.GetRoom(meeting.room_name);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Code::kBadGateway);
  EXPECT_EQ(gone.error().upstream_status, 404);
  EXPECT_THAT(gone.error().message, HasSubstr("not found"));
  EXPECT_TRUE(sleeps().empty());
}

TEST_F(DailyClientServerTest, LockedCloudRoomCarriesPrivacyKnockingAndBucket) {
  auto meeting =
      client_.CreateMeeting(Room("board", /*locked=*/true, "cloud"), FromUnixSeconds(kNow + 600));
  ASSERT_TRUE(meeting) << meeting.error().ToString();
  auto room = server_.room(meeting->room_name);
  ASSERT_TRUE(room);
  EXPECT_EQ((*room)["privacy"], "private");
  EXPECT_EQ((*room)["config"]["enable_knocking"], true);
  EXPECT_EQ((*room)["config"]["recordings_bucket"]["bucket_name"], "reflector-dailyco");
  EXPECT_EQ((*room)["config"]["recordings_bucket"]["allow_api_access"], true);
}

TEST_F(DailyClientServerTest, MeetingTokenIsAppendedToRoomUrl) {
  const MeetingData meeting = CreateRoom("standup");
  auto token = client_.CreateMeetingToken(meeting.room_name, "user-1", /*is_owner=*/true,
                                          /*enable_recording_ui=*/false);
  ASSERT_TRUE(token) << token.error().ToString();
  EXPECT_EQ(std::count(token->begin(), token->end(), '.'), 2);  // JWT-shaped

  auto requests = server_.requests(fakes::kDailyCreateToken);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].json, json({{"properties",
                                     {{"room_name", meeting.room_name},
                                      {"user_id", "user-1"},
                                      {"is_owner", true},
                                      {"enable_recording_ui", false},
                                      {"eject_at_token_exp", false}}}}));
  EXPECT_EQ(AppendTokenToUrl(meeting.room_url, *token), meeting.room_url + "?t=" + *token);
}

TEST_F(DailyClientServerTest, StartRecordingTwiceIsAlreadyActive) {
  const MeetingData meeting = CreateRoom("rec", "cloud");
  const std::string meeting_id = meeting.provider_meeting_id;

  auto cloud = client_.StartRecording(meeting.room_name, "cloud", meeting_id);
  ASSERT_TRUE(cloud) << cloud.error().ToString();
  EXPECT_FALSE(cloud->already_active);
  EXPECT_TRUE(cloud->result.contains("recordingId"));

  auto raw =
      client_.StartRecording(meeting.room_name, "raw-tracks", RawTracksInstanceId(meeting_id));
  ASSERT_TRUE(raw) << raw.error().ToString();
  EXPECT_FALSE(raw->already_active);

  // A second participant asks for the same cloud recording.
  auto again = client_.StartRecording(meeting.room_name, "cloud", meeting_id);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_TRUE(again->already_active);
  EXPECT_THAT(again->result["info"].get<std::string>(), HasSubstr("has an active stream"));

  auto starts = server_.requests(fakes::kDailyStartRecording);
  ASSERT_EQ(starts.size(), 3u);  // a 400 is never retried
  EXPECT_EQ(starts[1].path, "/v1/rooms/" + meeting.room_name + "/recordings/start");
  EXPECT_EQ(starts[1].json,
            json({{"type", "raw-tracks"}, {"instanceId", RawTracksInstanceId(meeting_id)}}));

  auto listed = client_.ListRecordings(meeting.room_name);
  ASSERT_TRUE(listed) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].type, "raw-tracks");  // newest first
  EXPECT_EQ((*listed)[0].status, "in-progress");
  EXPECT_FALSE((*listed)[0].finished());
}

TEST_F(DailyClientServerTest, StartRecordingInUnknownRoomIsBadGateway) {
  auto result = client_.StartRecording("nope", "cloud", "4ad503b6-8189-4910-a8f7-68cdd1b7f990");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kBadGateway);
  EXPECT_EQ(result.error().upstream_status, 404);
}

TEST_F(DailyClientServerTest, ListRecordingsSurvivesNullDurationAndNullTypeRows) {
  server_.AddRecording(json::parse(R"({"id":"rec-finished","room_name":"r-20260115120000",
      "start_ts":1768478500,"status":"finished","max_participants":2,"duration":277,
      "share_token":"TivXjlD22QQt","s3key":"reflector-test/r-20260115120000/1768478500",
      "mtgSessionId":"257764e6-c74e-4c30-944a-a887a03173a3","tracks":[]})"));
  server_.AddRecording(json::parse(R"({"id":"rec-null-duration","room_name":"r-20260115120000",
      "start_ts":1768478600,"status":"finished","max_participants":1,"duration":null,
      "type":null,"tracks":[]})"));
  server_.AddRecording(json::parse(R"({"id":"rec-null-type","room_name":"r-20260115120000",
      "start_ts":1768478700,"status":"in-progress","type":null,"tracks":null})"));
  server_.AddRecording(json::parse(R"({"room_name":"r-20260115120000","start_ts":1768478800,
      "status":"finished","duration":5})"));
  server_.AddRecording(json::parse(R"({"id":"other-room","room_name":"other","start_ts":1,
      "status":"finished","duration":1})"));

  auto recordings = client_.ListRecordings("r-20260115120000");
  ASSERT_TRUE(recordings) << recordings.error().ToString();
  std::vector<std::string> ids;
  for (const auto& r : *recordings) ids.push_back(r.id);
  EXPECT_THAT(ids, ElementsAre("rec-null-type", "rec-null-duration", "rec-finished"));
  EXPECT_EQ((*recordings)[1].duration, std::nullopt);
  EXPECT_FALSE((*recordings)[1].finished());
  EXPECT_TRUE((*recordings)[2].finished());

  auto request = server_.requests(fakes::kDailyListRecordings).at(0);
  EXPECT_EQ(request.param("limit"), "100");
  EXPECT_EQ(request.param("room_name"), "r-20260115120000");

  auto page = client_.ListRecordings(std::nullopt, "rec-null-type", std::nullopt, 1);
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, "rec-null-duration");

  auto one = client_.GetRecording("rec-finished");
  ASSERT_TRUE(one) << one.error().ToString();
  EXPECT_EQ(one->duration, 277);
  auto link = client_.GetRecordingAccessLink("rec-finished", 900);
  ASSERT_TRUE(link) << link.error().ToString();
  EXPECT_THAT(link->download_link, HasSubstr("r-20260115120000/1768478500"));
  EXPECT_GT(link->expires, 0);
  EXPECT_EQ(server_.requests(fakes::kDailyAccessLink).at(0).param("valid_for_secs"), "900");
}

TEST_F(DailyClientServerTest, RateLimitWithRetryAfterIsWaitedThenSucceeds) {
  const MeetingData meeting = CreateRoom("busy");
  server_.ClearRequests();
  server_.Script(fakes::kDailyGetRoom,
                 {429, R"({"error":"rate-limit-error"})", {{"Retry-After", "2"}}});
  auto room = client_.GetRoom(meeting.room_name);
  ASSERT_TRUE(room) << room.error().ToString();
  EXPECT_EQ(room->name, meeting.room_name);
  EXPECT_THAT(sleeps(), ElementsAre(std::chrono::milliseconds(2000)));
  EXPECT_EQ(server_.requests(fakes::kDailyGetRoom).size(), 2u);
}

TEST_F(DailyClientServerTest, ServerErrorThenSuccessIsRetried) {
  server_.Script(fakes::kDailyCreateRoom, {500, R"({"error":"server-error"})", {}});
  const MeetingData meeting = CreateRoom("flaky");
  EXPECT_EQ(meeting.room_name, "flaky-20260115120000");
  EXPECT_EQ(server_.requests(fakes::kDailyCreateRoom).size(), 2u);
  EXPECT_EQ(server_.room_count(), 1u);
  EXPECT_EQ(sleeps().size(), 1u);
}

TEST_F(DailyClientServerTest, PersistentServerErrorIsBadGatewayAfterBoundedRetries) {
  server_.Script(fakes::kDailyPresence, {503, R"({"error":"server-error"})", {}}, 10);
  auto result = client_.GetPresence("r");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kBadGateway);
  EXPECT_EQ(result.error().upstream_status, 503);
  EXPECT_EQ(server_.requests(fakes::kDailyPresence).size(), 4u);  // RetryPolicy::max_attempts
}

TEST_F(DailyClientServerTest, NotFoundIsNotRetried) {
  auto room = client_.GetRoom("missing-room");
  ASSERT_FALSE(room);
  EXPECT_EQ(room.error().code, Code::kBadGateway);
  EXPECT_EQ(room.error().upstream_status, 404);
  EXPECT_EQ(room.error().message,
            "Daily.co API error: get room failed with status 404: room missing-room not found");
  EXPECT_EQ(server_.requests(fakes::kDailyGetRoom).size(), 1u);
  EXPECT_TRUE(sleeps().empty());
}

TEST_F(DailyClientServerTest, MalformedJsonIsInternal) {
  server_.Script(fakes::kDailyGetRoom, {200, R"({"id":"abc","name":)", {}});
  auto room = client_.GetRoom("whatever");
  ASSERT_FALSE(room);
  EXPECT_EQ(room.error().code, Code::kInternal);
  EXPECT_EQ(room.error().message, "Daily.co returned a malformed response to get room");

  server_.Script(fakes::kDailyCreateRoom, {200, R"({"id":1,"name":"n","url":"u"})", {}});
  auto meeting = client_.CreateMeeting(Room("x"), FromUnixSeconds(kNow + 60));
  ASSERT_FALSE(meeting);
  EXPECT_EQ(meeting.error().code, Code::kInternal);
}

TEST_F(DailyClientServerTest, WrongApiKeyIsBadGateway401WithoutLeakingTheKey) {
  DailyClient wrong(Config("not-the-right-key-123"), std::chrono::seconds(300), retrying_, clock_);
  auto room = wrong.GetRoom("r");
  ASSERT_FALSE(room);
  EXPECT_EQ(room.error().code, Code::kBadGateway);
  EXPECT_EQ(room.error().upstream_status, 401);
  EXPECT_EQ(room.error().message,
            "Daily.co API error: get room failed with status 401: authentication-error");
  EXPECT_THAT(room.error().ToString(), Not(HasSubstr("not-the-right-key-123")));
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(DailyClientServerTest, UnreachableServerIsUnavailable) {
  DailyConfig config = Config();
  config.api_url = "http://127.0.0.1:1/v1";  // nothing listens on port 1
  net::CurlTransport curl;
  DailyClient offline(config, std::chrono::seconds(300), curl, clock_);
  auto room = offline.GetRoom("r");
  ASSERT_FALSE(room);
  EXPECT_EQ(room.error().code, Code::kUnavailable);
}

TEST_F(DailyClientServerTest, WebhookSubscriptionLifecycle) {
  const std::string secret = "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=";
  auto created =
      client_.CreateWebhook("https://reflector.example/v1/daily/webhook",
                            {"participant.joined", "participant.left", "recording.started",
                             "recording.ready-to-download", "recording.error"},
                            secret);
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_EQ(created->hmac, secret);
  EXPECT_EQ(created->state, "ACTIVE");
  EXPECT_EQ(created->event_types.size(), 5u);

  auto listed = client_.ListWebhooks();
  ASSERT_TRUE(listed) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].uuid, created->uuid);

  ASSERT_TRUE(client_.DeleteWebhook(created->uuid));
  EXPECT_TRUE(server_.webhooks().empty());
  auto again = client_.DeleteWebhook(created->uuid);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().upstream_status, 404);

  // Daily's {"data": [...]} variant, scripted.
  server_.Script(fakes::kDailyListWebhooks,
                 {200, R"({"data":[{"uuid":"u1","url":"https://x","eventTypes":[]}]})", {}});
  auto wrapped = client_.ListWebhooks();
  ASSERT_TRUE(wrapped) << wrapped.error().ToString();
  ASSERT_EQ(wrapped->size(), 1u);
  EXPECT_EQ((*wrapped)[0].uuid, "u1");
}

TEST_F(DailyClientServerTest, ConcurrentCallsShareOneClient) {
  constexpr int kThreads = 4;
  constexpr int kRoomsPerThread = 5;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures] {
      for (int i = 0; i < kRoomsPerThread; ++i) {
        const std::string prefix = "t" + std::to_string(t) + "-r" + std::to_string(i);
        auto meeting = client_.CreateMeeting(Room(prefix), FromUnixSeconds(kNow + 60));
        if (!meeting || !client_.GetRoom(meeting->room_name) ||
            !client_.DeleteRoom(meeting->room_name)) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server_.room_count(), 0u);
  EXPECT_EQ(server_.request_count(), static_cast<size_t>(3 * kThreads * kRoomsPerThread));
}

}  // namespace
}  // namespace reflector::platforms
