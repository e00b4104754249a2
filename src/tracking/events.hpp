// Provider webhook events as typed values, parsed from a verified raw body (contract §5).
//
// Parsing never fails on content we merely do not act on: an unknown type, a missing room or a
// field of the wrong type gives Parsed::Kind::kIgnored with a reason (the receiver answers 200
// "ignored" and logs the reason — contract §5: a retry cannot fix it, and Daily disables a
// webhook after 3 failed deliveries). Only a body that is not a JSON object is an error.
//
// Provider quirks tolerated, each with its source:
//   - Daily timestamps are integers, floats (1708972279.96) or numeric strings
//     (recording.error `timestamp`, typed integer in the docs but a string in their example);
//     a value above 10^11 is read as milliseconds (providers.md §1.5).
//   - Daily participant events name the room `room`, recording events `room_name`
//     (providers.md §1.5); both are accepted everywhere.
//   - recording.ready-to-download `tracks` may be null (role permissions removed).
//   - recording.error `action` is "cloud-recording-error" or the documented "clourd-recording-err"
//     (sic); any action string is accepted, the error is recorded either way.
//   - Whereby `createdAt` is ISO-8601 (providers.md §2.2); `meetingId` may come as a number.
//
// The mock platform's envelope mirrors Daily's (see platforms/mock/mock_client.hpp):
//   {"version":"1.0.0","type":"participant.joined"|"participant.left"|"meeting.started"|
//    "meeting.ended","id":"<unique>","event_ts":<unix s>,"payload":{...Daily's payload...}}
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"

namespace reflector::tracking {

// participant.joined/left (Daily, mock), room.client.joined/left (Whereby).
struct ParticipantEvent {
  bool joined = true;
  std::string session_key;  // Daily session_id / Whereby participantId; empty: unknown
  std::optional<std::string> user_id;
  std::optional<std::string> user_name;
  std::optional<TimePoint> joined_at;
  std::optional<TimePoint> left_at;    // left events: when (joined_at + duration, or sent time)
  std::optional<int64_t> num_clients;  // Whereby numClients (after the event)
};

// meeting.started/ended (Daily, mock), room.session.started/ended (Whereby).
struct SessionEvent {
  bool started = true;
  std::string session_id;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> ended_at;
};

// Daily recording.started.
struct RecordingStarted {
  std::string recording_id;
  std::optional<std::string> instance_id;
  std::optional<TimePoint> started_at;
};

struct RecordingTrack {
  std::string type;  // "audio" | "video"
  std::string s3_key;
};

// Daily recording.ready-to-download (type cloud or raw-tracks, status finished).
struct RecordingReady {
  std::string type;
  std::string recording_id;
  std::string s3_key;
  std::optional<TimePoint> started_at;
  std::optional<double> duration;      // seconds
  std::vector<RecordingTrack> tracks;  // empty also when Daily sent null
};

// Daily recording.error (names no recording id).
struct RecordingError {
  std::string action;
  std::string message;
  std::optional<std::string> instance_id;
  std::optional<TimePoint> at;
};

// Whereby recording.finished.
struct RecordingFinished {
  std::string recording_id;
  std::string filename;
};

using EventBody = std::variant<ParticipantEvent, SessionEvent, RecordingStarted, RecordingReady,
                               RecordingError, RecordingFinished>;

struct ProviderEvent {
  std::string provider;  // "daily" | "whereby" | "mock"
  std::string id;        // the provider's event id: the idempotency key
  std::string type;
  // Which meeting: Daily/mock by provider room name; Whereby by meetingId, roomName as fallback.
  std::optional<std::string> room_name;
  std::optional<std::string> provider_meeting_id;
  std::optional<TimePoint> created_at;  // Daily event_ts (sent time) / Whereby createdAt
  EventBody body;
};

struct Parsed {
  enum class Kind { kEvent, kPing, kIgnored };
  Kind kind = Kind::kIgnored;
  std::optional<ProviderEvent> event;  // kEvent
  std::string id;                      // as far as known, for logs
  std::string type;
  std::string reason;  // kIgnored: why
};

// kInvalidArgument "Invalid JSON" when `body` is not JSON or not a JSON object. Daily's
// verification ping {"test":"test"} is Kind::kPing.
Result<Parsed> ParseDailyEvent(std::string_view body);
Result<Parsed> ParseWherebyEvent(std::string_view body);
Result<Parsed> ParseMockEvent(std::string_view body);

}  // namespace reflector::tracking
