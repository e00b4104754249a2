// Unit tests of DailyClient through FakeTransport: the exact requests we send and how every kind
// of answer is judged.
#include "platforms/daily/daily_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "core/time_format.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"

namespace reflector::platforms {
namespace {

using fakes::FakeTransport;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kApiKey[] = "daily-secret-api-key-0123";
constexpr char kApi[] = "https://api.daily.co/v1";
constexpr int64_t kNow = 1768478400;  // 2026-01-15T12:00:00Z
constexpr int64_t kEnd = 1768485600;  // 2026-01-15T14:00:00Z

// A room object as Daily returns it from POST /rooms and GET /rooms/:name.
constexpr char kRoomJson[] = R"({
  "id": "5e3cf703-5547-47d6-a371-37b1f0b4427f",
  "name": "team-standup-20260115120000",
  "api_created": true,
  "privacy": "public",
  "url": "https://reflector.daily.co/team-standup-20260115120000",
  "created_at": "2026-01-15T12:00:00.000Z",
  "config": {"exp": 1768485600, "enable_chat": true}
})";

DailyConfig TestConfig() {
  DailyConfig config;
  config.api_key = kApiKey;
  config.api_url = kApi;
  config.webhook_secret = "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=";
  return config;
}

DailyConfig ConfigWithBucket() {
  DailyConfig config = TestConfig();
  config.storage_bucket = "reflector-dailyco";
  config.storage_region = "us-west-2";
  config.storage_role_arn = "arn:aws:iam::123:role/daily";
  return config;
}

RoomSettings Room(std::string name, bool locked = false, std::string recording = "none") {
  RoomSettings room;
  room.id = "room-id-1";
  room.name = std::move(name);
  room.is_locked = locked;
  room.recording_type = std::move(recording);
  return room;
}

std::optional<std::string> HeaderOf(const net::OutboundRequest& request, std::string_view name) {
  for (const auto& h : request.headers) {
    if (h.name == name) return h.value;
  }
  return std::nullopt;
}

template <typename T>
std::optional<Error> ErrorOf(const Result<T>& result) {
  if (result) return std::nullopt;
  return result.error();
}

class DailyClientTest : public ::testing::Test {
 protected:
  explicit DailyClientTest(DailyConfig config = TestConfig())
      : clock_(FromUnixSeconds(kNow)),
        client_(std::move(config), std::chrono::seconds(300), transport_, clock_) {}

  // The only request sent so far.
  net::OutboundRequest OnlyRequest() {
    auto requests = transport_.requests();
    EXPECT_EQ(requests.size(), 1u);
    return requests.empty() ? net::OutboundRequest{} : requests.front();
  }
  static json BodyOf(const net::OutboundRequest& request) {
    return json::parse(request.body, nullptr, false);
  }
  void ExpectDailyHeaders(const net::OutboundRequest& request) {
    EXPECT_EQ(HeaderOf(request, "Authorization"), "Bearer " + std::string(kApiKey));
    EXPECT_EQ(HeaderOf(request, "Content-Type"), "application/json");
    EXPECT_EQ(request.timeout, std::chrono::milliseconds(10'000));
  }

  FakeTransport transport_;
  fakes::FakeClock clock_;
  DailyClient client_;
};

class DailyClientWithBucketTest : public DailyClientTest {
 protected:
  DailyClientWithBucketTest() : DailyClientTest(ConfigWithBucket()) {}
};

// ---- CreateMeeting ----

TEST_F(DailyClientTest, CreateMeetingSendsPublicRoomWithExactBody) {
  transport_.Push(FakeTransport::Json(200, kRoomJson));
  auto meeting = client_.CreateMeeting(Room("team-standup"), FromUnixSeconds(kEnd));
  ASSERT_TRUE(meeting) << meeting.error().ToString();

  const auto request = OnlyRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://api.daily.co/v1/rooms");
  ExpectDailyHeaders(request);
  EXPECT_EQ(BodyOf(request), json::parse(R"({
    "name": "team-standup-20260115120000",
    "privacy": "public",
    "properties": {"enable_chat": true, "enable_screenshare": true, "enable_knocking": false,
                   "start_video_off": false, "start_audio_off": false, "exp": 1768485600}})"));

  EXPECT_EQ(meeting->platform, "daily");
  EXPECT_EQ(meeting->provider_meeting_id, "5e3cf703-5547-47d6-a371-37b1f0b4427f");
  EXPECT_EQ(meeting->room_name, "team-standup-20260115120000");
  EXPECT_EQ(meeting->room_url, "https://reflector.daily.co/team-standup-20260115120000");
  EXPECT_EQ(meeting->host_room_url, meeting->room_url);
}

TEST_F(DailyClientTest, CreateMeetingLockedRoomIsPrivateWithKnocking) {
  transport_.Push(FakeTransport::Json(200, kRoomJson));
  ASSERT_TRUE(client_.CreateMeeting(Room("team-standup", /*locked=*/true), FromUnixSeconds(kEnd)));
  const json body = BodyOf(OnlyRequest());
  EXPECT_EQ(body["privacy"], "private");
  EXPECT_EQ(body["properties"]["enable_knocking"], true);
}

TEST_F(DailyClientTest, CreateMeetingNamesRoomFromInjectedClockInUtc) {
  // Reflector's own example: "my-room-name-20251020193458".
  clock_.Set(FromUnixSeconds(1760988898) + std::chrono::milliseconds(999));
  transport_.Push(FakeTransport::Json(200, kRoomJson));
  ASSERT_TRUE(client_.CreateMeeting(Room("my-room-name"), FromUnixSeconds(1760992498)));
  const json body = BodyOf(OnlyRequest());
  EXPECT_EQ(body["name"], "my-room-name-20251020193458");
  EXPECT_EQ(body["properties"]["exp"], 1760992498);
}

TEST_F(DailyClientTest, CreateMeetingLocalRecordingEnablesLocalOnly) {
  transport_.Push(FakeTransport::Json(200, kRoomJson));
  ASSERT_TRUE(client_.CreateMeeting(Room("r", false, "local"), FromUnixSeconds(kEnd)));
  const json properties = BodyOf(OnlyRequest())["properties"];
  EXPECT_EQ(properties["enable_recording"], "local");
  EXPECT_FALSE(properties.contains("recordings_bucket"));
}

TEST_F(DailyClientWithBucketTest, CreateMeetingCloudRecordingSendsBucket) {
  transport_.Push(FakeTransport::Json(200, kRoomJson));
  ASSERT_TRUE(client_.CreateMeeting(Room("r", false, "cloud"), FromUnixSeconds(kEnd)));
  const json properties = BodyOf(OnlyRequest())["properties"];
  EXPECT_FALSE(properties.contains("enable_recording"));  // cloud is started over REST
  EXPECT_EQ(properties["recordings_bucket"], json::parse(R"({
    "bucket_name": "reflector-dailyco", "bucket_region": "us-west-2",
    "assume_role_arn": "arn:aws:iam::123:role/daily", "allow_api_access": true})"));
}

TEST_F(DailyClientWithBucketTest, CreateMeetingWithoutRecordingSendsNoRecordingFields) {
  for (const char* type : {"none", "local"}) {
    transport_.Reset();
    transport_.Push(FakeTransport::Json(200, kRoomJson));
    ASSERT_TRUE(client_.CreateMeeting(Room("r", false, type), FromUnixSeconds(kEnd)));
    EXPECT_FALSE(BodyOf(OnlyRequest())["properties"].contains("recordings_bucket")) << type;
  }
}

TEST_F(DailyClientTest, CreateMeetingCloudWithoutBucketCreatesPlainRoom) {
  transport_.Push(FakeTransport::Json(200, kRoomJson));
  ASSERT_TRUE(client_.CreateMeeting(Room("r", false, "cloud"), FromUnixSeconds(kEnd)));
  const json properties = BodyOf(OnlyRequest())["properties"];
  EXPECT_FALSE(properties.contains("recordings_bucket"));
  EXPECT_FALSE(properties.contains("enable_recording"));
  EXPECT_EQ(properties.size(), 6u);
}

TEST_F(DailyClientTest, CreateMeetingRejectsNamesDailyWouldRefuseWithoutSending) {
  const std::string max_ok(113, 'a');  // 113 + "-" + 14 digits = 128
  for (const std::string& name :
       {std::string(""), std::string("has space"), std::string("a/b"), std::string("caf\xc3\xa9"),
        std::string("dot.name"), max_ok + "a"}) {
    auto result = client_.CreateMeeting(Room(name), FromUnixSeconds(kEnd));
    ASSERT_FALSE(result) << name;
    EXPECT_EQ(result.error().code, Code::kInvalidArgument) << name;
    EXPECT_FALSE(result.error().message.empty());
  }
  EXPECT_EQ(transport_.request_count(), 0u);

  transport_.Push(FakeTransport::Json(200, kRoomJson));
  ASSERT_TRUE(client_.CreateMeeting(Room(max_ok), FromUnixSeconds(kEnd)));
  EXPECT_EQ(BodyOf(OnlyRequest())["name"].get<std::string>().size(), 128u);
}

TEST(DailyRoomNameTest, FormatsUtcTimestamp) {
  EXPECT_EQ(DailyRoomName("x_Y-9", FromUnixSeconds(0)).value(), "x_Y-9-19700101000000");
  EXPECT_EQ(DailyRoomName("r", FromUnixSeconds(1709251199)).value(), "r-20240229235959");
  auto bad = DailyRoomName("r!", FromUnixSeconds(0));
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("r!"));
}

TEST(DailyClientConfigTest, TrailingSlashOfApiUrlIsIgnored) {
  FakeTransport transport;
  fakes::FakeClock clock(FromUnixSeconds(kNow));
  DailyConfig config = TestConfig();
  config.api_url = "http://127.0.0.1:9999/v1/";
  DailyClient client(config, std::chrono::seconds(300), transport, clock);
  transport.Push(FakeTransport::Json(200, kRoomJson));
  ASSERT_TRUE(client.GetRoom("abc"));
  EXPECT_EQ(transport.requests().at(0).url, "http://127.0.0.1:9999/v1/rooms/abc");
}

// ---- Rooms, presence ----

TEST_F(DailyClientTest, GetRoomParsesRoomObject) {
  transport_.Push(FakeTransport::Json(200, kRoomJson));
  auto room = client_.GetRoom("team-standup-20260115120000");
  ASSERT_TRUE(room) << room.error().ToString();
  const auto request = OnlyRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "https://api.daily.co/v1/rooms/team-standup-20260115120000");
  EXPECT_TRUE(request.body.empty());
  ExpectDailyHeaders(request);
  EXPECT_EQ(room->id, "5e3cf703-5547-47d6-a371-37b1f0b4427f");
  EXPECT_EQ(room->privacy, "public");
  EXPECT_TRUE(room->api_created);
  EXPECT_EQ(room->created_at, "2026-01-15T12:00:00.000Z");
  EXPECT_EQ(room->config["exp"], 1768485600);
}

TEST_F(DailyClientTest, GetRoomPercentEncodesTheName) {
  transport_.Push(FakeTransport::Json(200, kRoomJson));
  ASSERT_TRUE(client_.GetRoom("a b/c?d"));
  EXPECT_EQ(OnlyRequest().url, "https://api.daily.co/v1/rooms/a%20b%2Fc%3Fd");
}

constexpr char kPresenceJson[] = R"({
  "total_count": 2,
  "data": [
    {"room": "r-20260115120000", "id": "d61cd7b2-a273-42b4-89bd-be763fd562c1",
     "userId": "user-1", "userName": "Alice", "mtgSessionId": "m1",
     "joinTime": "2026-01-15T12:01:02.000Z", "duration": 120},
    {"room": "r-20260115120000", "id": "0c0d2dda-0000-4000-8000-000000000002",
     "userId": null, "userName": null, "joinTime": "2026-01-15T12:05:00Z", "duration": null}
  ]})";

TEST_F(DailyClientTest, GetPresenceParsesParticipants) {
  transport_.Push(FakeTransport::Json(200, kPresenceJson));
  auto participants = client_.GetPresence("r-20260115120000");
  ASSERT_TRUE(participants) << participants.error().ToString();
  const auto request = OnlyRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "https://api.daily.co/v1/rooms/r-20260115120000/presence");
  ExpectDailyHeaders(request);

  ASSERT_EQ(participants->size(), 2u);
  const auto& alice = (*participants)[0];
  EXPECT_EQ(alice.id, "d61cd7b2-a273-42b4-89bd-be763fd562c1");
  EXPECT_EQ(alice.user_id, "user-1");
  EXPECT_EQ(alice.user_name, "Alice");
  EXPECT_EQ(alice.join_time, FromUnixSeconds(1768478462));
  EXPECT_EQ(alice.duration_seconds, 120);
  const auto& anonymous = (*participants)[1];
  EXPECT_EQ(anonymous.user_id, std::nullopt);
  EXPECT_EQ(anonymous.user_name, std::nullopt);
  EXPECT_EQ(anonymous.duration_seconds, 0);
}

TEST_F(DailyClientTest, GetRoomSessionsMapsPresenceToOpenSessions) {
  transport_.Push(FakeTransport::Json(200, kPresenceJson));
  auto sessions = client_.GetRoomSessions("r-20260115120000");
  ASSERT_TRUE(sessions) << sessions.error().ToString();
  EXPECT_EQ(OnlyRequest().url, "https://api.daily.co/v1/rooms/r-20260115120000/presence");
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ((*sessions)[0].session_id, "d61cd7b2-a273-42b4-89bd-be763fd562c1");
  EXPECT_EQ((*sessions)[0].started_at, FromUnixSeconds(1768478462));
  EXPECT_EQ((*sessions)[0].ended_at, std::nullopt);
  EXPECT_EQ((*sessions)[1].started_at, FromUnixSeconds(1768478700));
}

TEST_F(DailyClientTest, GetRoomSessionsOfEmptyRoomIsEmpty) {
  transport_.Push(FakeTransport::Json(200, R"({"total_count":0,"data":[]})"));
  auto sessions = client_.GetRoomSessions("r");
  ASSERT_TRUE(sessions);
  EXPECT_TRUE(sessions->empty());
}

TEST_F(DailyClientTest, DeleteRoomSendsDelete) {
  transport_.Push(FakeTransport::Json(200, R"({"deleted":true,"name":"r"})"));
  ASSERT_TRUE(client_.DeleteRoom("r"));
  const auto request = OnlyRequest();
  EXPECT_EQ(request.method, "DELETE");
  EXPECT_EQ(request.url, "https://api.daily.co/v1/rooms/r");
  EXPECT_TRUE(request.body.empty());
  ExpectDailyHeaders(request);
}

TEST_F(DailyClientTest, DeleteRoomTreats404AsSuccessAndOtherErrorsAsBadGateway) {
  transport_.Push(FakeTransport::Json(404, R"({"error":"not-found","info":"room r not found"})"));
  EXPECT_TRUE(client_.DeleteRoom("r"));
  transport_.Push(FakeTransport::Reply(204));
  EXPECT_TRUE(client_.DeleteRoom("r"));
  transport_.Push(FakeTransport::Json(500, R"({"error":"server-error"})"));
  auto failed = client_.DeleteRoom("r");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Code::kBadGateway);
  EXPECT_EQ(failed.error().upstream_status, 500);
}

TEST_F(DailyClientTest, UploadLogoIsANoOp) {
  auto result = client_.UploadLogo("r", "./images/logo.png");
  ASSERT_TRUE(result);
  EXPECT_FALSE(*result);
  EXPECT_EQ(transport_.request_count(), 0u);
}

// ---- Webhook verification ----

class DailyVerifyWebhookTest : public DailyClientTest {
 protected:
  // reflector-reference.md §2.7 vector.
  static constexpr char kBody[] =
      R"({"version":"1.0.0","type":"participant.joined","id":"ptcpt-join-1","payload":{"room":"myroom-20260101120000","user_id":"u1","user_name":"Alice","session_id":"s1","joined_at":1708972279.96},"event_ts":1708972279.961})";
  static constexpr char kSignature[] = "3oqolntpUn9l6w4S/zhp9SUppaydmhaGK9JuNde4+K0=";

  static HeaderLookup Headers(std::map<std::string, std::string> values) {
    return [values = std::move(values)](std::string_view name) -> std::optional<std::string_view> {
      for (const auto& [k, v] : values) {
        if (k.size() != name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < k.size(); ++i) {
          if (std::tolower(static_cast<unsigned char>(k[i])) !=
              std::tolower(static_cast<unsigned char>(name[i]))) {
            same = false;
          }
        }
        if (same) return std::string_view(v);
      }
      return std::nullopt;
    };
  }
};

TEST_F(DailyVerifyWebhookTest, AcceptsReferenceVectorWithinTolerance) {
  auto headers =
      Headers({{"x-webhook-signature", kSignature}, {"x-webhook-timestamp", "1708972280"}});
  EXPECT_TRUE(client_.VerifyWebhook(kBody, headers, FromUnixSeconds(1708972280 + 300)).ok);
  const auto stale = client_.VerifyWebhook(kBody, headers, FromUnixSeconds(1708972280 + 301));
  EXPECT_FALSE(stale.ok);
  EXPECT_EQ(stale.reason, "stale_timestamp");
}

TEST_F(DailyVerifyWebhookTest, RejectsMissingHeadersAndTamperedBody) {
  const auto now = FromUnixSeconds(1708972280);
  EXPECT_EQ(
      client_.VerifyWebhook(kBody, Headers({{"X-Webhook-Timestamp", "1708972280"}}), now).reason,
      "missing_signature");
  EXPECT_EQ(
      client_.VerifyWebhook(kBody, Headers({{"X-Webhook-Signature", kSignature}}), now).reason,
      "missing_timestamp");
  auto headers =
      Headers({{"X-Webhook-Signature", kSignature}, {"X-Webhook-Timestamp", "1708972280"}});
  std::string tampered = kBody;
  tampered.back() = ' ';
  EXPECT_EQ(client_.VerifyWebhook(tampered, headers, now).reason, "bad_signature");
}

// ---- Meeting tokens ----

TEST_F(DailyClientTest, CreateMeetingTokenSendsExactProperties) {
  transport_.Push(FakeTransport::Json(200, R"({"token":"eyJhbGciOi.eyJyIjoi.sig"})"));
  auto token = client_.CreateMeetingToken("r-20260115120000", "user-1", /*is_owner=*/true,
                                          /*enable_recording_ui=*/false);
  ASSERT_TRUE(token) << token.error().ToString();
  EXPECT_EQ(*token, "eyJhbGciOi.eyJyIjoi.sig");
  const auto request = OnlyRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://api.daily.co/v1/meeting-tokens");
  ExpectDailyHeaders(request);
  EXPECT_EQ(BodyOf(request), json::parse(R"({"properties": {
    "room_name": "r-20260115120000", "user_id": "user-1", "is_owner": true,
    "enable_recording_ui": false, "eject_at_token_exp": false}})"));
}

TEST_F(DailyClientTest, CreateMeetingTokenChecksUserIdLengthAndRoom) {
  const std::string id36(36, 'u');
  transport_.Push(FakeTransport::Json(200, R"({"token":"t"})"));
  EXPECT_TRUE(client_.CreateMeetingToken("r", id36, false, true));
  EXPECT_EQ(BodyOf(OnlyRequest())["properties"]["enable_recording_ui"], true);

  auto too_long = client_.CreateMeetingToken("r", id36 + "u", false, false);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, Code::kInvalidArgument);
  auto no_room = client_.CreateMeetingToken("", "user-1", false, false);
  ASSERT_FALSE(no_room);
  EXPECT_EQ(no_room.error().code, Code::kInvalidArgument);
  EXPECT_EQ(transport_.request_count(), 1u);
}

TEST_F(DailyClientTest, CreateMeetingTokenOmitsEmptyUserId) {
  transport_.Push(FakeTransport::Json(200, R"({"token":"t"})"));
  ASSERT_TRUE(client_.CreateMeetingToken("r", "", false, false));
  EXPECT_FALSE(BodyOf(OnlyRequest())["properties"].contains("user_id"));
}

struct TokenUrlCase {
  std::string url;
  std::string token;
  std::string expected;
};

TEST(AppendTokenToUrlTest, Table) {
  const std::vector<TokenUrlCase> cases = {
      {"https://x.daily.co/room-20260101120000", "eyJ.a-b_c",
       "https://x.daily.co/room-20260101120000?t=eyJ.a-b_c"},
      {"https://x.daily.co/r?lang=fr", "tok", "https://x.daily.co/r?lang=fr&t=tok"},
      {"https://x.daily.co/r?t=old&lang=fr", "new", "https://x.daily.co/r?t=new&lang=fr"},
      {"https://x.daily.co/r?a=1&t=old&b=2&t=older", "new", "https://x.daily.co/r?a=1&t=new&b=2"},
      {"https://x.daily.co/r?t", "new", "https://x.daily.co/r?t=new"},
      {"https://x.daily.co/r#frag", "tok", "https://x.daily.co/r?t=tok#frag"},
      {"https://x.daily.co/r?a=1#x?t=1", "tok", "https://x.daily.co/r?a=1&t=tok#x?t=1"},
      {"https://x.daily.co/r?", "tok", "https://x.daily.co/r?t=tok"},
      {"https://x.daily.co/r?a=1&&tt=2", "tok", "https://x.daily.co/r?a=1&tt=2&t=tok"},
      {"https://x.daily.co/r", "a+b/c=", "https://x.daily.co/r?t=a%2Bb%2Fc%3D"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(AppendTokenToUrl(c.url, c.token), c.expected) << c.url;
  }
}

// ---- Recordings ----

TEST(RawTracksInstanceIdTest, ReferenceVectors) {
  EXPECT_EQ(RawTracksInstanceId("4ad503b6-8189-4910-a8f7-68cdd1b7f990"),
            "784b3af3-c7dd-57f0-ac54-2ee91c6927cb");
  EXPECT_EQ(RawTracksInstanceId("550e8400-e29b-41d4-a716-446655440000"),
            "7b9ec21a-15b2-5ba8-8b95-6333eb5e470b");
}

TEST_F(DailyClientTest, StartRecordingSendsTypeAndInstanceId) {
  transport_.Push(FakeTransport::Json(200, R"({"recordingId":"rec-1"})"));
  auto outcome =
      client_.StartRecording("r-20260115120000", "raw-tracks",
                             RawTracksInstanceId("4ad503b6-8189-4910-a8f7-68cdd1b7f990"));
  ASSERT_TRUE(outcome) << outcome.error().ToString();
  EXPECT_FALSE(outcome->already_active);
  EXPECT_EQ(outcome->result, json::parse(R"({"recordingId":"rec-1"})"));
  const auto request = OnlyRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://api.daily.co/v1/rooms/r-20260115120000/recordings/start");
  ExpectDailyHeaders(request);
  EXPECT_EQ(BodyOf(request), json::parse(R"({"type":"raw-tracks",
    "instanceId":"784b3af3-c7dd-57f0-ac54-2ee91c6927cb"})"));
}

TEST_F(DailyClientTest, StartRecordingActiveStreamCountsAsAlreadyActive) {
  transport_.Push(FakeTransport::Json(
      400, R"({"error":"invalid-request-error","info":"r has an active stream"})"));
  auto by_info = client_.StartRecording("r", "cloud", "4ad503b6-8189-4910-a8f7-68cdd1b7f990");
  ASSERT_TRUE(by_info) << by_info.error().ToString();
  EXPECT_TRUE(by_info->already_active);
  EXPECT_EQ(by_info->result["info"], "r has an active stream");

  transport_.Push(FakeTransport::Json(400, R"({"error":"room r has an active stream"})"));
  auto by_error = client_.StartRecording("r", "cloud", "4ad503b6-8189-4910-a8f7-68cdd1b7f990");
  ASSERT_TRUE(by_error);
  EXPECT_TRUE(by_error->already_active);
}

TEST_F(DailyClientTest, StartRecordingOtherErrorsAreBadGateway) {
  transport_.Push(FakeTransport::Json(
      400, R"({"error":"invalid-request-error","info":"no one is in the room"})"));
  auto result = client_.StartRecording("r", "cloud", "i");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kBadGateway);
  EXPECT_EQ(result.error().upstream_status, 400);
  EXPECT_EQ(result.error().message,
            "Daily.co API error: start recording failed with status 400: no one is in the room");
}

TEST_F(DailyClientTest, StartRecordingValidatesArguments) {
  for (auto [type, instance] : std::vector<std::pair<std::string, std::string>>{
           {"cloud-audio-only", "i"}, {"", "i"}, {"CLOUD", "i"}, {"cloud", ""}}) {
    auto result = client_.StartRecording("r", type, instance);
    ASSERT_FALSE(result) << type;
    EXPECT_EQ(result.error().code, Code::kInvalidArgument) << type;
  }
  EXPECT_EQ(transport_.request_count(), 0u);
}

// Real shapes from Daily's list endpoint, including the rows that broke Reflector (PR #796).
constexpr char kRecordingListJson[] = R"({
  "total_count": 6,
  "data": [
    {"id": "0cb313e1-211f-4be0-833d-8c7305b19902", "room_name": "r-20260115120000",
     "start_ts": 1768478500, "status": "finished", "max_participants": 2, "duration": 277,
     "share_token": "TivXjlD22QQt", "s3key": "mydomain/r-20260115120000/1768478500",
     "mtgSessionId": "257764e6-c74e-4c30-944a-a887a03173a3", "type": "cloud",
     "s3": {"bucket_name": "reflector-dailyco", "bucket_region": "us-west-2",
            "key": "mydomain/r/1768478500", "endpoint": null},
     "tracks": [{"type": "audio", "s3Key": "mydomain/r/1768478500484-52f7f48b-fbab-431f-9a50-87b9abfc8255-cam-audio-1768478500922", "size": 831843},
                {"type": "video", "s3Key": null, "size": 3}]},
    {"id": "rec-null-duration", "room_name": "r-20260115120000", "start_ts": 1768478600,
     "status": "finished", "max_participants": 1, "duration": null, "share_token": null,
     "s3key": null, "mtgSessionId": null, "type": null, "tracks": []},
    {"id": "rec-null-type", "room_name": "r-20260115120000", "start_ts": 1768478700.5,
     "status": "in-progress", "type": null, "tracks": null},
    {"id": "rec-odd-status", "room_name": null, "start_ts": null, "status": "canceled"},
    {"room_name": "r-20260115120000", "start_ts": 1768478800, "status": "finished", "duration": 5},
    {"id": 12345, "room_name": "r", "status": "finished"}
  ]})";

TEST_F(DailyClientTest, ListRecordingsToleratesNullsAndSkipsRowsWithoutId) {
  transport_.Push(FakeTransport::Json(200, kRecordingListJson));
  auto recordings = client_.ListRecordings();
  ASSERT_TRUE(recordings) << recordings.error().ToString();
  const auto request = OnlyRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "https://api.daily.co/v1/recordings?limit=100");
  ExpectDailyHeaders(request);

  ASSERT_EQ(recordings->size(), 4u);
  const DailyRecording& full = (*recordings)[0];
  EXPECT_EQ(full.id, "0cb313e1-211f-4be0-833d-8c7305b19902");
  EXPECT_EQ(full.room_name, "r-20260115120000");
  EXPECT_EQ(full.start_ts, 1768478500);
  EXPECT_EQ(full.status, "finished");
  EXPECT_EQ(full.max_participants, 2);
  EXPECT_EQ(full.duration, 277);
  EXPECT_EQ(full.share_token, "TivXjlD22QQt");
  EXPECT_EQ(full.s3key, "mydomain/r-20260115120000/1768478500");
  EXPECT_EQ(full.mtg_session_id, "257764e6-c74e-4c30-944a-a887a03173a3");
  EXPECT_EQ(full.type, "cloud");
  ASSERT_TRUE(full.s3.has_value());
  EXPECT_EQ(full.s3->bucket_name, "reflector-dailyco");
  EXPECT_EQ(full.s3->bucket_region, "us-west-2");
  EXPECT_EQ(full.s3->key, "mydomain/r/1768478500");
  EXPECT_EQ(full.s3->endpoint, std::nullopt);
  ASSERT_EQ(full.tracks.size(), 1u);  // the track without s3Key cannot be fetched
  EXPECT_EQ(full.tracks[0].type, "audio");
  EXPECT_EQ(full.tracks[0].size, 831843);
  EXPECT_TRUE(full.finished());

  const DailyRecording& null_duration = (*recordings)[1];
  EXPECT_EQ(null_duration.id, "rec-null-duration");
  EXPECT_EQ(null_duration.duration, std::nullopt);
  EXPECT_EQ(null_duration.type, std::nullopt);
  EXPECT_FALSE(null_duration.finished());

  const DailyRecording& null_type = (*recordings)[2];
  EXPECT_EQ(null_type.type, std::nullopt);
  EXPECT_EQ(null_type.start_ts, 1768478700);  // float truncated
  EXPECT_TRUE(null_type.tracks.empty());
  EXPECT_EQ(null_type.status, "in-progress");

  const DailyRecording& odd = (*recordings)[3];
  EXPECT_EQ(odd.status, "canceled");
  EXPECT_EQ(odd.room_name, "");
  EXPECT_EQ(odd.start_ts, std::nullopt);
}

TEST_F(DailyClientTest, ListRecordingsSendsFiltersEncoded) {
  transport_.Push(FakeTransport::Json(200, R"({"total_count":0,"data":[]})"));
  auto recordings = client_.ListRecordings("r-2026", "after id", "before&id", 25);
  ASSERT_TRUE(recordings);
  EXPECT_TRUE(recordings->empty());
  EXPECT_EQ(OnlyRequest().url,
            "https://api.daily.co/v1/recordings?limit=25&room_name=r-2026&starting_after=after%20id"
            "&ending_before=before%26id");
  for (int bad : {0, -1, 101}) {
    auto result = client_.ListRecordings(std::nullopt, std::nullopt, std::nullopt, bad);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Code::kInvalidArgument);
  }
}

TEST_F(DailyClientTest, GetRecordingParsesObject) {
  transport_.Push(
      FakeTransport::Json(200, R"({"id":"0cb313e1","room_name":"r","start_ts":1548789650,
    "status":"finished","max_participants":2,"duration":277,"share_token":"TivXjlD22QQt",
    "s3key":"mydomain/test-recording-room/11245260397","mtgSessionId":"257764e6"})"));
  auto recording = client_.GetRecording("0cb313e1");
  ASSERT_TRUE(recording) << recording.error().ToString();
  EXPECT_EQ(OnlyRequest().url, "https://api.daily.co/v1/recordings/0cb313e1");
  EXPECT_EQ(OnlyRequest().method, "GET");
  EXPECT_EQ(recording->duration, 277);
  EXPECT_EQ(recording->type, std::nullopt);
  EXPECT_TRUE(recording->tracks.empty());
}

TEST_F(DailyClientTest, GetRecordingAccessLinkSendsValidity) {
  transport_.Push(FakeTransport::Json(
      200,
      R"({"download_link":"https://s3.example/rec.mp4?X-Amz-Signature=abc","expires":1768482000})"));
  auto link = client_.GetRecordingAccessLink("rec-1", 900);
  ASSERT_TRUE(link) << link.error().ToString();
  EXPECT_EQ(OnlyRequest().url,
            "https://api.daily.co/v1/recordings/rec-1/access-link?valid_for_secs=900");
  EXPECT_EQ(link->download_link, "https://s3.example/rec.mp4?X-Amz-Signature=abc");
  EXPECT_EQ(link->expires, 1768482000);
  auto bad = client_.GetRecordingAccessLink("rec-1", 0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Code::kInvalidArgument);
}

// ---- Webhook subscriptions ----

constexpr char kWebhookJson[] = R"({
  "uuid": "0b4e4c7c-5eaf-46fe-990b-a3752f5684f5", "url": "https://reflector.example/v1/daily/webhook",
  "hmac": "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=", "basicAuth": null,
  "retryType": "circuit-breaker", "eventTypes": ["participant.joined", "participant.left"],
  "state": "FAILED", "failedCount": 3, "lastMomentPushed": "2026-01-15T12:00:00.000Z",
  "domainId": "4f8f1ff0", "createdAt": "2026-01-01T00:00:00.000Z",
  "updatedAt": "2026-01-15T12:00:00.000Z"})";

TEST_F(DailyClientTest, ListWebhooksAcceptsArrayAndDataObject) {
  transport_.Push(FakeTransport::Json(200, std::string("[") + kWebhookJson + "]"));
  auto hooks = client_.ListWebhooks();
  ASSERT_TRUE(hooks) << hooks.error().ToString();
  EXPECT_EQ(OnlyRequest().url, "https://api.daily.co/v1/webhooks");
  EXPECT_EQ(OnlyRequest().method, "GET");
  ASSERT_EQ(hooks->size(), 1u);
  const DailyWebhook& hook = (*hooks)[0];
  EXPECT_EQ(hook.uuid, "0b4e4c7c-5eaf-46fe-990b-a3752f5684f5");
  EXPECT_EQ(hook.url, "https://reflector.example/v1/daily/webhook");
  EXPECT_EQ(hook.hmac, "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=");
  EXPECT_EQ(hook.event_types, (std::vector<std::string>{"participant.joined", "participant.left"}));
  EXPECT_EQ(hook.state, "FAILED");
  EXPECT_EQ(hook.failed_count, 3);
  EXPECT_EQ(hook.last_moment_pushed, "2026-01-15T12:00:00.000Z");
  EXPECT_EQ(hook.domain_id, "4f8f1ff0");

  transport_.Push(FakeTransport::Json(200, std::string(R"({"data":[)") + kWebhookJson + "]}"));
  auto wrapped = client_.ListWebhooks();
  ASSERT_TRUE(wrapped) << wrapped.error().ToString();
  EXPECT_EQ(wrapped->size(), 1u);

  transport_.Push(FakeTransport::Json(200, "[]"));
  auto none = client_.ListWebhooks();
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_TRUE(none->empty());
}

TEST_F(DailyClientTest, CreateWebhookSendsUrlEventTypesAndHmac) {
  transport_.Push(FakeTransport::Json(200, kWebhookJson));
  auto hook = client_.CreateWebhook("https://reflector.example/v1/daily/webhook",
                                    {"participant.joined", "recording.ready-to-download"},
                                    "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=");
  ASSERT_TRUE(hook) << hook.error().ToString();
  const auto request = OnlyRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://api.daily.co/v1/webhooks");
  ExpectDailyHeaders(request);
  EXPECT_EQ(BodyOf(request), json::parse(R"({"url":"https://reflector.example/v1/daily/webhook",
    "eventTypes":["participant.joined","recording.ready-to-download"],
    "hmac":"cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk="})"));
  EXPECT_EQ(hook->uuid, "0b4e4c7c-5eaf-46fe-990b-a3752f5684f5");
}

TEST_F(DailyClientTest, DeleteWebhookSendsDelete) {
  transport_.Push(FakeTransport::Reply(200, ""));
  ASSERT_TRUE(client_.DeleteWebhook("0b4e4c7c"));
  EXPECT_EQ(OnlyRequest().method, "DELETE");
  EXPECT_EQ(OnlyRequest().url, "https://api.daily.co/v1/webhooks/0b4e4c7c");
  transport_.Push(FakeTransport::Json(404, R"({"error":"not-found"})"));
  auto missing = client_.DeleteWebhook("0b4e4c7c");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Code::kBadGateway);
  EXPECT_EQ(missing.error().upstream_status, 404);
}

// ---- Every operation: errors ----

struct Operation {
  std::string name;  // as it appears in error messages
  std::function<std::optional<Error>(DailyClient&)> run;
};

std::vector<Operation> AllOperations() {
  const auto end = FromUnixSeconds(kEnd);
  return {
      {"create room", [end](DailyClient& c) { return ErrorOf(c.CreateMeeting(Room("r"), end)); }},
      {"get room", [](DailyClient& c) { return ErrorOf(c.GetRoom("r")); }},
      {"get room presence", [](DailyClient& c) { return ErrorOf(c.GetPresence("r")); }},
      {"get room presence", [](DailyClient& c) { return ErrorOf(c.GetRoomSessions("r")); }},
      {"create meeting token",
       [](DailyClient& c) { return ErrorOf(c.CreateMeetingToken("r", "u", false, false)); }},
      {"start recording",
       [](DailyClient& c) { return ErrorOf(c.StartRecording("r", "cloud", "i")); }},
      {"list recordings", [](DailyClient& c) { return ErrorOf(c.ListRecordings()); }},
      {"get recording", [](DailyClient& c) { return ErrorOf(c.GetRecording("x")); }},
      {"get recording access link",
       [](DailyClient& c) { return ErrorOf(c.GetRecordingAccessLink("x")); }},
      {"list webhooks", [](DailyClient& c) { return ErrorOf(c.ListWebhooks()); }},
      {"create webhook",
       [](DailyClient& c) { return ErrorOf(c.CreateWebhook("https://h/x", {"a"}, "")); }},
      {"delete webhook", [](DailyClient& c) { return ErrorOf(c.DeleteWebhook("u")); }},
      {"delete room", [](DailyClient& c) { return ErrorOf(c.DeleteRoom("r")); }},
  };
}

TEST_F(DailyClientTest, EveryOperationMapsErrorStatusesToBadGateway) {
  for (const Operation& op : AllOperations()) {
    for (int status : {400, 401, 403, 409, 429, 500, 502, 503}) {
      transport_.Reset();
      transport_.Push(FakeTransport::Json(
          status,
          R"({"error":"invalid-request-error","info":"something about )" + op.name + "\"}"));
      auto error = op.run(client_);
      ASSERT_TRUE(error) << op.name << " " << status;
      EXPECT_EQ(error->code, Code::kBadGateway) << op.name << " " << status;
      EXPECT_EQ(error->upstream_status, status) << op.name;
      EXPECT_EQ(error->message, "Daily.co API error: " + op.name + " failed with status " +
                                    std::to_string(status) + ": something about " + op.name);
      EXPECT_THAT(error->message, Not(HasSubstr(kApiKey)));
      EXPECT_THAT(error->detail, Not(HasSubstr(kApiKey)));
    }
  }
}

TEST_F(DailyClientTest, ErrorWithoutDailyTextHasPlainMessage) {
  transport_.Push(FakeTransport::Reply(502, "<html>Bad Gateway</html>"));
  auto result = client_.GetRoom("r");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "Daily.co API error: get room failed with status 502");
  transport_.Push(FakeTransport::Json(400, R"({"error":"authorization-header-error"})"));
  result = client_.GetRoom("r");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message,
            "Daily.co API error: get room failed with status 400: authorization-header-error");
}

TEST_F(DailyClientTest, EveryOperationPassesTransportErrorsThrough) {
  for (const Operation& op : AllOperations()) {
    transport_.Reset();
    transport_.Push(FakeTransport::ConnectFailure());
    auto error = op.run(client_);
    ASSERT_TRUE(error) << op.name;
    EXPECT_EQ(error->code, Code::kUnavailable) << op.name;

    transport_.Reset();
    transport_.Push(FakeTransport::TimeoutAfterSend());
    error = op.run(client_);
    ASSERT_TRUE(error) << op.name;
    EXPECT_EQ(error->code, Code::kDeadlineExceeded) << op.name;
  }
}

struct MalformedCase {
  std::string operation;
  std::string body;
};

TEST_F(DailyClientTest, MalformedSuccessBodiesAreInternalForEveryOperation) {
  std::map<std::string, std::function<std::optional<Error>(DailyClient&)>> ops;
  for (const Operation& op : AllOperations()) ops.emplace(op.name, op.run);

  std::vector<MalformedCase> cases;
  // Bodies none of the operations can use (the delete operations ignore bodies and
  // start recording passes any JSON through, so they only get the first).
  for (const char* op :
       {"create room", "get room", "get room presence", "create meeting token", "list recordings",
        "get recording", "get recording access link", "list webhooks", "create webhook"}) {
    for (const char* body :
         {"<html>oops</html>", "{\"id\":", "null", "[]", "{}", "", "\"text\"", "42"}) {
      // An empty array is Daily's answer when there are no webhooks.
      if (std::string(op) == "list webhooks" && std::string(body) == "[]") continue;
      cases.push_back({op, body});
    }
  }
  cases.push_back({"start recording", "<html>oops</html>"});
  cases.push_back({"start recording", R"({"recordingId":)"});
  // Shapes with the wrong field types.
  const std::vector<MalformedCase> specific = {
      {"create room", R"({"id":"i","name":"n"})"},             // missing url
      {"create room", R"({"id":123,"name":"n","url":"u"})"},   // id is a number
      {"create room", R"({"id":"i","name":"n","url":null})"},  // url null
      {"create room", R"({"id":"","name":"n","url":"u"})"},    // empty id
      {"get room", R"({"id":"i","name":["n"],"url":"u"})"},
      {"get room presence", R"({"total_count":1,"data":{}})"},
      {"get room presence", R"({"data":[{"id":"p","joinTime":"yesterday"}]})"},
      {"get room presence", R"({"data":[{"id":"p"}]})"},
      {"get room presence", R"({"data":[{"id":7,"joinTime":"2026-01-15T12:00:00Z"}]})"},
      {"get room presence", R"({"data":[42]})"},
      {"create meeting token", R"({"token":null})"},
      {"create meeting token", R"({"token":17})"},
      {"create meeting token", R"({"token":""})"},
      {"list recordings", R"({"total_count":0,"data":null})"},
      {"list recordings", R"([{"id":"r"}])"},
      {"get recording", R"({"id":null,"status":"finished"})"},
      {"get recording", R"({"id":5})"},
      {"get recording access link", R"({"download_link":"https://x","expires":"soon"})"},
      {"get recording access link", R"({"expires":1})"},
      {"list webhooks", R"([{"url":"https://x"}])"},
      {"list webhooks", R"({"data":{}})"},
      {"create webhook", R"({"uuid":42,"url":"https://x"})"},
  };
  cases.insert(cases.end(), specific.begin(), specific.end());

  for (const MalformedCase& c : cases) {
    transport_.Reset();
    transport_.Push(FakeTransport::Json(200, c.body));
    auto error = ops.at(c.operation)(client_);
    ASSERT_TRUE(error) << c.operation << " body: " << c.body;
    EXPECT_EQ(error->code, Code::kInternal) << c.operation << " body: " << c.body;
    EXPECT_EQ(error->message, "Daily.co returned a malformed response to " + c.operation) << c.body;
  }
}

TEST_F(DailyClientTest, NonObjectRowsInRecordingListAreSkipped) {
  transport_.Push(FakeTransport::Json(200, R"({"data":[null, 3, "x", [], {"id":"ok"}]})"));
  auto recordings = client_.ListRecordings();
  ASSERT_TRUE(recordings) << recordings.error().ToString();
  ASSERT_EQ(recordings->size(), 1u);
  EXPECT_EQ((*recordings)[0].id, "ok");
}

// ---- Factory ----

TEST(MakeDailyClientTest, RequiresApiKey) {
  Config config;
  FakeTransport transport;
  fakes::FakeClock clock;
  PlatformContext context{config, transport, clock};
  auto missing = MakeDailyClient(context);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(missing.error().message, "Daily.co is not configured: set DAILY_API_KEY");

  config.daily.api_key = kApiKey;  // the bucket is optional
  auto client = MakeDailyClient(context);
  ASSERT_TRUE(client) << client.error().ToString();
  EXPECT_EQ((*client)->Name(), "daily");
  EXPECT_NE(dynamic_cast<DailyClient*>(client->get()), nullptr);
}

TEST(MakeDailyClientTest, TakesWebhookToleranceFromConfig) {
  Config config;
  config.daily.api_key = kApiKey;
  config.daily.webhook_secret = "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=";
  config.webhook_timestamp_tolerance_seconds = 10;
  FakeTransport transport;
  fakes::FakeClock clock;
  auto client = MakeDailyClient(PlatformContext{config, transport, clock});
  ASSERT_TRUE(client);
  auto headers = [](std::string_view name) -> std::optional<std::string_view> {
    if (name == "X-Webhook-Signature") return "oKsRuIP2An610nbXuV2BuGEm2nxp9FHQqlZjl90eJPg=";
    if (name == "X-Webhook-Timestamp") return "1708972280";
    return std::nullopt;
  };
  EXPECT_TRUE(
      (*client)->VerifyWebhook(R"({"test":"test"})", headers, FromUnixSeconds(1708972290)).ok);
  EXPECT_EQ(
      (*client)->VerifyWebhook(R"({"test":"test"})", headers, FromUnixSeconds(1708972291)).reason,
      "stale_timestamp");
}

}  // namespace
}  // namespace reflector::platforms
