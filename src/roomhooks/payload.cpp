#include "roomhooks/payload.hpp"

#include <nlohmann/json.hpp>

#include "core/time_format.hpp"
#include "store/sql.hpp"

namespace reflector::roomhooks {
namespace {

using nlohmann::ordered_json;

ordered_json OrNull(const std::optional<std::string>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json Participants(const std::optional<std::string>& stored) {
  ordered_json out = ordered_json::array();
  if (!stored) return out;
  const auto parsed = nlohmann::json::parse(*stored, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const auto& p : parsed) {
    if (!p.is_object()) continue;
    ordered_json item;
    item["id"] = p.contains("id") ? p["id"] : nlohmann::json(nullptr);
    item["name"] = p.contains("name") ? p["name"] : nlohmann::json(nullptr);
    const auto speaker = p.find("speaker");
    item["speaker"] =
        speaker != p.end() && speaker->is_number_integer() ? *speaker : nlohmann::json(nullptr);
    out.push_back(std::move(item));
  }
  return out;
}

std::string TrimTrailingSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

constexpr const char* kCalendarEventSql =
    "SELECT ce.id, ce.ics_uid, ce.title, ce.start_time, ce.end_time, ce.description, "
    "ce.location, ce.attendees FROM meeting m JOIN calendar_event ce ON ce.id = "
    "m.calendar_event_id WHERE m.id = :meeting_id";

}  // namespace

Result<std::optional<CalendarEventInfo>> LoadCalendarEvent(store::Session& session,
                                                           std::string_view meeting_id) {
  auto row = store::QueryOptional(session, kCalendarEventSql,
                                  store::SqlParams().Text("meeting_id", std::string(meeting_id)),
                                  store::CountColumns("a, b, c, d, e, f, g, h"));
  if (!row) return Err(std::move(row.error()));
  if (!*row) return std::optional<CalendarEventInfo>();
  store::RowReader r(**row);
  CalendarEventInfo e;
  e.id = r.Text();
  e.ics_uid = r.Text();
  e.title = r.OptText();
  e.start_time = r.Time();
  e.end_time = r.Time();
  e.description = r.OptText();
  e.location = r.OptText();
  e.attendees_json = r.OptText();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return std::optional<CalendarEventInfo>(std::move(e));
}

std::vector<std::string> AttendeeStrings(const std::optional<std::string>& attendees_json) {
  std::vector<std::string> out;
  if (!attendees_json) return out;
  const auto parsed = nlohmann::json::parse(*attendees_json, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const auto& a : parsed) {
    if (a.is_string()) {
      out.push_back(a.get<std::string>());
    } else if (a.is_object()) {
      for (const char* field : {"email", "name"}) {
        const auto v = a.find(field);
        if (v != a.end() && v->is_string() && !v->get<std::string>().empty()) {
          out.push_back(v->get<std::string>());
          break;
        }
      }
    }
  }
  return out;
}

std::string TranscriptCompletedBody(const TranscriptCompleted& in) {
  const store::Transcript& t = in.transcript;
  ordered_json transcript;
  transcript["id"] = t.id;
  transcript["room_id"] = OrNull(t.room_id);
  transcript["created_at"] = FormatIso8601(t.created_at);
  transcript["duration"] = t.duration;
  transcript["title"] = OrNull(t.title);
  transcript["short_summary"] = OrNull(t.short_summary);
  transcript["long_summary"] = OrNull(t.long_summary);
  transcript["webvtt"] = OrNull(t.webvtt);
  transcript["topics"] = ordered_json::array();
  transcript["participants"] = Participants(t.participants);
  transcript["source_language"] = t.source_language;
  transcript["target_language"] = t.target_language;
  transcript["status"] = t.status;
  transcript["frontend_url"] = TrimTrailingSlash(in.ui_base_url) + "/transcripts/" + t.id;
  transcript["action_items"] = nullptr;

  ordered_json payload;
  payload["event"] = "transcript.completed";
  payload["event_id"] = in.event_id;
  payload["timestamp"] = FormatIso8601(in.now);
  payload["transcript"] = std::move(transcript);
  payload["room"] = {{"id", in.room.id}, {"name", in.room.name}};
  if (in.calendar_event) {
    const CalendarEventInfo& e = *in.calendar_event;
    ordered_json event;
    event["id"] = e.id;
    event["ics_uid"] = e.ics_uid;
    event["title"] = OrNull(e.title);
    event["start_time"] = FormatIso8601(e.start_time);
    event["end_time"] = FormatIso8601(e.end_time);
    event["description"] = OrNull(e.description);
    event["location"] = OrNull(e.location);
    event["attendees"] = AttendeeStrings(e.attendees_json);
    payload["calendar_event"] = std::move(event);
  } else {
    payload["calendar_event"] = nullptr;
  }
  return payload.dump();
}

std::string TestBody(const store::Room& room, std::string_view event_id, TimePoint now) {
  ordered_json payload;
  payload["event"] = "test";
  payload["event_id"] = event_id;
  payload["timestamp"] = FormatIso8601(now);
  payload["message"] = "This is a test webhook from Reflector";
  payload["room"] = {{"id", room.id}, {"name", room.name}};
  return payload.dump();
}

}  // namespace reflector::roomhooks
