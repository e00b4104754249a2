// The Whereby video platform (contract §3; wire format providers.md §2.1, reflector-reference.md
// §3.1): one transient Whereby meeting per Reflector meeting, sessions from the insights API, room
// logos, webhook verification, plus the Whereby-only extras (get/delete meeting, recording access
// links).
//
// Where we differ from the Python reference on purpose:
// - roomNamePrefix is "<room name lowercased>-" and is checked against Whereby's
//   `[a-z0-9-]{0,39}` before sending (kInvalidArgument instead of a 400 from Whereby); see
//   whereby_wire.hpp for why the trailing "-" is kept.
// - The insights room name is URL-encoded ("/" → "%2F") and the `cursor` is followed (the
//   reference sends it raw and reads only the first page, which Whereby caps at 10 sessions by
//   default; we ask for limit=100 and follow up to kMaxSessionPages pages).
// - The logo URL uses the room name without its leading "/" (the reference builds "rooms//x").
// - Cloud-recording storage settings are checked when a cloud-recording meeting is created, not
//   when the client is built, so rooms without cloud recording work with only WHEREBY_API_KEY.
// - Webhooks are verified over the raw body with a two-sided window (whereby_signature.hpp).
// - DeleteRoom(room_name) is a successful no-op: Whereby deletes by meetingId, not by room name,
//   and every Whereby room is deleted by Whereby itself one hour after its endDate. Callers that
//   know the meetingId use DeleteMeeting.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
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

// A Whereby meeting as GET /meetings/{meetingId} returns it.
struct WherebyMeeting {
  std::string meeting_id;
  std::string room_name;  // "/<prefix><uuid>", leading slash included
  std::string room_url;
  std::string host_room_url;  // empty when Whereby did not return one
  std::optional<TimePoint> start_date;
  TimePoint end_date;
};

// A temporary download link for a cloud recording stored by Whereby.
struct WherebyRecordingLink {
  std::string access_link;
  int64_t expires_ms = 0;  // Unix milliseconds, as Whereby reports it
};

// Thread-safe: all members are immutable after construction; the transport and clock are
// thread-safe by contract.
class WherebyClient final : public VideoPlatformClient {
 public:
  // Largest number of insights pages GetRoomSessions follows (100 sessions each).
  static constexpr int kMaxSessionPages = 50;

  // `transport` and `clock` must outlive the client. `config.api_url` may end with "/".
  WherebyClient(WherebyConfig config, std::chrono::seconds webhook_tolerance,
                net::HttpTransport& transport, const Clock& clock);

  std::string_view Name() const override { return kWhereby; }

  // POST /meetings. Errors besides the interface's: kInvalidArgument (room name not usable as a
  // prefix, unknown room_mode / recording_type / recording_trigger, end_date before now),
  // kFailedPrecondition (cloud recording without WHEREBY_STORAGE_AWS_* bucket and keys).
  Result<MeetingData> CreateMeeting(const RoomSettings& room, TimePoint end_date) override;

  // GET /insights/room-sessions?roomName=<encoded>&limit=100, following `cursor`.
  // kInternal also when the cursor does not end within kMaxSessionPages pages.
  Result<std::vector<SessionData>> GetRoomSessions(const std::string& room_name) override;

  // No-op, always Ok (see the header comment).
  Status DeleteRoom(const std::string& room_name) override;

  // PUT /rooms/<room name without "/">/theme/logo, multipart field "image". Returns true.
  // kInvalidArgument when `path` cannot be read or `room_name` is empty; else as CreateMeeting.
  Result<bool> UploadLogo(const std::string& room_name, const std::string& path) override;

  // Whereby-Signature over the raw body under WHEREBY_WEBHOOK_SECRET, ± the configured tolerance.
  WebhookVerdict VerifyWebhook(std::string_view raw_body, const HeaderLookup& headers,
                               TimePoint now) const override;

  // --- Whereby-only extras ---

  // GET /meetings/{meetingId}?fields=hostRoomUrl. kBadGateway with upstream_status 404 for an
  // unknown meeting; kInvalidArgument for an empty id.
  Result<WherebyMeeting> GetMeeting(const std::string& meeting_id);

  // DELETE /meetings/{meetingId}; 2xx and 404 are success. kInvalidArgument for an empty id.
  Status DeleteMeeting(const std::string& meeting_id);

  // GET /recordings/{recordingId}/access-link?validForSeconds=N. kInvalidArgument for an empty
  // id or N outside Whereby's 1..43200.
  Result<WherebyRecordingLink> GetRecordingAccessLink(const std::string& recording_id,
                                                      int valid_for_seconds = 3600);

 private:
  // Sends one request with the Authorization header (and Content-Type when `content_type` is
  // non-empty). Non-2xx → kBadGateway (a 404 is returned as a response when `not_found_ok`);
  // transport errors pass through unchanged.
  Result<net::OutboundResponse> Call(std::string_view operation, std::string method,
                                     const std::string& path_and_query, std::string body = {},
                                     std::string content_type = {}, bool not_found_ok = false);

  const WherebyConfig config_;
  const std::string base_url_;  // config_.api_url without trailing "/"
  const std::chrono::seconds tolerance_;
  net::HttpTransport& transport_;
  const Clock& clock_;
};

// Registry factory. kFailedPrecondition "Whereby is not configured: set WHEREBY_API_KEY" when the
// key is missing; storage settings are checked later, per meeting (see above).
Result<std::unique_ptr<VideoPlatformClient>> MakeWherebyClient(const PlatformContext& context);

}  // namespace reflector::platforms
