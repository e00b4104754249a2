#include "calendar/meetings.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "platforms/selection.hpp"
#include "store/calendar_events.hpp"
#include "store/meetings.hpp"
#include "store/room_lock.hpp"
#include "store/rooms.hpp"

namespace reflector::calendar {
namespace {

platforms::RoomSettings SettingsOf(const store::Room& room) {
  platforms::RoomSettings settings;
  settings.id = room.id;
  settings.name = room.name;
  settings.is_locked = room.is_locked;
  settings.room_mode = room.room_mode;
  settings.recording_type = room.recording_type;
  settings.recording_trigger = room.recording_trigger;
  settings.skip_consent = room.skip_consent;
  return settings;
}

std::string Metadata(const store::CalendarEvent& event) {
  nlohmann::json attendees = nlohmann::json::array();
  if (event.attendees) {
    auto parsed = nlohmann::json::parse(*event.attendees, nullptr, false);
    if (parsed.is_array()) attendees = std::move(parsed);
  }
  auto opt = [](const std::optional<std::string>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  nlohmann::json out = {{"title", opt(event.title)},
                        {"description", opt(event.description)},
                        {"attendees", std::move(attendees)}};
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

enum class Outcome { kCreated, kAlready };

Result<Outcome> CreateFor(store::Database& db, platforms::PlatformRegistry& platforms,
                          const PlatformSelectionConfig& selection,
                          const store::CalendarEvent& event, std::string& meeting_id) {
  auto session = db.Acquire();
  auto room = store::RoomRepository::GetById(session, event.room_id);
  if (!room) return Err(std::move(room.error()));
  const std::string platform =
      platforms::PlatformForNewMeeting(room->id, room->name, room->platform, selection);
  auto client = platforms.Get(platform);
  if (!client) return Err(std::move(client.error()));

  auto tx = store::RoomLock::Acquire(session, room->id);
  if (!tx) return Err(std::move(tx.error()));
  auto exists = store::CalendarEventRepository::HasMeeting(session, room->id, event.id,
                                                           event.start_time, event.end_time);
  if (!exists) return Err(std::move(exists.error()));
  if (*exists) {
    REFLECTOR_RETURN_IF_ERROR(tx->Commit());
    return Outcome::kAlready;
  }
  auto created = (*client)->CreateMeeting(SettingsOf(*room), event.end_time);
  if (!created) return Err(std::move(created.error()));
  store::Meeting meeting;
  meeting.room_name = created->room_name;
  meeting.room_url = created->room_url;
  meeting.host_room_url = created->host_room_url;
  meeting.start_date = event.start_time;
  meeting.end_date = event.end_time;
  meeting.room_id = room->id;
  meeting.is_locked = room->is_locked;
  meeting.room_mode = room->room_mode;
  meeting.recording_type = room->recording_type;
  meeting.recording_trigger = room->recording_trigger;
  meeting.platform = platform;
  meeting.provider_meeting_id = created->provider_meeting_id;
  meeting.calendar_event_id = event.id;
  meeting.calendar_metadata = Metadata(event);
  auto stored = store::MeetingRepository::Create(session, std::move(meeting));
  if (!stored) {
    Error error = std::move(stored.error());
    error.detail += "; provider room " + created->room_name + " on " + platform +
                    " was created but the meeting was not stored";
    return Err(std::move(error));
  }
  REFLECTOR_RETURN_IF_ERROR(tx->Commit());
  meeting_id = stored->id;
  return Outcome::kCreated;
}

}  // namespace

Result<PrecreateReport> CreateUpcomingMeetings(store::Database& db, const Clock& clock,
                                               platforms::PlatformRegistry& platforms,
                                               const PlatformSelectionConfig& selection,
                                               const PrecreateOptions& options) {
  const TimePoint now = clock.Now();
  std::vector<store::DueCalendarEvent> due;
  {
    auto session = db.Acquire();
    auto listed = store::CalendarEventRepository::ListDueForMeeting(
        session, options.room_id, now, now - kLateStartGrace, now + options.lead);
    if (!listed) return Err(std::move(listed.error()));
    due = std::move(*listed);
  }
  PrecreateReport report;
  report.due = static_cast<int>(due.size());
  for (const auto& item : due) {
    std::string meeting_id;
    auto outcome = CreateFor(db, platforms, selection, item.event, meeting_id);
    if (!outcome) {
      // Another process stored the meeting between our check and insert (unique index).
      if (outcome.error().code == Code::kAlreadyExists) {
        ++report.already;
        continue;
      }
      spdlog::warn("calendar meeting for event {} of room {} not created: {}", item.event.id,
                   item.room_name, outcome.error().ToString());
      report.failures.push_back(item.event.id + ": " + outcome.error().message);
      continue;
    }
    if (*outcome == Outcome::kAlready) {
      ++report.already;
    } else {
      spdlog::info("calendar meeting {} created for event {} ({}) of room {}", meeting_id,
                   item.event.id, item.event.title.value_or(""), item.room_name);
      report.created.push_back(meeting_id);
    }
  }
  return report;
}

}  // namespace reflector::calendar
