// Meeting consents (reference §4.3): whether a participant agreed to the meeting being recorded and
// transcribed. Stateless; every call takes the Session to run on, inside or outside a transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

struct MeetingConsent {
  std::string id;  // uuid4
  std::string meeting_id;
  std::optional<std::string> user_id;  // nullopt for an anonymous participant
  bool consent_given = false;
  TimePoint consent_timestamp{};

  bool operator==(const MeetingConsent&) const = default;
};

class ConsentRepository {
 public:
  // Records a consent decision and returns the stored row.
  //   user_id set: the one row of (meeting_id, user_id) is updated in place (its id is kept) or
  //     inserted — a single INSERT ... ON CONFLICT on the partial unique index
  //     idx_meeting_consent_meeting_user, so concurrent calls cannot create two rows (the
  //     reference reads then writes, which races).
  //   user_id unset: anonymous participants cannot be told apart, so every call inserts a row.
  // kNotFound "Meeting not found" for an unknown meeting.
  static Result<MeetingConsent> Upsert(Session& session, std::string_view meeting_id,
                                       const std::optional<std::string>& user_id,
                                       bool consent_given, TimePoint now);

  // True when anyone denied consent for the meeting (a row with consent_given = false).
  static Result<bool> AnyDenial(Session& session, std::string_view meeting_id);

  // Every consent row of the meeting, oldest first.
  static Result<std::vector<MeetingConsent>> ListForMeeting(Session& session,
                                                            std::string_view meeting_id);
};

}  // namespace reflector::store
