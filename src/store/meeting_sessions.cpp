#include "store/meeting_sessions.hpp"

#include <string>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

constexpr std::string_view kRecordStart =
    "INSERT INTO meeting_session (id, meeting_id, provider_session_id, started_at, ended_at) "
    "VALUES (:id, :meeting_id, :provider_session_id, :started_at, NULL) "
    "ON CONFLICT (meeting_id, provider_session_id) DO UPDATE SET "
    "started_at = COALESCE(meeting_session.started_at, excluded.started_at)";
constexpr std::string_view kRecordEnd =
    "INSERT INTO meeting_session (id, meeting_id, provider_session_id, started_at, ended_at) "
    "VALUES (:id, :meeting_id, :provider_session_id, :started_at, :ended_at) "
    "ON CONFLICT (meeting_id, provider_session_id) DO UPDATE SET "
    "started_at = COALESCE(meeting_session.started_at, excluded.started_at), "
    "ended_at = COALESCE(meeting_session.ended_at, excluded.ended_at)";
constexpr std::string_view kList =
    "SELECT id, meeting_id, provider_session_id, started_at, ended_at FROM meeting_session "
    "WHERE meeting_id = :meeting_id "
    "ORDER BY CASE WHEN started_at IS NULL THEN 1 ELSE 0 END, started_at, provider_session_id";

}  // namespace

Status MeetingSessionRepository::RecordStart(Session& session, std::string_view meeting_id,
                                             std::string_view provider_session_id,
                                             TimePoint started_at) {
  auto changed = Exec(session, kRecordStart,
                      SqlParams()
                          .Text("id", NewUuid4())
                          .Text("meeting_id", std::string(meeting_id))
                          .Text("provider_session_id", std::string(provider_session_id))
                          .Time("started_at", started_at));
  if (!changed) return Err(std::move(changed.error()));
  return Ok();
}

Status MeetingSessionRepository::RecordEnd(Session& session, std::string_view meeting_id,
                                           std::string_view provider_session_id,
                                           std::optional<TimePoint> started_at,
                                           TimePoint ended_at) {
  auto changed = Exec(session, kRecordEnd,
                      SqlParams()
                          .Text("id", NewUuid4())
                          .Text("meeting_id", std::string(meeting_id))
                          .Text("provider_session_id", std::string(provider_session_id))
                          .OptTime("started_at", started_at)
                          .Time("ended_at", ended_at));
  if (!changed) return Err(std::move(changed.error()));
  return Ok();
}

Result<std::vector<MeetingSession>> MeetingSessionRepository::ListForMeeting(
    Session& session, std::string_view meeting_id) {
  auto rows = Query(session, kList, SqlParams().Text("meeting_id", std::string(meeting_id)), 5);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<MeetingSession> out;
  for (const auto& row : *rows) {
    RowReader r(row);
    MeetingSession s;
    s.id = r.Text();
    s.meeting_id = r.Text();
    s.provider_session_id = r.Text();
    s.started_at = r.OptTime();
    s.ended_at = r.OptTime();
    REFLECTOR_RETURN_IF_ERROR(r.Finish());
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace reflector::store
