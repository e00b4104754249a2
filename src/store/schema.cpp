// The schema of the whole product, as ordered migrations. Append new migrations at the end; never
// edit one that has shipped.
//
// Portability rules (both engines run every statement unless a step says `only`):
//  - types through tokens: {TIMESTAMP} {BOOL} {JSON} {REAL} {BIGINT} (see ExpandSql).
//  - boolean defaults as TRUE/FALSE (SQLite ≥ 3.23 reads them as 1/0).
//  - timestamps have no database default: the application writes FormatIso8601 strings, which is
//    what makes TEXT timestamps compare correctly in SQLite.
//  - SQLite's ALTER TABLE cannot add a UNIQUE column and cannot drop an indexed one, so unique
//    constraints on added columns are separate indexes, dropped before the column.
#include "store/internal/schema.hpp"

#include <string>
#include <vector>

#include "store/sqlite_rank.hpp"
#include "store/transcript_search.hpp"

namespace reflector::store::internal {
namespace {

constexpr auto kPostgres = Dialect::kPostgres;
constexpr auto kSqlite = Dialect::kSqlite;

void Replace(std::string& text, std::string_view token, std::string_view with) {
  for (size_t pos = text.find(token); pos != std::string::npos;
       pos = text.find(token, pos + with.size())) {
    text.replace(pos, token.size(), with);
  }
}

MigrationStep Both(std::string sql) { return MigrationStep{std::move(sql), std::nullopt}; }
MigrationStep Only(Dialect dialect, std::string sql) {
  return MigrationStep{std::move(sql), dialect};
}

Migration Initial() {
  Migration m;
  m.version = 1;
  m.name = "initial";
  m.up = {
      Both(R"sql(
CREATE TABLE app_user (
  id TEXT PRIMARY KEY,
  email TEXT,
  name TEXT,
  created_at {TIMESTAMP} NOT NULL
))sql"),
      Both(R"sql(
CREATE TABLE api_key (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  key_prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at {TIMESTAMP} NOT NULL,
  last_used_at {TIMESTAMP},
  revoked_at {TIMESTAMP}
))sql"),
      Both("CREATE INDEX idx_api_key_user_id ON api_key (user_id)"),
      Both("CREATE INDEX idx_api_key_key_prefix ON api_key (key_prefix)"),
      Both(R"sql(
CREATE TABLE room (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  created_at {TIMESTAMP} NOT NULL,
  zulip_auto_post {BOOL} NOT NULL DEFAULT FALSE,
  zulip_stream TEXT NOT NULL DEFAULT '',
  zulip_topic TEXT NOT NULL DEFAULT '',
  is_locked {BOOL} NOT NULL DEFAULT FALSE,
  room_mode TEXT NOT NULL DEFAULT 'normal',
  recording_type TEXT NOT NULL DEFAULT 'cloud',
  recording_trigger TEXT NOT NULL DEFAULT 'automatic-2nd-participant',
  is_shared {BOOL} NOT NULL DEFAULT FALSE,
  webhook_url TEXT,
  webhook_secret TEXT,
  ics_url TEXT,
  ics_fetch_interval INTEGER NOT NULL DEFAULT 300,
  ics_enabled {BOOL} NOT NULL DEFAULT FALSE,
  ics_last_sync {TIMESTAMP},
  ics_last_etag TEXT
))sql"),
      Both("CREATE INDEX idx_room_user_id ON room (user_id)"),
      Both("CREATE INDEX idx_room_is_shared ON room (is_shared)"),
      Both("CREATE INDEX idx_room_ics_enabled ON room (ics_enabled)"),
      Both("CREATE INDEX idx_room_created_at ON room (created_at)"),
      Both(R"sql(
CREATE TABLE calendar_event (
  id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES room (id) ON DELETE CASCADE,
  ics_uid TEXT NOT NULL,
  title TEXT,
  description TEXT,
  start_time {TIMESTAMP} NOT NULL,
  end_time {TIMESTAMP} NOT NULL,
  attendees {JSON},
  location TEXT,
  ics_raw_data TEXT,
  last_synced {TIMESTAMP} NOT NULL,
  created_at {TIMESTAMP} NOT NULL,
  updated_at {TIMESTAMP} NOT NULL,
  is_deleted {BOOL} NOT NULL DEFAULT FALSE,
  UNIQUE (room_id, ics_uid)
))sql"),
      Both("CREATE INDEX idx_calendar_event_room_start ON calendar_event (room_id, start_time)"),
      Both("CREATE INDEX idx_calendar_event_not_deleted ON calendar_event (is_deleted) "
           "WHERE NOT is_deleted"),
      Both(R"sql(
CREATE TABLE meeting (
  id TEXT PRIMARY KEY,
  room_name TEXT NOT NULL,
  room_url TEXT NOT NULL,
  host_room_url TEXT NOT NULL,
  start_date {TIMESTAMP} NOT NULL,
  end_date {TIMESTAMP} NOT NULL,
  room_id TEXT NOT NULL REFERENCES room (id) ON DELETE CASCADE,
  is_locked {BOOL} NOT NULL DEFAULT FALSE,
  room_mode TEXT NOT NULL DEFAULT 'normal',
  recording_type TEXT NOT NULL DEFAULT 'cloud',
  recording_trigger TEXT NOT NULL DEFAULT 'automatic-2nd-participant',
  num_clients INTEGER NOT NULL DEFAULT 0,
  is_active {BOOL} NOT NULL DEFAULT TRUE,
  calendar_event_id TEXT REFERENCES calendar_event (id) ON DELETE SET NULL,
  calendar_metadata {JSON}
))sql"),
      // Serves "meetings of a room" and "active meetings of a room ordered by end_date".
      Both("CREATE INDEX idx_meeting_room_id_end_date ON meeting (room_id, end_date)"),
      Both("CREATE INDEX idx_meeting_calendar_event_id ON meeting (calendar_event_id)"),
      Both(R"sql(
CREATE TABLE meeting_consent (
  id TEXT PRIMARY KEY,
  meeting_id TEXT NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
  user_id TEXT,
  consent_given {BOOL} NOT NULL,
  consent_timestamp {TIMESTAMP} NOT NULL
))sql"),
      Both("CREATE INDEX idx_meeting_consent_meeting_id ON meeting_consent (meeting_id)"),
      // One row per authenticated user and meeting, so the consent upsert can be a single
      // INSERT ... ON CONFLICT (the reference's read-then-write races). Anonymous rows
      // (user_id NULL) are not constrained.
      Both("CREATE UNIQUE INDEX idx_meeting_consent_meeting_user ON meeting_consent "
           "(meeting_id, user_id) WHERE user_id IS NOT NULL"),
      Both(R"sql(
CREATE TABLE recording (
  id TEXT PRIMARY KEY,
  bucket_name TEXT NOT NULL,
  object_key TEXT NOT NULL,
  recorded_at {TIMESTAMP} NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  meeting_id TEXT
))sql"),
      Both("CREATE INDEX idx_recording_meeting_id ON recording (meeting_id)"),
      Both(R"sql(
CREATE TABLE transcript (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'idle',
  locked {BOOL} NOT NULL DEFAULT FALSE,
  duration {REAL} NOT NULL DEFAULT 0,
  created_at {TIMESTAMP} NOT NULL,
  title TEXT,
  short_summary TEXT,
  long_summary TEXT,
  action_items {JSON},
  topics {JSON},
  events {JSON},
  participants {JSON},
  source_language TEXT,
  target_language TEXT,
  reviewed {BOOL} NOT NULL DEFAULT FALSE,
  audio_location TEXT NOT NULL DEFAULT 'local',
  user_id TEXT,
  share_mode TEXT NOT NULL DEFAULT 'private',
  meeting_id TEXT,
  recording_id TEXT,
  zulip_message_id {BIGINT},
  source_kind TEXT NOT NULL DEFAULT 'file',
  audio_deleted {BOOL},
  room_id TEXT,
  webvtt TEXT,
  workflow_run_id TEXT,
  change_seq {BIGINT} NOT NULL DEFAULT 0
))sql"),
      Both("CREATE INDEX idx_transcript_user_id ON transcript (user_id)"),
      Both("CREATE INDEX idx_transcript_meeting_id ON transcript (meeting_id)"),
      Both("CREATE INDEX idx_transcript_room_id ON transcript (room_id)"),
      Both("CREATE INDEX idx_transcript_created_at ON transcript (created_at)"),
      // One transcript per recording (NULLs are distinct on both engines).
      Both("CREATE UNIQUE INDEX idx_transcript_recording_id ON transcript (recording_id)"),
  };
  m.down = {
      Both("DROP TABLE transcript"),      Both("DROP TABLE recording"),
      Both("DROP TABLE meeting_consent"), Both("DROP TABLE meeting"),
      Both("DROP TABLE calendar_event"),  Both("DROP TABLE room"),
      Both("DROP TABLE api_key"),         Both("DROP TABLE app_user"),
  };
  return m;
}

// Contract §3.3: rows from before the platform column read as 'whereby' with no data migration —
// the column default supplies the value for existing rows on both engines.
Migration Platform() {
  Migration m;
  m.version = 2;
  m.name = "platform";
  m.up = {
      Both("ALTER TABLE room ADD COLUMN platform TEXT NOT NULL DEFAULT 'whereby'"),
      Both("ALTER TABLE room ADD COLUMN skip_consent {BOOL} NOT NULL DEFAULT FALSE"),
      Both("ALTER TABLE meeting ADD COLUMN platform TEXT NOT NULL DEFAULT 'whereby'"),
      Both("ALTER TABLE meeting ADD COLUMN daily_composed_video_s3_key TEXT"),
      Both("ALTER TABLE meeting ADD COLUMN daily_composed_video_duration INTEGER"),
      // NULL = single-file recording; [] = multitrack without audio; else the audio track keys.
      Both("ALTER TABLE recording ADD COLUMN track_keys {JSON}"),
  };
  m.down = {
      Both("ALTER TABLE recording DROP COLUMN track_keys"),
      Both("ALTER TABLE meeting DROP COLUMN daily_composed_video_duration"),
      Both("ALTER TABLE meeting DROP COLUMN daily_composed_video_s3_key"),
      Both("ALTER TABLE meeting DROP COLUMN platform"),
      Both("ALTER TABLE room DROP COLUMN skip_consent"),
      Both("ALTER TABLE room DROP COLUMN platform"),
  };
  return m;
}

Migration ProviderTracking() {
  Migration m;
  m.version = 3;
  m.name = "provider_tracking";
  m.up = {
      // Daily room id / Whereby meetingId (the provider room name is meeting.room_name).
      Both("ALTER TABLE meeting ADD COLUMN provider_meeting_id TEXT"),
      // createdAt of the Whereby event that last set num_clients (newest event wins).
      Both("ALTER TABLE meeting ADD COLUMN num_clients_updated_at {TIMESTAMP}"),
      Both("CREATE INDEX idx_meeting_provider_meeting_id ON meeting (provider_meeting_id)"),
      Both("CREATE INDEX idx_meeting_room_name ON meeting (room_name)"),
      // One row per participant session, for both providers. session_key: Daily session_id or
      // Whereby participantId. A `left` that arrives before its `joined` creates a row with
      // joined_at NULL and left_at set; the late `joined` fills joined_at but never reopens it.
      Both(R"sql(
CREATE TABLE participant_session (
  id TEXT PRIMARY KEY,
  meeting_id TEXT NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
  room_id TEXT,
  provider TEXT NOT NULL,
  session_key TEXT NOT NULL,
  user_id TEXT,
  user_name TEXT NOT NULL DEFAULT '',
  joined_at {TIMESTAMP},
  left_at {TIMESTAMP},
  UNIQUE (meeting_id, session_key)
))sql"),
      Both("CREATE INDEX idx_participant_session_meeting_left ON participant_session "
           "(meeting_id, left_at)"),
      Both("CREATE INDEX idx_participant_session_room_id ON participant_session (room_id)"),
      // left_at, once set, never changes (other columns may). Unlike the reference, an update
      // that writes the same left_at again (an idempotent upsert) is allowed.
      Only(kPostgres, R"sql(
CREATE FUNCTION participant_session_left_at_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.left_at IS NOT NULL AND NEW.left_at IS DISTINCT FROM OLD.left_at THEN
    RAISE EXCEPTION 'left_at is immutable once set' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$)sql"),
      Only(kPostgres, R"sql(
CREATE TRIGGER participant_session_left_at_immutable
BEFORE UPDATE OF left_at ON participant_session
FOR EACH ROW EXECUTE FUNCTION participant_session_left_at_immutable())sql"),
      Only(kSqlite, R"sql(
CREATE TRIGGER participant_session_left_at_immutable
BEFORE UPDATE OF left_at ON participant_session
FOR EACH ROW WHEN OLD.left_at IS NOT NULL AND NEW.left_at IS NOT OLD.left_at
BEGIN
  SELECT RAISE(ABORT, 'left_at is immutable once set');
END)sql"),
      Both(R"sql(
CREATE TABLE meeting_session (
  id TEXT PRIMARY KEY,
  meeting_id TEXT NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
  provider_session_id TEXT NOT NULL,
  started_at {TIMESTAMP},
  ended_at {TIMESTAMP},
  UNIQUE (meeting_id, provider_session_id)
))sql"),
      Both("ALTER TABLE recording ADD COLUMN provider_recording_id TEXT"),
      Both("CREATE UNIQUE INDEX idx_recording_provider_recording_id ON recording "
           "(provider_recording_id)"),
      // 'cloud' | 'raw-tracks' | ... (NULL for recordings from before this column).
      Both("ALTER TABLE recording ADD COLUMN type TEXT"),
      Both("ALTER TABLE recording ADD COLUMN error TEXT"),
      // Seconds.
      Both("ALTER TABLE recording ADD COLUMN duration {REAL}"),
  };
  m.down = {
      Both("ALTER TABLE recording DROP COLUMN duration"),
      Both("ALTER TABLE recording DROP COLUMN error"),
      Both("ALTER TABLE recording DROP COLUMN type"),
      Both("DROP INDEX idx_recording_provider_recording_id"),
      Both("ALTER TABLE recording DROP COLUMN provider_recording_id"),
      Both("DROP TABLE meeting_session"),
      Both("DROP TABLE participant_session"),  // drops its trigger too
      Only(kPostgres, "DROP FUNCTION participant_session_left_at_immutable()"),
      Both("DROP INDEX idx_meeting_room_name"),
      Both("DROP INDEX idx_meeting_provider_meeting_id"),
      Both("ALTER TABLE meeting DROP COLUMN num_clients_updated_at"),
      Both("ALTER TABLE meeting DROP COLUMN provider_meeting_id"),
  };
  return m;
}

// Contract §5 (each webhook event once) and §6 (durable jobs).
Migration WebhookEventsAndJobs() {
  Migration m;
  m.version = 4;
  m.name = "webhook_events_and_jobs";
  m.up = {
      Both(R"sql(
CREATE TABLE webhook_event (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  received_at {TIMESTAMP} NOT NULL,
  UNIQUE (provider, event_id)
))sql"),
      Both(R"sql(
CREATE TABLE job (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  payload {JSON} NOT NULL,
  dedup_key TEXT,
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead')),
  priority INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 5,
  run_at {TIMESTAMP} NOT NULL,
  locked_by TEXT,
  lease_until {TIMESTAMP},
  last_error TEXT,
  created_at {TIMESTAMP} NOT NULL,
  updated_at {TIMESTAMP} NOT NULL,
  finished_at {TIMESTAMP}
))sql"),
      Both("CREATE INDEX idx_job_status_run_at ON job (status, run_at, priority)"),
      // Coalescing: at most one queued job per dedup key
      // (INSERT ... ON CONFLICT (dedup_key) WHERE status = 'queued' DO NOTHING).
      Both("CREATE UNIQUE INDEX idx_job_dedup_queued ON job (dedup_key) WHERE status = 'queued'"),
      // Finding running jobs whose lease expired.
      Both("CREATE INDEX idx_job_running_lease ON job (lease_until) WHERE status = 'running'"),
  };
  m.down = {
      Both("DROP TABLE job"),
      Both("DROP TABLE webhook_event"),
  };
  return m;
}

// Contract §7.1–§7.2, §7.6: recordings become audio on our storage and transcripts.
Migration RecordingPipeline() {
  Migration m;
  m.version = 5;
  m.name = "recording_pipeline";
  m.up = {
      // Where the recording came from: whereby | daily | mock | upload.
      Both("ALTER TABLE recording ADD COLUMN platform TEXT"),
      Both("ALTER TABLE recording ADD COLUMN created_at {TIMESTAMP}"),
      // Audio tracks processed (1 for a single file, N for raw tracks; 0 until known).
      Both("ALTER TABLE recording ADD COLUMN tracks INTEGER NOT NULL DEFAULT 0"),
      // When processing was queued: set once, so a recording is processed once per id whichever
      // path (webhook, poll, SQS) reports it first.
      Both("ALTER TABLE recording ADD COLUMN queued_at {TIMESTAMP}"),
      // The last pipeline stage that finished (a restarted job resumes after it).
      Both("ALTER TABLE recording ADD COLUMN stage TEXT"),
      Both("ALTER TABLE transcript ADD COLUMN error TEXT"),
      // Storage key of the mixed MP3 (contract §7.3) and the waveform peaks (JSON array 0..1).
      Both("ALTER TABLE transcript ADD COLUMN audio_key TEXT"),
      Both("ALTER TABLE transcript ADD COLUMN waveform {JSON}"),
      // Recognised words [{text,start,end,speaker}] (seconds, meeting time).
      Both("ALTER TABLE transcript ADD COLUMN words {JSON}"),
      // Chunked uploads (contract §7.1 item 1): the next chunk number expected.
      Both("ALTER TABLE transcript ADD COLUMN upload_next_chunk INTEGER NOT NULL DEFAULT 0"),
  };
  m.down = {
      Both("ALTER TABLE transcript DROP COLUMN upload_next_chunk"),
      Both("ALTER TABLE transcript DROP COLUMN words"),
      Both("ALTER TABLE transcript DROP COLUMN waveform"),
      Both("ALTER TABLE transcript DROP COLUMN audio_key"),
      Both("ALTER TABLE transcript DROP COLUMN error"),
      Both("ALTER TABLE recording DROP COLUMN stage"),
      Both("ALTER TABLE recording DROP COLUMN queued_at"),
      Both("ALTER TABLE recording DROP COLUMN tracks"),
      Both("ALTER TABLE recording DROP COLUMN created_at"),
      Both("ALTER TABLE recording DROP COLUMN platform"),
  };
  return m;
}

// --- migration 6: transcript search (contract §8, reference §4.7 and §5.5) ---
// Every writer of `transcript` is covered by the database itself, not by the repository:
//  - change_seq: a new, strictly increasing number on every INSERT and UPDATE (PostgreSQL: the
//    sequence transcript_change_seq from a BEFORE trigger; SQLite: a one-row counter bumped by
//    AFTER triggers, since SQLite triggers cannot assign NEW).
//  - the full-text index over title (A), long_summary (B) and the caption text of webvtt (C):
//    PostgreSQL a generated tsvector column `search_vector_en` with a GIN index; SQLite a
//    contentless FTS5 table `transcript_fts` kept in step by triggers (its rowid is the docid of
//    `transcript_search_doc`, not transcript's implicit rowid, which VACUUM may renumber).
// The caption text is computed in SQL on both engines, with the same rule as
// store::WebVttPlainText (transcript_search.hpp): the lines of a cue after its timing line,
// without a leading <v Name> tag, `</v>`, and with &lt; &gt; &nbsp; &amp; decoded, joined by
// spaces. SQLite has no regular expressions or string split, so its lines come from json_each
// over the text turned into a JSON array (backslashes are replaced by spaces first, so every
// `\n` left in json_quote's output is a line break).

// The SQLite expression of the caption text of `column` (e.g. NEW.webvtt).
std::string SqliteWebVttText(const std::string& column) {
  return R"sql((SELECT COALESCE(group_concat(txt, ' '), '') FROM (
  SELECT key, value, trim(replace(replace(replace(replace(replace(
      CASE WHEN substr(value, 1, 2) = '<v' AND instr(value, '>') > 0
        THEN substr(value, instr(value, '>') + 1) ELSE value END,
      '</v>', ''), '&lt;', '<'), '&gt;', '>'), '&nbsp;', ' '), '&amp;', '&')) AS txt,
    max(CASE WHEN instr(value, '-->') > 0 THEN key END) OVER w AS last_timing,
    max(CASE WHEN trim(value) = '' THEN key END) OVER w AS last_blank
  FROM json_each('[' || replace(json_quote(replace(replace(COALESCE()sql" +
         column + R"sql(, ''), '\', ' '), char(13), '')), '\n', '","') || ']')
  WINDOW w AS (ORDER BY key ROWS UNBOUNDED PRECEDING)
  ORDER BY key)
 WHERE instr(value, '-->') = 0 AND txt <> '' AND last_timing IS NOT NULL
   AND (last_blank IS NULL OR last_timing > last_blank)))sql";
}

std::string SqliteFtsValues(const std::string& row) {
  return "(SELECT docid FROM transcript_search_doc WHERE transcript_id = " + row +
         ".id), COALESCE(" + row + ".title, ''), COALESCE(" + row + ".long_summary, ''), " +
         SqliteWebVttText(row + ".webvtt");
}

// The trigger that indexes a new transcript: a transcript_search_doc row of `doc_columns`
// (values `doc_values`), then its FTS5 row.
std::string SqliteFtsInsertTrigger(const std::string& doc_columns, const std::string& doc_values) {
  return R"sql(
CREATE TRIGGER transcript_fts_insert AFTER INSERT ON transcript
BEGIN
  INSERT INTO transcript_search_doc ()sql" +
         doc_columns + ") VALUES (" + doc_values + R"sql();
  INSERT INTO transcript_fts (rowid, title, long_summary, webvtt_text) VALUES ()sql" +
         SqliteFtsValues("NEW") + R"sql();
END)sql";
}

// The search vector of migration 6 (title A, long_summary B, caption text C), over columns (or
// a function's parameters) of those names; migration 12 computes it in a trigger instead.
constexpr std::string_view kPostgresSearchVector =
    R"sql(setweight(to_tsvector('english', COALESCE(title, '')), 'A') ||
  setweight(to_tsvector('english', COALESCE(long_summary, '')), 'B') ||
  setweight(to_tsvector('english', reflector_webvtt_text(webvtt)), 'C'))sql";
constexpr std::string_view kPostgresSearchVectorIndex =
    "CREATE INDEX idx_transcript_search_vector_en ON transcript USING GIN (search_vector_en)";

std::string PostgresSearchVectorColumn() {
  return "ALTER TABLE transcript ADD COLUMN search_vector_en tsvector GENERATED ALWAYS AS (" +
         std::string(kPostgresSearchVector) + ") STORED";
}

Migration TranscriptSearch() {
  Migration m;
  m.version = 6;
  m.name = "transcript_search";
  m.up = {
      // --- PostgreSQL ---
      Only(kPostgres, "CREATE SEQUENCE transcript_change_seq"),
      Only(kPostgres, R"sql(
UPDATE transcript SET change_seq = s.seq FROM (
  SELECT id, nextval('transcript_change_seq') AS seq FROM (
    SELECT id FROM transcript ORDER BY change_seq, created_at, id) o) s
WHERE transcript.id = s.id)sql"),
      Only(kPostgres, R"sql(
CREATE FUNCTION transcript_next_change_seq() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_seq := nextval('transcript_change_seq');
  RETURN NEW;
END
$$)sql"),
      Only(kPostgres, R"sql(
CREATE TRIGGER transcript_change_seq BEFORE INSERT OR UPDATE ON transcript
FOR EACH ROW EXECUTE FUNCTION transcript_next_change_seq())sql"),
      Only(kPostgres, R"sql(
CREATE FUNCTION reflector_webvtt_text(vtt TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT COALESCE(string_agg(txt, ' ' ORDER BY n), '') FROM (
  SELECT n, line, btrim(replace(replace(replace(replace(replace(
      CASE WHEN left(line, 2) = '<v' AND strpos(line, '>') > 0
        THEN substr(line, strpos(line, '>') + 1) ELSE line END,
      '</v>', ''), '&lt;', '<'), '&gt;', '>'), '&nbsp;', ' '), '&amp;', '&'), ' ') AS txt,
    max(CASE WHEN strpos(line, '-->') > 0 THEN n END) OVER w AS last_timing,
    max(CASE WHEN btrim(line, ' ') = '' THEN n END) OVER w AS last_blank
  FROM regexp_split_to_table(replace(COALESCE(vtt, ''), E'\r', ''), E'\n')
    WITH ORDINALITY AS l(line, n)
  WINDOW w AS (ORDER BY n ROWS UNBOUNDED PRECEDING)) s
WHERE strpos(line, '-->') = 0 AND txt <> '' AND last_timing IS NOT NULL
  AND (last_blank IS NULL OR last_timing > last_blank)
$$)sql"),
      Only(kPostgres, PostgresSearchVectorColumn()),
      Only(kPostgres, std::string(kPostgresSearchVectorIndex)),
      // --- SQLite ---
      Only(kSqlite, R"sql(
CREATE TABLE transcript_change_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
))sql"),
      Only(kSqlite, R"sql(
UPDATE transcript SET change_seq = (
  SELECT COUNT(*) FROM transcript o WHERE o.rowid <= transcript.rowid))sql"),
      Only(kSqlite,
           "INSERT INTO transcript_change_counter (id, value) "
           "SELECT 1, COALESCE(MAX(change_seq), 0) FROM transcript"),
      Only(kSqlite, R"sql(
CREATE TRIGGER transcript_change_seq_insert AFTER INSERT ON transcript
BEGIN
  UPDATE transcript_change_counter SET value = value + 1 WHERE id = 1;
  UPDATE transcript SET change_seq = (SELECT value FROM transcript_change_counter WHERE id = 1)
   WHERE rowid = NEW.rowid;
END)sql"),
      // The inner UPDATE changes change_seq, so it does not fire this trigger again.
      Only(kSqlite, R"sql(
CREATE TRIGGER transcript_change_seq_update AFTER UPDATE ON transcript
FOR EACH ROW WHEN NEW.change_seq IS OLD.change_seq
BEGIN
  UPDATE transcript_change_counter SET value = value + 1 WHERE id = 1;
  UPDATE transcript SET change_seq = (SELECT value FROM transcript_change_counter WHERE id = 1)
   WHERE rowid = NEW.rowid;
END)sql"),
      Only(kSqlite, R"sql(
CREATE TABLE transcript_search_doc (
  docid INTEGER PRIMARY KEY,
  transcript_id TEXT NOT NULL UNIQUE
))sql"),
      Only(kSqlite, R"sql(
CREATE VIRTUAL TABLE transcript_fts USING fts5(
  title, long_summary, webvtt_text,
  content = '', tokenize = 'porter unicode61 remove_diacritics 2'
))sql"),
      Only(kSqlite, "INSERT INTO transcript_search_doc (transcript_id) SELECT id FROM transcript"),
      Only(kSqlite, "INSERT INTO transcript_fts (rowid, title, long_summary, webvtt_text) SELECT " +
                        SqliteFtsValues("t") + " FROM transcript t"),
      Only(kSqlite, SqliteFtsInsertTrigger("transcript_id", "NEW.id")),
      // A contentless FTS5 row is deleted by giving its old values again, computed the same way.
      Only(kSqlite, R"sql(
CREATE TRIGGER transcript_fts_update AFTER UPDATE OF id, title, long_summary, webvtt ON transcript
FOR EACH ROW WHEN OLD.id IS NOT NEW.id OR OLD.title IS NOT NEW.title
  OR OLD.long_summary IS NOT NEW.long_summary OR OLD.webvtt IS NOT NEW.webvtt
BEGIN
  INSERT INTO transcript_fts (transcript_fts, rowid, title, long_summary, webvtt_text)
    VALUES ('delete', )sql" +
                        SqliteFtsValues("OLD") + R"sql();
  UPDATE transcript_search_doc SET transcript_id = NEW.id WHERE transcript_id = OLD.id;
  INSERT INTO transcript_fts (rowid, title, long_summary, webvtt_text) VALUES ()sql" +
                        SqliteFtsValues("NEW") + R"sql();
END)sql"),
      Only(kSqlite, R"sql(
CREATE TRIGGER transcript_fts_delete AFTER DELETE ON transcript
BEGIN
  INSERT INTO transcript_fts (transcript_fts, rowid, title, long_summary, webvtt_text)
    VALUES ('delete', )sql" +
                        SqliteFtsValues("OLD") + R"sql();
  DELETE FROM transcript_search_doc WHERE transcript_id = OLD.id;
END)sql"),
  };
  m.down = {
      Only(kSqlite, "DROP TRIGGER transcript_fts_delete"),
      Only(kSqlite, "DROP TRIGGER transcript_fts_update"),
      Only(kSqlite, "DROP TRIGGER transcript_fts_insert"),
      Only(kSqlite, "DROP TABLE transcript_fts"),
      Only(kSqlite, "DROP TABLE transcript_search_doc"),
      Only(kSqlite, "DROP TRIGGER transcript_change_seq_update"),
      Only(kSqlite, "DROP TRIGGER transcript_change_seq_insert"),
      Only(kSqlite, "DROP TABLE transcript_change_counter"),
      Only(kPostgres, "DROP INDEX idx_transcript_search_vector_en"),
      Only(kPostgres, "ALTER TABLE transcript DROP COLUMN search_vector_en"),
      Only(kPostgres, "DROP FUNCTION reflector_webvtt_text(TEXT)"),
      Only(kPostgres, "DROP TRIGGER transcript_change_seq ON transcript"),
      Only(kPostgres, "DROP FUNCTION transcript_next_change_seq()"),
      Only(kPostgres, "DROP SEQUENCE transcript_change_seq"),
  };
  return m;
}

// Contract §8 (calendar): what the last ICS sync of a room left (its error shown by ics/status
// while the stored events stay), the HTTP validator, and one pre-created meeting per calendar
// event whichever process creates it.
Migration CalendarSync() {
  Migration m;
  m.version = 7;
  m.name = "calendar_sync";
  m.up = {
      Both(R"sql(
CREATE TABLE calendar_sync_state (
  room_id TEXT PRIMARY KEY REFERENCES room (id) ON DELETE CASCADE,
  last_status TEXT NOT NULL,
  last_error TEXT,
  last_attempt_at {TIMESTAMP},
  http_etag TEXT,
  content_hash TEXT,
  body TEXT
))sql"),
      Both("CREATE UNIQUE INDEX idx_meeting_calendar_event_once ON meeting (calendar_event_id) "
           "WHERE calendar_event_id IS NOT NULL"),
  };
  m.down = {
      Both("DROP INDEX idx_meeting_calendar_event_once"),
      Both("DROP TABLE calendar_sync_state"),
  };
  return m;
}
// --- end migration 6 ---

// Migration 8 (issue 12): the log of outgoing room webhook attempts (contract §7.7), read by the
// room's owner at GET /v1/rooms/{room_id}/webhook/deliveries (roomhooks/deliveries.hpp).
Migration RoomWebhookDeliveries() {
  Migration m;
  m.version = 8;
  m.name = "room_webhook_deliveries";
  m.up = {
      Both(R"sql(
CREATE TABLE room_webhook_delivery (
  id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES room (id) ON DELETE CASCADE,
  transcript_id TEXT,
  event TEXT NOT NULL,
  event_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  outcome TEXT NOT NULL,
  created_at {TIMESTAMP} NOT NULL
))sql"),
      Both("CREATE INDEX idx_room_webhook_delivery_room ON room_webhook_delivery "
           "(room_id, created_at)"),
  };
  m.down = {
      Both("DROP INDEX idx_room_webhook_delivery_room"),
      Both("DROP TABLE room_webhook_delivery"),
  };
  return m;
}

// Migration 9 (issue 12, search latency): on SQLite a transcript row holds its WebVTT and words
// inline (tens of KB in overflow pages), so joining 10 000 search matches to `transcript` for
// their sort and filter keys read 40 MB of pages (20 ms); this index holds exactly those keys
// (store/transcript_search.cpp names it with INDEXED BY). PostgreSQL keeps long values out of
// line (TOAST): its rows are narrow already.
Migration TranscriptSearchKeys() {
  Migration m;
  m.version = 9;
  m.name = "transcript_search_keys";
  m.up = {
      Only(kSqlite,
           "CREATE INDEX idx_transcript_search_keys ON transcript "
           "(id, created_at, user_id, room_id, source_kind)"),
  };
  m.down = {
      Only(kSqlite, "DROP INDEX idx_transcript_search_keys"),
  };
  return m;
}

// Migration 10 (issue 12), SQLite only: a search's candidates are chosen and counted from FTS5
// and transcript_search_doc alone. The doc row carries the transcript's sort and filter keys
// (created_at, user_id, room_id, source_kind), kept in step by triggers, so a word found in
// every one of 10 000 transcripts no longer looks each match up in transcript's index by its
// text id (about 0.6 µs a match, twice: page and count). The covering index of migration 9
// stays: the listing without a query sorts on it.
constexpr std::string_view kSearchDocKeys = "created_at, user_id, room_id, source_kind";

Migration TranscriptSearchDocKeys() {
  Migration m;
  m.version = 10;
  m.name = "transcript_search_doc_keys";
  m.up = {
      Only(kSqlite, "ALTER TABLE transcript_search_doc ADD COLUMN created_at {TIMESTAMP}"),
      Only(kSqlite, "ALTER TABLE transcript_search_doc ADD COLUMN user_id TEXT"),
      Only(kSqlite, "ALTER TABLE transcript_search_doc ADD COLUMN room_id TEXT"),
      Only(kSqlite, "ALTER TABLE transcript_search_doc ADD COLUMN source_kind TEXT"),
      Only(kSqlite, R"sql(
UPDATE transcript_search_doc SET (created_at, user_id, room_id, source_kind) = (
  SELECT t.created_at, t.user_id, t.room_id, t.source_kind FROM transcript t
   WHERE t.id = transcript_search_doc.transcript_id))sql"),
      Only(kSqlite, "DROP TRIGGER transcript_fts_insert"),
      Only(kSqlite, SqliteFtsInsertTrigger("transcript_id, " + std::string(kSearchDocKeys),
                                           "NEW.id, NEW.created_at, NEW.user_id, NEW.room_id, "
                                           "NEW.source_kind")),
      // OLD.id too: when id changes as well, transcript_fts_update may not have run yet.
      Only(kSqlite, R"sql(
CREATE TRIGGER transcript_search_doc_keys
AFTER UPDATE OF id, created_at, user_id, room_id, source_kind ON transcript
FOR EACH ROW WHEN OLD.created_at IS NOT NEW.created_at OR OLD.user_id IS NOT NEW.user_id
  OR OLD.room_id IS NOT NEW.room_id OR OLD.source_kind IS NOT NEW.source_kind
  OR OLD.id IS NOT NEW.id
BEGIN
  UPDATE transcript_search_doc SET created_at = NEW.created_at, user_id = NEW.user_id,
    room_id = NEW.room_id, source_kind = NEW.source_kind
   WHERE transcript_id IN (OLD.id, NEW.id);
END)sql"),
  };
  m.down = {
      Only(kSqlite, "DROP TRIGGER transcript_search_doc_keys"),
      Only(kSqlite, "DROP TRIGGER transcript_fts_insert"),
      Only(kSqlite, SqliteFtsInsertTrigger("transcript_id", "NEW.id")),
      Only(kSqlite, "ALTER TABLE transcript_search_doc DROP COLUMN source_kind"),
      Only(kSqlite, "ALTER TABLE transcript_search_doc DROP COLUMN room_id"),
      Only(kSqlite, "ALTER TABLE transcript_search_doc DROP COLUMN user_id"),
      Only(kSqlite, "ALTER TABLE transcript_search_doc DROP COLUMN created_at"),
  };
  return m;
}

// Migration 11 (issue 12), SQLite only: the FTS5 index is rebuilt with the tokenizer
// reflector_word_pairs (store/sqlite_rank.hpp), which adds each pair of adjacent words as a
// term, so that a phrase is looked up instead of being checked position by position in every
// row holding its words (75 ms for a phrase of the two most frequent words of 10 000
// transcripts). Every transcript is indexed again, from its columns, as migration 6 did.
std::string SqliteFtsTable(const std::string& tokenizer) {
  return R"sql(
CREATE VIRTUAL TABLE transcript_fts USING fts5(
  title, long_summary, webvtt_text,
  content = '', tokenize = ')sql" +
         tokenizer + R"sql('
))sql";
}

constexpr std::string_view kSqliteTokenizer = "porter unicode61 remove_diacritics 2";

// A migration (SQLite only) that rebuilds transcript_fts with tokenizer `up` (down: `down`) and
// indexes every transcript again from its columns, as migration 6 did.
Migration SqliteReindex(int version, std::string name, const std::string& up,
                        const std::string& down) {
  Migration m;
  m.version = version;
  m.name = std::move(name);
  const std::string reindex =
      "INSERT INTO transcript_fts (rowid, title, long_summary, webvtt_text) SELECT " +
      SqliteFtsValues("t") + " FROM transcript t";
  for (auto [steps, tokenizer] : {std::pair{&m.up, &up}, std::pair{&m.down, &down}}) {
    *steps = {
        Only(kSqlite, "DROP TABLE transcript_fts"),
        Only(kSqlite, SqliteFtsTable(*tokenizer)),
        Only(kSqlite, reindex),
    };
  }
  return m;
}

Migration TranscriptSearchWordPairs() {
  return SqliteReindex(11, "transcript_search_word_pairs",
                       "reflector_word_pairs " + std::string(kSqliteTokenizer),
                       std::string(kSqliteTokenizer));
}

// `sql` with the marker lexeme (store::kPairsMissingLexeme, which PostgresTermsQuery writes
// into queries) as SQL literals: {MISSING} the lexeme, {MISSING_QUERY} the tsquery of it.
std::string WithPairsMissing(std::string sql) {
  const std::string lexeme(kPairsMissingLexeme);
  Replace(sql, "{MISSING_QUERY}", "'''" + lexeme + "'''");
  Replace(sql, "{MISSING}", "'" + lexeme + "'");
  return sql;
}

// Migration 12 (issue 12), PostgreSQL only: phrases and words are looked up in a GIN index over
// `search_terms_en`, the search vector without positions or weights (strip) plus a lexeme
// "a b" for every two lexemes at adjacent positions — the same data PostgreSQL checks a phrase
// against, so 'a' <-> 'b' matches a row exactly when the row's terms hold "a b". A phrase was
// checked position by position in every row holding its words (each row's whole vector read
// from TOAST: 170 ms for the two most frequent words of 10 000 transcripts); a two-word phrase
// is now one index term, a longer one narrows the candidates to rows holding all its pairs
// (store/transcript_search.cpp, PostgresTermsQuery). A transcript whose pairs would make the
// column too large (900 000 bytes of lexemes; a tsvector holds at most 1 MiB) keeps its words
// and the marker lexeme "reflector pairs missing" (never a lexeme or a pair: two spaces) with
// search_pairs_missing set, and phrases are checked on its vector.
// search_vector_en stops being a generated column: a trigger computes the vector and the terms
// together, only when title, long_summary or webvtt change (a generated column was recomputed
// on every UPDATE, e.g. each status change). The GIN index over search_vector_en goes: every
// query's candidates come from the terms index; the vector is read for rank and checks only.
Migration TranscriptSearchTerms() {
  Migration m;
  m.version = 12;
  m.name = "transcript_search_terms";
  m.up = {
      Only(kPostgres,
           "CREATE FUNCTION reflector_search_vector(title TEXT, long_summary TEXT, webvtt TEXT) "
           "RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT " +
               std::string(kPostgresSearchVector) + " $$"),
      Only(kPostgres, WithPairsMissing(R"sql(
CREATE FUNCTION reflector_search_terms(v tsvector) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  pairs TEXT[];
  bytes BIGINT;
BEGIN
  -- array_to_tsvector drops repeated pairs; `bytes` counts them until it matters.
  WITH w AS MATERIALIZED (SELECT u.lexeme, p FROM unnest(v) u, unnest(u.positions) p)
  SELECT array_agg(a.lexeme || ' ' || b.lexeme),
         sum(octet_length(a.lexeme) + octet_length(b.lexeme) + 1)
    INTO pairs, bytes
    FROM w a JOIN w b ON b.p = a.p + 1
   WHERE octet_length(a.lexeme) + octet_length(b.lexeme) < 2000;
  IF bytes > 900000 THEN
    SELECT sum(octet_length(x)) INTO bytes FROM (SELECT DISTINCT unnest(pairs) AS x) d;
  END IF;
  SELECT COALESCE(bytes, 0) + COALESCE(sum(octet_length(lexeme)), 0) INTO bytes FROM unnest(v);
  -- array_to_tsvector does not check tsvector's 1 MiB of lexemes: stay well below it.
  IF bytes > 900000 THEN
    RETURN strip(v) || array_to_tsvector(ARRAY[{MISSING}]);
  END IF;
  RETURN strip(v) || array_to_tsvector(COALESCE(pairs, ARRAY[]::TEXT[]));
END
$$)sql")),
      Only(kPostgres, "ALTER TABLE transcript ALTER COLUMN search_vector_en DROP EXPRESSION"),
      Only(kPostgres, "ALTER TABLE transcript ADD COLUMN search_terms_en tsvector"),
      Only(kPostgres,
           "ALTER TABLE transcript ADD COLUMN search_pairs_missing BOOLEAN NOT NULL DEFAULT FALSE"),
      // Existing rows keep their change_seq: only their index changes.
      Only(kPostgres, "ALTER TABLE transcript DISABLE TRIGGER transcript_change_seq"),
      Only(kPostgres, R"sql(
UPDATE transcript SET search_terms_en = reflector_search_terms(search_vector_en))sql"),
      Only(kPostgres, WithPairsMissing(R"sql(
UPDATE transcript SET search_pairs_missing = TRUE
 WHERE search_terms_en @@ CAST({MISSING_QUERY} AS tsquery))sql")),
      Only(kPostgres, "ALTER TABLE transcript ENABLE TRIGGER transcript_change_seq"),
      Only(kPostgres, WithPairsMissing(R"sql(
CREATE FUNCTION transcript_search_index() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.title IS DISTINCT FROM OLD.title
     OR NEW.long_summary IS DISTINCT FROM OLD.long_summary
     OR NEW.webvtt IS DISTINCT FROM OLD.webvtt THEN
    NEW.search_vector_en := reflector_search_vector(NEW.title, NEW.long_summary, NEW.webvtt);
    NEW.search_terms_en := reflector_search_terms(NEW.search_vector_en);
    NEW.search_pairs_missing :=
      NEW.search_terms_en @@ CAST({MISSING_QUERY} AS tsquery);
  ELSE
    NEW.search_vector_en := OLD.search_vector_en;
    NEW.search_terms_en := OLD.search_terms_en;
    NEW.search_pairs_missing := OLD.search_pairs_missing;
  END IF;
  RETURN NEW;
END
$$)sql")),
      Only(kPostgres, R"sql(
CREATE TRIGGER transcript_search_index BEFORE INSERT OR UPDATE ON transcript
FOR EACH ROW EXECUTE FUNCTION transcript_search_index())sql"),
      // Without a pending list (fastupdate): every search read all of it, up to 4 MB (1.5 ms
      // for a rare word, 500 pages against 5); writing a transcript's terms straight into the
      // tree measured no slower (80 against 108 ms for 5 000 words, the list's flushes included).
      Only(kPostgres,
           "CREATE INDEX idx_transcript_search_terms_en ON transcript USING GIN (search_terms_en) "
           "WITH (fastupdate = off)"),
      Only(kPostgres, "DROP INDEX idx_transcript_search_vector_en"),
  };
  m.down = {
      Only(kPostgres, "DROP TRIGGER transcript_search_index ON transcript"),
      Only(kPostgres, "DROP FUNCTION transcript_search_index()"),
      Only(kPostgres, "DROP INDEX idx_transcript_search_terms_en"),
      Only(kPostgres, "ALTER TABLE transcript DROP COLUMN search_pairs_missing"),
      Only(kPostgres, "ALTER TABLE transcript DROP COLUMN search_terms_en"),
      Only(kPostgres, "ALTER TABLE transcript DROP COLUMN search_vector_en"),
      Only(kPostgres, PostgresSearchVectorColumn()),
      Only(kPostgres, std::string(kPostgresSearchVectorIndex)),
      Only(kPostgres, "DROP FUNCTION reflector_search_terms(tsvector)"),
      Only(kPostgres, "DROP FUNCTION reflector_search_vector(TEXT, TEXT, TEXT)"),
  };
  return m;
}

// Migration 13 (issue 12), PostgreSQL only: each transcript's search vector is also split by
// lexeme into up to 32 rows of `transcript_search_part` (about 1 KB each for
// a 5 000-word transcript, stored inline); a lexeme's part is the first byte of its MD5 modulo
// the count. Ranking the window (transcript_search.cpp) reads only the parts holding the query's
// lexemes, where ts_rank read each whole vector from TOAST (31 KB, 16 chunks: ~12 µs a
// transcript, 6 ms for the 500 newest). ts_rank for alternatives (calc_rank_or, which the window
// uses) looks only at the query's own lexemes, and normalization 32 does not depend on the
// document's length: the sum s of the parts' unnormalised ranks gives the same rank, s / (s + 1).
// An AFTER trigger keeps the parts in step when title, long_summary or webvtt change (migration
// 12's BEFORE trigger computes the vector); they go with their transcript (ON DELETE CASCADE).
Migration TranscriptSearchParts() {
  Migration m;
  m.version = 13;
  m.name = "transcript_search_parts";
  m.up = {
      Only(kPostgres,
           "CREATE FUNCTION reflector_lexeme_part(lexeme TEXT) RETURNS SMALLINT"
           " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS"
           " $$ SELECT CAST(get_byte(decode(md5(lexeme), 'hex'), 0) % 32 AS SMALLINT) $$"),
      Only(kPostgres, R"sql(
CREATE FUNCTION reflector_search_parts(v tsvector) RETURNS TABLE (part SMALLINT, vector tsvector)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH l AS MATERIALIZED (
    SELECT u.lexeme, reflector_lexeme_part(u.lexeme) AS part FROM unnest(v) u)
  SELECT p.part, ts_delete(v, ARRAY(SELECT l.lexeme FROM l WHERE l.part <> p.part))
    FROM (SELECT DISTINCT l.part FROM l) p
$$)sql"),
      // The parts of a query's lexemes, read from its text form ('lexeme', ' and \ doubled).
      Only(kPostgres, R"sql(
CREATE FUNCTION reflector_query_parts(q tsquery) RETURNS SMALLINT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY(
    SELECT DISTINCT reflector_lexeme_part(replace(replace(m[1], '''''', ''''), '\\', '\'))
      FROM regexp_matches(CAST(q AS TEXT), '''((?:[^'']|'''')*)''', 'g') m)
$$)sql"),
      Only(kPostgres, R"sql(
CREATE TABLE transcript_search_part (
  transcript_id TEXT NOT NULL REFERENCES transcript(id) ON DELETE CASCADE,
  part SMALLINT NOT NULL,
  vector tsvector NOT NULL,
  PRIMARY KEY (transcript_id, part)
))sql"),
      Only(kPostgres, R"sql(
INSERT INTO transcript_search_part (transcript_id, part, vector)
SELECT t.id, p.part, p.vector
  FROM transcript t CROSS JOIN LATERAL reflector_search_parts(t.search_vector_en) p)sql"),
      Only(kPostgres, R"sql(
CREATE FUNCTION transcript_search_parts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id
     AND NEW.title IS NOT DISTINCT FROM OLD.title
     AND NEW.long_summary IS NOT DISTINCT FROM OLD.long_summary
     AND NEW.webvtt IS NOT DISTINCT FROM OLD.webvtt THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM transcript_search_part WHERE transcript_id = OLD.id;
  END IF;
  INSERT INTO transcript_search_part (transcript_id, part, vector)
  SELECT NEW.id, p.part, p.vector FROM reflector_search_parts(NEW.search_vector_en) p;
  RETURN NULL;
END
$$)sql"),
      Only(kPostgres, R"sql(
CREATE TRIGGER transcript_search_parts AFTER INSERT OR UPDATE ON transcript
FOR EACH ROW EXECUTE FUNCTION transcript_search_parts())sql"),
  };
  m.down = {
      Only(kPostgres, "DROP TRIGGER transcript_search_parts ON transcript"),
      Only(kPostgres, "DROP FUNCTION transcript_search_parts()"),
      Only(kPostgres, "DROP TABLE transcript_search_part"),
      Only(kPostgres, "DROP FUNCTION reflector_query_parts(tsquery)"),
      Only(kPostgres, "DROP FUNCTION reflector_search_parts(tsvector)"),
      Only(kPostgres, "DROP FUNCTION reflector_lexeme_part(TEXT)"),
  };
  return m;
}

// PostgreSQL: how transcripts are stored, for the search.
// - Rows narrowed to their keys. A search reads the heap row of every match (visibility,
//   filters, created_at for the ranking window), and the long summary kept inline (~0.5 KB) made
//   those rows ten to a page: 1 047 pages for 10 000 transcripts, 3 ms of an 11 ms candidate step
//   for a word found in all of them. With toast_tuple_target = 128 the toaster moves a row's long
//   texts out of line whenever it runs (on every write of a row holding WebVTT or a vector):
//   295 pages.
// - The long texts compressed with lz4 instead of pglz: a page of 20 hits decompresses 1.2 MB of
//   WebVTT for its snippets (pglz 1.5 ms, lz4 0.3 ms), and ranking decompresses each ranked
//   match's vector; lz4 stores ~25% more. A server built without lz4 (or older than
//   PostgreSQL 14) keeps pglz, with a notice.
// Rows written before stay as they are until their next update: rewriting them here re-inserted
// every row's search terms into the GIN index one by one (more than 10 minutes for 10 000
// transcripts); `VACUUM FULL transcript` rewrites them at once (docs/architecture.md,
// "Candidates and storage").
Migration TranscriptSearchStorage() {
  Migration m;
  m.version = 14;
  m.name = "transcript_search_storage";
  m.up = {
      Only(kPostgres, "ALTER TABLE transcript SET (toast_tuple_target = 128)"),
      Only(kPostgres, R"sql(
DO $$
BEGIN
  EXECUTE 'ALTER TABLE transcript'
    ' ALTER COLUMN webvtt SET COMPRESSION lz4, ALTER COLUMN long_summary SET COMPRESSION lz4,'
    ' ALTER COLUMN search_vector_en SET COMPRESSION lz4,'
    ' ALTER COLUMN search_terms_en SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
  RAISE NOTICE 'transcript texts stay pglz-compressed: %', SQLERRM;
END
$$)sql"),
  };
  m.down = {
      Only(kPostgres, "ALTER TABLE transcript RESET (toast_tuple_target)"),
      Only(kPostgres, R"sql(
DO $$
BEGIN
  EXECUTE 'ALTER TABLE transcript'
    ' ALTER COLUMN webvtt SET COMPRESSION default,'
    ' ALTER COLUMN long_summary SET COMPRESSION default,'
    ' ALTER COLUMN search_vector_en SET COMPRESSION default,'
    ' ALTER COLUMN search_terms_en SET COMPRESSION default';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
  NULL;
END
$$)sql"),
  };
  return m;
}

// Migration 15 (issue 12), SQLite only: the FTS5 index is rebuilt with reflector_capped_pairs
// (store/sqlite_rank.hpp), which keeps a word at its first kIndexedWordCap positions per column
// and its pairs at all of them. Searching the most frequent words read their whole position
// lists (~8 MB for the most frequent of 10 000 transcripts), of which the rank reads 16
// entries per row and matching none: both words of 10 000 transcripts counted in 0.5 instead of
// 1.9 ms (docs/performance.md). Every transcript is indexed again, as migration 11 did (130 s
// for the benchmark's 10 000 transcripts of 5 000 words).
Migration TranscriptSearchCappedWords() {
  return SqliteReindex(15, "transcript_search_capped_words",
                       "reflector_capped_pairs " + std::to_string(kIndexedWordCap) + " " +
                           std::string(kSqliteTokenizer),
                       "reflector_word_pairs " + std::string(kSqliteTokenizer));
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      Initial(),
      Platform(),
      ProviderTracking(),
      WebhookEventsAndJobs(),
      RecordingPipeline(),
      TranscriptSearch(),
      CalendarSync(),
      RoomWebhookDeliveries(),
      TranscriptSearchKeys(),
      TranscriptSearchDocKeys(),
      TranscriptSearchWordPairs(),
      TranscriptSearchTerms(),
      TranscriptSearchParts(),
      TranscriptSearchStorage(),
      TranscriptSearchCappedWords(),
  };
  return migrations;
}

std::string ExpandSql(const std::string& sql, Dialect dialect) {
  const bool pg = dialect == Dialect::kPostgres;
  std::string out = sql;
  Replace(out, "{TIMESTAMP}", pg ? "TIMESTAMPTZ" : "TEXT");
  Replace(out, "{BOOL}", pg ? "BOOLEAN" : "INTEGER");
  Replace(out, "{JSON}", pg ? "JSONB" : "TEXT");
  Replace(out, "{REAL}", pg ? "DOUBLE PRECISION" : "REAL");
  Replace(out, "{BIGINT}", pg ? "BIGINT" : "INTEGER");
  return out;
}

std::vector<std::string> StatementsFor(const std::vector<MigrationStep>& steps, Dialect dialect) {
  std::vector<std::string> out;
  for (const auto& step : steps) {
    if (step.only && *step.only != dialect) continue;
    out.push_back(ExpandSql(step.sql, dialect));
  }
  return out;
}

}  // namespace reflector::store::internal
