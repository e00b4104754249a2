#include "store/meetings.hpp"

#include <string>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

#define REFLECTOR_MEETING_COLUMNS                                                            \
  "id, room_name, room_url, host_room_url, start_date, end_date, room_id, is_locked, "       \
  "room_mode, recording_type, recording_trigger, num_clients, num_clients_updated_at, "      \
  "is_active, calendar_event_id, calendar_metadata, platform, daily_composed_video_s3_key, " \
  "daily_composed_video_duration, provider_meeting_id"

constexpr size_t kMeetingColumnCount = CountColumns(REFLECTOR_MEETING_COLUMNS);

constexpr std::string_view kInsertMeeting =
    "INSERT INTO meeting (" REFLECTOR_MEETING_COLUMNS
    ") VALUES (:id, :room_name, :room_url, "
    ":host_room_url, :start_date, :end_date, :room_id, :is_locked, :room_mode, "
    ":recording_type, :recording_trigger, :num_clients, :num_clients_updated_at, :is_active, "
    ":calendar_event_id, :calendar_metadata, :platform, :daily_composed_video_s3_key, "
    ":daily_composed_video_duration, :provider_meeting_id) RETURNING " REFLECTOR_MEETING_COLUMNS;
constexpr std::string_view kSelectMeetingById =
    "SELECT " REFLECTOR_MEETING_COLUMNS " FROM meeting WHERE id = :id";
constexpr std::string_view kSelectMeetingByProviderId =
    "SELECT " REFLECTOR_MEETING_COLUMNS
    " FROM meeting WHERE provider_meeting_id = :provider_id "
    "ORDER BY start_date DESC, id DESC LIMIT 1";
constexpr std::string_view kSelectMeetingByRoomName = "SELECT " REFLECTOR_MEETING_COLUMNS
                                                      " FROM meeting WHERE room_name = :room_name "
                                                      "ORDER BY start_date DESC, id DESC LIMIT 1";
constexpr std::string_view kSelectActiveForRoom =
    "SELECT " REFLECTOR_MEETING_COLUMNS
    " FROM meeting "
    "WHERE room_id = :room_id AND is_active = TRUE AND end_date > :now "
    "ORDER BY end_date DESC, id DESC";
constexpr std::string_view kDeactivateMeeting =
    "UPDATE meeting SET is_active = FALSE WHERE id = :id";
constexpr std::string_view kUpdateMeeting =
    "UPDATE meeting SET room_name = :room_name, room_url = :room_url, "
    "host_room_url = :host_room_url, start_date = :start_date, end_date = :end_date, "
    "room_id = :room_id, is_locked = :is_locked, room_mode = :room_mode, "
    "recording_type = :recording_type, recording_trigger = :recording_trigger, "
    "num_clients = :num_clients, num_clients_updated_at = :num_clients_updated_at, "
    "is_active = :is_active, calendar_event_id = :calendar_event_id, "
    "calendar_metadata = :calendar_metadata, platform = :platform, "
    "daily_composed_video_s3_key = :daily_composed_video_s3_key, "
    "daily_composed_video_duration = :daily_composed_video_duration, "
    "provider_meeting_id = :provider_meeting_id WHERE id = :id";

#undef REFLECTOR_MEETING_COLUMNS

SqlParams MeetingParams(const Meeting& m) {
  SqlParams params;
  params.Text("id", m.id)
      .Text("room_name", m.room_name)
      .Text("room_url", m.room_url)
      .Text("host_room_url", m.host_room_url)
      .Time("start_date", m.start_date)
      .Time("end_date", m.end_date)
      .Text("room_id", m.room_id)
      .Bool("is_locked", m.is_locked)
      .Text("room_mode", m.room_mode)
      .Text("recording_type", m.recording_type)
      .Text("recording_trigger", m.recording_trigger)
      .Int("num_clients", m.num_clients)
      .OptTime("num_clients_updated_at", m.num_clients_updated_at)
      .Bool("is_active", m.is_active)
      .OptText("calendar_event_id", m.calendar_event_id)
      .OptJson("calendar_metadata", m.calendar_metadata)
      .Text("platform", m.platform)
      .OptText("daily_composed_video_s3_key", m.daily_composed_video_s3_key)
      .OptInt("daily_composed_video_duration", m.daily_composed_video_duration)
      .OptText("provider_meeting_id", m.provider_meeting_id);
  return params;
}

Result<Meeting> ReadMeeting(const SqlRow& row) {
  RowReader r(row);
  Meeting m;
  m.id = r.Text();
  m.room_name = r.Text();
  m.room_url = r.Text();
  m.host_room_url = r.Text();
  m.start_date = r.Time();
  m.end_date = r.Time();
  m.room_id = r.Text();
  m.is_locked = r.Bool();
  m.room_mode = r.Text();
  m.recording_type = r.Text();
  m.recording_trigger = r.Text();
  m.num_clients = r.Int();
  m.num_clients_updated_at = r.OptTime();
  m.is_active = r.Bool();
  m.calendar_event_id = r.OptText();
  m.calendar_metadata = r.OptText();
  m.platform = r.Text();
  m.daily_composed_video_s3_key = r.OptText();
  m.daily_composed_video_duration = r.OptInt();
  m.provider_meeting_id = r.OptText();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return m;
}

Error MissingReference(Error error) {
  if (error.code == Code::kFailedPrecondition) {
    error.message = "Room or calendar event does not exist";
  }
  return error;
}

Result<Meeting> GetOne(Session& session, std::string_view sql, SqlParams params) {
  auto row = QueryOptional(session, sql, params, kMeetingColumnCount);
  if (!row) return Err(row.error());
  if (!*row) return Err(Code::kNotFound, "Meeting not found");
  return ReadMeeting(**row);
}

}  // namespace

Result<Meeting> MeetingRepository::Create(Session& session, Meeting meeting) {
  if (meeting.id.empty()) meeting.id = NewUuid4();
  auto rows = Query(session, kInsertMeeting, MeetingParams(meeting), kMeetingColumnCount);
  if (!rows) return Err(MissingReference(rows.error()));
  return ReadMeeting(rows->front());
}

Result<Meeting> MeetingRepository::GetById(Session& session, std::string_view id) {
  return GetOne(session, kSelectMeetingById, SqlParams().Text("id", std::string(id)));
}

Result<Meeting> MeetingRepository::GetByProviderMeetingId(Session& session,
                                                          std::string_view provider_meeting_id) {
  return GetOne(session, kSelectMeetingByProviderId,
                SqlParams().Text("provider_id", std::string(provider_meeting_id)));
}

Result<Meeting> MeetingRepository::GetByRoomName(Session& session, std::string_view room_name) {
  return GetOne(session, kSelectMeetingByRoomName,
                SqlParams().Text("room_name", std::string(room_name)));
}

Result<std::vector<Meeting>> MeetingRepository::ListActiveForRoom(Session& session,
                                                                  std::string_view room_id,
                                                                  TimePoint now) {
  auto rows = Query(session, kSelectActiveForRoom,
                    SqlParams().Text("room_id", std::string(room_id)).Time("now", now),
                    kMeetingColumnCount);
  if (!rows) return Err(rows.error());
  std::vector<Meeting> meetings;
  meetings.reserve(rows->size());
  for (const auto& row : *rows) {
    auto meeting = ReadMeeting(row);
    if (!meeting) return Err(meeting.error());
    meetings.push_back(std::move(*meeting));
  }
  return meetings;
}

Status MeetingRepository::Deactivate(Session& session, std::string_view id) {
  auto changed = Exec(session, kDeactivateMeeting, SqlParams().Text("id", std::string(id)));
  if (!changed) return Err(changed.error());
  if (*changed == 0) return Err(Code::kNotFound, "Meeting not found");
  return Ok();
}

Status MeetingRepository::Update(Session& session, const Meeting& meeting) {
  auto changed = Exec(session, kUpdateMeeting, MeetingParams(meeting));
  if (!changed) return Err(MissingReference(changed.error()));
  if (*changed == 0) return Err(Code::kNotFound, "Meeting not found");
  return Ok();
}

}  // namespace reflector::store
