// The Daily.co video platform client (contract §3, providers.md §1, reflector-reference.md §2).
//
// One Daily room per Reflector meeting, named "<room>-<YYYYMMDDHHMMSS>" (UTC, from the injected
// clock). Besides the VideoPlatformClient operations it carries Daily's extras: room lookup,
// presence, meeting tokens, REST-started recordings, recording listing and access links, and
// webhook subscription management.
//
// Every call sends `Authorization: Bearer <DAILY_API_KEY>` and `Content-Type: application/json`
// with a 10 s timeout, once: retries (429/5xx) belong to the RetryingTransport the composition
// root wraps around the transport. Errors, for every operation:
//   kBadGateway        – Daily answered a non-2xx status (Error::upstream_status holds it; the
//                        message names the operation and Daily's `error`/`info` text, never the
//                        API key)
//   kUnavailable / kDeadlineExceeded – from the transport, unchanged
//   kInternal          – Daily answered 2xx with a body that is not the JSON shape we need
//                        ("Daily.co returned a malformed response to <operation>")
//   kInvalidArgument   – our own input would be rejected by Daily (checked before sending)
// Nothing throws. Thread-safe: the client holds only immutable state and the transport is
// thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/status.hpp"
#include "net/http_transport.hpp"
#include "platforms/registry.hpp"
#include "platforms/video_platform.hpp"

namespace reflector::platforms {

// A Daily room object (`GET /rooms/:name`, `POST /rooms`).
struct DailyRoom {
  std::string id;  // UUID; becomes the Reflector meeting id
  std::string name;
  std::string url;      // https://<domain>.daily.co/<name>
  std::string privacy;  // "public" | "private"; empty when Daily omitted it
  bool api_created = false;
  std::string created_at;  // ISO-8601 text as Daily sent it; empty when absent
  nlohmann::json config = nlohmann::json::object();  // only the non-default properties
};

// One participant currently in a room (`GET /rooms/:name/presence`).
struct DailyParticipant {
  std::string id;                      // participant session id
  std::optional<std::string> user_id;  // the meeting token's user_id (Reflector user id)
  std::optional<std::string> user_name;
  TimePoint join_time;
  int64_t duration_seconds = 0;  // time in the room so far
};

struct DailyRecordingTrack {
  std::string type;    // "audio" | "video"
  std::string s3_key;  // `s3Key`
  int64_t size = 0;
};

struct DailyRecordingS3 {
  std::string bucket_name;
  std::string bucket_region;
  std::optional<std::string> key;
  std::optional<std::string> endpoint;
};

// A Daily recording object (`GET /recordings`, `GET /recordings/:id`). Daily's list endpoint is
// loose in practice (`duration: null` and `type: null` rows, statuses beyond the documented ones,
// Reflector PR #796), so everything except `id` is optional or defaulted, and `status` is kept
// verbatim for the caller to judge.
struct DailyRecording {
  std::string id;
  std::string room_name;            // empty when absent
  std::optional<int64_t> start_ts;  // unix seconds
  std::optional<std::string> type;  // "cloud" | "raw-tracks" | …; null from the list API
  std::string status;               // "finished" | "in-progress" | "canceled" | other
  std::optional<int64_t> max_participants;
  std::optional<int64_t> duration;  // seconds; null while processing
  std::optional<std::string> share_token;
  std::optional<DailyRecordingS3> s3;
  std::optional<std::string> s3key;  // top-level key of cloud recordings
  std::vector<DailyRecordingTrack> tracks;
  std::optional<std::string> mtg_session_id;

  // Ready to download: finished with a known duration.
  bool finished() const { return status == "finished" && duration.has_value(); }
};

// `GET /recordings/:id/access-link`.
struct DailyAccessLink {
  std::string download_link;
  int64_t expires = 0;  // unix seconds
};

// A webhook subscription (`/webhooks`).
struct DailyWebhook {
  std::string uuid;
  std::string url;
  std::optional<std::string> hmac;
  std::vector<std::string> event_types;  // `eventTypes`
  std::string state;                     // "ACTIVE" | "FAILED" | …
  int64_t failed_count = 0;
  std::optional<std::string> last_moment_pushed;
  std::string domain_id;
  std::string created_at;
  std::string updated_at;
};

struct StartRecordingOutcome {
  // Daily refused because the same recording already runs ("… has an active stream"): every
  // participant's browser asks to start the same two recordings, so this is the expected answer
  // for all but the first and counts as success.
  bool already_active = false;
  // Daily's response body, verbatim (the error body when already_active).
  nlohmann::json result;
};

// Recording types StartRecording accepts.
inline constexpr std::string_view kDailyRecordingCloud = "cloud";
inline constexpr std::string_view kDailyRecordingRawTracks = "raw-tracks";

class DailyClient final : public VideoPlatformClient {
 public:
  // `transport` and `clock` must outlive the client. `webhook_tolerance` bounds the age of a
  // webhook timestamp (WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS).
  DailyClient(DailyConfig config, std::chrono::seconds webhook_tolerance,
              net::HttpTransport& transport, const Clock& clock);

  std::string_view Name() const override { return kDaily; }

  // POST /rooms. kInvalidArgument (nothing sent) when room.name is empty, has characters outside
  // [A-Za-z0-9_-], or would make the Daily name longer than 128 characters.
  Result<MeetingData> CreateMeeting(const RoomSettings& room, TimePoint end_date) override;

  // The participants in the room now (Daily keeps no session history; ended_at is always
  // nullopt). GET /rooms/:name/presence.
  Result<std::vector<SessionData>> GetRoomSessions(const std::string& room_name) override;

  // DELETE /rooms/:name; Daily's 404 (already gone) is success.
  Status DeleteRoom(const std::string& room_name) override;

  // Daily has no logo API: always false, nothing sent.
  Result<bool> UploadLogo(const std::string& room_name, const std::string& path) override;

  // X-Webhook-Signature / X-Webhook-Timestamp against DAILY_WEBHOOK_SECRET (daily_signature.hpp).
  WebhookVerdict VerifyWebhook(std::string_view raw_body, const HeaderLookup& headers,
                               TimePoint now) const override;

  // --- Daily extras ---

  // GET /rooms/:name. A missing room is kBadGateway with upstream_status 404.
  Result<DailyRoom> GetRoom(const std::string& room_name);

  // GET /rooms/:name/presence: everyone in the room now.
  Result<std::vector<DailyParticipant>> GetPresence(const std::string& room_name);

  // POST /meeting-tokens with properties {room_name, user_id, is_owner, enable_recording_ui,
  // eject_at_token_exp: false} (no exp: the token lives as long as the room). An empty user_id
  // is omitted. kInvalidArgument when room_name is empty (a token without room_name is valid for
  // every room of the domain) or user_id is longer than Daily's 36 characters.
  Result<std::string> CreateMeetingToken(const std::string& room_name, const std::string& user_id,
                                         bool is_owner, bool enable_recording_ui);

  // POST /rooms/:name/recordings/start {"type", "instanceId"}. kInvalidArgument unless `type` is
  // "cloud" or "raw-tracks" and instance_id is non-empty. A Daily error whose `info` (or `error`)
  // says "has an active stream" is success with already_active = true.
  Result<StartRecordingOutcome> StartRecording(const std::string& room_name, std::string_view type,
                                               const std::string& instance_id);

  // GET /recordings?limit=N[&room_name][&starting_after][&ending_before]. A row without a string
  // `id` is skipped (logged as a warning); other odd fields are tolerated (see DailyRecording).
  // kInternal only when the body is not an object with a `data` array. kInvalidArgument when
  // limit is outside 1..100.
  Result<std::vector<DailyRecording>> ListRecordings(
      const std::optional<std::string>& room_name = std::nullopt,
      const std::optional<std::string>& starting_after = std::nullopt,
      const std::optional<std::string>& ending_before = std::nullopt, int limit = 100);

  // GET /recordings/:id. kInternal when the object has no string `id`.
  Result<DailyRecording> GetRecording(const std::string& recording_id);

  // GET /recordings/:id/access-link?valid_for_secs=N. kInvalidArgument when valid_for_secs <= 0.
  Result<DailyAccessLink> GetRecordingAccessLink(const std::string& recording_id,
                                                 int64_t valid_for_secs = 3600);

  // GET /webhooks. Daily answers a bare array; `{"data": [...]}` is accepted too.
  Result<std::vector<DailyWebhook>> ListWebhooks();

  // POST /webhooks {url, eventTypes, hmac}. `hmac` is the base64 secret Daily will sign with
  // (DAILY_WEBHOOK_SECRET); empty lets Daily generate one (returned in DailyWebhook::hmac). Daily
  // pings `url` before answering and fails with 400 if it does not get a 200 quickly.
  Result<DailyWebhook> CreateWebhook(const std::string& url,
                                     const std::vector<std::string>& event_types,
                                     const std::string& hmac);

  // DELETE /webhooks/:uuid. An unknown uuid is kBadGateway with upstream_status 404.
  Status DeleteWebhook(const std::string& uuid);

 private:
  // Sends one request; `body` is serialised when not null. Returns the response of any status.
  Result<net::OutboundResponse> Exchange(std::string_view method, const std::string& path,
                                         const nlohmann::json& body) const;
  // Exchange + non-2xx → kBadGateway + body parsed as JSON (empty body → {}; not JSON →
  // kInternal).
  Result<nlohmann::json> Call(std::string_view operation, std::string_view method,
                              const std::string& path, const nlohmann::json& body = nullptr) const;

  const DailyConfig config_;
  const std::string api_url_;  // config_.api_url without a trailing '/'
  const std::chrono::seconds webhook_tolerance_;
  net::HttpTransport& transport_;
  const Clock& clock_;
};

// The registry factory. kFailedPrecondition "Daily.co is not configured: set DAILY_API_KEY" when
// the key is missing. The storage bucket is optional: only cloud recording needs it.
Result<std::unique_ptr<VideoPlatformClient>> MakeDailyClient(const PlatformContext& context);

// `url` with the query parameter t=<token> (percent-encoded): other parameters keep their order,
// an existing `t` is replaced in place (later duplicates dropped), a fragment stays last.
std::string AppendTokenToUrl(const std::string& url, const std::string& token);

// The instanceId of a meeting's raw-tracks recording: UUIDv5(a1b2c3d4-e5f6-7890-abcd-
// ef1234567890, meeting_id). Daily needs the concurrent cloud (instanceId = meeting id) and
// raw-tracks recordings to have different instance ids, and every participant must compute the
// same ones so that duplicate starts collide harmlessly.
std::string RawTracksInstanceId(std::string_view meeting_id);

// The Daily room name for a Reflector room created at `now`: "<room_name>-<YYYYMMDDHHMMSS>" UTC.
// kInvalidArgument when room_name is empty, has characters outside [A-Za-z0-9_-], or the result
// would exceed Daily's 128 characters.
Result<std::string> DailyRoomName(std::string_view room_name, TimePoint now);

}  // namespace reflector::platforms
