// Unit tests of WherebyClient over FakeTransport: the exact requests it sends and how it reads
// every answer (providers.md §2.1, reflector-reference.md §3.1).
#include "platforms/whereby/whereby_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"
#include "platforms/whereby/whereby_signature.hpp"

namespace reflector::platforms {
namespace {

using fakes::FakeClock;
using fakes::FakeTransport;
using nlohmann::json;
using std::chrono::hours;
using std::chrono::seconds;

constexpr char kApiKey[] = "wb-api-key-0123456789";
constexpr char kBase[] = "https://api.whereby.dev/v1";
constexpr char kRoomName[] = "/team-standup-793e9ec1-1c2f-4d8c-9e1a-5f7e8d9c0b1a";

// 2026-01-01T00:00:00Z
const TimePoint kNow = FromUnixSeconds(1'767'225'600);

const char* kMeetingBody = R"({
  "meetingId": "87673375",
  "roomName": "/team-standup-793e9ec1-1c2f-4d8c-9e1a-5f7e8d9c0b1a",
  "roomUrl": "https://sub.whereby.com/team-standup-793e9ec1-1c2f-4d8c-9e1a-5f7e8d9c0b1a",
  "startDate": "2026-01-01T00:00:00.000Z",
  "endDate": "2026-01-01T02:00:00.000Z",
  "hostRoomUrl": "https://sub.whereby.com/team-standup-793e9ec1-1c2f-4d8c-9e1a-5f7e8d9c0b1a?roomKey=abc"
})";

WherebyConfig FullConfig() {
  WherebyConfig config;
  config.api_key = kApiKey;
  config.api_url = std::string(kBase) + "/";  // a trailing slash is tolerated
  config.webhook_secret = "whereby-test-secret";
  config.storage_bucket = "reflector-whereby";
  config.storage_region = "eu-west-1";
  config.storage_access_key_id = "AKIAWHEREBY";
  config.storage_secret_access_key = "whereby-s3-secret";
  return config;
}

RoomSettings Room(std::string name = "team-standup") {
  RoomSettings room;
  room.id = "room-1";
  room.name = std::move(name);
  room.is_locked = false;
  room.room_mode = "normal";
  room.recording_type = "none";
  room.recording_trigger = "automatic-2nd-participant";
  return room;
}

void ExpectHeaders(const net::OutboundRequest& request,
                   const std::vector<std::pair<std::string, std::string>>& expected) {
  ASSERT_EQ(request.headers.size(), expected.size()) << request.url;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(request.headers[i].name, expected[i].first);
    EXPECT_EQ(request.headers[i].value, expected[i].second);
  }
}

class WherebyClientTest : public ::testing::Test {
 protected:
  explicit WherebyClientTest(WherebyConfig config = FullConfig())
      : clock_(kNow), client_(std::move(config), seconds(300), transport_, clock_) {}

  // The single request sent so far.
  net::OutboundRequest OnlyRequest() {
    auto requests = transport_.requests();
    EXPECT_EQ(requests.size(), 1u);
    return requests.empty() ? net::OutboundRequest{} : requests.front();
  }

  json CreateBody(const RoomSettings& room, TimePoint end = kNow + hours(2)) {
    transport_.Reset();
    transport_.Push(FakeTransport::Json(201, kMeetingBody));
    auto meeting = client_.CreateMeeting(room, end);
    EXPECT_TRUE(meeting) << (meeting ? "" : meeting.error().ToString());
    return json::parse(OnlyRequest().body);
  }

  FakeClock clock_;
  FakeTransport transport_;
  WherebyClient client_;
};

// ---------------------------------------------------------------- CreateMeeting

TEST_F(WherebyClientTest, CreateMeetingSendsTheExactCloudRecordingRequest) {
  RoomSettings room = Room("Team-Standup");
  room.is_locked = true;
  room.room_mode = "group";
  room.recording_type = "cloud";
  room.recording_trigger = "automatic-2nd-participant";
  transport_.Push(FakeTransport::Json(201, kMeetingBody));

  auto meeting = client_.CreateMeeting(room, kNow + hours(2) + std::chrono::microseconds(123'456));

  ASSERT_TRUE(meeting) << meeting.error().ToString();
  net::OutboundRequest request = OnlyRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://api.whereby.dev/v1/meetings");
  EXPECT_EQ(request.timeout, std::chrono::milliseconds(10'000));
  ExpectHeaders(request, {{"Authorization", "Bearer wb-api-key-0123456789"},
                          {"Content-Type", "application/json; charset=utf-8"}});
  json body = json::parse(request.body);
  json expected = {
      {"isLocked", true},
      {"roomNamePrefix", "team-standup-"},
      {"roomNamePattern", "uuid"},
      {"roomMode", "group"},
      {"endDate", "2026-01-01T02:00:00.123Z"},
      {"fields", {"hostRoomUrl"}},
      {"recording",
       {{"type", "cloud"},
        {"destination",
         {{"provider", "s3"},
          {"bucket", "reflector-whereby"},
          {"accessKeyId", "AKIAWHEREBY"},
          {"accessKeySecret", "whereby-s3-secret"},
          {"fileFormat", "mp4"}}},
        {"startTrigger", "automatic-2nd-participant"}}},
  };
  EXPECT_EQ(body, expected) << body.dump(2);
  // Key order on the wire follows the reference.
  EXPECT_TRUE(request.body.starts_with(R"({"isLocked":true,"roomNamePrefix":"team-standup-",)"))
      << request.body;

  EXPECT_EQ(meeting->platform, "whereby");
  EXPECT_EQ(meeting->provider_meeting_id, "87673375");
  EXPECT_EQ(meeting->room_name, kRoomName);
  EXPECT_EQ(meeting->room_url,
            "https://sub.whereby.com/team-standup-793e9ec1-1c2f-4d8c-9e1a-5f7e8d9c0b1a");
  EXPECT_EQ(
      meeting->host_room_url,
      "https://sub.whereby.com/team-standup-793e9ec1-1c2f-4d8c-9e1a-5f7e8d9c0b1a?roomKey=abc");
}

TEST_F(WherebyClientTest, CreateMeetingCarriesLockModeAndNoRecordingBlockUnlessCloud) {
  struct Case {
    bool locked;
    std::string mode;
    std::string recording;
  };
  const Case cases[] = {
      {false, "normal", "none"}, {true, "normal", "none"},   {false, "group", "none"},
      {true, "group", "local"},  {false, "normal", "local"},
  };
  for (const Case& c : cases) {
    RoomSettings room = Room();
    room.is_locked = c.locked;
    room.room_mode = c.mode;
    room.recording_type = c.recording;
    json body = CreateBody(room);
    SCOPED_TRACE(body.dump());
    EXPECT_EQ(body, (json{{"isLocked", c.locked},
                          {"roomNamePrefix", "team-standup-"},
                          {"roomNamePattern", "uuid"},
                          {"roomMode", c.mode},
                          {"endDate", "2026-01-01T02:00:00.000Z"},
                          {"fields", {"hostRoomUrl"}}}));
  }
}

TEST_F(WherebyClientTest, CreateMeetingPassesTheRecordingTrigger) {
  for (std::string trigger : {"none", "prompt", "automatic", "automatic-2nd-participant"}) {
    RoomSettings room = Room();
    room.recording_type = "cloud";
    room.recording_trigger = trigger;
    EXPECT_EQ(CreateBody(room)["recording"]["startTrigger"], trigger);
  }
}

TEST_F(WherebyClientTest, CreateMeetingEndDateIsUtcWithMilliseconds) {
  // The fake clock is at 2026-01-01T00:00:00Z; the meeting ends 90 minutes and 7 ms later.
  json body = CreateBody(Room(), kNow + std::chrono::minutes(90) + std::chrono::milliseconds(7));
  EXPECT_EQ(body["endDate"], "2026-01-01T01:30:00.007Z");
  // Exactly now is still accepted ("the same or after the current date").
  EXPECT_EQ(CreateBody(Room(), kNow)["endDate"], "2026-01-01T00:00:00.000Z");
}

TEST_F(WherebyClientTest, CreateMeetingRejectsInvalidSettingsWithoutCallingWhereby) {
  struct Case {
    RoomSettings room;
    TimePoint end;
    std::string message;
  };
  auto with = [](auto change) {
    RoomSettings room = Room();
    change(room);
    return room;
  };
  const Case cases[] = {
      {Room("team standup"), kNow + hours(1),
       "Room name cannot be used as a Whereby room name prefix: only letters a-z, digits and "
       "'-' are allowed"},
      {Room(std::string(39, 'x')), kNow + hours(1),
       "Room name is too long for Whereby: at most 38 characters"},
      {with([](RoomSettings& r) { r.room_mode = "webinar"; }), kNow + hours(1),
       "Unsupported room mode for Whereby: webinar (normal or group)"},
      {with([](RoomSettings& r) { r.recording_type = "raw-tracks"; }), kNow + hours(1),
       "Unsupported recording type for Whereby: raw-tracks (none, local or cloud)"},
      {with([](RoomSettings& r) {
         r.recording_type = "cloud";
         r.recording_trigger = "automatic-3rd-participant";
       }),
       kNow + hours(1),
       "Unsupported recording trigger for Whereby: automatic-3rd-participant (none, prompt, "
       "automatic or automatic-2nd-participant)"},
      {Room(), kNow - std::chrono::milliseconds(1), "Meeting end date is in the past"},
  };
  for (const Case& c : cases) {
    auto meeting = client_.CreateMeeting(c.room, c.end);
    ASSERT_FALSE(meeting) << c.message;
    EXPECT_EQ(meeting.error().code, Code::kInvalidArgument);
    EXPECT_EQ(meeting.error().message, c.message);
  }
  EXPECT_EQ(transport_.request_count(), 0u);
}

class WherebyClientWithoutStorageTest : public WherebyClientTest {
 protected:
  static WherebyConfig KeyOnly() {
    WherebyConfig config;
    config.api_key = kApiKey;
    config.api_url = kBase;
    return config;
  }
  WherebyClientWithoutStorageTest() : WherebyClientTest(KeyOnly()) {}
};

TEST_F(WherebyClientWithoutStorageTest, CloudRecordingNamesEveryMissingStorageVariable) {
  RoomSettings room = Room();
  room.recording_type = "cloud";
  auto meeting = client_.CreateMeeting(room, kNow + hours(1));
  ASSERT_FALSE(meeting);
  EXPECT_EQ(meeting.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(meeting.error().message,
            "Whereby cloud recording is not configured: set WHEREBY_STORAGE_AWS_BUCKET_NAME, "
            "WHEREBY_STORAGE_AWS_ACCESS_KEY_ID, WHEREBY_STORAGE_AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(transport_.request_count(), 0u);
}

TEST_F(WherebyClientWithoutStorageTest, RoomsWithoutCloudRecordingNeedOnlyTheApiKey) {
  for (std::string type : {"none", "local"}) {
    RoomSettings room = Room();
    room.recording_type = type;
    json body = CreateBody(room);
    EXPECT_FALSE(body.contains("recording")) << type;
  }
}

TEST(WherebyClientStorageTest, CloudRecordingNamesOnlyTheMissingVariable) {
  WherebyConfig config = FullConfig();
  config.storage_secret_access_key.clear();
  FakeTransport transport;
  FakeClock clock(kNow);
  WherebyClient client(config, seconds(300), transport, clock);
  RoomSettings room = Room();
  room.recording_type = "cloud";
  auto meeting = client.CreateMeeting(room, kNow + hours(1));
  ASSERT_FALSE(meeting);
  EXPECT_EQ(meeting.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(meeting.error().message,
            "Whereby cloud recording is not configured: set WHEREBY_STORAGE_AWS_SECRET_ACCESS_KEY");
}

// ---------------------------------------------------------------- error mapping

TEST_F(WherebyClientTest, UpstreamErrorsBecomeBadGatewayWithTheStatus) {
  struct Case {
    int status;
    std::string body;
    std::string message;
  };
  const std::string secret_echo = std::string(R"({"error":"Bad token )") + kApiKey + R"("})";
  const Case cases[] = {
      {400, R"({"error":"\"endDate\" must be greater than or equal to \"now\""})",
       "Whereby API error: create meeting failed with status 400: \"endDate\" must be greater "
       "than or equal to \"now\""},
      {401, "", "Whereby API error: create meeting failed with status 401"},
      {403, "Forbidden", "Whereby API error: create meeting failed with status 403"},
      {429,
       R"({"error":"Rate limit active for throttle key: organization:1","data":{"msLeft":38689}})",
       "Whereby API error: create meeting failed with status 429: Rate limit active for throttle "
       "key: organization:1"},
      {500, R"({"error":42})", "Whereby API error: create meeting failed with status 500"},
      {503, R"({"error":"line\nbreak"})",
       "Whereby API error: create meeting failed with status 503: line break"},
      {401, secret_echo,
       "Whereby API error: create meeting failed with status 401: Bad token [redacted]"},
      {302, "", "Whereby API error: create meeting failed with status 302"},
  };
  for (const Case& c : cases) {
    transport_.Reset();
    transport_.Push(FakeTransport::Json(c.status, c.body));
    auto meeting = client_.CreateMeeting(Room(), kNow + hours(1));
    ASSERT_FALSE(meeting) << c.status;
    EXPECT_EQ(meeting.error().code, Code::kBadGateway) << c.status;
    EXPECT_EQ(meeting.error().upstream_status, c.status);
    EXPECT_EQ(meeting.error().message, c.message);
    EXPECT_EQ(meeting.error().message.find(kApiKey), std::string::npos);
    EXPECT_EQ(meeting.error().detail.find(kApiKey), std::string::npos);
  }
}

TEST_F(WherebyClientTest, LongErrorTextsAreCapped) {
  transport_.Push(FakeTransport::Json(400, json{{"error", std::string(1000, 'e')}}.dump()));
  auto meeting = client_.CreateMeeting(Room(), kNow + hours(1));
  ASSERT_FALSE(meeting);
  EXPECT_EQ(meeting.error().message, "Whereby API error: create meeting failed with status 400: " +
                                         std::string(200, 'e') + "...");
}

TEST_F(WherebyClientTest, EveryOperationNamesItselfInUpstreamErrors) {
  transport_.Always("", "", FakeTransport::Json(500, "{}"));
  auto expect = [](const Error& error, const std::string& operation) {
    EXPECT_EQ(error.code, Code::kBadGateway);
    EXPECT_EQ(error.upstream_status, 500);
    EXPECT_EQ(error.message, "Whereby API error: " + operation + " failed with status 500");
  };
  expect(client_.CreateMeeting(Room(), kNow + hours(1)).error(), "create meeting");
  expect(client_.GetRoomSessions(kRoomName).error(), "get room sessions");
  expect(client_.GetMeeting("1").error(), "get meeting");
  expect(client_.DeleteMeeting("1").error(), "delete meeting");
  expect(client_.GetRecordingAccessLink("r").error(), "get recording access link");
}

TEST_F(WherebyClientTest, TransportErrorsPassThroughUnchanged) {
  transport_.Push(FakeTransport::ConnectFailure());
  auto meeting = client_.CreateMeeting(Room(), kNow + hours(1));
  ASSERT_FALSE(meeting);
  EXPECT_EQ(meeting.error().code, Code::kUnavailable);
  EXPECT_EQ(meeting.error().message, "could not connect (fake)");
  EXPECT_FALSE(net::RequestMayHaveBeenSent(meeting.error()));

  transport_.Push(FakeTransport::TimeoutAfterSend());
  auto sessions = client_.GetRoomSessions(kRoomName);
  ASSERT_FALSE(sessions);
  EXPECT_EQ(sessions.error().code, Code::kDeadlineExceeded);
}

// ---------------------------------------------------------------- malformed answers

struct MalformedCase {
  std::string name;
  int status;
  std::string body;
};

TEST_F(WherebyClientTest, MalformedCreateMeetingResponsesAreInternalErrors) {
  const MalformedCase cases[] = {
      {"empty", 201, ""},
      {"not json", 201, "<html>ok</html>"},
      {"truncated", 201, R"({"meetingId":"1",)"},
      {"array", 201, "[]"},
      {"string", 201, R"("meeting")"},
      {"null", 201, "null"},
      {"deep", 201, std::string(10'000, '[') + std::string(10'000, ']')},
      {"no meetingId", 201, R"({"roomName":"/r","roomUrl":"u","hostRoomUrl":"h"})"},
      {"numeric meetingId", 201,
       R"({"meetingId":1,"roomName":"/r","roomUrl":"u","hostRoomUrl":"h"})"},
      {"empty meetingId", 201,
       R"({"meetingId":"","roomName":"/r","roomUrl":"u","hostRoomUrl":"h"})"},
      {"null roomName", 201,
       R"({"meetingId":"1","roomName":null,"roomUrl":"u","hostRoomUrl":"h"})"},
      {"roomUrl object", 201,
       R"({"meetingId":"1","roomName":"/r","roomUrl":{},"hostRoomUrl":"h"})"},
      {"no hostRoomUrl", 201, R"({"meetingId":"1","roomName":"/r","roomUrl":"u"})"},
      {"hostRoomUrl bool", 200,
       R"({"meetingId":"1","roomName":"/r","roomUrl":"u","hostRoomUrl":true})"},
  };
  for (const MalformedCase& c : cases) {
    transport_.Reset();
    transport_.Push(FakeTransport::Json(c.status, c.body));
    auto meeting = client_.CreateMeeting(Room(), kNow + hours(1));
    ASSERT_FALSE(meeting) << c.name;
    EXPECT_EQ(meeting.error().code, Code::kInternal) << c.name;
    EXPECT_EQ(meeting.error().message, "Whereby returned a malformed response to create meeting")
        << c.name;
  }
}

TEST_F(WherebyClientTest, MalformedRoomSessionsResponsesAreInternalErrors) {
  const MalformedCase cases[] = {
      {"not json", 200, "nope"},
      {"array", 200, "[]"},
      {"no results", 200, R"({"cursor":null})"},
      {"results object", 200, R"({"results":{}})"},
      {"item not object", 200, R"({"results":["s1"]})"},
      {"no id", 200, R"({"results":[{"startedAt":"2026-01-01T00:00:00.000Z"}]})"},
      {"numeric id", 200,
       R"({"results":[{"roomSessionId":7,"startedAt":"2026-01-01T00:00:00Z"}]})"},
      {"no startedAt", 200, R"({"results":[{"roomSessionId":"s"}]})"},
      {"null startedAt", 200, R"({"results":[{"roomSessionId":"s","startedAt":null}]})"},
      {"bad startedAt", 200, R"({"results":[{"roomSessionId":"s","startedAt":"yesterday"}]})"},
      {"numeric endedAt", 200,
       R"({"results":[{"roomSessionId":"s","startedAt":"2026-01-01T00:00:00Z","endedAt":5}]})"},
      {"bad endedAt", 200,
       R"({"results":[{"roomSessionId":"s","startedAt":"2026-01-01T00:00:00Z","endedAt":"soon"}]})"},
      {"numeric cursor", 200, R"({"results":[],"cursor":3})"},
  };
  for (const MalformedCase& c : cases) {
    transport_.Reset();
    transport_.Push(FakeTransport::Json(c.status, c.body));
    auto sessions = client_.GetRoomSessions(kRoomName);
    ASSERT_FALSE(sessions) << c.name;
    EXPECT_EQ(sessions.error().code, Code::kInternal) << c.name;
    EXPECT_EQ(sessions.error().message,
              "Whereby returned a malformed response to get room sessions")
        << c.name;
  }
}

TEST_F(WherebyClientTest, MalformedGetMeetingResponsesAreInternalErrors) {
  const MalformedCase cases[] = {
      {"not json", 200, "{"},
      {"no meetingId", 200, R"({"roomUrl":"u","endDate":"2026-01-01T00:00:00Z"})"},
      {"no roomUrl", 200, R"({"meetingId":"1","endDate":"2026-01-01T00:00:00Z"})"},
      {"no endDate", 200, R"({"meetingId":"1","roomUrl":"u"})"},
      {"bad endDate", 200, R"({"meetingId":"1","roomUrl":"u","endDate":"later"})"},
      {"bad startDate", 200,
       R"({"meetingId":"1","roomUrl":"u","endDate":"2026-01-01T00:00:00Z","startDate":1})"},
      {"roomName number", 200,
       R"({"meetingId":"1","roomUrl":"u","endDate":"2026-01-01T00:00:00Z","roomName":1})"},
      {"hostRoomUrl array", 200,
       R"({"meetingId":"1","roomUrl":"u","endDate":"2026-01-01T00:00:00Z","hostRoomUrl":[]})"},
  };
  for (const MalformedCase& c : cases) {
    transport_.Reset();
    transport_.Push(FakeTransport::Json(c.status, c.body));
    auto meeting = client_.GetMeeting("1");
    ASSERT_FALSE(meeting) << c.name;
    EXPECT_EQ(meeting.error().code, Code::kInternal) << c.name;
    EXPECT_EQ(meeting.error().message, "Whereby returned a malformed response to get meeting")
        << c.name;
  }
}

TEST_F(WherebyClientTest, MalformedAccessLinkResponsesAreInternalErrors) {
  const MalformedCase cases[] = {
      {"not json", 200, "]"},
      {"no accessLink", 200, R"({"expires":1767229200000})"},
      {"accessLink number", 200, R"({"accessLink":1,"expires":1767229200000})"},
      {"no expires", 200, R"({"accessLink":"https://x"})"},
      {"expires string", 200, R"({"accessLink":"https://x","expires":"1767229200000"})"},
      {"expires float", 200, R"({"accessLink":"https://x","expires":1.5})"},
      {"expires too big", 200, R"({"accessLink":"https://x","expires":18446744073709551615})"},
  };
  for (const MalformedCase& c : cases) {
    transport_.Reset();
    transport_.Push(FakeTransport::Json(c.status, c.body));
    auto link = client_.GetRecordingAccessLink("rec-1");
    ASSERT_FALSE(link) << c.name;
    EXPECT_EQ(link.error().code, Code::kInternal) << c.name;
    EXPECT_EQ(link.error().message,
              "Whereby returned a malformed response to get recording access link")
        << c.name;
  }
}

// ---------------------------------------------------------------- GetRoomSessions

TEST_F(WherebyClientTest, RoomSessionsEncodeTheRoomNameAndReadEverySession) {
  transport_.Push(FakeTransport::Json(200, R"({
    "results": [
      {"roomSessionId": "s-1", "roomName": "/team-standup-793e9ec1-1c2f-4d8c-9e1a-5f7e8d9c0b1a",
       "startedAt": "2026-01-01T00:05:00.000Z", "endedAt": "2026-01-01T00:35:30.250Z",
       "totalParticipantMinutes": 60},
      {"roomSessionId": "s-2", "startedAt": "2026-01-01T01:00:00.000Z", "endedAt": null},
      {"roomSessionId": "s-3", "startedAt": "2026-01-01T01:10:00+01:00"}
    ],
    "cursor": null
  })"));

  auto sessions = client_.GetRoomSessions(kRoomName);

  ASSERT_TRUE(sessions) << sessions.error().ToString();
  net::OutboundRequest request = OnlyRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url,
            "https://api.whereby.dev/v1/insights/room-sessions?roomName=%2Fteam-standup-793e9ec1-"
            "1c2f-4d8c-9e1a-5f7e8d9c0b1a&limit=100");
  EXPECT_EQ(request.body, "");
  ExpectHeaders(request, {{"Authorization", "Bearer wb-api-key-0123456789"}});

  ASSERT_EQ(sessions->size(), 3u);
  EXPECT_EQ((*sessions)[0].session_id, "s-1");
  EXPECT_EQ((*sessions)[0].started_at, *ParseIso8601("2026-01-01T00:05:00Z"));
  EXPECT_EQ((*sessions)[0].ended_at, *ParseIso8601("2026-01-01T00:35:30.250Z"));
  EXPECT_EQ((*sessions)[1].session_id, "s-2");
  EXPECT_EQ((*sessions)[1].ended_at, std::nullopt);
  EXPECT_EQ((*sessions)[2].started_at, *ParseIso8601("2026-01-01T00:10:00Z"));
  EXPECT_EQ((*sessions)[2].ended_at, std::nullopt);
}

TEST_F(WherebyClientTest, RoomSessionsFollowTheCursor) {
  transport_.Push(FakeTransport::Json(
      200,
      R"({"results":[{"roomSessionId":"a","startedAt":"2026-01-01T00:00:00Z"}],"cursor":"c/1+="})"));
  transport_.Push(FakeTransport::Json(
      200,
      R"({"results":[{"roomSessionId":"b","startedAt":"2026-01-01T00:01:00Z"}],"cursor":"c2"})"));
  transport_.Push(FakeTransport::Json(200, R"({"results":[],"cursor":""})"));

  auto sessions = client_.GetRoomSessions("/r-1");

  ASSERT_TRUE(sessions) << sessions.error().ToString();
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ((*sessions)[0].session_id, "a");
  EXPECT_EQ((*sessions)[1].session_id, "b");
  auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].url,
            std::string(kBase) + "/insights/room-sessions?roomName=%2Fr-1&limit=100");
  EXPECT_EQ(
      requests[1].url,
      std::string(kBase) + "/insights/room-sessions?roomName=%2Fr-1&limit=100&cursor=c%2F1%2B%3D");
  EXPECT_EQ(requests[2].url,
            std::string(kBase) + "/insights/room-sessions?roomName=%2Fr-1&limit=100&cursor=c2");
}

TEST_F(WherebyClientTest, RoomSessionsPaginationIsBounded) {
  transport_.Always("GET", "", FakeTransport::Json(200, R"({"results":[],"cursor":"again"})"));
  auto sessions = client_.GetRoomSessions(kRoomName);
  ASSERT_FALSE(sessions);
  EXPECT_EQ(sessions.error().code, Code::kInternal);
  EXPECT_EQ(sessions.error().message, "Whereby returned a malformed response to get room sessions");
  EXPECT_EQ(transport_.request_count(), static_cast<size_t>(WherebyClient::kMaxSessionPages));
}

TEST_F(WherebyClientTest, RoomSessionsWithoutCursorFieldIsOnePage) {
  transport_.Push(FakeTransport::Json(200, R"({"results":[]})"));
  auto sessions = client_.GetRoomSessions(kRoomName);
  ASSERT_TRUE(sessions);
  EXPECT_TRUE(sessions->empty());
  EXPECT_EQ(transport_.request_count(), 1u);
}

// ---------------------------------------------------------------- DeleteRoom / DeleteMeeting

TEST_F(WherebyClientTest, DeleteRoomIsANoOp) {
  EXPECT_TRUE(client_.DeleteRoom(kRoomName));
  EXPECT_EQ(transport_.request_count(), 0u);
}

TEST_F(WherebyClientTest, DeleteMeetingTreats204And404AsSuccess) {
  for (int status : {204, 200, 404}) {
    transport_.Reset();
    transport_.Push(FakeTransport::Reply(status));
    auto deleted = client_.DeleteMeeting("87673375");
    EXPECT_TRUE(deleted) << status;
    net::OutboundRequest request = OnlyRequest();
    EXPECT_EQ(request.method, "DELETE");
    EXPECT_EQ(request.url, "https://api.whereby.dev/v1/meetings/87673375");
    EXPECT_EQ(request.body, "");
    ExpectHeaders(request, {{"Authorization", "Bearer wb-api-key-0123456789"}});
  }
}

TEST_F(WherebyClientTest, DeleteMeetingFailsOnOtherErrors) {
  for (int status : {400, 401, 403, 410, 429, 500}) {
    transport_.Reset();
    transport_.Push(FakeTransport::Reply(status));
    auto deleted = client_.DeleteMeeting("87673375");
    ASSERT_FALSE(deleted) << status;
    EXPECT_EQ(deleted.error().code, Code::kBadGateway);
    EXPECT_EQ(deleted.error().upstream_status, status);
  }
}

TEST_F(WherebyClientTest, EmptyIdentifiersAreInvalidArguments) {
  EXPECT_EQ(client_.DeleteMeeting("").error().code, Code::kInvalidArgument);
  EXPECT_EQ(client_.GetMeeting("").error().code, Code::kInvalidArgument);
  EXPECT_EQ(client_.GetRecordingAccessLink("").error().code, Code::kInvalidArgument);
  EXPECT_EQ(client_.GetRoomSessions("").error().code, Code::kInvalidArgument);
  EXPECT_EQ(client_.UploadLogo("/", "logo.png").error().code, Code::kInvalidArgument);
  EXPECT_EQ(transport_.request_count(), 0u);
}

TEST_F(WherebyClientTest, IdentifiersArePercentEncodedInPaths) {
  transport_.Push(FakeTransport::Reply(204));
  ASSERT_TRUE(client_.DeleteMeeting("a/b?c"));
  EXPECT_EQ(OnlyRequest().url, "https://api.whereby.dev/v1/meetings/a%2Fb%3Fc");
}

// ---------------------------------------------------------------- GetMeeting

TEST_F(WherebyClientTest, GetMeetingAsksForTheHostUrlAndReadsTheMeeting) {
  transport_.Push(FakeTransport::Json(200, kMeetingBody));
  auto meeting = client_.GetMeeting("87673375");
  ASSERT_TRUE(meeting) << meeting.error().ToString();
  net::OutboundRequest request = OnlyRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "https://api.whereby.dev/v1/meetings/87673375?fields=hostRoomUrl");
  ExpectHeaders(request, {{"Authorization", "Bearer wb-api-key-0123456789"}});
  EXPECT_EQ(meeting->meeting_id, "87673375");
  EXPECT_EQ(meeting->room_name, kRoomName);
  EXPECT_EQ(
      meeting->host_room_url,
      "https://sub.whereby.com/team-standup-793e9ec1-1c2f-4d8c-9e1a-5f7e8d9c0b1a?roomKey=abc");
  EXPECT_EQ(meeting->start_date, kNow);
  EXPECT_EQ(meeting->end_date, kNow + hours(2));
}

TEST_F(WherebyClientTest, GetMeetingAcceptsTheMinimalMeeting) {
  // Whereby's Meeting schema requires only meetingId, roomUrl and endDate.
  transport_.Push(FakeTransport::Json(
      200,
      R"({"meetingId":"1","roomUrl":"https://s.whereby.com/x","endDate":"2026-01-01T00:00:00Z"})"));
  auto meeting = client_.GetMeeting("1");
  ASSERT_TRUE(meeting) << meeting.error().ToString();
  EXPECT_EQ(meeting->room_name, "");
  EXPECT_EQ(meeting->host_room_url, "");
  EXPECT_EQ(meeting->start_date, std::nullopt);
}

TEST_F(WherebyClientTest, GetMeetingNotFoundIsBadGateway404) {
  transport_.Push(FakeTransport::Json(404, R"({"error":"Meeting not found"})"));
  auto meeting = client_.GetMeeting("404");
  ASSERT_FALSE(meeting);
  EXPECT_EQ(meeting.error().code, Code::kBadGateway);
  EXPECT_EQ(meeting.error().upstream_status, 404);
  EXPECT_EQ(meeting.error().message,
            "Whereby API error: get meeting failed with status 404: Meeting not found");
}

// ---------------------------------------------------------------- access links

TEST_F(WherebyClientTest, RecordingAccessLinkRequestAndResponse) {
  transport_.Push(FakeTransport::Json(
      200, R"({"accessLink":"https://s3.example/rec.mp4?sig=1","expires":1767229200000})"));
  auto link = client_.GetRecordingAccessLink("rec-1", 600);
  ASSERT_TRUE(link) << link.error().ToString();
  net::OutboundRequest request = OnlyRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url,
            "https://api.whereby.dev/v1/recordings/rec-1/access-link?validForSeconds=600");
  ExpectHeaders(request, {{"Authorization", "Bearer wb-api-key-0123456789"}});
  EXPECT_EQ(link->access_link, "https://s3.example/rec.mp4?sig=1");
  EXPECT_EQ(link->expires_ms, 1'767'229'200'000);
}

TEST_F(WherebyClientTest, RecordingAccessLinkDefaultsToAnHour) {
  transport_.Push(FakeTransport::Json(200, R"({"accessLink":"https://x","expires":1})"));
  ASSERT_TRUE(client_.GetRecordingAccessLink("rec-1"));
  EXPECT_EQ(OnlyRequest().url,
            "https://api.whereby.dev/v1/recordings/rec-1/access-link?validForSeconds=3600");
}

TEST_F(WherebyClientTest, RecordingAccessLinkValidityMustBeWithinWherebysRange) {
  for (int seconds_valid : {0, -1, 43'201}) {
    auto link = client_.GetRecordingAccessLink("rec-1", seconds_valid);
    ASSERT_FALSE(link);
    EXPECT_EQ(link.error().code, Code::kInvalidArgument);
    EXPECT_EQ(link.error().message, "validForSeconds must be between 1 and 43200");
  }
  EXPECT_EQ(transport_.request_count(), 0u);
  transport_.Push(FakeTransport::Json(200, R"({"accessLink":"https://x","expires":1})"));
  EXPECT_TRUE(client_.GetRecordingAccessLink("rec-1", 43'200));
}

// ---------------------------------------------------------------- UploadLogo

class WherebyClientLogoTest : public WherebyClientTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("whereby-logo-" + NewUuid4());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& bytes) {
    std::filesystem::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(WherebyClientLogoTest, UploadsTheFileAsMultipartImageField) {
  static constexpr char kPng[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR--boundary?";
  const std::string bytes(kPng, sizeof(kPng) - 1);
  std::string path = Write("logo.png", bytes);
  transport_.Push(FakeTransport::Reply(204));

  auto uploaded = client_.UploadLogo(kRoomName, path);

  ASSERT_TRUE(uploaded) << uploaded.error().ToString();
  EXPECT_TRUE(*uploaded);
  net::OutboundRequest request = OnlyRequest();
  EXPECT_EQ(request.method, "PUT");
  // The leading "/" of the room name is not part of the path (no "rooms//…").
  EXPECT_EQ(request.url,
            "https://api.whereby.dev/v1/rooms/team-standup-793e9ec1-1c2f-4d8c-9e1a-5f7e8d9c0b1a/"
            "theme/logo");
  ASSERT_EQ(request.headers.size(), 2u);
  EXPECT_EQ(request.headers[0].name, "Authorization");
  EXPECT_EQ(request.headers[0].value, "Bearer wb-api-key-0123456789");
  EXPECT_EQ(request.headers[1].name, "Content-Type");
  const std::string prefix = "multipart/form-data; boundary=";
  ASSERT_TRUE(request.headers[1].value.starts_with(prefix)) << request.headers[1].value;
  const std::string boundary = request.headers[1].value.substr(prefix.size());
  ASSERT_FALSE(boundary.empty());
  EXPECT_EQ(request.body, "--" + boundary +
                              "\r\n"
                              "Content-Disposition: form-data; name=\"image\"; "
                              "filename=\"logo.png\"\r\n"
                              "Content-Type: image/png\r\n"
                              "\r\n" +
                              bytes + "\r\n--" + boundary + "--\r\n");
}

TEST_F(WherebyClientLogoTest, ContentTypeFollowsTheExtensionAndNamesWithoutSlashWork) {
  std::string path = Write("brand.JPG", "jpeg-bytes");
  transport_.Push(FakeTransport::Reply(204));
  ASSERT_TRUE(client_.UploadLogo("plain-room", path));
  net::OutboundRequest request = OnlyRequest();
  EXPECT_EQ(request.url, "https://api.whereby.dev/v1/rooms/plain-room/theme/logo");
  EXPECT_NE(request.body.find("filename=\"brand.JPG\"\r\nContent-Type: image/jpeg\r\n"),
            std::string::npos);
}

TEST_F(WherebyClientLogoTest, MissingFileIsInvalidArgument) {
  for (std::string path : {(dir_ / "absent.png").string(), dir_.string()}) {
    auto uploaded = client_.UploadLogo(kRoomName, path);
    ASSERT_FALSE(uploaded) << path;
    EXPECT_EQ(uploaded.error().code, Code::kInvalidArgument);
    EXPECT_EQ(uploaded.error().message, "Logo file cannot be read: " + path);
  }
  EXPECT_EQ(transport_.request_count(), 0u);
}

TEST_F(WherebyClientLogoTest, UpstreamRefusalIsBadGateway) {
  std::string path = Write("logo.png", "png");
  transport_.Push(FakeTransport::Json(404, R"({"error":"Room not found"})"));
  auto uploaded = client_.UploadLogo(kRoomName, path);
  ASSERT_FALSE(uploaded);
  EXPECT_EQ(uploaded.error().code, Code::kBadGateway);
  EXPECT_EQ(uploaded.error().upstream_status, 404);
  EXPECT_EQ(uploaded.error().message,
            "Whereby API error: upload logo failed with status 404: Room not found");
}

// ---------------------------------------------------------------- VerifyWebhook

HeaderLookup Headers(std::optional<std::string> signature) {
  return [signature](std::string_view name) -> std::optional<std::string_view> {
    if (signature && name == "Whereby-Signature") return std::string_view(*signature);
    return std::nullopt;
  };
}

TEST_F(WherebyClientTest, VerifyWebhookAcceptsTheProvidersKnownAnswer) {
  // providers.md §2.2 test vector.
  const std::string body =
      R"({"id":"evt_1","type":"room.client.joined","data":{"meetingId":"134","numClients":1}})";
  const std::string header =
      "t=1606227791,v1=470c6a25a83682665861b17fcd55731b945efcec8616a2e789919291698eb9a0";
  const TimePoint sent = FromUnixSeconds(1'606'227'791);
  EXPECT_TRUE(client_.VerifyWebhook(body, Headers(header), sent).ok);
  EXPECT_TRUE(client_.VerifyWebhook(body, Headers(header), sent + seconds(300)).ok);
}

TEST_F(WherebyClientTest, VerifyWebhookRejectsWithAReason) {
  const std::string body = R"({"type":"room.client.left","data":{"meetingId":"1"}})";
  const std::string t = std::to_string(ToUnixSeconds(kNow));
  const std::string good = SignWhereby(body, t, "whereby-test-secret");
  struct Case {
    std::string name;
    std::optional<std::string> header;
    std::string body;
    TimePoint now;
    std::string_view reason;
  };
  const Case cases[] = {
      {"missing", std::nullopt, body, kNow, webhook_reason::kMissingSignature},
      {"garbage", "sha256=abc", body, kNow, webhook_reason::kMalformedSignatureHeader},
      {"other secret", SignWhereby(body, t, "other"), body, kNow, webhook_reason::kBadSignature},
      {"body changed", good, body + " ", kNow, webhook_reason::kBadSignature},
      {"stale", good, body, kNow + seconds(301), webhook_reason::kStaleTimestamp},
      {"future", good, body, kNow - seconds(301), webhook_reason::kFutureTimestamp},
  };
  for (const Case& c : cases) {
    WebhookVerdict verdict = client_.VerifyWebhook(c.body, Headers(c.header), c.now);
    EXPECT_FALSE(verdict.ok) << c.name;
    EXPECT_EQ(verdict.reason, c.reason) << c.name;
  }
  EXPECT_TRUE(client_.VerifyWebhook(body, Headers(good), kNow).ok);
  EXPECT_EQ(client_.VerifyWebhook(body, HeaderLookup{}, kNow).reason,
            webhook_reason::kMissingSignature);
}

TEST_F(WherebyClientWithoutStorageTest, VerifyWebhookWithoutSecretRejects) {
  const std::string body = "{}";
  const std::string header = SignWhereby(body, std::to_string(ToUnixSeconds(kNow)), "");
  WebhookVerdict verdict = client_.VerifyWebhook(body, Headers(header), kNow);
  EXPECT_FALSE(verdict.ok);
  EXPECT_EQ(verdict.reason, webhook_reason::kSecretNotConfigured);
}

// ---------------------------------------------------------------- factory

TEST(WherebyFactoryTest, MissingApiKeyIsFailedPrecondition) {
  Config config;
  FakeTransport transport;
  SystemClock clock;
  auto client = MakeWherebyClient(PlatformContext{config, transport, clock});
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(client.error().message, "Whereby is not configured: set WHEREBY_API_KEY");
}

TEST(WherebyFactoryTest, BuildsAClientWithTheConfiguredToleranceAndNoStorage) {
  Config config;
  config.whereby.api_key = "k";
  config.whereby.webhook_secret = "s";
  config.webhook_timestamp_tolerance_seconds = 60;
  FakeTransport transport;
  FakeClock clock(kNow);
  auto client = MakeWherebyClient(PlatformContext{config, transport, clock});
  ASSERT_TRUE(client) << client.error().ToString();
  EXPECT_EQ((*client)->Name(), "whereby");
  ASSERT_NE(dynamic_cast<WherebyClient*>(client->get()), nullptr);

  const std::string body = "{}";
  const std::string header = SignWhereby(body, std::to_string(ToUnixSeconds(kNow)), "s");
  EXPECT_TRUE((*client)->VerifyWebhook(body, Headers(header), kNow + seconds(60)).ok);
  EXPECT_EQ((*client)->VerifyWebhook(body, Headers(header), kNow + seconds(61)).reason,
            webhook_reason::kStaleTimestamp);

  // No storage settings: a room without cloud recording still works.
  transport.Push(FakeTransport::Json(201, kMeetingBody));
  RoomSettings room = Room();
  auto meeting = (*client)->CreateMeeting(room, kNow + hours(1));
  ASSERT_TRUE(meeting) << meeting.error().ToString();
  EXPECT_EQ(transport.requests().front().url, "https://api.whereby.dev/v1/meetings");
}

}  // namespace
}  // namespace reflector::platforms
