// The video platform abstraction (contract §3.1): one interface, implemented per provider in its
// own folder (daily/, whereby/, mock/), chosen by name through PlatformRegistry.
//
// The interface holds what every provider can do; provider-specific extras (Daily presence,
// meeting tokens, recordings; Whereby insights) stay on the concrete clients.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "platforms/webhook_verdict.hpp"

namespace reflector::platforms {

inline constexpr std::string_view kWhereby = "whereby";
inline constexpr std::string_view kDaily = "daily";
inline constexpr std::string_view kMock = "mock";

// The room settings a provider needs to create a meeting (a snapshot of the Reflector room).
struct RoomSettings {
  std::string id;
  std::string name;  // Reflector room name, the provider room-name prefix
  bool is_locked = false;
  std::string room_mode = "normal";      // normal | group
  std::string recording_type = "cloud";  // none | local | cloud
  std::string recording_trigger = "automatic-2nd-participant";
  bool skip_consent = false;
};

// What a provider returns for a newly created meeting.
struct MeetingData {
  std::string platform;             // registry name of the provider
  std::string provider_meeting_id;  // Daily room id / Whereby meetingId / mock id
  std::string room_name;  // provider room name (Daily "<room>-<ts>", Whereby "/<prefix>-<uuid>")
  std::string room_url;
  std::string host_room_url;
};

// One session of a room as the provider reports it.
struct SessionData {
  std::string session_id;
  TimePoint started_at;
  std::optional<TimePoint> ended_at;  // nullopt = still in the room
};

// Case-insensitive header lookup over the request that carried a webhook.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view name)>;

class VideoPlatformClient {
 public:
  virtual ~VideoPlatformClient() = default;

  // Registry name: "whereby", "daily", "mock".
  virtual std::string_view Name() const = 0;

  // Creates a provider room/meeting that lives until `end_date`.
  // Errors: kBadGateway (provider answered an error; upstream_status set), kUnavailable /
  // kDeadlineExceeded (provider unreachable), kInternal (malformed provider response).
  virtual Result<MeetingData> CreateMeeting(const RoomSettings& room, TimePoint end_date) = 0;

  // Sessions of the provider room `room_name` (as stored on the meeting). Same errors.
  virtual Result<std::vector<SessionData>> GetRoomSessions(const std::string& room_name) = 0;

  // Deletes the provider room; a room that is already gone is success.
  virtual Status DeleteRoom(const std::string& room_name) = 0;

  // Uploads the room logo from `path`. Returns false when the provider has no logos (no-op).
  virtual Result<bool> UploadLogo(const std::string& room_name, const std::string& path) = 0;

  // Verifies a webhook delivery over its exact raw body. Never throws.
  virtual WebhookVerdict VerifyWebhook(std::string_view raw_body, const HeaderLookup& headers,
                                       TimePoint now) const = 0;
};

}  // namespace reflector::platforms
