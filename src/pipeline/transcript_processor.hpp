// The `transcript.process` job (contract §7.5, §7.6): the decoded audio of a transcript's
// recording (one 16 kHz PCM file per track, left by recordings::ProcessRecording) becomes words,
// speakers, WebVTT and text; status `processing` → `ended`, or `error` with the reason.
//
// Consent (contract §7.8): when a participant of the meeting denied consent, the audio is deleted
// once the transcript ended — our MP3, the files we keep, the provider objects we can reach —
// and `audio_deleted` is set when every deletion succeeded. The text is kept.
//
// Multitrack recordings (Daily raw tracks) give one speaker per track, words merged by meeting
// time. A transient backend failure is retried by the queue; after the last attempt, or on a
// permanent one, the transcript is `error` with `error` set. Idempotent: an ended transcript is
// left alone; a rerun transcribes again and overwrites the result.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/status.hpp"
#include "pipeline/transcriber.hpp"
#include "storage/object_storage.hpp"
#include "store/database.hpp"

namespace reflector::pipeline {

struct TranscriptProcessorDeps {
  store::Database& db;
  const Clock& clock;
  const Config& config;  // DATA_DIR (where the decoded tracks are)
  Transcriber& transcriber;
  // Consent cleanup (contract §7.8): our storage and the provider buckets we may delete from
  // (null when not configured).
  storage::ObjectStorage* storage = nullptr;
  storage::ObjectStorage* daily_bucket = nullptr;
  storage::ObjectStorage* whereby_bucket = nullptr;
};

// Queued by the recording job when the audio is stored; dedup "transcript:<id>".
Status QueueTranscriptProcess(store::Session& session, const std::string& transcript_id,
                              TimePoint now);

Status ProcessTranscript(const TranscriptProcessorDeps& deps, const std::string& transcript_id,
                         int attempt, int max_attempts);

}  // namespace reflector::pipeline
