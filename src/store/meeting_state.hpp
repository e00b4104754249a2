// The meeting columns that provider events and background jobs change (contract §5, reference
// §6.2): participant count, composed video key, and the active meetings the deactivation job
// walks. Each update is one conditional statement, safe under concurrent events.
// Stateless; errors as in store/database.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

// What the deactivation job needs of an active meeting.
struct ActiveMeeting {
  std::string id;
  std::string platform;
  std::string room_name;
  TimePoint start_date{};
  TimePoint end_date{};
};

class MeetingStateRepository {
 public:
  // num_clients = `count` (derived from open participant sessions). kNotFound.
  static Status SetNumClients(Session& session, std::string_view meeting_id, int64_t count);

  // num_clients += `delta` (never below 0), as participant sessions open and close. kNotFound.
  static Status AddNumClients(Session& session, std::string_view meeting_id, int64_t delta);

  // Whereby: num_clients = `count` only when `created_at` is newer than num_clients_updated_at
  // (or none is stored), so an older event that arrives last does not overwrite a newer count.
  // One conditional UPDATE. Returns whether it changed the meeting.
  static Result<bool> SetNumClientsIfNewer(Session& session, std::string_view meeting_id,
                                           int64_t count, TimePoint created_at);

  // daily_composed_video_s3_key (and duration) set once: a later key never replaces the first.
  // Returns whether this call set it.
  static Result<bool> SetComposedVideoOnce(Session& session, std::string_view meeting_id,
                                           std::string_view s3_key,
                                           std::optional<int64_t> duration_seconds);

  // Every meeting with is_active, by end_date then id.
  static Result<std::vector<ActiveMeeting>> ListActive(Session& session);
};

}  // namespace reflector::store
