// Reprocessing a transcript (`POST /v1/transcripts/{id}/process`, reference §5.5) and the daily
// retry of failed recordings and transcripts (reference §3.3 item 5 and §6.5, without their
// provider-specific limits).
//
// A reprocess starts at the cheapest stage that still has its input:
//  - the decoded tracks of the recording are still on disk (the transcript job failed, so they
//    were kept): only `transcript.process` runs again;
//  - otherwise `recording.process` runs again from the source (our kept file for uploads and the
//    mock, the provider's object or access link otherwise) and queues the transcript job itself.
// Refused (kFailedPrecondition, the message says why) when the transcript is locked, has no
// recording yet ("Recording is not ready for processing"), or its audio was deleted for consent.
#pragma once

#include <chrono>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/status.hpp"
#include "store/database.hpp"
#include "store/transcripts.hpp"

namespace reflector::recordings {

enum class ReprocessOutcome {
  kQueued,          // a job was queued
  kAlreadyRunning,  // a recording or transcript job of this transcript is queued or running
};

Result<ReprocessOutcome> Reprocess(store::Session& session, const Config& config,
                                   const store::Transcript& transcript, TimePoint now);

struct RetryReport {
  int recordings = 0;   // failed recordings queued again
  int transcripts = 0;  // transcripts in `error` queued again
  int skipped = 0;      // already running, or refused (logged)
};

// transcripts.retry_failed (periodic, daily): every recording that failed and every transcript in
// `error` created within `window` is reprocessed once per run; older ones are left alone, so a
// permanent failure is retried at most window/interval times.
Result<RetryReport> RetryFailed(store::Database& db, const Config& config, const Clock& clock,
                                std::chrono::hours window);

}  // namespace reflector::recordings
