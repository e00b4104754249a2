// The safety nets of contract §6 for recordings that no webhook announced: Daily's recordings
// list (reference §6.4) and, in recordings/sqs_poll.hpp, the Whereby bucket's S3 events on SQS.
// Both feed the same idempotent path as the webhooks (tracking::ApplyEvent with a synthetic
// event), so a recording found by a poll and by a webhook is processed once.
#pragma once

#include "core/clock.hpp"
#include "core/status.hpp"
#include "platforms/daily/daily_client.hpp"
#include "store/database.hpp"
#include "tracking/apply.hpp"

namespace reflector::recordings {

struct PollReport {
  int seen = 0;     // recordings listed
  int skipped = 0;  // unfinished, without a type we can infer, or without a meeting
  int queued = 0;   // newly queued for processing
};

// daily.recordings_poll: GET /recordings (the latest 100). Rows are taken as Daily sends them
// (duration or type null, odd statuses: reference §10, PR #796): only finished ones with a
// duration count; the type is inferred when absent (tracks → raw-tracks, s3key → cloud).
// Errors: Daily's (the job retries), database errors.
Result<PollReport> PollDailyRecordings(store::Database& db, const Clock& clock,
                                       platforms::DailyClient& daily,
                                       const tracking::ApplyOptions& options);

}  // namespace reflector::recordings
