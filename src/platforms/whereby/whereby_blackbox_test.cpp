// Black-box tests of WherebyClient against the loopback FakeWhereby server, through the real
// CurlTransport wrapped in RetryingTransport (sleep replaced by a recorder): what Whereby sees on
// the wire, and how retries and errors surface.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "fakes/fake_whereby_server.hpp"
#include "net/curl_transport.hpp"
#include "net/retrying_transport.hpp"
#include "platforms/whereby/whereby_client.hpp"

namespace reflector::platforms {
namespace {

using fakes::FakeWherebyServer;
using std::chrono::hours;
using std::chrono::milliseconds;

class WherebyBlackBoxTest : public ::testing::Test {
 protected:
  WherebyBlackBoxTest()
      : retrying_(curl_, clock_, net::RetryPolicy{},
                  net::RetryHooks{[this](milliseconds delay) {
                                    std::lock_guard lock(mu_);
                                    delays_.push_back(delay);
                                  },
                                  [] { return 0.5; }}) {}

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("whereby-bb-" + NewUuid4());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  WherebyConfig Config(std::string api_key = "") const {
    WherebyConfig config;
    config.api_key = api_key.empty() ? server_.api_key() : api_key;
    config.api_url = server_.api_url();
    config.webhook_secret = "whereby-test-secret";
    config.storage_bucket = "reflector-whereby/recordings";
    config.storage_region = "eu-west-1";
    config.storage_access_key_id = "AKIAWHEREBY";
    config.storage_secret_access_key = "whereby-s3-secret";
    return config;
  }

  std::unique_ptr<WherebyClient> Client(std::string api_key = "") {
    return std::make_unique<WherebyClient>(Config(std::move(api_key)), std::chrono::seconds(300),
                                           retrying_, clock_);
  }

  static RoomSettings Room(std::string recording = "cloud") {
    RoomSettings room;
    room.id = "room-1";
    room.name = "Team-Standup";
    room.is_locked = true;
    room.room_mode = "group";
    room.recording_type = std::move(recording);
    room.recording_trigger = "automatic-2nd-participant";
    return room;
  }

  std::vector<milliseconds> delays() {
    std::lock_guard lock(mu_);
    return delays_;
  }

  // Declared first: destroyed last, after the transports have closed their connections.
  FakeWherebyServer server_;
  SystemClock clock_;
  net::CurlTransport curl_;
  std::mutex mu_;
  std::vector<milliseconds> delays_;  // guarded by mu_
  net::RetryingTransport retrying_;
  std::unique_ptr<WherebyClient> client_ = Client();
  std::filesystem::path dir_;
};

TEST_F(WherebyBlackBoxTest, CreateMeetingThenSessionsThenLogo) {
  // --- create ---
  auto meeting = client_->CreateMeeting(Room(), clock_.Now() + hours(2));
  ASSERT_TRUE(meeting) << meeting.error().ToString();
  EXPECT_EQ(meeting->platform, "whereby");
  EXPECT_FALSE(meeting->provider_meeting_id.empty());
  // "/" + our prefix "team-standup-" + Whereby's uuid.
  ASSERT_TRUE(meeting->room_name.starts_with("/team-standup-")) << meeting->room_name;
  EXPECT_EQ(meeting->room_name.size(), 1 + 13 + 36u);
  EXPECT_EQ(meeting->room_url, "https://reflector-test.whereby.com" + meeting->room_name);
  EXPECT_TRUE(meeting->host_room_url.starts_with(meeting->room_url + "?roomKey="));

  auto creates = server_.requests(fakes::kWherebyCreateMeeting);
  ASSERT_EQ(creates.size(), 1u);
  const auto& create = creates.front();
  EXPECT_EQ(create.path, "/v1/meetings");
  EXPECT_EQ(create.header("Authorization"), "Bearer " + server_.api_key());
  EXPECT_EQ(create.header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(create.json["isLocked"], true);
  EXPECT_EQ(create.json["roomMode"], "group");
  EXPECT_EQ(create.json["roomNamePrefix"], "team-standup-");
  EXPECT_EQ(create.json["recording"]["destination"]["bucket"], "reflector-whereby/recordings");
  EXPECT_EQ(create.json["recording"]["startTrigger"], "automatic-2nd-participant");
  ASSERT_TRUE(server_.meeting(meeting->provider_meeting_id));

  // --- sessions (three sessions over two pages) ---
  server_.SetMaxPageSize(2);
  server_.AddRoomSession(meeting->room_name,
                         FakeWherebyServer::Session("s-1", "2026-01-01T10:00:00.000Z",
                                                    "2026-01-01T10:30:00.000Z", 60));
  server_.AddRoomSession(meeting->room_name,
                         FakeWherebyServer::Session("s-2", "2026-01-01T11:00:00.000Z"));
  server_.AddRoomSession(
      meeting->room_name,
      FakeWherebyServer::Session("s-3", "2026-01-01T12:00:00.000Z", "2026-01-01T12:01:00.000Z", 2));
  server_.AddRoomSession("/another-room", FakeWherebyServer::Session("x", "2026-01-01T00:00:00Z"));

  auto sessions = client_->GetRoomSessions(meeting->room_name);
  ASSERT_TRUE(sessions) << sessions.error().ToString();
  ASSERT_EQ(sessions->size(), 3u);
  EXPECT_EQ((*sessions)[0].session_id, "s-1");
  EXPECT_EQ((*sessions)[0].started_at, *ParseIso8601("2026-01-01T10:00:00Z"));
  EXPECT_EQ((*sessions)[0].ended_at, *ParseIso8601("2026-01-01T10:30:00Z"));
  EXPECT_EQ((*sessions)[1].session_id, "s-2");
  EXPECT_EQ((*sessions)[1].ended_at, std::nullopt);
  EXPECT_EQ((*sessions)[2].session_id, "s-3");

  auto pages = server_.requests(fakes::kWherebyRoomSessions);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].param("roomName"), meeting->room_name);
  EXPECT_EQ(pages[0].param("limit"), "100");
  EXPECT_EQ(pages[0].param("cursor"), std::nullopt);
  EXPECT_EQ(pages[1].param("cursor"), "page-2");
  // The room name travels URL-encoded.
  EXPECT_NE(pages[0].target.find("roomName=%2Fteam-standup-"), std::string::npos)
      << pages[0].target;

  // --- logo ---
  static constexpr char kPng[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\r\n--not-a-boundary";
  const std::string bytes(kPng, sizeof(kPng) - 1);
  const std::string path = (dir_ / "logo.png").string();
  std::ofstream(path, std::ios::binary) << bytes;

  auto uploaded = client_->UploadLogo(meeting->room_name, path);
  ASSERT_TRUE(uploaded) << uploaded.error().ToString();
  EXPECT_TRUE(*uploaded);
  auto logo = server_.logo(meeting->room_name);
  ASSERT_TRUE(logo);
  EXPECT_EQ(logo->name, "image");
  EXPECT_EQ(logo->filename, "logo.png");
  EXPECT_EQ(logo->content_type, "image/png");
  EXPECT_EQ(logo->content, bytes);
  auto uploads = server_.requests(fakes::kWherebyUploadLogo);
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].path, "/v1/rooms" + meeting->room_name + "/theme/logo");
  EXPECT_TRUE(uploads[0].header("Content-Type")->starts_with("multipart/form-data; boundary="));

  // --- extras: get, access link, delete (twice: idempotent) ---
  auto fetched = client_->GetMeeting(meeting->provider_meeting_id);
  ASSERT_TRUE(fetched) << fetched.error().ToString();
  EXPECT_EQ(fetched->room_name, meeting->room_name);
  EXPECT_EQ(fetched->host_room_url, meeting->host_room_url);

  server_.AddRecording("rec-1");
  const auto before_ms =
      std::chrono::duration_cast<milliseconds>(clock_.Now().time_since_epoch()).count();
  auto link = client_->GetRecordingAccessLink("rec-1", 600);
  ASSERT_TRUE(link) << link.error().ToString();
  EXPECT_TRUE(link->access_link.starts_with("https://whereby-recordings.fake/rec-1.mp4?"));
  EXPECT_GE(link->expires_ms, before_ms + 600'000);
  EXPECT_LE(link->expires_ms, before_ms + 610'000);

  ASSERT_TRUE(client_->DeleteMeeting(meeting->provider_meeting_id));
  EXPECT_FALSE(server_.meeting(meeting->provider_meeting_id));
  ASSERT_TRUE(client_->DeleteMeeting(meeting->provider_meeting_id));

  EXPECT_TRUE(delays().empty());
  EXPECT_EQ(server_.pending_scripts(), 0u);
}

TEST_F(WherebyBlackBoxTest, EveryRoomSettingIsAcceptedByTheFake) {
  for (std::string recording : {"none", "local", "cloud"}) {
    for (bool locked : {false, true}) {
      for (std::string mode : {"normal", "group"}) {
        RoomSettings room = Room(recording);
        room.is_locked = locked;
        room.room_mode = mode;
        auto meeting = client_->CreateMeeting(room, clock_.Now() + hours(1));
        EXPECT_TRUE(meeting) << recording << " " << locked << " " << mode << ": "
                             << meeting.error().ToString();
      }
    }
  }
  EXPECT_EQ(server_.meeting_count(), 12u);
}

TEST_F(WherebyBlackBoxTest, RateLimitIsRetriedAfterRetryAfter) {
  server_.Script(fakes::kWherebyCreateMeeting, FakeWherebyServer::RateLimited(2));

  auto meeting = client_->CreateMeeting(Room(), clock_.Now() + hours(1));

  ASSERT_TRUE(meeting) << meeting.error().ToString();
  EXPECT_EQ(delays(), (std::vector<milliseconds>{milliseconds(2000)}));
  auto creates = server_.requests(fakes::kWherebyCreateMeeting);
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(creates[0].body, creates[1].body);  // the same request, repeated
  EXPECT_EQ(server_.meeting_count(), 1u);
}

TEST_F(WherebyBlackBoxTest, ServerErrorIsRetriedThenSucceeds) {
  server_.Script(fakes::kWherebyRoomSessions, FakeWherebyServer::Error(500, "Internal error"));
  server_.AddRoomSession("/r-1", FakeWherebyServer::Session("s-1", "2026-01-01T00:00:00.000Z"));

  auto sessions = client_->GetRoomSessions("/r-1");

  ASSERT_TRUE(sessions) << sessions.error().ToString();
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ(delays().size(), 1u);
  EXPECT_EQ(server_.requests(fakes::kWherebyRoomSessions).size(), 2u);
}

TEST_F(WherebyBlackBoxTest, PersistentServerErrorsEndAsBadGateway) {
  server_.Script(fakes::kWherebyGetMeeting, FakeWherebyServer::Error(503, "Maintenance"), 10);
  auto meeting = client_->GetMeeting("1");
  ASSERT_FALSE(meeting);
  EXPECT_EQ(meeting.error().code, Code::kBadGateway);
  EXPECT_EQ(meeting.error().upstream_status, 503);
  EXPECT_EQ(meeting.error().message,
            "Whereby API error: get meeting failed with status 503: Maintenance");
  EXPECT_EQ(server_.requests(fakes::kWherebyGetMeeting).size(), 4u);  // RetryPolicy max_attempts
  EXPECT_EQ(delays().size(), 3u);
}

TEST_F(WherebyBlackBoxTest, NotFoundOnDeleteIsSuccess) {
  server_.Script(fakes::kWherebyDeleteMeeting, FakeWherebyServer::Error(404, "Meeting not found"));
  EXPECT_TRUE(client_->DeleteMeeting("87000999"));
  auto deletes = server_.requests(fakes::kWherebyDeleteMeeting);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].path, "/v1/meetings/87000999");
  EXPECT_TRUE(delays().empty());
}

TEST_F(WherebyBlackBoxTest, WrongApiKeyIsBadGateway401WithoutRetryOrKey) {
  auto client = Client("wrong-key-xyz");
  auto meeting = client->CreateMeeting(Room(), clock_.Now() + hours(1));
  ASSERT_FALSE(meeting);
  EXPECT_EQ(meeting.error().code, Code::kBadGateway);
  EXPECT_EQ(meeting.error().upstream_status, 401);
  EXPECT_EQ(meeting.error().message,
            "Whereby API error: create meeting failed with status 401: Access token is missing or "
            "invalid");
  EXPECT_EQ(meeting.error().ToString().find("wrong-key-xyz"), std::string::npos);
  EXPECT_EQ(server_.requests(fakes::kWherebyCreateMeeting).size(), 1u);
  EXPECT_TRUE(delays().empty());
  EXPECT_EQ(server_.meeting_count(), 0u);
}

TEST_F(WherebyBlackBoxTest, MalformedJsonIsInternal) {
  server_.Script(fakes::kWherebyCreateMeeting, FakeWherebyServer::MalformedJson());
  auto meeting = client_->CreateMeeting(Room(), clock_.Now() + hours(1));
  ASSERT_FALSE(meeting);
  EXPECT_EQ(meeting.error().code, Code::kInternal);
  EXPECT_EQ(meeting.error().message, "Whereby returned a malformed response to create meeting");

  server_.Script(fakes::kWherebyRoomSessions, FakeWherebyServer::MalformedJson());
  auto sessions = client_->GetRoomSessions("/r-1");
  ASSERT_FALSE(sessions);
  EXPECT_EQ(sessions.error().code, Code::kInternal);
}

TEST_F(WherebyBlackBoxTest, LogoForAnUnknownRoomIsBadGateway404) {
  const std::string path = (dir_ / "logo.png").string();
  std::ofstream(path, std::ios::binary) << "png";
  auto uploaded = client_->UploadLogo("/no-such-room", path);
  ASSERT_FALSE(uploaded);
  EXPECT_EQ(uploaded.error().code, Code::kBadGateway);
  EXPECT_EQ(uploaded.error().upstream_status, 404);
  EXPECT_EQ(uploaded.error().message,
            "Whereby API error: upload logo failed with status 404: Room not found");
}

TEST_F(WherebyBlackBoxTest, UnreachableServerIsUnavailable) {
  WherebyConfig config = Config();
  config.api_url = "http://127.0.0.1:1/v1";  // nothing listens on port 1
  net::RetryingTransport no_retry(curl_, clock_, net::RetryPolicy{1});
  WherebyClient client(config, std::chrono::seconds(300), no_retry, clock_);
  auto sessions = client.GetRoomSessions("/r-1");
  ASSERT_FALSE(sessions);
  EXPECT_EQ(sessions.error().code, Code::kUnavailable);
}

}  // namespace
}  // namespace reflector::platforms
