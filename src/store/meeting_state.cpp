#include "store/meeting_state.hpp"

#include <string>

#include "store/sql.hpp"

namespace reflector::store {
namespace {

constexpr std::string_view kSetNumClients =
    "UPDATE meeting SET num_clients = :count WHERE id = :id";
// Timestamps are TIMESTAMPTZ on PostgreSQL and fixed-width ISO text on SQLite, so `<` compares
// them as times on both.
constexpr std::string_view kSetNumClientsIfNewer =
    "UPDATE meeting SET num_clients = :count, num_clients_updated_at = :created_at "
    "WHERE id = :id AND (num_clients_updated_at IS NULL OR num_clients_updated_at < :created_at2)";
constexpr std::string_view kSetComposedVideoOnce =
    "UPDATE meeting SET daily_composed_video_s3_key = :key, "
    "daily_composed_video_duration = :duration "
    "WHERE id = :id AND daily_composed_video_s3_key IS NULL";
constexpr std::string_view kAddNumClients =
    "UPDATE meeting SET num_clients = CASE WHEN num_clients + :delta < 0 THEN 0 "
    "ELSE num_clients + :delta END WHERE id = :id";
constexpr std::string_view kListActive =
    "SELECT id, platform, room_name, start_date, end_date FROM meeting WHERE is_active = TRUE "
    "ORDER BY end_date, id";

}  // namespace

Status MeetingStateRepository::SetNumClients(Session& session, std::string_view meeting_id,
                                             int64_t count) {
  auto changed = Exec(session, kSetNumClients,
                      SqlParams().Int("count", count).Text("id", std::string(meeting_id)));
  if (!changed) return Err(std::move(changed.error()));
  if (*changed == 0) return Err(Code::kNotFound, "Meeting not found");
  return Ok();
}

Status MeetingStateRepository::AddNumClients(Session& session, std::string_view meeting_id,
                                             int64_t delta) {
  auto changed = Exec(session, kAddNumClients,
                      SqlParams().Int("delta", delta).Text("id", std::string(meeting_id)));
  if (!changed) return Err(std::move(changed.error()));
  if (*changed == 0) return Err(Code::kNotFound, "Meeting not found");
  return Ok();
}

Result<bool> MeetingStateRepository::SetNumClientsIfNewer(Session& session,
                                                          std::string_view meeting_id,
                                                          int64_t count, TimePoint created_at) {
  auto changed = Exec(session, kSetNumClientsIfNewer,
                      SqlParams()
                          .Int("count", count)
                          .Time("created_at", created_at)
                          .Text("id", std::string(meeting_id))
                          .Time("created_at2", created_at));
  if (!changed) return Err(std::move(changed.error()));
  return *changed > 0;
}

Result<bool> MeetingStateRepository::SetComposedVideoOnce(Session& session,
                                                          std::string_view meeting_id,
                                                          std::string_view s3_key,
                                                          std::optional<int64_t> duration_seconds) {
  auto changed = Exec(session, kSetComposedVideoOnce,
                      SqlParams()
                          .Text("key", std::string(s3_key))
                          .OptInt("duration", duration_seconds)
                          .Text("id", std::string(meeting_id)));
  if (!changed) return Err(std::move(changed.error()));
  return *changed > 0;
}

Result<std::vector<ActiveMeeting>> MeetingStateRepository::ListActive(Session& session) {
  auto rows = Query(session, kListActive, {}, 5);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<ActiveMeeting> out;
  for (const auto& row : *rows) {
    RowReader r(row);
    ActiveMeeting m;
    m.id = r.Text();
    m.platform = r.Text();
    m.room_name = r.Text();
    m.start_date = r.Time();
    m.end_date = r.Time();
    REFLECTOR_RETURN_IF_ERROR(r.Finish());
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace reflector::store
