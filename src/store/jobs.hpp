// The durable job queue (contract §6), table `job`. Stateless like the other repositories: every
// call takes the Session to run on, so an enqueue can share the transaction of the change that
// causes it (a webhook event and its follow-up job commit together or not at all).
//
// This header is the interface webhook receivers and handlers build on; the claim/retry side of
// the queue lives next to Enqueue in JobRepository.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

// Job kinds known to the product. Payloads are JSON objects.
namespace job_kind {
// {"meeting_id": "..."}; dedup key "presence:<meeting_id>" (coalesced per meeting).
inline constexpr std::string_view kDailyPresenceReconcile = "daily.presence_reconcile";
// {"recording_id": "..."} (our recording row id); dedup key "recording:<recording_id>".
inline constexpr std::string_view kRecordingProcess = "recording.process";
// {} ; periodic. Deactivates meetings per reference §6.2 (never on one empty snapshot).
inline constexpr std::string_view kMeetingDeactivation = "meetings.deactivate";
// {} ; periodic. Queues kDailyPresenceReconcile for every active Daily meeting.
inline constexpr std::string_view kDailyPresenceSweep = "daily.presence_sweep";
}  // namespace job_kind

struct NewJob {
  std::string kind;
  std::string payload_json = "{}";
  // At most one *queued* job per dedup key: enqueueing a key that is already queued coalesces
  // into that job (nothing is inserted). Running/finished jobs with the key do not block.
  std::optional<std::string> dedup_key;
  std::optional<TimePoint> run_at;  // not before; default: now
  int priority = 0;                 // higher runs first among due jobs
  int max_attempts = 5;             // then the job is dead, with its last error
};

// What Enqueue did.
struct Enqueued {
  std::string job_id;      // the new job, or the queued job it was coalesced into
  bool coalesced = false;  // true: a queued job with the same dedup key already existed
};

class JobRepository {
 public:
  // Inserts a queued job (uuid4 id) unless one with the same dedup key is queued already.
  // Safe under concurrent callers (the partial unique index decides, not a read-then-insert).
  static Result<Enqueued> Enqueue(Session& session, const NewJob& job, TimePoint now);
};

}  // namespace reflector::store
