// Meetings created ahead of calendar events (reference §6.6 create_upcoming_meetings, contract §8):
// every non-deleted event of an ICS-enabled room that starts within the next `lead` (7 minutes)
// and has not been running for more than 6 minutes gets one meeting on the room's platform, with
// start/end = the event's, calendar_event_id and calendar_metadata {title, description,
// attendees}.
//
// Once per event, whichever process runs it: under the room's lock (store/room_lock.hpp, held
// across processes) the event is checked again — a meeting already references it, or a calendar
// meeting of the room covers the same [start, end] (aggregated feeds give one event two UIDs,
// reference §10) — and the unique index on meeting.calendar_event_id (migration 7) stands behind
// that. A provider failure is counted and logged; the next run tries the event again.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/status.hpp"
#include "platforms/registry.hpp"
#include "store/database.hpp"

namespace reflector::calendar {

inline constexpr std::chrono::minutes kMeetingLead{7};
inline constexpr std::chrono::minutes kLateStartGrace{6};

struct PrecreateOptions {
  std::chrono::seconds lead = kMeetingLead;
  std::optional<std::string> room_id;  // only this room's events (after its sync); all when unset
};

struct PrecreateReport {
  int due = 0;                        // events considered
  std::vector<std::string> created;   // meeting ids
  int already = 0;                    // a meeting existed (another process, same slot)
  std::vector<std::string> failures;  // "<event id>: <error>" (provider or database)
};

// Database errors of the initial query only; per-event failures are in the report.
Result<PrecreateReport> CreateUpcomingMeetings(store::Database& db, const Clock& clock,
                                               platforms::PlatformRegistry& platforms,
                                               const PlatformSelectionConfig& selection,
                                               const PrecreateOptions& options = {});

}  // namespace reflector::calendar
