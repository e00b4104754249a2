// Provider session history of a meeting (contract §5.1 meeting.started/ended, §5.2
// room.session.started/ended): one row per (meeting, provider session id). Start and end are
// upserts that fill their column once, so they may arrive in any order or repeatedly.
// Stateless; errors as in store/database.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

struct MeetingSession {
  std::string id;
  std::string meeting_id;
  std::string provider_session_id;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> ended_at;

  bool operator==(const MeetingSession&) const = default;
};

class MeetingSessionRepository {
 public:
  // Fills started_at if unknown (the first value wins).
  static Status RecordStart(Session& session, std::string_view meeting_id,
                            std::string_view provider_session_id, TimePoint started_at);
  // Fills ended_at if unknown, and started_at too when given and unknown.
  static Status RecordEnd(Session& session, std::string_view meeting_id,
                          std::string_view provider_session_id, std::optional<TimePoint> started_at,
                          TimePoint ended_at);
  // By started_at (unknown last), then provider_session_id.
  static Result<std::vector<MeetingSession>> ListForMeeting(Session& session,
                                                            std::string_view meeting_id);
};

}  // namespace reflector::store
