#include "tracking/events.hpp"

#include <gtest/gtest.h>

#include "core/time_format.hpp"

namespace reflector::tracking {
namespace {

TimePoint At(const char* iso) { return *ParseIso8601(iso); }
TimePoint Epoch(double seconds) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6 + 0.5))));
}

Parsed MustParse(Result<Parsed> parsed) {
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().ToString());
  return parsed ? *parsed : Parsed{};
}

template <typename T>
const T& Body(const Parsed& p) {
  EXPECT_EQ(p.kind, Parsed::Kind::kEvent) << p.reason;
  static const T empty{};
  if (!p.event) return empty;
  const T* body = std::get_if<T>(&p.event->body);
  EXPECT_NE(body, nullptr);
  return body != nullptr ? *body : empty;
}

TEST(ParseDailyEvent, NotJsonOrNotAnObjectIsInvalidJson) {
  for (const char* body : {"not json", "", "[1,2]", "\"text\"", "42", "{\"a\":", "null"}) {
    auto parsed = ParseDailyEvent(body);
    ASSERT_FALSE(parsed.has_value()) << body;
    EXPECT_EQ(parsed.error().code, Code::kInvalidArgument);
    EXPECT_EQ(parsed.error().message, "Invalid JSON");
  }
}

TEST(ParseDailyEvent, TestPingIsAPing) {
  EXPECT_EQ(MustParse(ParseDailyEvent(R"({"test":"test"})")).kind, Parsed::Kind::kPing);
  // Only the exact ping; {"test":"other"} is an event without a type.
  EXPECT_EQ(MustParse(ParseDailyEvent(R"({"test":"other"})")).kind, Parsed::Kind::kIgnored);
}

// The reference's real participant.left, with the float timestamps and `room` (not room_name).
TEST(ParseDailyEvent, ParticipantLeftWithRoomAndFloatTimestamps) {
  auto p = MustParse(ParseDailyEvent(
      R"({"version":"1.0.0","type":"participant.left","id":"ptcpt-left-1",)"
      R"("payload":{"room":"test","user_id":"16168c97","user_name":"bipol","session_id":"0c0d2dda",)"
      R"("joined_at":1708972291.567,"will_eject_at":null,"owner":false,"duration":11.419000148773193},)"
      R"("event_ts":1708972302.986})"));
  const auto& left = Body<ParticipantEvent>(p);
  EXPECT_FALSE(left.joined);
  EXPECT_EQ(p.event->provider, "daily");
  EXPECT_EQ(p.event->id, "ptcpt-left-1");
  EXPECT_EQ(p.event->room_name, "test");
  EXPECT_EQ(left.session_key, "0c0d2dda");
  EXPECT_EQ(left.user_id, "16168c97");
  EXPECT_EQ(left.user_name, "bipol");
  EXPECT_EQ(left.joined_at, Epoch(1708972291.567));
  // joined_at + duration, to the microsecond.
  EXPECT_EQ(std::chrono::floor<std::chrono::milliseconds>(*left.left_at),
            std::chrono::floor<std::chrono::milliseconds>(Epoch(1708972302.986)));
  EXPECT_EQ(p.event->created_at, Epoch(1708972302.986));
}

TEST(ParseDailyEvent, RoomNameAliasAndStringAndMillisecondTimestamps) {
  auto p = MustParse(ParseDailyEvent(
      R"({"version":"1.0.0","type":"participant.joined","id":"j1","payload":{"room_name":"r1",)"
      R"("session_id":"s1","user_id":null,"joined_at":"1708972279.5"},"event_ts":1708972279961})"));
  const auto& joined = Body<ParticipantEvent>(p);
  EXPECT_TRUE(joined.joined);
  EXPECT_EQ(p.event->room_name, "r1");
  EXPECT_EQ(joined.user_id, std::nullopt);
  EXPECT_EQ(joined.joined_at, Epoch(1708972279.5));
  EXPECT_EQ(p.event->created_at, Epoch(1708972279.961));
}

// Found by fuzz/webhook_event_fuzz: joined_at 1.7e10 s (year 2511) overflowed the nanosecond
// TimePoint (undefined behaviour), and so did a huge `duration`. Implausible times are dropped:
// joined_at falls back to event_ts, left_at to event_ts.
TEST(ParseDailyEvent, ImplausibleTimestampsAndDurationsAreNotBelieved) {
  auto joined = MustParse(ParseDailyEvent(
      R"({"version":"1.0.0","type":"participant.joined","id":"j-far","payload":{"room":"r",)"
      R"("session_id":"s","joined_at":17089722914.613},"event_ts":1708972279.5})"));
  EXPECT_EQ(Body<ParticipantEvent>(joined).joined_at, Epoch(1708972279.5));

  auto left = MustParse(ParseDailyEvent(
      R"({"version":"1.0.0","type":"participant.left","id":"l-long","payload":{"room":"r",)"
      R"("session_id":"s","joined_at":1708972279.5,"duration":1e300},"event_ts":1708972302.5})"));
  EXPECT_EQ(Body<ParticipantEvent>(left).left_at, Epoch(1708972302.5));

  // Milliseconds are still read as such, up to the same limit.
  auto ms = MustParse(ParseDailyEvent(
      R"({"version":"1.0.0","type":"participant.joined","id":"j-ms","payload":{"room":"r",)"
      R"("session_id":"s","joined_at":4102444800000},"event_ts":1708972279.5})"));
  EXPECT_EQ(Body<ParticipantEvent>(ms).joined_at, Epoch(4102444800.0));
}

TEST(ParseDailyEvent, MissingOrMistypedFieldsAreIgnoredWithAReason) {
  struct Case {
    const char* body;
    const char* reason;
  };
  const Case cases[] = {
      {R"({"type":"participant.joined","payload":{"room":"r","session_id":"s","joined_at":1}})",
       "no event id"},
      {R"({"id":"e","payload":{}})", "no event type"},
      {R"({"id":"e","type":"participant.joined","payload":[]})",
       "payload missing or not an object"},
      {R"({"id":"e","type":"participant.joined","payload":{"session_id":"s","joined_at":1}})",
       "payload has no room or room_name"},
      {R"({"id":"e","type":"participant.joined","payload":{"room":"r","session_id":7,"joined_at":1}})",
       "payload.session_id missing or not a string"},
      {R"({"id":"e","type":"participant.joined","payload":{"room":"r","session_id":"s","joined_at":"soon"}})",
       "no joined_at or event_ts"},
      {R"({"id":"e","type":"waiting-participant.joined","payload":{"room":"r"}})",
       "event type not handled"},
      {R"({"id":"e","type":"recording.ready-to-download","payload":{"type":"cloud-audio-only","recording_id":"x"}})",
       "recording type not handled: cloud-audio-only"},
      {R"({"id":"e","type":"recording.ready-to-download","payload":{"type":"cloud","recording_id":"x","status":"in-progress","s3_key":"k"}})",
       "recording status is not finished: in-progress"},
      {R"({"id":"e","type":"recording.ready-to-download","payload":{"type":"raw-tracks","recording_id":"x","tracks":"no"}})",
       "payload.tracks is neither an array nor null"},
      {R"({"id":"e","type":"recording.error","payload":{"room_name":"r","error_msg":5}})",
       "payload.error_msg missing or not a string"},
  };
  for (const auto& c : cases) {
    auto p = MustParse(ParseDailyEvent(c.body));
    EXPECT_EQ(p.kind, Parsed::Kind::kIgnored) << c.body;
    EXPECT_EQ(p.reason, c.reason) << c.body;
  }
}

TEST(ParseDailyEvent, RawTracksReadyKeepsTrackKeysAndToleratesNullTracks) {
  auto p = MustParse(ParseDailyEvent(
      R"({"version":"1.0.0","type":"recording.ready-to-download","id":"rec-rtd-1",)"
      R"("payload":{"type":"raw-tracks","recording_id":"7443ee0a","room_name":"daily-1",)"
      R"("start_ts":1760988935,"status":"finished","max_participants":2,"duration":62,)"
      R"("s3_key":"m/daily-1/1760988935484","tracks":[{"type":"audio","s3Key":"a1","size":8},)"
      R"({"type":"video","s3Key":"v1","size":30}]},"event_ts":1760989000})"));
  const auto& ready = Body<RecordingReady>(p);
  EXPECT_EQ(ready.type, "raw-tracks");
  EXPECT_EQ(ready.recording_id, "7443ee0a");
  EXPECT_EQ(ready.started_at, FromUnixSeconds(1760988935));
  EXPECT_EQ(ready.duration, 62.0);
  ASSERT_EQ(ready.tracks.size(), 2u);
  EXPECT_EQ(ready.tracks[0].type, "audio");
  EXPECT_EQ(ready.tracks[0].s3_key, "a1");

  auto null_tracks = MustParse(ParseDailyEvent(
      R"({"id":"e2","type":"recording.ready-to-download","payload":{"type":"raw-tracks",)"
      R"("recording_id":"r2","room_name":"daily-1","status":"finished","s3_key":"k","tracks":null}})"));
  EXPECT_TRUE(Body<RecordingReady>(null_tracks).tracks.empty());
}

TEST(ParseDailyEvent, RecordingErrorWithStringTimestampAndEitherActionSpelling) {
  for (const char* action : {"clourd-recording-err", "cloud-recording-error"}) {
    auto p = MustParse(ParseDailyEvent(
        std::string(R"({"id":"err-1","type":"recording.error","payload":{"action":")") + action +
        R"(","error_msg":"disk full","instance_id":"i-1","room_name":"r","timestamp":"1708972279"}})"));
    const auto& error = Body<RecordingError>(p);
    EXPECT_EQ(error.action, action);
    EXPECT_EQ(error.message, "disk full");
    EXPECT_EQ(error.instance_id, "i-1");
    EXPECT_EQ(error.at, FromUnixSeconds(1708972279));
    EXPECT_EQ(p.event->room_name, "r");
  }
}

TEST(ParseDailyEvent, MeetingEndedAndRecordingStarted) {
  auto ended = MustParse(ParseDailyEvent(
      R"({"id":"m-end","type":"meeting.ended","payload":{"room":"r","meeting_id":"ms-1",)"
      R"("start_ts":1708972000,"end_ts":1708972300.25}})"));
  const auto& s = Body<SessionEvent>(ended);
  EXPECT_FALSE(s.started);
  EXPECT_EQ(s.session_id, "ms-1");
  EXPECT_EQ(s.started_at, FromUnixSeconds(1708972000));
  EXPECT_EQ(s.ended_at, Epoch(1708972300.25));

  auto started = MustParse(ParseDailyEvent(
      R"({"id":"rs","type":"recording.started","payload":{"room_name":"r","recording_id":"rec-1",)"
      R"("instance_id":"i-1","start_ts":1708972001}})"));
  const auto& r = Body<RecordingStarted>(started);
  EXPECT_EQ(r.recording_id, "rec-1");
  EXPECT_EQ(r.instance_id, "i-1");
  EXPECT_EQ(r.started_at, FromUnixSeconds(1708972001));
}

TEST(ParseMockEvent, MirrorsDailyForParticipantsAndReadyRecordings) {
  auto p = MustParse(ParseMockEvent(
      R"({"version":"1.0.0","type":"participant.joined","id":"mock-1","event_ts":1767225600,)"
      R"("payload":{"room":"demo-1234abcd","session_id":"p1","user_name":"Zoë","joined_at":1767225600}})"));
  EXPECT_EQ(p.event->provider, "mock");
  EXPECT_EQ(Body<ParticipantEvent>(p).user_name, "Zoë");
  // Its recordings: ready-to-download of type "mock", naming a file of our storage.
  auto ready = MustParse(ParseMockEvent(
      R"({"version":"1.0.0","type":"recording.ready-to-download","id":"m-r","event_ts":1767225600,)"
      R"("payload":{"type":"mock","recording_id":"rec-9","room_name":"demo-1234abcd",)"
      R"("start_ts":1767225500,"status":"finished","s3_key":"mock-recordings/rec-9.webm"}})"));
  ASSERT_EQ(ready.kind, Parsed::Kind::kEvent);
  EXPECT_EQ(Body<RecordingReady>(ready).type, "mock");
  EXPECT_EQ(Body<RecordingReady>(ready).s3_key, "mock-recordings/rec-9.webm");
  // Daily's recording types are not the mock's, and the mock's are not Daily's.
  EXPECT_EQ(
      MustParse(ParseMockEvent(
                    R"({"id":"x","type":"recording.ready-to-download","payload":{"type":"cloud",)"
                    R"("recording_id":"a","room_name":"r","s3_key":"k"}})"))
          .kind,
      Parsed::Kind::kIgnored);
  EXPECT_EQ(
      MustParse(ParseDailyEvent(
                    R"({"id":"x","type":"recording.ready-to-download","payload":{"type":"mock",)"
                    R"("recording_id":"a","room_name":"r","s3_key":"k"}})"))
          .kind,
      Parsed::Kind::kIgnored);
  // No ping and no other recording events on the mock platform.
  EXPECT_EQ(MustParse(ParseMockEvent(R"({"test":"test"})")).kind, Parsed::Kind::kIgnored);
  EXPECT_EQ(
      MustParse(
          ParseMockEvent(
              R"({"id":"x","type":"recording.started","payload":{"room":"r","recording_id":"a"}})"))
          .kind,
      Parsed::Kind::kIgnored);
}

TEST(ParseWherebyEvent, ClientJoinedWithIsoCreatedAtAndNumClients) {
  auto p = MustParse(ParseWherebyEvent(
      R"({"id":"evt1","apiVersion":"1.0","createdAt":"2026-01-01T00:00:00.123Z",)"
      R"("type":"room.client.joined","data":{"meetingId":"12345678","roomName":"/r-é",)"
      R"("participantId":"p-1","displayName":"Zoë","numClients":2,"externalId":"u-1"}})"));
  const auto& joined = Body<ParticipantEvent>(p);
  EXPECT_EQ(p.event->provider, "whereby");
  EXPECT_EQ(p.event->provider_meeting_id, "12345678");
  EXPECT_EQ(p.event->room_name, "/r-é");
  EXPECT_EQ(p.event->created_at, At("2026-01-01T00:00:00.123Z"));
  EXPECT_EQ(joined.session_key, "p-1");
  EXPECT_EQ(joined.num_clients, 2);
  EXPECT_EQ(joined.user_name, "Zoë");
  EXPECT_EQ(joined.user_id, "u-1");
  EXPECT_EQ(joined.joined_at, At("2026-01-01T00:00:00.123Z"));
}

TEST(ParseWherebyEvent, NumericMeetingIdSessionsRecordingsAndIgnoredCases) {
  auto numeric = MustParse(ParseWherebyEvent(
      R"({"id":"e","createdAt":"2026-01-01T00:00:00Z","type":"room.client.left","data":{"meetingId":134,"numClients":0}})"));
  EXPECT_EQ(numeric.event->provider_meeting_id, "134");
  EXPECT_EQ(Body<ParticipantEvent>(numeric).num_clients, 0);

  auto ended = MustParse(ParseWherebyEvent(
      R"({"id":"e2","createdAt":"2026-01-01T01:00:00Z","type":"room.session.ended","data":{"meetingId":"1","roomSessionId":"rs-1"}})"));
  EXPECT_EQ(Body<SessionEvent>(ended).ended_at, At("2026-01-01T01:00:00Z"));

  auto finished = MustParse(ParseWherebyEvent(
      R"({"id":"e3","createdAt":"2026-01-01T01:00:00Z","type":"recording.finished","data":{"meetingId":"1","recordingId":"wr-1","filename":"f.mp4","status":"completed"}})"));
  EXPECT_EQ(Body<RecordingFinished>(finished).filename, "f.mp4");

  struct Case {
    const char* body;
    const char* reason;
  };
  const Case cases[] = {
      {R"({"id":"e","type":"room.client.joined","data":{"meetingId":"1"}})",
       "createdAt missing or not a string"},
      {R"({"id":"e","createdAt":"yesterday","type":"room.client.joined","data":{"meetingId":"1"}})",
       "createdAt is not ISO-8601: yesterday"},
      {R"({"id":"e","createdAt":"2026-01-01T00:00:00Z","type":"room.client.joined","data":{"numClients":1}})",
       "data has no meetingId or roomName"},
      {R"({"id":"e","createdAt":"2026-01-01T00:00:00Z","type":"room.client.joined","data":{"meetingId":"1"}})",
       "data has neither participantId nor numClients"},
      {R"({"id":"e","createdAt":"2026-01-01T00:00:00Z","type":"room.client.knocked","data":{"meetingId":"1"}})",
       "event type not handled"},
      {R"({"createdAt":"2026-01-01T00:00:00Z","type":"room.client.joined","data":{"meetingId":"1"}})",
       "no event id"},
  };
  for (const auto& c : cases) {
    auto p = MustParse(ParseWherebyEvent(c.body));
    EXPECT_EQ(p.kind, Parsed::Kind::kIgnored) << c.body;
    EXPECT_EQ(p.reason, c.reason) << c.body;
  }
  EXPECT_FALSE(ParseWherebyEvent("[]").has_value());
}

}  // namespace
}  // namespace reflector::tracking
