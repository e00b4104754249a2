#include "store/transcripts.hpp"

#include <cctype>
#include <string>

#include "store/sql.hpp"

namespace reflector::store {
namespace {

#define REFLECTOR_TRANSCRIPT_COLUMNS                                                      \
  "id, name, status, locked, duration, created_at, title, short_summary, long_summary, "  \
  "source_language, target_language, reviewed, audio_location, user_id, share_mode, "     \
  "meeting_id, recording_id, room_id, source_kind, audio_deleted, webvtt, participants, " \
  "error, audio_key, waveform, words, upload_next_chunk, change_seq"

constexpr size_t kColumns = CountColumns(REFLECTOR_TRANSCRIPT_COLUMNS);

constexpr std::string_view kInsert =
    "INSERT INTO transcript (id, name, status, locked, duration, created_at, source_language, "
    "target_language, reviewed, audio_location, user_id, share_mode, meeting_id, recording_id, "
    "room_id, source_kind, participants) VALUES (:id, :name, :status, :locked, :duration, "
    ":created_at, :source_language, :target_language, :reviewed, :audio_location, :user_id, "
    ":share_mode, :meeting_id, :recording_id, :room_id, :source_kind, :participants)";
constexpr std::string_view kInsertIgnore =
    "INSERT INTO transcript (id, name, status, locked, duration, created_at, source_language, "
    "target_language, reviewed, audio_location, user_id, share_mode, meeting_id, recording_id, "
    "room_id, source_kind, participants) VALUES (:id, :name, :status, :locked, :duration, "
    ":created_at, :source_language, :target_language, :reviewed, :audio_location, :user_id, "
    ":share_mode, :meeting_id, :recording_id, :room_id, :source_kind, :participants) "
    "ON CONFLICT (recording_id) DO NOTHING";
constexpr std::string_view kSelect =
    "SELECT " REFLECTOR_TRANSCRIPT_COLUMNS " FROM transcript WHERE id = :id";
constexpr std::string_view kSelectIdByRecording =
    "SELECT id FROM transcript WHERE recording_id = :recording_id";
constexpr std::string_view kSetStatus =
    "UPDATE transcript SET status = :status, error = :error WHERE id = :id";
constexpr std::string_view kAdvanceUpload =
    "UPDATE transcript SET upload_next_chunk = :next WHERE id = :id AND upload_next_chunk = "
    ":expected";
constexpr std::string_view kSetRecording =
    "UPDATE transcript SET recording_id = :recording_id WHERE id = :id";
constexpr std::string_view kSetAudio =
    "UPDATE transcript SET audio_key = :audio_key, waveform = :waveform, duration = :duration, "
    "audio_location = 'storage' WHERE id = :id";

constexpr std::string_view kSetParticipants =
    "UPDATE transcript SET participants = :participants WHERE id = :id";

constexpr std::string_view kSetResult =
    "UPDATE transcript SET words = :words, webvtt = :webvtt, participants = :participants, "
    "status = 'ended', error = NULL WHERE id = :id";

// The listing: one text for both engines; absent filters are NULL parameters that match all.
constexpr std::string_view kListWhere =
    " FROM transcript t LEFT JOIN room r ON r.id = t.room_id "
    "WHERE (t.user_id = :user_id OR r.is_shared = TRUE) "
    "AND (CAST(:room_id AS TEXT) IS NULL OR t.room_id = :room_id2) "
    "AND (CAST(:source_kind AS TEXT) IS NULL OR t.source_kind = :source_kind2) "
    "AND (CAST(:term AS TEXT) IS NULL OR LOWER(COALESCE(t.title, t.name)) LIKE :term2 "
    "ESCAPE '\\') "
    "AND (CAST(:change_seq_from AS BIGINT) IS NULL OR t.change_seq > :change_seq_from2)";

constexpr std::string_view kDeleteRecordingOf =
    "DELETE FROM recording WHERE id = (SELECT recording_id FROM transcript WHERE id = :id)";
constexpr std::string_view kDelete = "DELETE FROM transcript WHERE id = :id";
constexpr std::string_view kSetAudioDeleted =
    "UPDATE transcript SET audio_deleted = TRUE WHERE id = :id";

constexpr std::string_view kSelectParticipants =
    "SELECT CAST(participants AS TEXT) FROM transcript WHERE id = :id";
constexpr std::string_view kCasParticipants =
    "UPDATE transcript SET participants = :participants WHERE id = :id AND "
    "COALESCE(CAST(participants AS TEXT), '') = :current";
constexpr std::string_view kSelectRetryable =
    "SELECT " REFLECTOR_TRANSCRIPT_COLUMNS
    " FROM transcript WHERE status = 'error' AND recording_id IS NOT NULL "
    "AND (audio_deleted IS NULL OR audio_deleted = FALSE) AND created_at >= :since "
    "ORDER BY created_at DESC LIMIT :limit";

#undef REFLECTOR_TRANSCRIPT_COLUMNS

SqlParams InsertParams(const Transcript& t) {
  SqlParams p;
  p.Text("id", t.id)
      .Text("name", t.name)
      .Text("status", t.status)
      .Bool("locked", t.locked)
      .Real("duration", t.duration)
      .Time("created_at", t.created_at)
      .Text("source_language", t.source_language)
      .Text("target_language", t.target_language)
      .Bool("reviewed", t.reviewed)
      .Text("audio_location", t.audio_location)
      .OptText("user_id", t.user_id)
      .Text("share_mode", t.share_mode)
      .OptText("meeting_id", t.meeting_id)
      .OptText("recording_id", t.recording_id)
      .OptText("room_id", t.room_id)
      .Text("source_kind", t.source_kind)
      .OptJson("participants", t.participants);
  return p;
}

Result<Transcript> ReadTranscript(const SqlRow& row) {
  RowReader r(row);
  Transcript t;
  t.id = r.Text();
  t.name = r.Text();
  t.status = r.Text();
  t.locked = r.Bool();
  t.duration = r.Real();
  t.created_at = r.Time();
  t.title = r.OptText();
  t.short_summary = r.OptText();
  t.long_summary = r.OptText();
  t.source_language = r.OptText().value_or("en");
  t.target_language = r.OptText().value_or("en");
  t.reviewed = r.Bool();
  t.audio_location = r.Text();
  t.user_id = r.OptText();
  t.share_mode = r.Text();
  t.meeting_id = r.OptText();
  t.recording_id = r.OptText();
  t.room_id = r.OptText();
  t.source_kind = r.Text();
  t.audio_deleted = r.OptBool();
  t.webvtt = r.OptText();
  t.participants = r.OptText();
  t.error = r.OptText();
  t.audio_key = r.OptText();
  t.waveform = r.OptText();
  t.words = r.OptText();
  t.upload_next_chunk = static_cast<int>(r.Int());
  t.change_seq = r.Int();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return t;
}

Status ExpectOne(Result<int64_t> changed) {
  if (!changed) return Err(std::move(changed.error()));
  if (*changed == 0) return Err(Code::kNotFound, "Transcript not found");
  return Ok();
}

}  // namespace

Status TranscriptRepository::Create(Session& session, const Transcript& transcript) {
  auto changed = Exec(session, kInsert, InsertParams(transcript));
  if (!changed) return Err(std::move(changed.error()));
  return Ok();
}

Result<std::string> TranscriptRepository::EnsureForRecording(Session& session,
                                                             const Transcript& proto) {
  if (!proto.recording_id) return Err(Code::kInternal, "EnsureForRecording needs a recording id");
  auto inserted = Exec(session, kInsertIgnore, InsertParams(proto));
  if (!inserted) return Err(std::move(inserted.error()));
  auto row = QueryOptional(session, kSelectIdByRecording,
                           SqlParams().Text("recording_id", *proto.recording_id), 1);
  if (!row) return Err(std::move(row.error()));
  if (!*row) return Err(Code::kInternal, "transcript of the recording vanished");
  return (**row)[0].value_or("");
}

Result<std::pair<std::vector<TranscriptListing>, int64_t>> TranscriptRepository::List(
    Session& session, const TranscriptFilter& filter, int page, int size) {
  std::optional<std::string> term;
  if (filter.search_term) {
    std::string t;
    for (char c : *filter.search_term) {
      if (c == '%' || c == '_' || c == '\\') t += '\\';
      t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    term = "%" + t + "%";
  }
  auto params = [&] {
    SqlParams p;
    p.Text("user_id", filter.user_id.value_or(""))
        .OptText("room_id", filter.room_id)
        .OptText("room_id2", filter.room_id)
        .OptText("source_kind", filter.source_kind)
        .OptText("source_kind2", filter.source_kind)
        .OptText("term", term)
        .OptText("term2", term)
        .OptInt("change_seq_from", filter.change_seq_from)
        .OptInt("change_seq_from2", filter.change_seq_from);
    return p;
  };
  auto count = Query(session, "SELECT COUNT(*)" + std::string(kListWhere), params(), 1);
  if (!count) return Err(std::move(count.error()));
  const int64_t total = std::stoll(count->empty() ? "0" : (*count)[0][0].value_or("0"));
  SqlParams p = params();
  p.Int("limit", size).Int("offset", static_cast<int64_t>(page - 1) * size);
  const std::string columns =
      "t.id, t.name, t.status, t.locked, t.duration, t.created_at, t.title, t.short_summary, "
      "t.long_summary, t.source_language, t.target_language, t.reviewed, t.audio_location, "
      "t.user_id, t.share_mode, t.meeting_id, t.recording_id, t.room_id, t.source_kind, "
      "t.audio_deleted, t.webvtt, t.participants, t.error, t.audio_key, t.waveform, t.words, "
      "t.upload_next_chunk, t.change_seq, r.name";
  auto rows = Query(session,
                    "SELECT " + columns + std::string(kListWhere) +
                        (filter.sort_by_change_seq ? " ORDER BY t.change_seq, t.id"
                                                   : " ORDER BY t.created_at DESC, t.id") +
                        " LIMIT :limit OFFSET :offset",
                    p, kColumns + 1);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<TranscriptListing> out;
  for (const auto& row : *rows) {
    SqlRow head(row.begin(), row.begin() + kColumns);
    auto t = ReadTranscript(head);
    if (!t) return Err(std::move(t.error()));
    out.push_back({std::move(*t), row[kColumns]});
  }
  return std::make_pair(std::move(out), total);
}

Result<std::optional<std::string>> TranscriptRepository::IdForRecording(
    Session& session, std::string_view recording_id) {
  auto row = QueryOptional(session, kSelectIdByRecording,
                           SqlParams().Text("recording_id", std::string(recording_id)), 1);
  if (!row) return Err(std::move(row.error()));
  if (!*row) return std::optional<std::string>();
  return (**row)[0];
}

Result<Transcript> TranscriptRepository::Get(Session& session, std::string_view id) {
  auto row = QueryOptional(session, kSelect, SqlParams().Text("id", std::string(id)), kColumns);
  if (!row) return Err(std::move(row.error()));
  if (!*row) return Err(Code::kNotFound, "Transcript not found");
  return ReadTranscript(**row);
}

Status TranscriptRepository::SetStatus(Session& session, std::string_view id,
                                       std::string_view status,
                                       const std::optional<std::string>& error) {
  return ExpectOne(Exec(session, kSetStatus,
                        SqlParams()
                            .Text("status", std::string(status))
                            .OptText("error", error)
                            .Text("id", std::string(id))));
}

Status TranscriptRepository::AdvanceUpload(Session& session, std::string_view id, int expected,
                                           int next) {
  auto changed =
      Exec(session, kAdvanceUpload,
           SqlParams().Int("next", next).Text("id", std::string(id)).Int("expected", expected));
  if (!changed) return Err(std::move(changed.error()));
  if (*changed == 0) return Err(Code::kFailedPrecondition, "upload chunk out of order");
  return Ok();
}

Status TranscriptRepository::SetRecording(Session& session, std::string_view id,
                                          std::string_view recording_id) {
  return ExpectOne(Exec(
      session, kSetRecording,
      SqlParams().Text("recording_id", std::string(recording_id)).Text("id", std::string(id))));
}

Status TranscriptRepository::SetParticipants(Session& session, std::string_view id,
                                             std::string_view participants_json) {
  return ExpectOne(Exec(session, kSetParticipants,
                        SqlParams()
                            .Json("participants", std::string(participants_json))
                            .Text("id", std::string(id))));
}

Status TranscriptRepository::SetResult(Session& session, std::string_view id,
                                       std::string_view words_json, std::string_view webvtt,
                                       std::string_view participants_json) {
  return ExpectOne(Exec(session, kSetResult,
                        SqlParams()
                            .Json("words", std::string(words_json))
                            .Text("webvtt", std::string(webvtt))
                            .Json("participants", std::string(participants_json))
                            .Text("id", std::string(id))));
}

Status TranscriptRepository::Update(Session& session, std::string_view id,
                                    const TranscriptPatch& patch) {
  if (patch.empty()) {
    auto exists = Get(session, id);
    if (!exists) return Err(std::move(exists.error()));
    return Ok();
  }
  // Column names come from this fixed list only; every value is a bound parameter.
  std::string sets;
  SqlParams p;
  auto add = [&](const char* column) {
    if (!sets.empty()) sets += ", ";
    sets += std::string(column) + " = :" + column;
  };
  if (patch.name) add("name"), p.Text("name", *patch.name);
  if (patch.locked) add("locked"), p.Bool("locked", *patch.locked);
  if (patch.title) add("title"), p.OptText("title", *patch.title);
  if (patch.short_summary) add("short_summary"), p.OptText("short_summary", *patch.short_summary);
  if (patch.long_summary) add("long_summary"), p.OptText("long_summary", *patch.long_summary);
  if (patch.share_mode) add("share_mode"), p.Text("share_mode", *patch.share_mode);
  if (patch.participants) add("participants"), p.Json("participants", *patch.participants);
  if (patch.reviewed) add("reviewed"), p.Bool("reviewed", *patch.reviewed);
  if (patch.audio_deleted) add("audio_deleted"), p.Bool("audio_deleted", *patch.audio_deleted);
  p.Text("id", std::string(id));
  return ExpectOne(Exec(session, "UPDATE transcript SET " + sets + " WHERE id = :id", p));
}

Result<std::string> TranscriptRepository::EditParticipants(
    Session& session, std::string_view id,
    const std::function<Result<std::string>(const std::string& current)>& edit) {
  // One edit at a time per transcript: the read and the write share a write transaction, and
  // PostgreSQL locks the row for it (SQLite's write transaction already excludes other writers).
  // Compare-and-set on the stored text stays as a guard against writers outside this function.
  constexpr int kTries = 8;
  const std::string select = std::string(kSelectParticipants) +
                             (session.dialect() == Dialect::kPostgres ? " FOR UPDATE" : "");
  for (int i = 0; i < kTries; ++i) {
    auto tx = session.Begin(TxMode::kWrite);
    if (!tx) return Err(std::move(tx.error()));
    auto row = QueryOptional(session, select, SqlParams().Text("id", std::string(id)), 1);
    if (!row) return Err(std::move(row.error()));
    if (!*row) return Err(Code::kNotFound, "Transcript not found");
    const std::string current = (**row)[0].value_or("");
    auto next = edit(current.empty() ? "[]" : current);
    if (!next) return Err(std::move(next.error()));
    auto changed = Exec(session, kCasParticipants,
                        SqlParams()
                            .Json("participants", *next)
                            .Text("id", std::string(id))
                            .Text("current", current));
    if (!changed) return Err(std::move(changed.error()));
    if (*changed == 1) {
      REFLECTOR_RETURN_IF_ERROR(tx->Commit());
      return std::move(*next);
    }
  }
  return Err(Code::kUnavailable, "the participants kept changing under this edit; try again");
}

Result<std::vector<Transcript>> TranscriptRepository::ListRetryable(Session& session,
                                                                    TimePoint since, int limit) {
  auto rows = Query(session, kSelectRetryable, SqlParams().Time("since", since).Int("limit", limit),
                    kColumns);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<Transcript> out;
  for (const auto& row : *rows) {
    auto t = ReadTranscript(row);
    if (!t) return Err(std::move(t.error()));
    out.push_back(std::move(*t));
  }
  return out;
}

Status TranscriptRepository::Delete(Session& session, std::string_view id) {
  auto gone = Exec(session, kDeleteRecordingOf, SqlParams().Text("id", std::string(id)));
  if (!gone) return Err(std::move(gone.error()));
  return ExpectOne(Exec(session, kDelete, SqlParams().Text("id", std::string(id))));
}

Status TranscriptRepository::SetAudioDeleted(Session& session, std::string_view id) {
  return ExpectOne(Exec(session, kSetAudioDeleted, SqlParams().Text("id", std::string(id))));
}

Status TranscriptRepository::SetAudio(Session& session, std::string_view id,
                                      std::string_view audio_key, std::string_view waveform_json,
                                      double duration_ms) {
  return ExpectOne(Exec(session, kSetAudio,
                        SqlParams()
                            .Text("audio_key", std::string(audio_key))
                            .Json("waveform", std::string(waveform_json))
                            .Real("duration", duration_ms)
                            .Text("id", std::string(id))));
}

}  // namespace reflector::store
