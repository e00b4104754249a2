#include "platforms/daily/daily_client.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <utility>

#include "core/crypto.hpp"
#include "core/time_format.hpp"
#include "platforms/daily/daily_json.hpp"
#include "platforms/daily/daily_signature.hpp"

namespace reflector::platforms {
namespace {

using nlohmann::json;
namespace di = daily_internal;

constexpr std::chrono::milliseconds kRequestTimeout{10'000};
constexpr size_t kMaxRoomNameChars = 128;  // Daily's limit (providers.md §1.2)
constexpr size_t kMaxUserIdChars = 36;     // Daily's limit on a token's user_id (§1.3)
constexpr int kMaxListLimit = 100;         // Daily's page size limit for GET /recordings
constexpr std::string_view kRawTracksNamespace = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
constexpr size_t kMaxLoggedBodyChars = 500;

bool IsDailyNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

Error Malformed(std::string_view operation, std::string detail) {
  return Error{Code::kInternal,
               "Daily.co returned a malformed response to " + std::string(operation),
               std::move(detail), 0};
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

// kBadGateway for a non-2xx answer. Daily's own `info`/`error` text is safe to show (it names
// rooms and fields, never credentials); the raw body goes to the internal detail only.
Error UpstreamError(std::string_view operation, std::string_view method, const std::string& path,
                    const net::OutboundResponse& response) {
  std::string message = "Daily.co API error: " + std::string(operation) + " failed with status " +
                        std::to_string(response.status);
  if (auto body = di::ParseBody(response.body)) {
    if (std::string text = di::ErrorText(*body); !text.empty()) message += ": " + text;
  }
  std::string detail = std::string(method) + " " + path + " -> " + std::to_string(response.status) +
                       ", body: " + response.body.substr(0, kMaxLoggedBodyChars);
  Error error{Code::kBadGateway, std::move(message), std::move(detail), 0};
  error.upstream_status = response.status;
  return error;
}

std::string TrimTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string RoomPath(const std::string& room_name) {
  return "/rooms/" + di::PercentEncode(room_name);
}

}  // namespace

// --- Free functions ---

Result<std::string> DailyRoomName(std::string_view room_name, TimePoint now) {
  if (room_name.empty()) {
    return Err(Code::kInvalidArgument, "Daily room name prefix must not be empty");
  }
  for (char c : room_name) {
    if (!IsDailyNameChar(c)) {
      return Err(Code::kInvalidArgument,
                 "Room name '" + std::string(room_name) +
                     "' cannot be used on Daily.co: only letters, digits, '-' and '_' are allowed");
    }
  }
  using namespace std::chrono;
  const auto secs = floor<seconds>(now);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  char stamp[64];
  std::snprintf(stamp, sizeof(stamp), "%04d%02u%02u%02d%02d%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  std::string name = std::string(room_name) + "-" + stamp;
  if (name.size() > kMaxRoomNameChars) {
    return Err(Code::kInvalidArgument,
               "Room name is too long for Daily.co: at most " +
                   std::to_string(kMaxRoomNameChars - (name.size() - room_name.size())) +
                   " characters are allowed");
  }
  return name;
}

std::string AppendTokenToUrl(const std::string& url, const std::string& token) {
  std::string_view rest(url);
  std::string_view fragment;
  if (auto hash = rest.find('#'); hash != std::string_view::npos) {
    fragment = rest.substr(hash);
    rest = rest.substr(0, hash);
  }
  std::string_view base = rest;
  std::string_view query;
  if (auto question = rest.find('?'); question != std::string_view::npos) {
    base = rest.substr(0, question);
    query = rest.substr(question + 1);
  }
  const std::string t_param = "t=" + daily_internal::PercentEncode(token);

  std::string new_query;
  bool placed = false;
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (param.empty()) continue;
    const std::string_view key = param.substr(0, param.find('='));
    if (key == "t") {
      if (placed) continue;  // a later duplicate
      param = t_param;
      placed = true;
    }
    if (!new_query.empty()) new_query += '&';
    new_query += param;
  }
  if (!placed) {
    if (!new_query.empty()) new_query += '&';
    new_query += t_param;
  }
  std::string out;
  out.reserve(url.size() + t_param.size() + 2);
  out.append(base);
  out += '?';
  out += new_query;
  out.append(fragment);
  return out;
}

std::string RawTracksInstanceId(std::string_view meeting_id) {
  // The namespace is a valid constant (tested against Reflector's vectors), so UuidV5 cannot
  // fail here; an empty id would make Daily reject the start, never collide.
  auto id = UuidV5(kRawTracksNamespace, meeting_id);
  return id ? *id : std::string();
}

// --- DailyClient ---

DailyClient::DailyClient(DailyConfig config, std::chrono::seconds webhook_tolerance,
                         net::HttpTransport& transport, const Clock& clock)
    : config_(std::move(config)),
      api_url_(TrimTrailingSlashes(config_.api_url)),
      webhook_tolerance_(webhook_tolerance),
      transport_(transport),
      clock_(clock) {}

Result<net::OutboundResponse> DailyClient::Exchange(std::string_view method,
                                                    const std::string& path,
                                                    const json& body) const {
  net::OutboundRequest request;
  request.method = std::string(method);
  request.url = api_url_ + path;
  request.headers = {{"Authorization", "Bearer " + config_.api_key},
                     {"Content-Type", "application/json"}};
  if (!body.is_null()) request.body = di::Dump(body);
  request.timeout = kRequestTimeout;
  return transport_.Send(request);
}

Result<json> DailyClient::Call(std::string_view operation, std::string_view method,
                               const std::string& path, const json& body) const {
  auto response = Exchange(method, path, body);
  if (!response) return Err(std::move(response.error()));
  if (!Is2xx(response->status)) return Err(UpstreamError(operation, method, path, *response));
  auto parsed = di::ParseBody(response->body);
  if (!parsed) {
    return Err(Malformed(operation, std::string(method) + " " + path + ": body is not JSON"));
  }
  return std::move(*parsed);
}

Result<MeetingData> DailyClient::CreateMeeting(const RoomSettings& room, TimePoint end_date) {
  constexpr std::string_view kOp = "create room";
  auto name = DailyRoomName(room.name, clock_.Now());
  if (!name) return Err(std::move(name.error()));

  json properties = {
      {"enable_chat", true},      {"enable_screenshare", true}, {"enable_knocking", room.is_locked},
      {"start_video_off", false}, {"start_audio_off", false},   {"exp", ToUnixSeconds(end_date)},
  };
  if (room.recording_type == "local") {
    properties["enable_recording"] = "local";
  } else if (room.recording_type == "cloud") {
    // Cloud recordings are started over REST later (StartRecording); here Daily only needs to
    // know where to write them. The bucket is optional configuration: without it the room is
    // still created (meetings work), but Daily has nowhere to put our recordings, so say so.
    if (!config_.storage_bucket.empty()) {
      json bucket = {{"bucket_name", config_.storage_bucket}, {"allow_api_access", true}};
      // Null fields are omitted, as Reflector does; Daily reports a missing region/role itself.
      if (!config_.storage_region.empty()) bucket["bucket_region"] = config_.storage_region;
      if (!config_.storage_role_arn.empty()) bucket["assume_role_arn"] = config_.storage_role_arn;
      properties["recordings_bucket"] = std::move(bucket);
    } else {
      spdlog::warn(
          "Daily.co room {} uses cloud recording but DAILYCO_STORAGE_AWS_BUCKET_NAME is not set: "
          "creating it without recordings_bucket",
          *name);
    }
  }
  json body = {{"name", *name},
               {"privacy", room.is_locked ? "private" : "public"},
               {"properties", std::move(properties)}};

  auto answer = Call(kOp, "POST", "/rooms", body);
  if (!answer) return Err(std::move(answer.error()));
  auto created = di::ParseRoom(*answer);
  if (!created) return Err(Malformed(kOp, "room object without string id/name/url"));

  MeetingData data;
  data.platform = std::string(kDaily);
  data.provider_meeting_id = created->id;
  data.room_name = created->name;
  data.room_url = created->url;
  data.host_room_url = created->url;
  return data;
}

Result<DailyRoom> DailyClient::GetRoom(const std::string& room_name) {
  constexpr std::string_view kOp = "get room";
  auto answer = Call(kOp, "GET", RoomPath(room_name));
  if (!answer) return Err(std::move(answer.error()));
  auto room = di::ParseRoom(*answer);
  if (!room) return Err(Malformed(kOp, "room object without string id/name/url"));
  return std::move(*room);
}

Result<std::vector<DailyParticipant>> DailyClient::GetPresence(const std::string& room_name) {
  constexpr std::string_view kOp = "get room presence";
  auto answer = Call(kOp, "GET", RoomPath(room_name) + "/presence");
  if (!answer) return Err(std::move(answer.error()));
  auto participants = di::ParsePresence(*answer);
  if (!participants) {
    return Err(Malformed(kOp, "no data array, or a participant without id/joinTime"));
  }
  return std::move(*participants);
}

Result<std::vector<SessionData>> DailyClient::GetRoomSessions(const std::string& room_name) {
  auto participants = GetPresence(room_name);
  if (!participants) return Err(std::move(participants.error()));
  std::vector<SessionData> sessions;
  sessions.reserve(participants->size());
  for (DailyParticipant& p : *participants) {
    sessions.push_back(SessionData{std::move(p.id), p.join_time, std::nullopt});
  }
  return sessions;
}

Status DailyClient::DeleteRoom(const std::string& room_name) {
  constexpr std::string_view kOp = "delete room";
  const std::string path = RoomPath(room_name);
  auto response = Exchange("DELETE", path, nullptr);
  if (!response) return Err(std::move(response.error()));
  if (response->status == 404) return Ok();  // already gone: deleting is idempotent
  if (!Is2xx(response->status)) return Err(UpstreamError(kOp, "DELETE", path, *response));
  return Ok();
}

Result<bool> DailyClient::UploadLogo(const std::string&, const std::string&) { return false; }

WebhookVerdict DailyClient::VerifyWebhook(std::string_view raw_body, const HeaderLookup& headers,
                                          TimePoint now) const {
  return VerifyDailySignature(raw_body, headers("X-Webhook-Signature"),
                              headers("X-Webhook-Timestamp"), config_.webhook_secret, now,
                              webhook_tolerance_);
}

Result<std::string> DailyClient::CreateMeetingToken(const std::string& room_name,
                                                    const std::string& user_id, bool is_owner,
                                                    bool enable_recording_ui) {
  constexpr std::string_view kOp = "create meeting token";
  if (room_name.empty()) {
    return Err(Code::kInvalidArgument, "A Daily.co meeting token needs a room name");
  }
  if (user_id.size() > kMaxUserIdChars) {
    return Err(Code::kInvalidArgument, "Daily.co meeting token user_id is longer than " +
                                           std::to_string(kMaxUserIdChars) + " characters");
  }
  json properties = {{"room_name", room_name}};
  if (!user_id.empty()) properties["user_id"] = user_id;
  properties["is_owner"] = is_owner;
  properties["enable_recording_ui"] = enable_recording_ui;
  properties["eject_at_token_exp"] = false;
  json body = {{"properties", std::move(properties)}};

  auto answer = Call(kOp, "POST", "/meeting-tokens", body);
  if (!answer) return Err(std::move(answer.error()));
  auto token = di::StringMember(*answer, "token");
  if (!token || token->empty()) return Err(Malformed(kOp, "no string token"));
  return std::move(*token);
}

Result<StartRecordingOutcome> DailyClient::StartRecording(const std::string& room_name,
                                                          std::string_view type,
                                                          const std::string& instance_id) {
  constexpr std::string_view kOp = "start recording";
  if (type != kDailyRecordingCloud && type != kDailyRecordingRawTracks) {
    return Err(Code::kInvalidArgument, "Unsupported Daily.co recording type '" + std::string(type) +
                                           "': expected cloud or raw-tracks");
  }
  if (room_name.empty() || instance_id.empty()) {
    return Err(Code::kInvalidArgument,
               "Starting a Daily.co recording needs a room and an instance id");
  }
  const std::string path = RoomPath(room_name) + "/recordings/start";
  json body = {{"type", type}, {"instanceId", instance_id}};
  auto response = Exchange("POST", path, body);
  if (!response) return Err(std::move(response.error()));

  if (!Is2xx(response->status)) {
    // Every participant asks for the same recordings with the same instance ids; all but the
    // first get this error from Daily, which means the recording we want is running.
    if (auto error_body = di::ParseBody(response->body)) {
      for (std::string_view key : {"info", "error"}) {
        auto text = di::StringMember(*error_body, key);
        if (text && text->find("has an active stream") != std::string::npos) {
          return StartRecordingOutcome{true, std::move(*error_body)};
        }
      }
    }
    return Err(UpstreamError(kOp, "POST", path, *response));
  }
  auto parsed = di::ParseBody(response->body);
  if (!parsed) return Err(Malformed(kOp, "body is not JSON"));
  return StartRecordingOutcome{false, std::move(*parsed)};
}

Result<std::vector<DailyRecording>> DailyClient::ListRecordings(
    const std::optional<std::string>& room_name, const std::optional<std::string>& starting_after,
    const std::optional<std::string>& ending_before, int limit) {
  constexpr std::string_view kOp = "list recordings";
  if (limit < 1 || limit > kMaxListLimit) {
    return Err(Code::kInvalidArgument,
               "Daily.co recordings limit must be between 1 and " + std::to_string(kMaxListLimit));
  }
  std::string path = "/recordings?limit=" + std::to_string(limit);
  if (room_name) path += "&room_name=" + di::PercentEncode(*room_name);
  if (starting_after) path += "&starting_after=" + di::PercentEncode(*starting_after);
  if (ending_before) path += "&ending_before=" + di::PercentEncode(*ending_before);

  auto answer = Call(kOp, "GET", path);
  if (!answer) return Err(std::move(answer.error()));
  auto recordings = di::ParseRecordingList(*answer);
  if (!recordings) return Err(Malformed(kOp, "no data array"));
  return std::move(*recordings);
}

Result<DailyRecording> DailyClient::GetRecording(const std::string& recording_id) {
  constexpr std::string_view kOp = "get recording";
  auto answer = Call(kOp, "GET", "/recordings/" + di::PercentEncode(recording_id));
  if (!answer) return Err(std::move(answer.error()));
  auto recording = di::ParseRecording(*answer);
  if (!recording) return Err(Malformed(kOp, "recording object without string id"));
  return std::move(*recording);
}

Result<DailyAccessLink> DailyClient::GetRecordingAccessLink(const std::string& recording_id,
                                                            int64_t valid_for_secs) {
  constexpr std::string_view kOp = "get recording access link";
  if (valid_for_secs <= 0) {
    return Err(Code::kInvalidArgument, "Daily.co access link validity must be positive");
  }
  auto answer = Call(kOp, "GET",
                     "/recordings/" + di::PercentEncode(recording_id) +
                         "/access-link?valid_for_secs=" + std::to_string(valid_for_secs));
  if (!answer) return Err(std::move(answer.error()));
  auto link = di::ParseAccessLink(*answer);
  if (!link) return Err(Malformed(kOp, "no string download_link / numeric expires"));
  return std::move(*link);
}

Result<std::vector<DailyWebhook>> DailyClient::ListWebhooks() {
  constexpr std::string_view kOp = "list webhooks";
  auto answer = Call(kOp, "GET", "/webhooks");
  if (!answer) return Err(std::move(answer.error()));
  auto hooks = di::ParseWebhookList(*answer);
  if (!hooks) return Err(Malformed(kOp, "not an array of webhooks with uuid/url"));
  return std::move(*hooks);
}

Result<DailyWebhook> DailyClient::CreateWebhook(const std::string& url,
                                                const std::vector<std::string>& event_types,
                                                const std::string& hmac) {
  constexpr std::string_view kOp = "create webhook";
  json body = {{"url", url}, {"eventTypes", event_types}};
  if (!hmac.empty()) body["hmac"] = hmac;
  auto answer = Call(kOp, "POST", "/webhooks", body);
  if (!answer) return Err(std::move(answer.error()));
  auto hook = di::ParseWebhook(*answer);
  if (!hook) return Err(Malformed(kOp, "webhook object without uuid/url"));
  return std::move(*hook);
}

Status DailyClient::DeleteWebhook(const std::string& uuid) {
  const std::string path = "/webhooks/" + di::PercentEncode(uuid);
  auto response = Exchange("DELETE", path, nullptr);
  if (!response) return Err(std::move(response.error()));
  // The body (the deleted webhook) is not needed, so its shape cannot fail the call.
  if (!Is2xx(response->status))
    return Err(UpstreamError("delete webhook", "DELETE", path, *response));
  return Ok();
}

Result<std::unique_ptr<VideoPlatformClient>> MakeDailyClient(const PlatformContext& context) {
  const DailyConfig& daily = context.config.daily;
  if (!daily.configured()) {
    return Err(Code::kFailedPrecondition, "Daily.co is not configured: set DAILY_API_KEY");
  }
  return std::make_unique<DailyClient>(
      daily, std::chrono::seconds(context.config.webhook_timestamp_tolerance_seconds),
      context.transport, context.clock);
}

}  // namespace reflector::platforms
