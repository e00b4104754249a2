#include "platforms/daily/daily_json.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <limits>

#include "core/time_format.hpp"

namespace reflector::platforms::daily_internal {
namespace {

using nlohmann::json;

constexpr size_t kMaxErrorTextChars = 300;

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

std::optional<std::string> NonEmptyString(const json& object, std::string_view key) {
  auto value = StringMember(object, key);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<json> ParseBody(std::string_view body) {
  if (IsBlank(body)) return json::object();
  json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

const json* Member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end()) return nullptr;
  return &*it;
}

std::optional<std::string> StringMember(const json& object, std::string_view key) {
  const json* value = Member(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::optional<bool> BoolMember(const json& object, std::string_view key) {
  const json* value = Member(object, key);
  if (value == nullptr || !value->is_boolean()) return std::nullopt;
  return value->get<bool>();
}

std::optional<int64_t> IntMember(const json& object, std::string_view key) {
  const json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_unsigned()) {
    const uint64_t u = value->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_number_float()) {
    const double d = std::trunc(value->get<double>());
    // 2^63 is exactly representable; anything at or beyond it (or NaN) does not fit.
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::string ErrorText(const json& body) {
  std::optional<std::string> text = NonEmptyString(body, "info");
  if (!text) text = NonEmptyString(body, "error");
  if (!text) return {};
  if (text->size() > kMaxErrorTextChars) {
    text->resize(kMaxErrorTextChars);
    *text += "...";
  }
  return *text;
}

std::optional<DailyRoom> ParseRoom(const json& value) {
  auto id = NonEmptyString(value, "id");
  auto name = NonEmptyString(value, "name");
  auto url = NonEmptyString(value, "url");
  if (!id || !name || !url) return std::nullopt;
  DailyRoom room;
  room.id = std::move(*id);
  room.name = std::move(*name);
  room.url = std::move(*url);
  room.privacy = StringMember(value, "privacy").value_or("");
  room.api_created = BoolMember(value, "api_created").value_or(false);
  room.created_at = StringMember(value, "created_at").value_or("");
  if (const json* config = Member(value, "config"); config != nullptr && config->is_object()) {
    room.config = *config;
  }
  return room;
}

std::optional<std::vector<DailyParticipant>> ParsePresence(const json& value) {
  const json* data = Member(value, "data");
  if (data == nullptr || !data->is_array()) return std::nullopt;
  std::vector<DailyParticipant> out;
  out.reserve(data->size());
  for (const json& row : *data) {
    auto id = NonEmptyString(row, "id");
    auto join_time_text = StringMember(row, "joinTime");
    if (!id || !join_time_text) return std::nullopt;
    auto join_time = ParseIso8601(*join_time_text);
    if (!join_time) return std::nullopt;
    DailyParticipant participant;
    participant.id = std::move(*id);
    participant.user_id = StringMember(row, "userId");
    participant.user_name = StringMember(row, "userName");
    participant.join_time = *join_time;
    participant.duration_seconds = IntMember(row, "duration").value_or(0);
    out.push_back(std::move(participant));
  }
  return out;
}

std::optional<DailyRecording> ParseRecording(const json& value) {
  auto id = NonEmptyString(value, "id");
  if (!id) return std::nullopt;
  DailyRecording rec;
  rec.id = std::move(*id);
  rec.room_name = StringMember(value, "room_name").value_or("");
  rec.start_ts = IntMember(value, "start_ts");
  rec.type = StringMember(value, "type");
  rec.status = StringMember(value, "status").value_or("");
  rec.max_participants = IntMember(value, "max_participants");
  rec.duration = IntMember(value, "duration");
  rec.share_token = StringMember(value, "share_token");
  if (const json* s3 = Member(value, "s3"); s3 != nullptr && s3->is_object()) {
    DailyRecordingS3 bucket;
    bucket.bucket_name = StringMember(*s3, "bucket_name").value_or("");
    bucket.bucket_region = StringMember(*s3, "bucket_region").value_or("");
    bucket.key = StringMember(*s3, "key");
    bucket.endpoint = StringMember(*s3, "endpoint");
    rec.s3 = std::move(bucket);
  }
  rec.s3key = StringMember(value, "s3key");
  if (const json* tracks = Member(value, "tracks"); tracks != nullptr && tracks->is_array()) {
    for (const json& t : *tracks) {
      auto key = StringMember(t, "s3Key");
      if (!key) continue;  // a track we could not fetch anyway
      rec.tracks.push_back(DailyRecordingTrack{StringMember(t, "type").value_or(""),
                                               std::move(*key), IntMember(t, "size").value_or(0)});
    }
  }
  rec.mtg_session_id = StringMember(value, "mtgSessionId");
  return rec;
}

std::optional<std::vector<DailyRecording>> ParseRecordingList(const json& value) {
  const json* data = Member(value, "data");
  if (data == nullptr || !data->is_array()) return std::nullopt;
  std::vector<DailyRecording> out;
  out.reserve(data->size());
  size_t index = 0;
  for (const json& row : *data) {
    auto rec = ParseRecording(row);
    if (rec) {
      out.push_back(std::move(*rec));
    } else {
      // One bad row must not hide the others (Reflector PR #796: a single `duration: null` row
      // failed the whole poll).
      spdlog::warn("Daily.co list recordings: skipping row {} without a string id", index);
    }
    ++index;
  }
  return out;
}

std::optional<DailyAccessLink> ParseAccessLink(const json& value) {
  auto link = NonEmptyString(value, "download_link");
  auto expires = IntMember(value, "expires");
  if (!link || !expires) return std::nullopt;
  return DailyAccessLink{std::move(*link), *expires};
}

std::optional<DailyWebhook> ParseWebhook(const json& value) {
  auto uuid = NonEmptyString(value, "uuid");
  auto url = StringMember(value, "url");
  if (!uuid || !url) return std::nullopt;
  DailyWebhook hook;
  hook.uuid = std::move(*uuid);
  hook.url = std::move(*url);
  hook.hmac = StringMember(value, "hmac");
  if (const json* types = Member(value, "eventTypes"); types != nullptr && types->is_array()) {
    for (const json& t : *types) {
      if (t.is_string()) hook.event_types.push_back(t.get<std::string>());
    }
  }
  hook.state = StringMember(value, "state").value_or("");
  hook.failed_count = IntMember(value, "failedCount").value_or(0);
  hook.last_moment_pushed = StringMember(value, "lastMomentPushed");
  hook.domain_id = StringMember(value, "domainId").value_or("");
  hook.created_at = StringMember(value, "createdAt").value_or("");
  hook.updated_at = StringMember(value, "updatedAt").value_or("");
  return hook;
}

std::optional<std::vector<DailyWebhook>> ParseWebhookList(const json& value) {
  const json* rows = &value;
  if (value.is_object()) rows = Member(value, "data");
  if (rows == nullptr || !rows->is_array()) return std::nullopt;
  std::vector<DailyWebhook> out;
  out.reserve(rows->size());
  for (const json& row : *rows) {
    auto hook = ParseWebhook(row);
    if (!hook) return std::nullopt;
    out.push_back(std::move(*hook));
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                            (u >= '0' && u <= '9') || u == '-' || u == '.' || u == '_' || u == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0x0F];
    }
  }
  return out;
}

}  // namespace reflector::platforms::daily_internal
