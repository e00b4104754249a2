#include "recordings/reprocess.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "pipeline/transcript_processor.hpp"
#include "recordings/recording_processor.hpp"
#include "store/jobs.hpp"
#include "store/recordings.hpp"

namespace reflector::recordings {
namespace {

namespace fs = std::filesystem;

constexpr int kRetryBatch = 500;

Status QueueRecording(store::Session& session, const std::string& recording_id, TimePoint now) {
  store::NewJob job;
  job.kind = std::string(store::job_kind::kRecordingProcess);
  job.payload_json = nlohmann::json{{"recording_id", recording_id}}.dump();
  job.dedup_key = "recording:" + recording_id;
  auto enqueued = store::JobRepository::Enqueue(session, job, now);
  if (!enqueued) return Err(std::move(enqueued.error()));
  return Ok();
}

Result<bool> AnyJobActive(store::Session& session, const std::string& transcript_id,
                          const std::optional<std::string>& recording_id) {
  auto transcript_job = store::JobRepository::HasActive(session, "transcript:" + transcript_id);
  if (!transcript_job) return Err(std::move(transcript_job.error()));
  if (*transcript_job || !recording_id) return *transcript_job;
  return store::JobRepository::HasActive(session, "recording:" + *recording_id);
}

// Requeues a recording from its source: back to `pending`, the job queued in one transaction.
Status RequeueRecording(store::Session& session, const std::string& recording_id,
                        const std::optional<std::string>& transcript_id, TimePoint now) {
  auto tx = session.Begin();
  if (!tx) return Err(std::move(tx.error()));
  REFLECTOR_RETURN_IF_ERROR(store::RecordingRepository::SetProgress(
      session, recording_id,
      {"pending", std::nullopt, "queued again", std::nullopt, std::nullopt}));
  if (transcript_id) {
    REFLECTOR_RETURN_IF_ERROR(
        store::TranscriptRepository::SetStatus(session, *transcript_id, "uploaded", std::nullopt));
  }
  REFLECTOR_RETURN_IF_ERROR(QueueRecording(session, recording_id, now));
  return tx->Commit();
}

}  // namespace

Result<ReprocessOutcome> Reprocess(store::Session& session, const Config& config,
                                   const store::Transcript& t, TimePoint now) {
  if (t.locked) return Err(Code::kFailedPrecondition, "Transcript is locked");
  if (t.audio_deleted.value_or(false)) {
    return Err(Code::kFailedPrecondition,
               "The audio of this transcript was deleted (a participant denied consent): there "
               "is nothing to reprocess");
  }
  if (!t.recording_id) {
    return Err(Code::kFailedPrecondition, "Recording is not ready for processing");
  }
  auto active = AnyJobActive(session, t.id, t.recording_id);
  if (!active) return Err(std::move(active.error()));
  if (*active) return ReprocessOutcome::kAlreadyRunning;

  auto rec = store::RecordingRepository::Get(session, *t.recording_id);
  if (!rec) {
    if (rec.error().code == Code::kNotFound) {
      return Err(Code::kFailedPrecondition, "Recording is not ready for processing");
    }
    return Err(std::move(rec.error()));
  }
  std::error_code ec;
  const bool decoded = rec->status == "ready" &&
                       fs::is_regular_file(fs::path(WorkDir(config, rec->id)) / "track-0.pcm", ec);
  if (decoded) {
    auto tx = session.Begin();
    if (!tx) return Err(std::move(tx.error()));
    REFLECTOR_RETURN_IF_ERROR(
        store::TranscriptRepository::SetStatus(session, t.id, "uploaded", std::nullopt));
    REFLECTOR_RETURN_IF_ERROR(pipeline::QueueTranscriptProcess(session, t.id, now));
    REFLECTOR_RETURN_IF_ERROR(tx->Commit());
  } else {
    REFLECTOR_RETURN_IF_ERROR(RequeueRecording(session, rec->id, t.id, now));
  }
  spdlog::info("transcript {}: reprocessing queued ({})", t.id,
               decoded ? "transcription again from the decoded tracks"
                       : "recording " + rec->id + " again from its source");
  return ReprocessOutcome::kQueued;
}

Result<RetryReport> RetryFailed(store::Database& db, const Config& config, const Clock& clock,
                                std::chrono::hours window) {
  RetryReport report;
  const TimePoint now = clock.Now();
  const TimePoint since = now - window;
  auto session = db.Acquire();

  auto transcripts = store::TranscriptRepository::ListRetryable(session, since, kRetryBatch);
  if (!transcripts) return Err(std::move(transcripts.error()));
  for (const auto& t : *transcripts) {
    if (t.locked) {
      ++report.skipped;
      continue;
    }
    auto done = Reprocess(session, config, t, now);
    if (!done) {
      spdlog::warn("daily retry of transcript {}: {}", t.id, done.error().ToString());
      ++report.skipped;
    } else if (*done == ReprocessOutcome::kQueued) {
      ++report.transcripts;
    } else {
      ++report.skipped;
    }
  }

  auto recordings = store::RecordingRepository::ListFailedSince(session, since, kRetryBatch);
  if (!recordings) return Err(std::move(recordings.error()));
  for (const auto& rec : *recordings) {
    auto transcript_id = store::TranscriptRepository::IdForRecording(session, rec.id);
    if (!transcript_id) return Err(std::move(transcript_id.error()));
    auto active = AnyJobActive(session, transcript_id->value_or(""), rec.id);
    if (!active) return Err(std::move(active.error()));
    if (*active) {
      ++report.skipped;
      continue;
    }
    if (transcript_id->has_value()) {
      auto t = store::TranscriptRepository::Get(session, **transcript_id);
      if (t && (t->locked || t->audio_deleted.value_or(false))) {
        ++report.skipped;
        continue;
      }
    }
    if (auto queued = RequeueRecording(session, rec.id, *transcript_id, now); !queued) {
      spdlog::warn("daily retry of recording {}: {}", rec.id, queued.error().ToString());
      ++report.skipped;
      continue;
    }
    ++report.recordings;
  }
  return report;
}

}  // namespace reflector::recordings
