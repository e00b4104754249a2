// Bodies of the outgoing room webhooks (reference §6.7), compact JSON in the reference's key
// order. Null fields are emitted as null.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"
#include "store/models.hpp"
#include "store/transcripts.hpp"

namespace reflector::roomhooks {

// The calendar event a meeting was created for (table calendar_event).
struct CalendarEventInfo {
  std::string id;
  std::string ics_uid;
  std::optional<std::string> title;
  TimePoint start_time{};
  TimePoint end_time{};
  std::optional<std::string> description;
  std::optional<std::string> location;
  std::optional<std::string> attendees_json;  // stored list of {email, name, status, role}
};

// The calendar event of meeting `meeting_id`; nullopt when the meeting has none (or is gone).
// Database errors.
Result<std::optional<CalendarEventInfo>> LoadCalendarEvent(store::Session& session,
                                                           std::string_view meeting_id);

// Attendees as the payload's list of strings (fixing the reference QUIRK that dropped the whole
// calendar_event): each stored object becomes its email, else its name; plain strings are kept;
// anything else (or unparsable JSON) is skipped.
std::vector<std::string> AttendeeStrings(const std::optional<std::string>& attendees_json);

struct TranscriptCompleted {
  const store::Transcript& transcript;
  const store::Room& room;
  const std::optional<CalendarEventInfo>& calendar_event;
  std::string event_id;
  TimePoint now{};
  std::string ui_base_url;  // UI_BASE_URL (defaults to BASE_URL): frontend_url's base
};

// {"event":"transcript.completed","event_id","timestamp","transcript":{…},"room":{"id","name"},
//  "calendar_event":{…}|null}. topics is [] and action_items null (no summaries yet);
// participants [{id, name, speaker}] from the stored participants JSON.
std::string TranscriptCompletedBody(const TranscriptCompleted& in);

// {"event":"test","event_id","timestamp","message":"This is a test webhook from Reflector",
//  "room":{"id","name"}}.
std::string TestBody(const store::Room& room, std::string_view event_id, TimePoint now);

}  // namespace reflector::roomhooks
