// The mock video platform: in-memory rooms served by Reflector itself at BASE_URL/mock/{room},
// for credential-free local use, demos and tests. The default platform when no provider is
// configured. Its webhook events are signed like this:
//   X-Mock-Timestamp: <unix seconds>
//   X-Mock-Signature: hex(HMAC-SHA256(MOCK_WEBHOOK_SECRET, timestamp + "." + raw body))
// and POSTed to /v1/mock/webhook in an envelope that mirrors Daily's (tracking/events.hpp):
//   {"version":"1.0.0","type":"participant.joined","id":"<unique event id>","event_ts":<unix s>,
//    "payload":{"room":"<mock room name>","session_id":"<participant session>","user_id":"…",
//               "user_name":"…","joined_at":<unix s>}}
// Types: participant.joined, participant.left (payload adds "duration" in seconds),
// meeting.started / meeting.ended (payload {room, meeting_id, start_ts, end_ts}). Effects are
// Daily's (participant sessions, num_clients) without presence reconciliation.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "platforms/video_platform.hpp"

namespace reflector::platforms {

class MockClient final : public VideoPlatformClient {
 public:
  // `base_url` without a trailing slash; `clock` must outlive the client.
  MockClient(std::string base_url, std::string webhook_secret, std::chrono::seconds tolerance,
             const Clock& clock);

  std::string_view Name() const override { return kMock; }
  Result<MeetingData> CreateMeeting(const RoomSettings& room, TimePoint end_date) override;
  Result<std::vector<SessionData>> GetRoomSessions(const std::string& room_name) override;
  Status DeleteRoom(const std::string& room_name) override;
  Result<bool> UploadLogo(const std::string& room_name, const std::string& path) override;
  WebhookVerdict VerifyWebhook(std::string_view raw_body, const HeaderLookup& headers,
                               TimePoint now) const override;

  // Mock-only: participants entering and leaving a room (driven by the mock room page).
  // kNotFound for an unknown room. Thread-safe.
  Status Join(const std::string& room_name, const std::string& participant_id);
  Status Leave(const std::string& room_name, const std::string& participant_id);

  // Signs `body` at `timestamp` the way VerifyWebhook expects; returns {timestamp, signature}.
  std::pair<std::string, std::string> Sign(std::string_view body, int64_t timestamp) const;

 private:
  struct Room {
    std::string meeting_id;
    TimePoint end_date;
    std::map<std::string, SessionData> sessions;  // participant id → session
  };

  const std::string base_url_;
  const std::string secret_;
  const std::chrono::seconds tolerance_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Room> rooms_;  // GUARDED_BY(mu_)
};

}  // namespace reflector::platforms

namespace reflector::platforms {
struct PlatformContext;
// Always succeeds: the mock needs no credentials. Uses BASE_URL and MOCK_WEBHOOK_SECRET.
Result<std::unique_ptr<VideoPlatformClient>> MakeMockClient(const PlatformContext& context);
}  // namespace reflector::platforms
