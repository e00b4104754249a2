// Meetings (reference §4.2). Stateless; every call takes the Session to run on, inside or outside
// a transaction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"
#include "store/models.hpp"

namespace reflector::store {

class MeetingRepository {
 public:
  // Inserts `meeting` (a uuid4 id is generated when empty) and returns it as stored.
  // kFailedPrecondition "Room or calendar event does not exist" for an unknown room_id or
  // calendar_event_id;
  // kAlreadyExists for a duplicate id.
  static Result<Meeting> Create(Session& session, Meeting meeting);

  // kNotFound "Meeting not found".
  static Result<Meeting> GetById(Session& session, std::string_view id);

  // The meeting with this provider id (Daily room id / Whereby meetingId); the newest by
  // start_date if several. kNotFound.
  static Result<Meeting> GetByProviderMeetingId(Session& session,
                                                std::string_view provider_meeting_id);

  // The meeting with this provider room name (Daily room name / Whereby roomName); the newest by
  // start_date if several. kNotFound.
  static Result<Meeting> GetByRoomName(Session& session, std::string_view room_name);

  // Active meetings of the room that have not ended (is_active AND end_date > now), latest
  // end_date first.
  static Result<std::vector<Meeting>> ListActiveForRoom(Session& session, std::string_view room_id,
                                                        TimePoint now);

  // Sets is_active = false. Deactivating an inactive meeting is OK. kNotFound.
  static Status Deactivate(Session& session, std::string_view id);

  // Writes every column of the row with `meeting.id`. kNotFound; kFailedPrecondition for an
  // unknown room_id / calendar_event_id.
  static Status Update(Session& session, const Meeting& meeting);
};

}  // namespace reflector::store
