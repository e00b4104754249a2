// The `recording.process` job (contract §7.1–§7.3): one recording, whichever of the five sources
// it came from, becomes decoded 16 kHz audio for the transcriber, a mixed MP3 and a waveform on
// our storage, and a transcript row in status `uploaded`.
//
//   pending ──► downloading ──► processing ──► ready
//                    │               │
//                    └───────────────┴──► failed (error in words a person can act on)
//
// Sources: upload / mock (a file of ours under DATA_DIR), Daily cloud (access link, then the safe
// downloader — never a URL from the payload), Daily raw tracks (every cam-audio key from the Daily
// bucket, placed at its offset in meeting time), Whereby (the object from the Whereby bucket).
//
// Idempotent: a recording that is `ready` is left alone; a rerun (a worker died mid-job) starts
// the stages again and overwrites its own files. Bad input fails at once without retries
// (no audio, garbage, 4xx, too large, refused address); transient failures (5xx, timeouts) are
// retried by the job queue and the recording fails with the last reason after the last attempt.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/status.hpp"
#include "platforms/registry.hpp"
#include "storage/object_storage.hpp"
#include "store/database.hpp"

namespace reflector::recordings {

struct ProcessorDeps {
  store::Database& db;
  const Clock& clock;
  const Config& config;  // DATA_DIR, MAX_RECORDING_BYTES, DOWNLOAD_ALLOWED_HOSTS
  platforms::PlatformRegistry& platforms;
  storage::ObjectStorage& storage;         // ours: the MP3 goes here
  storage::ObjectStorage* daily_bucket;    // raw tracks; null when not configured
  storage::ObjectStorage* whereby_bucket;  // Whereby files; null when not configured
};

struct JobAttempt {
  int attempt = 1;
  int max_attempts = 1;
};

// Processes recording `recording_id`. Returns OK when done (or already done); a permanent
// failure (jobs::PermanentFailure) after marking the recording failed; a retryable error
// otherwise (the recording shows the reason and stays in its state until the last attempt).
Status ProcessRecording(const ProcessorDeps& deps, const std::string& recording_id,
                        JobAttempt attempt);

// Where the work files of a recording live: DATA_DIR/work/<recording_id>.
std::string WorkDir(const Config& config, const std::string& recording_id);

// Daily raw-track key `<prefix>/<room>/<recStartMs>-<participantUUID>-cam-audio-<trackStartMs>`
// (reference §2.5). nullopt when the key does not have that shape.
struct RawTrackKey {
  int64_t recording_start_ms = 0;
  std::string participant_id;
  int64_t track_start_ms = 0;
};
std::optional<RawTrackKey> ParseRawTrackKey(std::string_view key);

}  // namespace reflector::recordings
