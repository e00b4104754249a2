#include "store/calendar_events.hpp"

#include <string>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

#define REFLECTOR_EVENT_COLUMNS                                                           \
  "id, room_id, ics_uid, title, description, start_time, end_time, attendees, location, " \
  "ics_raw_data, last_synced, created_at, updated_at, is_deleted"
#define REFLECTOR_EVENT_COLUMNS_E                                                               \
  "e.id, e.room_id, e.ics_uid, e.title, e.description, e.start_time, e.end_time, e.attendees, " \
  "e.location, e.ics_raw_data, e.last_synced, e.created_at, e.updated_at, e.is_deleted"

constexpr size_t kEventColumnCount = CountColumns(REFLECTOR_EVENT_COLUMNS);

constexpr std::string_view kSelectAll = "SELECT " REFLECTOR_EVENT_COLUMNS
                                        " FROM calendar_event WHERE room_id = :room_id "
                                        "ORDER BY start_time, id";
constexpr std::string_view kSelectActive =
    "SELECT " REFLECTOR_EVENT_COLUMNS
    " FROM calendar_event WHERE room_id = :room_id AND is_deleted = FALSE "
    "ORDER BY start_time, id";
constexpr std::string_view kSelectUpcoming =
    "SELECT " REFLECTOR_EVENT_COLUMNS
    " FROM calendar_event WHERE room_id = :room_id AND is_deleted = FALSE "
    "AND start_time <= :until AND end_time >= :now ORDER BY start_time, id";
constexpr std::string_view kSelectDue =
    "SELECT " REFLECTOR_EVENT_COLUMNS_E
    ", r.name FROM calendar_event e JOIN room r ON r.id = e.room_id "
    "WHERE r.ics_enabled = TRUE AND e.is_deleted = FALSE AND e.start_time <= :until "
    "AND e.start_time >= :not_before AND e.end_time >= :now "
    "AND NOT EXISTS (SELECT 1 FROM meeting m WHERE m.calendar_event_id = e.id) "
    "ORDER BY e.start_time, e.id";
constexpr std::string_view kSelectDueForRoom =
    "SELECT " REFLECTOR_EVENT_COLUMNS_E
    ", r.name FROM calendar_event e JOIN room r ON r.id = e.room_id "
    "WHERE r.id = :room_id AND r.ics_enabled = TRUE AND e.is_deleted = FALSE "
    "AND e.start_time <= :until AND e.start_time >= :not_before AND e.end_time >= :now "
    "AND NOT EXISTS (SELECT 1 FROM meeting m WHERE m.calendar_event_id = e.id) "
    "ORDER BY e.start_time, e.id";
constexpr std::string_view kCountActive =
    "SELECT COUNT(*) FROM calendar_event WHERE room_id = :room_id AND is_deleted = FALSE";
constexpr std::string_view kInsert =
    "INSERT INTO calendar_event (" REFLECTOR_EVENT_COLUMNS
    ") VALUES (:id, :room_id, :ics_uid, :title, :description, :start_time, :end_time, "
    ":attendees, :location, :ics_raw_data, :last_synced, :created_at, :updated_at, :is_deleted) "
    "RETURNING " REFLECTOR_EVENT_COLUMNS;
constexpr std::string_view kUpdate =
    "UPDATE calendar_event SET room_id = :room_id, ics_uid = :ics_uid, title = :title, "
    "description = :description, start_time = :start_time, end_time = :end_time, "
    "attendees = :attendees, location = :location, ics_raw_data = :ics_raw_data, "
    "last_synced = :last_synced, created_at = :created_at, updated_at = :updated_at, "
    "is_deleted = :is_deleted WHERE id = :id";
constexpr std::string_view kSoftDelete =
    "UPDATE calendar_event SET is_deleted = TRUE, updated_at = :now WHERE id = :id";
constexpr std::string_view kHasMeeting =
    "SELECT COUNT(*) FROM meeting WHERE calendar_event_id = :event_id OR (room_id = :room_id "
    "AND calendar_event_id IS NOT NULL AND start_date = :start AND end_date = :end)";

#undef REFLECTOR_EVENT_COLUMNS
#undef REFLECTOR_EVENT_COLUMNS_E

constexpr std::string_view kSelectState =
    "SELECT room_id, last_status, last_error, last_attempt_at, http_etag, content_hash, body "
    "FROM calendar_sync_state WHERE room_id = :room_id";
constexpr std::string_view kUpsertState =
    "INSERT INTO calendar_sync_state (room_id, last_status, last_error, last_attempt_at, "
    "http_etag, content_hash, body) VALUES (:room_id, :last_status, :last_error, "
    ":last_attempt_at, :http_etag, :content_hash, :body) ON CONFLICT (room_id) DO UPDATE SET "
    "last_status = excluded.last_status, last_error = excluded.last_error, "
    "last_attempt_at = excluded.last_attempt_at, http_etag = excluded.http_etag, "
    "content_hash = excluded.content_hash, "
    "body = COALESCE(excluded.body, calendar_sync_state.body)";
constexpr std::string_view kSelectEnabledRooms =
    "SELECT id, ics_fetch_interval, ics_last_sync FROM room "
    "WHERE ics_enabled = TRUE AND ics_url IS NOT NULL AND ics_url <> '' ORDER BY id";
constexpr std::string_view kMarkRoomSynced =
    "UPDATE room SET ics_last_sync = :synced_at, ics_last_etag = :hash WHERE id = :room_id";

SqlParams EventParams(const CalendarEvent& e) {
  SqlParams p;
  p.Text("id", e.id)
      .Text("room_id", e.room_id)
      .Text("ics_uid", e.ics_uid)
      .OptText("title", e.title)
      .OptText("description", e.description)
      .Time("start_time", e.start_time)
      .Time("end_time", e.end_time)
      .OptJson("attendees", e.attendees)
      .OptText("location", e.location)
      .OptText("ics_raw_data", e.ics_raw_data)
      .Time("last_synced", e.last_synced)
      .Time("created_at", e.created_at)
      .Time("updated_at", e.updated_at)
      .Bool("is_deleted", e.is_deleted);
  return p;
}

Result<CalendarEvent> ReadEvent(RowReader& r) {
  CalendarEvent e;
  e.id = r.Text();
  e.room_id = r.Text();
  e.ics_uid = r.Text();
  e.title = r.OptText();
  e.description = r.OptText();
  e.start_time = r.Time();
  e.end_time = r.Time();
  e.attendees = r.OptText();
  e.location = r.OptText();
  e.ics_raw_data = r.OptText();
  e.last_synced = r.Time();
  e.created_at = r.Time();
  e.updated_at = r.Time();
  e.is_deleted = r.Bool();
  return e;
}

Result<std::vector<CalendarEvent>> ReadEvents(const std::vector<SqlRow>& rows) {
  std::vector<CalendarEvent> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    RowReader r(row);
    auto e = ReadEvent(r);
    REFLECTOR_RETURN_IF_ERROR(r.Finish());
    out.push_back(std::move(*e));
  }
  return out;
}

Result<std::vector<CalendarEvent>> List(Session& session, std::string_view sql,
                                        const SqlParams& params) {
  auto rows = Query(session, sql, params, kEventColumnCount);
  if (!rows) return Err(std::move(rows.error()));
  return ReadEvents(*rows);
}

Result<int64_t> Count(Session& session, std::string_view sql, const SqlParams& params) {
  auto rows = Query(session, sql, params, 1);
  if (!rows) return Err(std::move(rows.error()));
  RowReader r(rows->front());
  const int64_t n = r.Int();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return n;
}

}  // namespace

Result<std::vector<CalendarEvent>> CalendarEventRepository::ListAll(Session& session,
                                                                    std::string_view room_id) {
  return List(session, kSelectAll, SqlParams().Text("room_id", std::string(room_id)));
}

Result<std::vector<CalendarEvent>> CalendarEventRepository::ListActive(Session& session,
                                                                       std::string_view room_id) {
  return List(session, kSelectActive, SqlParams().Text("room_id", std::string(room_id)));
}

Result<std::vector<CalendarEvent>> CalendarEventRepository::ListUpcoming(Session& session,
                                                                         std::string_view room_id,
                                                                         TimePoint now,
                                                                         TimePoint until) {
  return List(
      session, kSelectUpcoming,
      SqlParams().Text("room_id", std::string(room_id)).Time("now", now).Time("until", until));
}

Result<std::vector<DueCalendarEvent>> CalendarEventRepository::ListDueForMeeting(
    Session& session, const std::optional<std::string>& room_id, TimePoint now,
    TimePoint not_before, TimePoint until) {
  SqlParams params;
  params.Time("now", now).Time("not_before", not_before).Time("until", until);
  if (room_id) params.Text("room_id", *room_id);
  auto rows =
      Query(session, room_id ? kSelectDueForRoom : kSelectDue, params, kEventColumnCount + 1);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<DueCalendarEvent> out;
  for (const auto& row : *rows) {
    RowReader r(row);
    auto e = ReadEvent(r);
    std::string room_name = r.Text();
    REFLECTOR_RETURN_IF_ERROR(r.Finish());
    out.push_back({std::move(*e), std::move(room_name)});
  }
  return out;
}

Result<int64_t> CalendarEventRepository::CountActive(Session& session, std::string_view room_id) {
  return Count(session, kCountActive, SqlParams().Text("room_id", std::string(room_id)));
}

Result<CalendarEvent> CalendarEventRepository::Insert(Session& session, CalendarEvent event) {
  if (event.id.empty()) event.id = NewUuid4();
  auto rows = Query(session, kInsert, EventParams(event), kEventColumnCount);
  if (!rows) return Err(std::move(rows.error()));
  auto events = ReadEvents(*rows);
  if (!events) return Err(std::move(events.error()));
  return std::move(events->front());
}

Status CalendarEventRepository::Update(Session& session, const CalendarEvent& event) {
  auto changed = Exec(session, kUpdate, EventParams(event));
  if (!changed) return Err(std::move(changed.error()));
  if (*changed == 0) return Err(Code::kNotFound, "Calendar event not found");
  return Ok();
}

Status CalendarEventRepository::SoftDelete(Session& session, std::string_view id, TimePoint now) {
  auto changed =
      Exec(session, kSoftDelete, SqlParams().Text("id", std::string(id)).Time("now", now));
  if (!changed) return Err(std::move(changed.error()));
  if (*changed == 0) return Err(Code::kNotFound, "Calendar event not found");
  return Ok();
}

Result<bool> CalendarEventRepository::HasMeeting(Session& session, std::string_view room_id,
                                                 std::string_view event_id, TimePoint start,
                                                 TimePoint end) {
  auto n = Count(session, kHasMeeting,
                 SqlParams()
                     .Text("event_id", std::string(event_id))
                     .Text("room_id", std::string(room_id))
                     .Time("start", start)
                     .Time("end", end));
  if (!n) return Err(std::move(n.error()));
  return *n > 0;
}

Result<std::optional<CalendarSyncState>> CalendarSyncStateRepository::Get(
    Session& session, std::string_view room_id) {
  auto row =
      QueryOptional(session, kSelectState, SqlParams().Text("room_id", std::string(room_id)), 7);
  if (!row) return Err(std::move(row.error()));
  if (!*row) return std::optional<CalendarSyncState>();
  RowReader r(**row);
  CalendarSyncState s;
  s.room_id = r.Text();
  s.last_status = r.Text();
  s.last_error = r.OptText();
  s.last_attempt_at = r.OptTime();
  s.http_etag = r.OptText();
  s.content_hash = r.OptText();
  s.body = r.OptText();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return std::optional<CalendarSyncState>(std::move(s));
}

Status CalendarSyncStateRepository::Put(Session& session, const CalendarSyncState& state) {
  auto done = Exec(session, kUpsertState,
                   SqlParams()
                       .Text("room_id", state.room_id)
                       .Text("last_status", state.last_status)
                       .OptText("last_error", state.last_error)
                       .OptTime("last_attempt_at", state.last_attempt_at)
                       .OptText("http_etag", state.http_etag)
                       .OptText("content_hash", state.content_hash)
                       .OptText("body", state.body));
  if (!done) return Err(std::move(done.error()));
  return Ok();
}

Result<std::vector<CalendarSyncStateRepository::IcsRoom>>
CalendarSyncStateRepository::ListEnabledRooms(Session& session) {
  auto rows = Query(session, kSelectEnabledRooms, {}, 3);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<IcsRoom> out;
  for (const auto& row : *rows) {
    RowReader r(row);
    IcsRoom room;
    room.id = r.Text();
    room.fetch_interval = r.Int();
    room.last_sync = r.OptTime();
    REFLECTOR_RETURN_IF_ERROR(r.Finish());
    out.push_back(std::move(room));
  }
  return out;
}

Status CalendarSyncStateRepository::MarkRoomSynced(Session& session, std::string_view room_id,
                                                   TimePoint synced_at, const std::string& hash) {
  auto done = Exec(session, kMarkRoomSynced,
                   SqlParams()
                       .Text("room_id", std::string(room_id))
                       .Time("synced_at", synced_at)
                       .Text("hash", hash));
  if (!done) return Err(std::move(done.error()));
  if (*done == 0) return Err(Code::kNotFound, "Room not found");
  return Ok();
}

}  // namespace reflector::store
