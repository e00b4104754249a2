#include "store/recordings.hpp"

#include <string>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

#define REFLECTOR_RECORDING_COLUMNS                                                       \
  "id, bucket_name, object_key, recorded_at, status, meeting_id, provider_recording_id, " \
  "type, error, duration, track_keys, platform, created_at, tracks, queued_at, stage"

constexpr size_t kColumns = CountColumns(REFLECTOR_RECORDING_COLUMNS);

// A failed recording recorded before its provider id was known takes the id (once).
constexpr std::string_view kAdoptOrphan =
    "UPDATE recording SET provider_recording_id = :provider_id WHERE id = ("
    "SELECT id FROM recording WHERE meeting_id = :meeting_id AND type = :type "
    "AND provider_recording_id IS NULL ORDER BY recorded_at DESC, id DESC LIMIT 1) "
    "AND NOT EXISTS (SELECT 1 FROM recording WHERE provider_recording_id = :provider_id2)";
constexpr std::string_view kRememberStarted =
    "INSERT INTO recording (id, bucket_name, object_key, recorded_at, status, meeting_id, "
    "provider_recording_id, type) VALUES (:id, '', '', :recorded_at, 'pending', :meeting_id, "
    ":provider_id, :type) ON CONFLICT (provider_recording_id) DO UPDATE SET "
    "meeting_id = COALESCE(recording.meeting_id, excluded.meeting_id), "
    "type = COALESCE(recording.type, excluded.type)";
// DO UPDATE ... WHERE: a recording that is ready already is left alone and returns no row.
// DO UPDATE ... WHERE: a recording queued already is left alone and returns no row.
constexpr std::string_view kMarkReady =
    "INSERT INTO recording (id, bucket_name, object_key, recorded_at, status, meeting_id, "
    "provider_recording_id, type, duration, track_keys, platform, created_at, queued_at) "
    "VALUES (:id, :bucket_name, :object_key, :recorded_at, 'pending', :meeting_id, :provider_id, "
    ":type, :duration, :track_keys, :platform, :created_at, :queued_at) "
    "ON CONFLICT (provider_recording_id) DO UPDATE SET status = 'pending', "
    "bucket_name = excluded.bucket_name, object_key = excluded.object_key, "
    "recorded_at = excluded.recorded_at, type = excluded.type, duration = excluded.duration, "
    "track_keys = excluded.track_keys, platform = excluded.platform, "
    "queued_at = excluded.queued_at, "
    "created_at = COALESCE(recording.created_at, excluded.created_at), "
    "meeting_id = COALESCE(recording.meeting_id, excluded.meeting_id) "
    "WHERE recording.queued_at IS NULL RETURNING id";
constexpr std::string_view kCreate =
    "INSERT INTO recording (id, bucket_name, object_key, recorded_at, status, meeting_id, "
    "provider_recording_id, type, platform, created_at, queued_at) VALUES (:id, :bucket_name, "
    ":object_key, :recorded_at, 'pending', :meeting_id, :provider_id, :type, :platform, "
    ":created_at, :queued_at)";
constexpr std::string_view kSelectFailedSince =
    "SELECT " REFLECTOR_RECORDING_COLUMNS
    " FROM recording WHERE status = 'failed' AND queued_at IS NOT NULL AND created_at >= :since "
    "ORDER BY created_at DESC LIMIT :limit";
constexpr std::string_view kSetProgress =
    "UPDATE recording SET status = :status, error = :error, stage = COALESCE(:stage, stage), "
    "tracks = COALESCE(:tracks, tracks), duration = COALESCE(:duration, duration) WHERE id = :id";
constexpr std::string_view kSelectById =
    "SELECT " REFLECTOR_RECORDING_COLUMNS " FROM recording WHERE id = :id";
constexpr std::string_view kLatestOfType =
    "SELECT id FROM recording WHERE meeting_id = :meeting_id AND type = :type "
    "ORDER BY recorded_at DESC, id DESC LIMIT 1";
constexpr std::string_view kLatestAny =
    "SELECT id FROM recording WHERE meeting_id = :meeting_id "
    "ORDER BY recorded_at DESC, id DESC LIMIT 1";
constexpr std::string_view kMarkFailed =
    "UPDATE recording SET error = :error, "
    "status = CASE WHEN queued_at IS NOT NULL THEN status ELSE 'failed' END WHERE id = :id";
constexpr std::string_view kInsertFailed =
    "INSERT INTO recording (id, bucket_name, object_key, recorded_at, status, meeting_id, type, "
    "error) VALUES (:id, '', '', :recorded_at, 'failed', :meeting_id, :type, :error)";
constexpr std::string_view kSelectByProviderId = "SELECT " REFLECTOR_RECORDING_COLUMNS
                                                 " FROM recording WHERE provider_recording_id = "
                                                 ":provider_id";
constexpr std::string_view kSelectForMeeting =
    "SELECT " REFLECTOR_RECORDING_COLUMNS
    " FROM recording WHERE meeting_id = :meeting_id ORDER BY recorded_at, id";

#undef REFLECTOR_RECORDING_COLUMNS

Result<Recording> ReadRecording(const SqlRow& row) {
  RowReader r(row);
  Recording rec;
  rec.id = r.Text();
  rec.bucket_name = r.Text();
  rec.object_key = r.Text();
  rec.recorded_at = r.Time();
  rec.status = r.Text();
  rec.meeting_id = r.OptText();
  rec.provider_recording_id = r.OptText();
  rec.type = r.OptText();
  rec.error = r.OptText();
  rec.duration = r.OptReal();
  rec.track_keys = r.OptText();
  rec.platform = r.OptText();
  rec.created_at = r.OptTime();
  rec.tracks = static_cast<int>(r.Int());
  rec.queued_at = r.OptTime();
  rec.stage = r.OptText();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return rec;
}

Status AdoptOrphan(Session& session, std::string_view provider_id, std::string_view meeting_id,
                   std::string_view type) {
  auto changed = Exec(session, kAdoptOrphan,
                      SqlParams()
                          .Text("provider_id", std::string(provider_id))
                          .Text("meeting_id", std::string(meeting_id))
                          .Text("type", std::string(type))
                          .Text("provider_id2", std::string(provider_id)));
  if (!changed) return Err(std::move(changed.error()));
  return Ok();
}

}  // namespace

Status RecordingRepository::RememberStarted(Session& session,
                                            std::string_view provider_recording_id,
                                            std::string_view meeting_id,
                                            std::optional<std::string> type, TimePoint started_at) {
  if (type)
    REFLECTOR_RETURN_IF_ERROR(AdoptOrphan(session, provider_recording_id, meeting_id, *type));
  auto changed = Exec(session, kRememberStarted,
                      SqlParams()
                          .Text("id", NewUuid4())
                          .Time("recorded_at", started_at)
                          .Text("meeting_id", std::string(meeting_id))
                          .Text("provider_id", std::string(provider_recording_id))
                          .OptText("type", std::move(type)));
  if (!changed) return Err(std::move(changed.error()));
  return Ok();
}

Result<std::optional<std::string>> RecordingRepository::MarkReady(Session& session,
                                                                  const ReadyRecording& rec,
                                                                  TimePoint now) {
  if (rec.meeting_id) {
    REFLECTOR_RETURN_IF_ERROR(
        AdoptOrphan(session, rec.provider_recording_id, *rec.meeting_id, rec.type));
  }
  auto rows = Query(session, kMarkReady,
                    SqlParams()
                        .Text("id", NewUuid4())
                        .Text("bucket_name", rec.bucket_name)
                        .Text("object_key", rec.object_key)
                        .Time("recorded_at", rec.recorded_at)
                        .OptText("meeting_id", rec.meeting_id)
                        .Text("provider_id", rec.provider_recording_id)
                        .Text("type", rec.type)
                        .OptReal("duration", rec.duration)
                        .OptJson("track_keys", rec.track_keys)
                        .Text("platform", rec.platform)
                        .Time("created_at", now)
                        .Time("queued_at", now),
                    1);
  if (!rows) return Err(std::move(rows.error()));
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows->front()[0].value_or(""));
}

Result<std::string> RecordingRepository::MarkFailed(Session& session, std::string_view meeting_id,
                                                    const std::optional<std::string>& type,
                                                    std::string_view message, TimePoint at) {
  SqlParams find;
  find.Text("meeting_id", std::string(meeting_id));
  if (type) find.Text("type", *type);
  auto latest = QueryOptional(session, type ? kLatestOfType : kLatestAny, find, 1);
  if (!latest) return Err(std::move(latest.error()));
  if (*latest) {
    std::string id = (**latest)[0].value_or("");
    auto changed =
        Exec(session, kMarkFailed, SqlParams().Text("error", std::string(message)).Text("id", id));
    if (!changed) return Err(std::move(changed.error()));
    return id;
  }
  std::string id = NewUuid4();
  auto inserted = Exec(session, kInsertFailed,
                       SqlParams()
                           .Text("id", id)
                           .Time("recorded_at", at)
                           .Text("meeting_id", std::string(meeting_id))
                           .OptText("type", type)
                           .Text("error", std::string(message)));
  if (!inserted) return Err(std::move(inserted.error()));
  return id;
}

Status RecordingRepository::Create(Session& session, const NewRecording& rec, TimePoint now) {
  auto changed = Exec(session, kCreate,
                      SqlParams()
                          .Text("id", rec.id)
                          .Text("bucket_name", rec.bucket_name)
                          .Text("object_key", rec.object_key)
                          .Time("recorded_at", rec.recorded_at)
                          .OptText("meeting_id", rec.meeting_id)
                          .OptText("provider_id", rec.provider_recording_id)
                          .Text("type", rec.type)
                          .Text("platform", rec.platform)
                          .Time("created_at", now)
                          .OptTime("queued_at", rec.queued ? std::optional(now) : std::nullopt));
  if (!changed) return Err(std::move(changed.error()));
  return Ok();
}

Status RecordingRepository::SetProgress(Session& session, std::string_view id,
                                        const Progress& progress) {
  SqlParams params;
  params.Text("status", progress.status)
      .OptText("error", progress.error)
      .OptText("stage", progress.stage)
      .OptInt("tracks", progress.tracks ? std::optional<int64_t>(*progress.tracks) : std::nullopt)
      .OptReal("duration", progress.duration)
      .Text("id", std::string(id));
  auto changed = Exec(session, kSetProgress, params);
  if (!changed) return Err(std::move(changed.error()));
  if (*changed == 0) return Err(Code::kNotFound, "Recording not found");
  return Ok();
}

Result<Recording> RecordingRepository::Get(Session& session, std::string_view id) {
  auto row = QueryOptional(session, kSelectById, SqlParams().Text("id", std::string(id)), kColumns);
  if (!row) return Err(std::move(row.error()));
  if (!*row) return Err(Code::kNotFound, "Recording not found");
  return ReadRecording(**row);
}

Result<Recording> RecordingRepository::GetByProviderId(Session& session,
                                                       std::string_view provider_id) {
  auto row = QueryOptional(session, kSelectByProviderId,
                           SqlParams().Text("provider_id", std::string(provider_id)), kColumns);
  if (!row) return Err(std::move(row.error()));
  if (!*row) return Err(Code::kNotFound, "Recording not found");
  return ReadRecording(**row);
}

Result<std::vector<Recording>> RecordingRepository::ListForMeeting(Session& session,
                                                                   std::string_view meeting_id) {
  auto rows = Query(session, kSelectForMeeting,
                    SqlParams().Text("meeting_id", std::string(meeting_id)), kColumns);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<Recording> out;
  for (const auto& row : *rows) {
    auto rec = ReadRecording(row);
    if (!rec) return Err(std::move(rec.error()));
    out.push_back(std::move(*rec));
  }
  return out;
}

Result<std::vector<Recording>> RecordingRepository::ListFailedSince(Session& session,
                                                                    TimePoint since, int limit) {
  auto rows = Query(session, kSelectFailedSince,
                    SqlParams().Time("since", since).Int("limit", limit), kColumns);
  if (!rows) return Err(std::move(rows.error()));
  std::vector<Recording> out;
  for (const auto& row : *rows) {
    auto rec = ReadRecording(row);
    if (!rec) return Err(std::move(rec.error()));
    out.push_back(std::move(*rec));
  }
  return out;
}

}  // namespace reflector::store
