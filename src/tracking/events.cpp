#include "tracking/events.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/time_format.hpp"
#include "platforms/video_platform.hpp"

namespace reflector::tracking {
namespace {

using nlohmann::json;

Parsed EventParsed(ProviderEvent event) {
  Parsed p;
  p.kind = Parsed::Kind::kEvent;
  p.id = event.id;
  p.type = event.type;
  p.event = std::move(event);
  return p;
}

Parsed Ignored(std::string id, std::string type, std::string reason) {
  Parsed p;
  p.kind = Parsed::Kind::kIgnored;
  p.id = std::move(id);
  p.type = std::move(type);
  p.reason = std::move(reason);
  return p;
}

Result<json> ParseObject(std::string_view body) {
  json value = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    return Err(Code::kInvalidArgument, "Invalid JSON");
  }
  return value;
}

// Later than this is not an event time but garbage (or an attack): 2100-01-01T00:00:00Z. It also
// keeps every TimePoint arithmetic far from overflowing (nanosecond ticks end in 2262).
constexpr double kMaxEpochSeconds = 4'102'444'800.0;
// A participant session longer than this (Daily's `duration`, seconds) is not believed.
constexpr double kMaxDurationSeconds = 30.0 * 24 * 3600;

// Seconds since the epoch as a double → TimePoint (microseconds kept). Above 10^11 is ms.
std::optional<TimePoint> FromEpochNumber(double value) {
  if (!std::isfinite(value) || value < 0) return std::nullopt;
  if (value > 1e11) value /= 1000.0;
  if (value > kMaxEpochSeconds) return std::nullopt;
  const auto micros = static_cast<int64_t>(std::llround(value * 1e6));
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(micros)));
}

// Daily timestamps: integer, float or numeric string.
std::optional<TimePoint> Epoch(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number()) return FromEpochNumber(it->get<double>());
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return FromEpochNumber(value);
  }
  return std::nullopt;
}

std::optional<std::string> String(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::string> NonEmptyString(const json& object, const char* key) {
  auto value = String(object, key);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::optional<double> Number(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  double value = it->get<double>();
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

// A Daily/mock envelope: {version, type, id, payload, event_ts}. `allowed` filters the types
// the provider acts on.
Result<Parsed> ParseDailyLike(std::string_view body, std::string_view provider, bool mock) {
  auto parsed = ParseObject(body);
  if (!parsed) return Err(std::move(parsed.error()));
  const json& root = *parsed;
  if (!mock) {
    // Daily's verification ping when a webhook is created (reference §2.7 step 4).
    auto test = root.find("test");
    if (test != root.end() && test->is_string() && *test == "test") {
      Parsed p;
      p.kind = Parsed::Kind::kPing;
      return p;
    }
  }
  const std::string id = String(root, "id").value_or("");
  const std::string type = String(root, "type").value_or("");
  if (type.empty()) return Ignored(id, type, "no event type");
  if (id.empty()) return Ignored(id, type, "no event id");
  auto payload_it = root.find("payload");
  if (payload_it == root.end() || !payload_it->is_object()) {
    return Ignored(id, type, "payload missing or not an object");
  }
  const json& payload = *payload_it;

  ProviderEvent event;
  event.provider = std::string(provider);
  event.id = id;
  event.type = type;
  event.created_at = Epoch(root, "event_ts");
  // Daily names the room `room` in participant and meeting events and `room_name` in recording
  // events (providers.md §1.5); take either, wherever.
  event.room_name = NonEmptyString(payload, "room_name");
  if (!event.room_name) event.room_name = NonEmptyString(payload, "room");

  auto need_room = [&]() -> std::optional<Parsed> {
    if (!event.room_name) return Ignored(id, type, "payload has no room or room_name");
    return std::nullopt;
  };

  if (type == "participant.joined" || type == "participant.left") {
    if (auto ignored = need_room()) return *ignored;
    ParticipantEvent p;
    p.joined = type == "participant.joined";
    auto session_id = NonEmptyString(payload, "session_id");
    if (!session_id) return Ignored(id, type, "payload.session_id missing or not a string");
    p.session_key = *session_id;
    p.user_id = NonEmptyString(payload, "user_id");
    p.user_name = String(payload, "user_name");
    p.joined_at = Epoch(payload, "joined_at");
    if (p.joined) {
      if (!p.joined_at) p.joined_at = event.created_at;
      if (!p.joined_at) return Ignored(id, type, "no joined_at or event_ts");
    } else {
      auto duration = Number(payload, "duration");
      if (p.joined_at && duration && *duration >= 0 && *duration <= kMaxDurationSeconds) {
        p.left_at = *p.joined_at + std::chrono::duration_cast<TimePoint::duration>(
                                       std::chrono::duration<double>(*duration));
      } else {
        p.left_at = event.created_at;
      }
      if (!p.left_at) return Ignored(id, type, "no joined_at + duration or event_ts");
    }
    event.body = std::move(p);
  } else if (type == "meeting.started" || type == "meeting.ended") {
    if (auto ignored = need_room()) return *ignored;
    SessionEvent s;
    s.started = type == "meeting.started";
    auto session_id = NonEmptyString(payload, "meeting_id");
    if (!session_id) return Ignored(id, type, "payload.meeting_id missing or not a string");
    s.session_id = *session_id;
    s.started_at = Epoch(payload, "start_ts");
    s.ended_at = Epoch(payload, "end_ts");
    if (s.started && !s.started_at) s.started_at = event.created_at;
    if (!s.started && !s.ended_at) s.ended_at = event.created_at;
    if (s.started ? !s.started_at : !s.ended_at) return Ignored(id, type, "no start_ts/end_ts");
    event.body = std::move(s);
  } else if (mock && type != "recording.ready-to-download") {
    return Ignored(id, type, "event type not handled");
  } else if (type == "recording.started") {
    if (auto ignored = need_room()) return *ignored;
    RecordingStarted r;
    auto recording_id = NonEmptyString(payload, "recording_id");
    if (!recording_id) return Ignored(id, type, "payload.recording_id missing or not a string");
    r.recording_id = *recording_id;
    r.instance_id = NonEmptyString(payload, "instance_id");
    r.started_at = Epoch(payload, "start_ts");
    if (!r.started_at) r.started_at = event.created_at;
    event.body = std::move(r);
  } else if (type == "recording.ready-to-download") {
    RecordingReady r;
    auto rec_type = NonEmptyString(payload, "type");
    if (!rec_type) return Ignored(id, type, "payload.type missing or not a string");
    // The mock platform's recordings are files of ours (type "mock", s3_key = our storage key).
    const bool known_type =
        mock ? *rec_type == "mock" : (*rec_type == "cloud" || *rec_type == "raw-tracks");
    if (!known_type) return Ignored(id, type, "recording type not handled: " + *rec_type);
    r.type = *rec_type;
    auto status = String(payload, "status");
    if (status && *status != "finished") {
      return Ignored(id, type, "recording status is not finished: " + *status);
    }
    auto recording_id = NonEmptyString(payload, "recording_id");
    if (!recording_id) return Ignored(id, type, "payload.recording_id missing or not a string");
    r.recording_id = *recording_id;
    r.s3_key = String(payload, "s3_key").value_or("");
    if ((r.type == "cloud" || r.type == "mock") && r.s3_key.empty()) {
      return Ignored(id, type, r.type + " recording without s3_key");
    }
    r.started_at = Epoch(payload, "start_ts");
    r.duration = Number(payload, "duration");
    auto tracks = payload.find("tracks");
    if (tracks != payload.end() && tracks->is_array()) {
      for (const auto& track : *tracks) {
        if (!track.is_object()) continue;
        auto key = NonEmptyString(track, "s3Key");
        if (!key) continue;
        r.tracks.push_back({String(track, "type").value_or(""), *key});
      }
    } else if (tracks != payload.end() && !tracks->is_null()) {
      return Ignored(id, type, "payload.tracks is neither an array nor null");
    }
    event.body = std::move(r);
  } else if (type == "recording.error") {
    if (auto ignored = need_room()) return *ignored;
    RecordingError e;
    e.action = String(payload, "action").value_or("");
    auto message = String(payload, "error_msg");
    if (!message) return Ignored(id, type, "payload.error_msg missing or not a string");
    e.message = *message;
    e.instance_id = NonEmptyString(payload, "instance_id");
    e.at = Epoch(payload, "timestamp");
    if (!e.at) e.at = event.created_at;
    event.body = std::move(e);
  } else {
    return Ignored(id, type, "event type not handled");
  }
  return EventParsed(std::move(event));
}

}  // namespace

Result<Parsed> ParseDailyEvent(std::string_view body) {
  return ParseDailyLike(body, platforms::kDaily, /*mock=*/false);
}

Result<Parsed> ParseMockEvent(std::string_view body) {
  return ParseDailyLike(body, platforms::kMock, /*mock=*/true);
}

Result<Parsed> ParseWherebyEvent(std::string_view body) {
  auto parsed = ParseObject(body);
  if (!parsed) return Err(std::move(parsed.error()));
  const json& root = *parsed;
  const std::string id = String(root, "id").value_or("");
  const std::string type = String(root, "type").value_or("");
  if (type.empty()) return Ignored(id, type, "no event type");
  if (id.empty()) return Ignored(id, type, "no event id");
  auto data_it = root.find("data");
  if (data_it == root.end() || !data_it->is_object()) {
    return Ignored(id, type, "data missing or not an object");
  }
  const json& data = *data_it;
  auto created = String(root, "createdAt");
  if (!created) return Ignored(id, type, "createdAt missing or not a string");
  auto created_at = ParseIso8601(*created);
  if (!created_at) return Ignored(id, type, "createdAt is not ISO-8601: " + *created);

  ProviderEvent event;
  event.provider = std::string(platforms::kWhereby);
  event.id = id;
  event.type = type;
  event.created_at = *created_at;
  event.provider_meeting_id = NonEmptyString(data, "meetingId");
  if (auto it = data.find("meetingId");
      !event.provider_meeting_id && it != data.end() && it->is_number_integer()) {
    event.provider_meeting_id = std::to_string(it->get<int64_t>());
  }
  event.room_name = NonEmptyString(data, "roomName");
  if (!event.provider_meeting_id && !event.room_name) {
    return Ignored(id, type, "data has no meetingId or roomName");
  }

  if (type == "room.client.joined" || type == "room.client.left") {
    ParticipantEvent p;
    p.joined = type == "room.client.joined";
    p.session_key = NonEmptyString(data, "participantId").value_or("");
    p.user_id = NonEmptyString(data, "externalId");
    p.user_name = String(data, "displayName");
    if (auto it = data.find("numClients");
        it != data.end() && it->is_number_integer() && it->get<int64_t>() >= 0) {
      p.num_clients = it->get<int64_t>();
    }
    if (p.session_key.empty() && !p.num_clients) {
      return Ignored(id, type, "data has neither participantId nor numClients");
    }
    if (p.joined) {
      p.joined_at = *created_at;
    } else {
      p.left_at = *created_at;
    }
    event.body = std::move(p);
  } else if (type == "room.session.started" || type == "room.session.ended") {
    SessionEvent s;
    s.started = type == "room.session.started";
    auto session_id = NonEmptyString(data, "roomSessionId");
    if (!session_id) return Ignored(id, type, "data.roomSessionId missing or not a string");
    s.session_id = *session_id;
    if (s.started) {
      s.started_at = *created_at;
    } else {
      s.ended_at = *created_at;
    }
    event.body = std::move(s);
  } else if (type == "recording.finished") {
    RecordingFinished r;
    auto recording_id = NonEmptyString(data, "recordingId");
    if (!recording_id) return Ignored(id, type, "data.recordingId missing or not a string");
    r.recording_id = *recording_id;
    r.filename = String(data, "filename").value_or("");
    event.body = std::move(r);
  } else {
    return Ignored(id, type, "event type not handled");
  }
  return EventParsed(std::move(event));
}

}  // namespace reflector::tracking
