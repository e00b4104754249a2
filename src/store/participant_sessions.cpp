#include "store/participant_sessions.hpp"

#include <string>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

#define REFLECTOR_PS_COLUMNS \
  "id, meeting_id, room_id, provider, session_key, user_id, user_name, joined_at, left_at"

constexpr size_t kColumns = CountColumns(REFLECTOR_PS_COLUMNS);

// A duplicate `joined` keeps the first joined_at (Daily's duplicates differ by a few ms,
// reference §10 b20cad76); left_at is not in the SET list, so a join never reopens.
// Join: a new session is one INSERT (the common case); a known one is updated instead, and is
// never reopened. Two statements rather than one upsert, because whether the row was new (a
// session opened: num_clients + 1) is what the caller needs and an upsert cannot tell portably.
constexpr std::string_view kJoinNew =
    "INSERT INTO participant_session (" REFLECTOR_PS_COLUMNS
    ") VALUES (:id, :meeting_id, :room_id, :provider, :session_key, :user_id, :user_name, "
    ":joined_at, NULL) ON CONFLICT (meeting_id, session_key) DO NOTHING";
// Fills in what a later event knows about a known session (first joined_at wins, a null user id
// or empty name keeps the stored one); never touches left_at. Used by Join and Leave.
constexpr std::string_view kFillIn =
    "UPDATE participant_session SET "
    "joined_at = COALESCE(joined_at, :joined_at), "
    "user_id = COALESCE(:user_id, user_id), "
    "user_name = CASE WHEN :user_name = '' THEN user_name ELSE :user_name END "
    "WHERE meeting_id = :meeting_id AND session_key = :session_key";
// Leave: closing an open session is one UPDATE (num_clients - 1); otherwise the session is created
// closed, or a closed one keeps its first left_at (writing the same value again passes the
// immutability trigger).
constexpr std::string_view kLeaveOpen =
    "UPDATE participant_session SET left_at = :left_at, "
    "joined_at = COALESCE(joined_at, :joined_at), "
    "user_id = COALESCE(:user_id, user_id), "
    "user_name = CASE WHEN :user_name = '' THEN user_name ELSE :user_name END "
    "WHERE meeting_id = :meeting_id AND session_key = :session_key AND left_at IS NULL";
constexpr std::string_view kLeaveNew =
    "INSERT INTO participant_session (" REFLECTOR_PS_COLUMNS
    ") VALUES (:id, :meeting_id, :room_id, :provider, :session_key, :user_id, :user_name, "
    ":joined_at, :left_at) ON CONFLICT (meeting_id, session_key) DO NOTHING";
constexpr std::string_view kCloseIfOpen =
    "UPDATE participant_session SET left_at = :left_at "
    "WHERE meeting_id = :meeting_id AND session_key = :session_key AND left_at IS NULL";
constexpr std::string_view kCountOpen =
    "SELECT COUNT(*) FROM participant_session WHERE meeting_id = :meeting_id AND left_at IS NULL";
constexpr std::string_view kList =
    "SELECT " REFLECTOR_PS_COLUMNS
    " FROM participant_session WHERE meeting_id = :meeting_id "
    "ORDER BY CASE WHEN joined_at IS NULL THEN 1 ELSE 0 END, joined_at, session_key";
constexpr std::string_view kOpenKeysJoinedBy =
    "SELECT session_key FROM participant_session WHERE meeting_id = :meeting_id AND "
    "left_at IS NULL AND (joined_at IS NULL OR joined_at <= :joined_by) ORDER BY session_key";
constexpr std::string_view kExists =
    "SELECT 1 FROM participant_session WHERE meeting_id = :meeting_id AND "
    "session_key = :session_key";

#undef REFLECTOR_PS_COLUMNS

SqlParams InfoParams(const ParticipantInfo& info) {
  SqlParams params;
  params.Text("id", NewUuid4())
      .Text("meeting_id", info.meeting_id)
      .OptText("room_id", info.room_id)
      .Text("provider", info.provider)
      .Text("session_key", info.session_key)
      .OptText("user_id", info.user_id)
      .Text("user_name", info.user_name.value_or(""))
      .OptTime("joined_at", info.joined_at);
  return params;
}

Result<ParticipantSession> ReadSession(const SqlRow& row) {
  RowReader r(row);
  ParticipantSession s;
  s.id = r.Text();
  s.meeting_id = r.Text();
  s.room_id = r.OptText();
  s.provider = r.Text();
  s.session_key = r.Text();
  s.user_id = r.OptText();
  s.user_name = r.Text();
  s.joined_at = r.OptTime();
  s.left_at = r.OptTime();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return s;
}

// The parameters of kFillIn (kLeaveOpen takes these plus left_at).
SqlParams FillInParams(const ParticipantInfo& info) {
  SqlParams params;
  params.OptTime("joined_at", info.joined_at)
      .OptText("user_id", info.user_id)
      .Text("user_name", info.user_name.value_or(""))
      .Text("meeting_id", info.meeting_id)
      .Text("session_key", info.session_key);
  return params;
}

}  // namespace

Result<bool> ParticipantSessionRepository::Join(Session& session, const ParticipantInfo& info) {
  auto inserted = Exec(session, kJoinNew, InfoParams(info));
  if (!inserted) return Err(std::move(inserted.error()));
  if (*inserted > 0) return true;
  auto updated = Exec(session, kFillIn, FillInParams(info));
  if (!updated) return Err(std::move(updated.error()));
  return false;
}

Result<bool> ParticipantSessionRepository::Leave(Session& session, const ParticipantInfo& info,
                                                 TimePoint left_at) {
  SqlParams close = FillInParams(info);
  close.Time("left_at", left_at);
  auto close_open = [&]() -> Result<bool> {
    auto closed = Exec(session, kLeaveOpen, close);
    if (!closed) return Err(std::move(closed.error()));
    return *closed > 0;
  };
  auto closed = close_open();
  if (!closed || *closed) return closed;
  // Not open (or not visible yet): create it closed. On PostgreSQL a concurrent transaction may
  // be inserting the open row right now: the INSERT waits for it, finds the conflict, and the
  // second close attempt then sees the committed row (READ COMMITTED: a new snapshot per
  // statement) — so a close racing a join is never lost from the open count.
  SqlParams params = InfoParams(info);
  params.Time("left_at", left_at);
  auto inserted = Exec(session, kLeaveNew, params);
  if (!inserted) return Err(std::move(inserted.error()));
  if (*inserted > 0) return false;
  closed = close_open();
  if (!closed || *closed) return closed;
  // A session already closed keeps its left_at; the other fields are filled in.
  auto filled = Exec(session, kFillIn, FillInParams(info));
  if (!filled) return Err(std::move(filled.error()));
  return false;
}

Result<bool> ParticipantSessionRepository::CloseIfOpen(Session& session,
                                                       std::string_view meeting_id,
                                                       std::string_view session_key,
                                                       TimePoint left_at) {
  auto changed = Exec(session, kCloseIfOpen,
                      SqlParams()
                          .Time("left_at", left_at)
                          .Text("meeting_id", std::string(meeting_id))
                          .Text("session_key", std::string(session_key)));
  if (!changed) return Err(std::move(changed.error()));
  return *changed > 0;
}

Result<int64_t> ParticipantSessionRepository::CountOpen(Session& session,
                                                        std::string_view meeting_id) {
  auto rows =
      Query(session, kCountOpen, SqlParams().Text("meeting_id", std::string(meeting_id)), 1);
  if (!rows) return Err(std::move(rows.error()));
  RowReader r(rows->front());
  const int64_t count = r.Int();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return count;
}

Result<std::vector<std::string>> ParticipantSessionRepository::ListOpenKeysJoinedBy(
    Session& session, std::string_view meeting_id, TimePoint joined_by) {
  auto rows = Query(
      session, kOpenKeysJoinedBy,
      SqlParams().Text("meeting_id", std::string(meeting_id)).Time("joined_by", joined_by), 1);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<std::string> keys;
  keys.reserve(rows->size());
  for (const auto& row : *rows) {
    RowReader r(row);
    keys.push_back(r.Text());
    REFLECTOR_RETURN_IF_ERROR(r.Finish());
  }
  return keys;
}

Result<bool> ParticipantSessionRepository::Exists(Session& session, std::string_view meeting_id,
                                                  std::string_view session_key) {
  auto row = QueryOptional(session, kExists,
                           SqlParams()
                               .Text("meeting_id", std::string(meeting_id))
                               .Text("session_key", std::string(session_key)),
                           1);
  if (!row) return Err(std::move(row.error()));
  return row->has_value();
}

Result<std::vector<ParticipantSession>> ParticipantSessionRepository::ListForMeeting(
    Session& session, std::string_view meeting_id) {
  auto rows =
      Query(session, kList, SqlParams().Text("meeting_id", std::string(meeting_id)), kColumns);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<ParticipantSession> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) {
    auto s = ReadSession(row);
    if (!s) return Err(std::move(s.error()));
    out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace reflector::store
