#include "platforms/mock/mock_client.hpp"

#include <cstdlib>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "core/time_format.hpp"

namespace reflector::platforms {

MockClient::MockClient(std::string base_url, std::string webhook_secret,
                       std::chrono::seconds tolerance, const Clock& clock)
    : base_url_(std::move(base_url)),
      secret_(std::move(webhook_secret)),
      tolerance_(tolerance),
      clock_(clock) {}

Result<MeetingData> MockClient::CreateMeeting(const RoomSettings& room, TimePoint end_date) {
  MeetingData data;
  data.platform = std::string(kMock);
  data.provider_meeting_id = NewUuid4();
  data.room_name = room.name + "-" + data.provider_meeting_id.substr(0, 8);
  data.room_url = base_url_ + "/mock/" + data.room_name;
  data.host_room_url = data.room_url + "?host=true";
  std::lock_guard lock(mu_);
  rooms_[data.room_name] = Room{data.provider_meeting_id, end_date, {}};
  return data;
}

Result<std::vector<SessionData>> MockClient::GetRoomSessions(const std::string& room_name) {
  std::lock_guard lock(mu_);
  std::vector<SessionData> out;
  auto it = rooms_.find(room_name);
  if (it == rooms_.end()) return out;
  for (const auto& [_, session] : it->second.sessions) out.push_back(session);
  return out;
}

Status MockClient::DeleteRoom(const std::string& room_name) {
  std::lock_guard lock(mu_);
  rooms_.erase(room_name);
  return Ok();
}

Result<bool> MockClient::UploadLogo(const std::string&, const std::string&) { return false; }

Status MockClient::Join(const std::string& room_name, const std::string& participant_id) {
  std::lock_guard lock(mu_);
  auto it = rooms_.find(room_name);
  if (it == rooms_.end()) return Err(Code::kNotFound, "Mock room not found");
  it->second.sessions[participant_id] = SessionData{participant_id, clock_.Now(), std::nullopt};
  return Ok();
}

Status MockClient::Leave(const std::string& room_name, const std::string& participant_id) {
  std::lock_guard lock(mu_);
  auto it = rooms_.find(room_name);
  if (it == rooms_.end()) return Err(Code::kNotFound, "Mock room not found");
  auto session = it->second.sessions.find(participant_id);
  if (session == it->second.sessions.end()) return Err(Code::kNotFound, "Participant not found");
  if (!session->second.ended_at) session->second.ended_at = clock_.Now();
  return Ok();
}

std::pair<std::string, std::string> MockClient::Sign(std::string_view body,
                                                     int64_t timestamp) const {
  std::string ts = std::to_string(timestamp);
  std::string message = ts + "." + std::string(body);
  return {ts, HexEncode(HmacSha256(secret_, message))};
}

WebhookVerdict MockClient::VerifyWebhook(std::string_view raw_body, const HeaderLookup& headers,
                                         TimePoint now) const {
  if (secret_.empty()) return RejectWebhook(webhook_reason::kSecretNotConfigured);
  auto signature = headers("X-Mock-Signature");
  auto timestamp = headers("X-Mock-Timestamp");
  if (!signature || signature->empty()) return RejectWebhook(webhook_reason::kMissingSignature);
  if (!timestamp || timestamp->empty()) return RejectWebhook(webhook_reason::kMissingTimestamp);
  auto ts = ParseWebhookTimestamp(*timestamp);
  if (!ts) return RejectWebhook(webhook_reason::kBadTimestamp);
  const std::string message = std::string(*timestamp) + "." + std::string(raw_body);
  if (!ConstantTimeEquals(HexEncode(HmacSha256(secret_, message)), *signature)) {
    return RejectWebhook(webhook_reason::kBadSignature);
  }
  if (auto outside = CheckWebhookWindow(*ts, now, tolerance_)) return RejectWebhook(*outside);
  return AcceptWebhook();
}

}  // namespace reflector::platforms

#include "platforms/registry.hpp"

namespace reflector::platforms {

Result<std::unique_ptr<VideoPlatformClient>> MakeMockClient(const PlatformContext& context) {
  return std::make_unique<MockClient>(
      context.config.http.base_url, context.config.platforms.mock_webhook_secret,
      std::chrono::seconds(context.config.webhook_timestamp_tolerance_seconds), context.clock);
}

}  // namespace reflector::platforms
