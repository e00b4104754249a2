#include "store/transcripts.hpp"

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
