// The Whereby bucket's S3 event notifications on SQS (contract §7.1 item 4, reference §3.3): the
// safety net for Whereby recordings whose recording.finished webhook never came. Each
// ObjectCreated record of the Whereby bucket names a file `<room>-<YYYY-MM-DDTHH:MM:SSZ>.<ext>`;
// the meeting is the latest with room name "/<room>". The record goes through the same
// idempotent path as the webhook (one recording per file, whichever comes first).
//
// A message is deleted only after every record in it was handled (queued, a duplicate, or
// irrelevant: another bucket, a name that is not a Whereby recording, no such meeting — those can
// never succeed later and are logged). On a transient error the message stays, and SQS shows it
// again after its visibility timeout.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "storage/sqs_client.hpp"
#include "store/database.hpp"
#include "tracking/apply.hpp"

namespace reflector::recordings {

struct SqsPollReport {
  int messages = 0;  // received
  int deleted = 0;
  int queued = 0;   // recordings newly queued for processing
  int skipped = 0;  // records that can never be processed (logged)
};

// whereby.sqs_poll: one ReceiveMessage (up to 10, no wait). `options.whereby_bucket` is
// WHEREBY_STORAGE_AWS_BUCKET_NAME ("bucket" or "bucket/folder").
Result<SqsPollReport> PollWherebyQueue(store::Database& db, const Clock& clock,
                                       storage::SqsClient& sqs, const std::string& queue_url,
                                       const tracking::ApplyOptions& options);

// "standup-3f1c-2026-01-01T12:00:00Z.mp4" (any folder before it) → "/standup-3f1c"; nullopt for
// other names (reference §3.3).
std::optional<std::string> WherebyRoomOfFile(std::string_view key);

}  // namespace reflector::recordings
