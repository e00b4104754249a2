// Participant sessions (contract §5.1/§5.2), one row per (meeting, session_key) where session_key
// is Daily's `session_id` or Whereby's `participantId`. Order-independent by construction:
//   - Join fills joined_at (first value wins) and the names; it never touches left_at, so a
//     session whose `left` arrived first stays closed;
//   - Leave sets left_at once (a later value never replaces it; the schema's trigger enforces
//     immutability too) and fills joined_at if still unknown.
// Every write is one INSERT ... ON CONFLICT (meeting_id, session_key) DO UPDATE, safe under
// concurrent deliveries. Stateless; errors as in store/database.hpp.
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

struct ParticipantSession {
  std::string id;
  std::string meeting_id;
  std::optional<std::string> room_id;
  std::string provider;     // "daily" | "whereby" | "mock"
  std::string session_key;  // Daily session_id / Whereby participantId
  std::optional<std::string> user_id;
  std::string user_name;
  std::optional<TimePoint> joined_at;  // null: only the `left` is known so far
  std::optional<TimePoint> left_at;    // null: still in the meeting

  bool open() const { return !left_at.has_value(); }
  bool operator==(const ParticipantSession&) const = default;
};

// What an event knows about a participant.
struct ParticipantInfo {
  std::string meeting_id;
  std::optional<std::string> room_id;
  std::string provider;
  std::string session_key;
  std::optional<std::string> user_id;    // kept when null
  std::optional<std::string> user_name;  // kept when null or empty
  std::optional<TimePoint> joined_at;    // first known value wins
};

class ParticipantSessionRepository {
 public:
  // Opens the session (or fills in a row created by an earlier `left`, which stays closed).
  // Returns whether a session was opened (a new open row: the meeting has one more client).
  static Result<bool> Join(Session& session, const ParticipantInfo& info);

  // Closes the session at `left_at`; creates it closed when unknown. A session already closed
  // keeps its first left_at. Returns whether an open session was closed (one client fewer).
  static Result<bool> Leave(Session& session, const ParticipantInfo& info, TimePoint left_at);

  // Closes the session if it is open; returns whether it was. For reconciliation.
  static Result<bool> CloseIfOpen(Session& session, std::string_view meeting_id,
                                  std::string_view session_key, TimePoint left_at);

  // Sessions of the meeting with left_at null.
  static Result<int64_t> CountOpen(Session& session, std::string_view meeting_id);

  // The session keys of the meeting's open sessions that joined at or before `joined_by` (or
  // whose join time is unknown), by session_key: the ones a presence snapshot may close.
  static Result<std::vector<std::string>> ListOpenKeysJoinedBy(Session& session,
                                                               std::string_view meeting_id,
                                                               TimePoint joined_by);

  // Whether the meeting has a session (open or closed) with this key.
  static Result<bool> Exists(Session& session, std::string_view meeting_id,
                             std::string_view session_key);

  // Every session of the meeting, by joined_at (unknown last), then session_key.
  static Result<std::vector<ParticipantSession>> ListForMeeting(Session& session,
                                                                std::string_view meeting_id);
};

}  // namespace reflector::store
