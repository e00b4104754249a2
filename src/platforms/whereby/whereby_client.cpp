#include "platforms/whereby/whereby_client.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "core/time_format.hpp"
#include "platforms/whereby/whereby_signature.hpp"
#include "platforms/whereby/whereby_wire.hpp"

namespace reflector::platforms {
namespace {

using nlohmann::json;
using whereby_internal::PercentEncode;

constexpr std::string_view kOpCreateMeeting = "create meeting";
constexpr std::string_view kOpRoomSessions = "get room sessions";
constexpr std::string_view kOpUploadLogo = "upload logo";
constexpr std::string_view kOpGetMeeting = "get meeting";
constexpr std::string_view kOpDeleteMeeting = "delete meeting";
constexpr std::string_view kOpAccessLink = "get recording access link";

constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";
constexpr int kMaxJsonDepth = 64;
constexpr std::size_t kMaxErrorTextLength = 200;
// Whereby: validForSeconds default 3600, maximum 43200 (providers.md §2.1).
constexpr int kMaxAccessLinkSeconds = 43'200;
// Whereby: the insights `limit` is at most 100 (default 10).
constexpr int kSessionsPageLimit = 100;

std::string StripTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

tl::unexpected<Error> Malformed(std::string_view operation, std::string detail) {
  return Err(Code::kInternal, "Whereby returned a malformed response to " + std::string(operation),
             std::move(detail));
}

// Parses a 2xx body that must be a JSON object. Never throws.
Result<json> ParseObject(std::string_view operation, const std::string& body) {
  if (!whereby_internal::JsonNestingWithin(body, kMaxJsonDepth)) {
    return Malformed(operation, "JSON nested too deeply");
  }
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Malformed(operation, "body is not JSON");
  if (!parsed.is_object()) return Malformed(operation, "body is not a JSON object");
  return parsed;
}

// The member `key` of `object` when it is a string, else nullptr.
const std::string* StringMember(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

// A required, non-empty string member.
Result<std::string> RequiredString(std::string_view operation, const json& object,
                                   const char* key) {
  const std::string* value = StringMember(object, key);
  if (value == nullptr || value->empty()) {
    return Malformed(operation, std::string(key) + " is missing or not a non-empty string");
  }
  return *value;
}

// A required ISO-8601 timestamp member.
Result<TimePoint> RequiredTime(std::string_view operation, const json& object, const char* key) {
  const std::string* value = StringMember(object, key);
  if (value == nullptr)
    return Malformed(operation, std::string(key) + " is missing or not a string");
  auto parsed = ParseIso8601(*value);
  if (!parsed) return Malformed(operation, std::string(key) + " is not an ISO-8601 timestamp");
  return *parsed;
}

// An optional timestamp member: absent or null → nullopt.
Result<std::optional<TimePoint>> OptionalTime(std::string_view operation, const json& object,
                                              const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<TimePoint>{};
  if (!it->is_string()) return Malformed(operation, std::string(key) + " is not a string");
  auto parsed = ParseIso8601(it->get_ref<const std::string&>());
  if (!parsed) return Malformed(operation, std::string(key) + " is not an ISO-8601 timestamp");
  return std::optional<TimePoint>(*parsed);
}

// Whereby's `error` text from an error body, cleaned for an error message: control characters
// become spaces, the API key is redacted, the length is capped. Empty when there is none.
std::string WherebyErrorText(const std::string& body, std::string_view api_key) {
  if (!whereby_internal::JsonNestingWithin(body, kMaxJsonDepth)) return {};
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return {};
  const std::string* error = StringMember(parsed, "error");
  if (error == nullptr) return {};
  std::string text = whereby_internal::Redact(*error, api_key);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  if (text.size() > kMaxErrorTextLength) text = text.substr(0, kMaxErrorTextLength) + "...";
  return text;
}

// Whereby's own examples send milliseconds ("2099-06-13T19:22:05.168Z", JavaScript's
// toISOString); FormatIso8601 writes microseconds, so drop the last three digits.
std::string WherebyDate(TimePoint t) {
  std::string text = FormatIso8601(t);  // "YYYY-MM-DDTHH:MM:SS.ffffffZ"
  return text.substr(0, text.size() - 4) + "Z";
}

bool OneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
  for (std::string_view candidate : allowed) {
    if (value == candidate) return true;
  }
  return false;
}

}  // namespace

WherebyClient::WherebyClient(WherebyConfig config, std::chrono::seconds webhook_tolerance,
                             net::HttpTransport& transport, const Clock& clock)
    : config_(std::move(config)),
      base_url_(StripTrailingSlashes(config_.api_url)),
      tolerance_(webhook_tolerance),
      transport_(transport),
      clock_(clock) {}

Result<net::OutboundResponse> WherebyClient::Call(std::string_view operation, std::string method,
                                                  const std::string& path_and_query,
                                                  std::string body, std::string content_type,
                                                  bool not_found_ok) {
  net::OutboundRequest request;
  request.method = std::move(method);
  request.url = base_url_ + path_and_query;
  request.headers.push_back({"Authorization", "Bearer " + config_.api_key});
  if (!content_type.empty()) request.headers.push_back({"Content-Type", std::move(content_type)});
  request.body = std::move(body);

  auto response = transport_.Send(request);
  if (!response) return Err(std::move(response.error()));
  if (IsSuccess(response->status) || (not_found_ok && response->status == 404)) return response;

  std::string message = "Whereby API error: " + std::string(operation) + " failed with status " +
                        std::to_string(response->status);
  std::string error_text = WherebyErrorText(response->body, config_.api_key);
  if (!error_text.empty()) message += ": " + error_text;
  Error error{Code::kBadGateway, std::move(message), request.method + " " + path_and_query, 0};
  error.upstream_status = response->status;
  return Err(std::move(error));
}

Result<MeetingData> WherebyClient::CreateMeeting(const RoomSettings& room, TimePoint end_date) {
  auto prefix = whereby_internal::RoomNamePrefix(room.name);
  if (!prefix) return Err(std::move(prefix.error()));
  if (!OneOf(room.room_mode, {"normal", "group"})) {
    return Err(Code::kInvalidArgument,
               "Unsupported room mode for Whereby: " + room.room_mode + " (normal or group)");
  }
  if (!OneOf(room.recording_type, {"none", "local", "cloud"})) {
    return Err(Code::kInvalidArgument, "Unsupported recording type for Whereby: " +
                                           room.recording_type + " (none, local or cloud)");
  }
  const bool cloud = room.recording_type == "cloud";
  if (cloud) {
    if (!OneOf(room.recording_trigger,
               {"none", "prompt", "automatic", "automatic-2nd-participant"})) {
      return Err(Code::kInvalidArgument,
                 "Unsupported recording trigger for Whereby: " + room.recording_trigger +
                     " (none, prompt, automatic or automatic-2nd-participant)");
    }
    // Checked here rather than in the factory so that rooms without cloud recording work with
    // only WHEREBY_API_KEY set.
    std::string missing;
    auto need = [&](const std::string& value, std::string_view variable) {
      if (!value.empty()) return;
      if (!missing.empty()) missing += ", ";
      missing += variable;
    };
    need(config_.storage_bucket, "WHEREBY_STORAGE_AWS_BUCKET_NAME");
    need(config_.storage_access_key_id, "WHEREBY_STORAGE_AWS_ACCESS_KEY_ID");
    need(config_.storage_secret_access_key, "WHEREBY_STORAGE_AWS_SECRET_ACCESS_KEY");
    if (!missing.empty()) {
      return Err(Code::kFailedPrecondition,
                 "Whereby cloud recording is not configured: set " + missing);
    }
  }
  // Whereby rejects an endDate before now; say so ourselves instead of relaying a 400.
  if (end_date < clock_.Now()) {
    return Err(Code::kInvalidArgument, "Meeting end date is in the past");
  }

  nlohmann::ordered_json body = {
      {"isLocked", room.is_locked}, {"roomNamePrefix", *prefix},        {"roomNamePattern", "uuid"},
      {"roomMode", room.room_mode}, {"endDate", WherebyDate(end_date)}, {"fields", {"hostRoomUrl"}},
  };
  // Only cloud recording needs a block (as in the reference): for none and local Whereby applies
  // the organisation's settings.
  if (cloud) {
    body["recording"] = {
        {"type", "cloud"},
        {"destination",
         {{"provider", "s3"},
          {"bucket", config_.storage_bucket},
          {"accessKeyId", config_.storage_access_key_id},
          {"accessKeySecret", config_.storage_secret_access_key},
          {"fileFormat", "mp4"}}},
        {"startTrigger", room.recording_trigger},
    };
  }
  // `replace`: a stray invalid UTF-8 byte in a configured value must not throw.
  std::string payload = body.dump(-1, ' ', false, json::error_handler_t::replace);

  auto response = Call(kOpCreateMeeting, "POST", "/meetings", std::move(payload),
                       std::string(kJsonContentType));
  if (!response) return Err(std::move(response.error()));
  auto parsed = ParseObject(kOpCreateMeeting, response->body);
  if (!parsed) return Err(std::move(parsed.error()));

  MeetingData data;
  data.platform = std::string(kWhereby);
  auto meeting_id = RequiredString(kOpCreateMeeting, *parsed, "meetingId");
  if (!meeting_id) return Err(std::move(meeting_id.error()));
  auto room_name = RequiredString(kOpCreateMeeting, *parsed, "roomName");
  if (!room_name) return Err(std::move(room_name.error()));
  auto room_url = RequiredString(kOpCreateMeeting, *parsed, "roomUrl");
  if (!room_url) return Err(std::move(room_url.error()));
  auto host_room_url = RequiredString(kOpCreateMeeting, *parsed, "hostRoomUrl");
  if (!host_room_url) return Err(std::move(host_room_url.error()));
  data.provider_meeting_id = std::move(*meeting_id);
  data.room_name = std::move(*room_name);  // keeps Whereby's leading "/"
  data.room_url = std::move(*room_url);
  data.host_room_url = std::move(*host_room_url);
  return data;
}

Result<std::vector<SessionData>> WherebyClient::GetRoomSessions(const std::string& room_name) {
  if (room_name.empty()) return Err(Code::kInvalidArgument, "Whereby room name is empty");
  std::vector<SessionData> sessions;
  std::optional<std::string> cursor;
  for (int page = 0; page < kMaxSessionPages; ++page) {
    std::string path = "/insights/room-sessions?roomName=" + PercentEncode(room_name) +
                       "&limit=" + std::to_string(kSessionsPageLimit);
    if (cursor) path += "&cursor=" + PercentEncode(*cursor);
    auto response = Call(kOpRoomSessions, "GET", std::move(path));
    if (!response) return Err(std::move(response.error()));
    auto parsed = ParseObject(kOpRoomSessions, response->body);
    if (!parsed) return Err(std::move(parsed.error()));

    auto results = parsed->find("results");
    if (results == parsed->end() || !results->is_array()) {
      return Malformed(kOpRoomSessions, "results is missing or not an array");
    }
    for (const json& item : *results) {
      if (!item.is_object()) return Malformed(kOpRoomSessions, "a result is not an object");
      auto id = RequiredString(kOpRoomSessions, item, "roomSessionId");
      if (!id) return Err(std::move(id.error()));
      auto started = RequiredTime(kOpRoomSessions, item, "startedAt");
      if (!started) return Err(std::move(started.error()));
      auto ended = OptionalTime(kOpRoomSessions, item, "endedAt");
      if (!ended) return Err(std::move(ended.error()));
      sessions.push_back(SessionData{std::move(*id), *started, *ended});
    }

    // Whereby: "If there are no more results, the value returned is null."
    auto next = parsed->find("cursor");
    if (next == parsed->end() || next->is_null()) return sessions;
    if (!next->is_string()) return Malformed(kOpRoomSessions, "cursor is not a string");
    if (next->get_ref<const std::string&>().empty()) return sessions;
    cursor = next->get<std::string>();
  }
  return Malformed(kOpRoomSessions,
                   "pagination did not end within " + std::to_string(kMaxSessionPages) + " pages");
}

Status WherebyClient::DeleteRoom(const std::string& /*room_name*/) {
  // Whereby deletes meetings by meetingId (DELETE /meetings/{meetingId}), not by room name, and
  // deletes every room itself one hour after its endDate (providers.md §2.1). Nothing to do here;
  // callers holding the meetingId use DeleteMeeting.
  return Ok();
}

Result<bool> WherebyClient::UploadLogo(const std::string& room_name, const std::string& path) {
  // Whereby room names carry a leading "/" that is not part of the path parameter (the
  // reference's "rooms/" + room_name gives "rooms//name": reflector-reference.md §3.1 QUIRK).
  std::string_view name = room_name;
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.empty()) return Err(Code::kInvalidArgument, "Whereby room name is empty");

  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Err(Code::kInvalidArgument, "Logo file cannot be read: " + path);
  }
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (!file || !bytes) return Err(Code::kInvalidArgument, "Logo file cannot be read: " + path);

  whereby_internal::MultipartFile part;
  part.field_name = "image";
  part.filename = std::filesystem::path(path).filename().string();
  part.content_type = whereby_internal::ImageContentType(path);
  part.bytes = std::move(bytes).str();
  const std::string boundary = whereby_internal::NewMultipartBoundary(part.bytes);
  std::string body = whereby_internal::BuildMultipartBody(part, boundary);

  auto response = Call(kOpUploadLogo, "PUT", "/rooms/" + PercentEncode(name) + "/theme/logo",
                       std::move(body), "multipart/form-data; boundary=" + boundary);
  if (!response) return Err(std::move(response.error()));
  return true;
}

WebhookVerdict WherebyClient::VerifyWebhook(std::string_view raw_body, const HeaderLookup& headers,
                                            TimePoint now) const {
  std::optional<std::string_view> signature;
  if (headers) signature = headers("Whereby-Signature");
  return VerifyWherebySignature(raw_body, signature, config_.webhook_secret, now, tolerance_);
}

Result<WherebyMeeting> WherebyClient::GetMeeting(const std::string& meeting_id) {
  if (meeting_id.empty()) return Err(Code::kInvalidArgument, "Whereby meeting id is empty");
  auto response =
      Call(kOpGetMeeting, "GET", "/meetings/" + PercentEncode(meeting_id) + "?fields=hostRoomUrl");
  if (!response) return Err(std::move(response.error()));
  auto parsed = ParseObject(kOpGetMeeting, response->body);
  if (!parsed) return Err(std::move(parsed.error()));

  // Whereby's Meeting schema requires meetingId, roomUrl and endDate; the rest is optional.
  WherebyMeeting meeting;
  auto id = RequiredString(kOpGetMeeting, *parsed, "meetingId");
  if (!id) return Err(std::move(id.error()));
  auto room_url = RequiredString(kOpGetMeeting, *parsed, "roomUrl");
  if (!room_url) return Err(std::move(room_url.error()));
  auto end_date = RequiredTime(kOpGetMeeting, *parsed, "endDate");
  if (!end_date) return Err(std::move(end_date.error()));
  auto start_date = OptionalTime(kOpGetMeeting, *parsed, "startDate");
  if (!start_date) return Err(std::move(start_date.error()));
  for (auto [key, target] : {std::pair{"roomName", &meeting.room_name},
                             std::pair{"hostRoomUrl", &meeting.host_room_url}}) {
    auto it = parsed->find(key);
    if (it == parsed->end() || it->is_null()) continue;
    if (!it->is_string()) return Malformed(kOpGetMeeting, std::string(key) + " is not a string");
    *target = it->get<std::string>();
  }
  meeting.meeting_id = std::move(*id);
  meeting.room_url = std::move(*room_url);
  meeting.end_date = *end_date;
  meeting.start_date = *start_date;
  return meeting;
}

Status WherebyClient::DeleteMeeting(const std::string& meeting_id) {
  if (meeting_id.empty()) return Err(Code::kInvalidArgument, "Whereby meeting id is empty");
  // Whereby's delete is idempotent (204 again for a deleted meeting); a 404 means the same thing:
  // the meeting is gone.
  auto response = Call(kOpDeleteMeeting, "DELETE", "/meetings/" + PercentEncode(meeting_id), {}, {},
                       /*not_found_ok=*/true);
  if (!response) return Err(std::move(response.error()));
  return Ok();
}

Result<WherebyRecordingLink> WherebyClient::GetRecordingAccessLink(const std::string& recording_id,
                                                                   int valid_for_seconds) {
  if (recording_id.empty()) return Err(Code::kInvalidArgument, "Whereby recording id is empty");
  if (valid_for_seconds < 1 || valid_for_seconds > kMaxAccessLinkSeconds) {
    return Err(Code::kInvalidArgument,
               "validForSeconds must be between 1 and " + std::to_string(kMaxAccessLinkSeconds));
  }
  auto response = Call(kOpAccessLink, "GET",
                       "/recordings/" + PercentEncode(recording_id) +
                           "/access-link?validForSeconds=" + std::to_string(valid_for_seconds));
  if (!response) return Err(std::move(response.error()));
  auto parsed = ParseObject(kOpAccessLink, response->body);
  if (!parsed) return Err(std::move(parsed.error()));

  WherebyRecordingLink link;
  auto access_link = RequiredString(kOpAccessLink, *parsed, "accessLink");
  if (!access_link) return Err(std::move(access_link.error()));
  link.access_link = std::move(*access_link);
  auto expires = parsed->find("expires");
  if (expires == parsed->end()) return Malformed(kOpAccessLink, "expires is missing");
  if (expires->is_number_unsigned()) {
    auto value = expires->get<uint64_t>();
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Malformed(kOpAccessLink, "expires is out of range");
    }
    link.expires_ms = static_cast<int64_t>(value);
  } else if (expires->is_number_integer()) {
    link.expires_ms = expires->get<int64_t>();
  } else {
    return Malformed(kOpAccessLink, "expires is not an integer");
  }
  return link;
}

Result<std::unique_ptr<VideoPlatformClient>> MakeWherebyClient(const PlatformContext& context) {
  const WherebyConfig& config = context.config.whereby;
  if (!config.configured()) {
    return Err(Code::kFailedPrecondition, "Whereby is not configured: set WHEREBY_API_KEY");
  }
  return std::unique_ptr<VideoPlatformClient>(std::make_unique<WherebyClient>(
      config, std::chrono::seconds(context.config.webhook_timestamp_tolerance_seconds),
      context.transport, context.clock));
}

}  // namespace reflector::platforms
