// The durable job queue (contract §6), table `job`. Stateless like the other repositories: every
// call takes the Session to run on, so an enqueue can share the transaction of the change that
// causes it (a webhook event and its follow-up job commit together or not at all).
//
// This header is the interface webhook receivers and handlers build on; the claim/retry side of
// the queue lives next to Enqueue in JobRepository.
//
// Life of a job (column `status`):
//
//   queued --Claim--> running --Succeed--> succeeded
//                        |  \--Fail(no retry, or attempts used up)--> dead (last_error kept)
//                        |  \--Fail(retry_at)--> queued again at retry_at (last_error kept), or
//                        |                        failed when a job with the same dedup key was
//                        |                        queued meanwhile (the retry coalesces into it)
//                        \--lease expired (worker died)--> claimable again by Claim, or dead when
//                                                          it has used all its attempts
//
// A claim holds a lease (locked_by, lease_until): the worker extends it with Heartbeat while the
// handler runs. Succeed/Fail/Heartbeat act only while the row is still running and locked by the
// caller, so a worker whose lease was taken over cannot overwrite the new owner's outcome.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
// {"recording_id", "room_name", "key", "start_ts"}: the mock platform delivers its signed
// recording.ready-to-download to POST /v1/mock/webhook (contract §7.1 item 5).
inline constexpr std::string_view kMockRecordingDelivery = "mock.deliver_recording";
// {} ; periodic when Daily and its bucket are configured: Daily's recordings list (reference §6.4).
inline constexpr std::string_view kDailyRecordingsPoll = "daily.recordings_poll";
// {} ; periodic when AWS_PROCESS_RECORDING_QUEUE_URL is set: the Whereby bucket's S3 events.
inline constexpr std::string_view kWherebySqsPoll = "whereby.sqs_poll";
// {"transcript_id": "..."}; dedup "transcript:<id>": speech to text (pipeline/).
inline constexpr std::string_view kTranscriptProcess = "transcript.process";
// Periodic (daily): failed recordings and transcripts of the last 7 days are processed again.
inline constexpr std::string_view kRetryFailed = "transcripts.retry_failed";
// {} ; periodic (60 s): queues kCalendarSyncRoom for every ICS room that is due (reference §6.6).
inline constexpr std::string_view kCalendarSyncDue = "calendar.sync_due";
// {"room_id": "..."}; dedup "calendar:<room_id>": one room's ICS sync, then its due meetings.
inline constexpr std::string_view kCalendarSyncRoom = "calendar.sync_room";
// {} ; periodic (30 s): meetings created 7 minutes ahead of calendar events
// (calendar/meetings.hpp).
inline constexpr std::string_view kCalendarPrecreate = "calendar.precreate";
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

// Values of job.status.
namespace job_status {
inline constexpr std::string_view kQueued = "queued";
inline constexpr std::string_view kRunning = "running";
inline constexpr std::string_view kSucceeded = "succeeded";
inline constexpr std::string_view kFailed = "failed";  // this run failed; its retry coalesced
inline constexpr std::string_view kDead = "dead";
}  // namespace job_status

// A row of table `job`.
struct Job {
  std::string id;
  std::string kind;
  std::string payload_json;  // as stored (PostgreSQL re-serialises JSONB: compare parsed)
  std::optional<std::string> dedup_key;
  std::string status;
  int priority = 0;
  int attempts = 0;  // claims so far, the current one included
  int max_attempts = 5;
  TimePoint run_at;
  std::optional<std::string> locked_by;  // the worker of the last claim (kept once finished)
  std::optional<TimePoint> lease_until;  // set while running
  std::optional<std::string> last_error;
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<TimePoint> finished_at;  // succeeded, failed or dead
};

// What Fail did.
enum class FailOutcome {
  kRetrying,   // queued again at retry_at
  kDead,       // no retry asked for, or max_attempts reached
  kCoalesced,  // a job with the same dedup key was queued meanwhile: this row is now `failed`
               // (last_error says which job carries the retry) and that queued job does the work
  kLost,       // the job is no longer running under this worker (lease taken over): nothing done
};

struct JobFilter {
  std::optional<std::string> status;
  std::optional<std::string> kind;
};

struct JobPage {
  std::vector<Job> items;
  int64_t total = 0;  // rows matching the filter
};

struct JobCount {
  std::string kind;
  std::string status;
  int64_t count = 0;
};

class JobRepository {
 public:
  // Inserts a queued job (uuid4 id) unless one with the same dedup key is queued already.
  // Safe under concurrent callers (the partial unique index decides, not a read-then-insert).
  // Coalescing keeps the queued job as it is (its run_at, priority and payload win).
  // kInvalidArgument for an empty kind or max_attempts < 1; database errors (store/database.hpp).
  static Result<Enqueued> Enqueue(Session& session, const NewJob& job, TimePoint now);

  // As Enqueue, but also coalesces into a *running* job with the same dedup key (returning it,
  // coalesced = true). For schedules that must not gain a copy while one runs (periodic jobs
  // ensured at start-up). A job inserted and claimed by another process between this call's check
  // and its insert can still slip through; the check narrows that to a few statements' time.
  // kInvalidArgument also when the job has no dedup key.
  static Result<Enqueued> EnqueueUnlessActive(Session& session, const NewJob& job, TimePoint now);

  // Whether a job with this dedup key is queued or running. Database errors.
  static Result<bool> HasActive(Session& session, std::string_view dedup_key);

  // The job with this id. kNotFound; database errors.
  static Result<Job> Get(Session& session, std::string_view id);

  // Claims the next job for `worker_id`: among the queued jobs that are due (run_at <= now) and
  // the running jobs whose lease expired (lease_until < now; their worker died), restricted to
  // `kinds` when not empty, the one with the highest priority, then the oldest run_at. It becomes
  // running with attempts + 1, locked_by = worker_id, lease_until = now + lease. Expired running
  // jobs that have used all their attempts are marked dead first ("lease expired ..." appended to
  // their last error). nullopt when nothing is claimable.
  // Two callers never claim the same job: PostgreSQL picks the row with FOR UPDATE SKIP LOCKED in
  // the claiming UPDATE; SQLite runs in one write transaction (BEGIN IMMEDIATE). Runs in its own
  // transaction (after a plain read that finds nothing to claim cheaply, so idle pollers do not
  // take SQLite's write lock): kFailedPrecondition if `session` has one open. Database errors
  // (kUnavailable when SQLite stays busy beyond its busy timeout).
  static Result<std::optional<Job>> Claim(Session& session, std::string_view worker_id,
                                          TimePoint now, std::chrono::milliseconds lease,
                                          const std::vector<std::string>& kinds = {});

  // Extends the lease to now + lease. false when the job is no longer running under `worker_id`
  // (finished, or reclaimed by another worker after the lease expired). Database errors.
  static Result<bool> Heartbeat(Session& session, std::string_view id, std::string_view worker_id,
                                TimePoint now, std::chrono::milliseconds lease);

  // Marks the job succeeded (finished_at = now). false when it is no longer running under
  // `worker_id` (nothing changed). May run inside a caller's transaction. Database errors.
  static Result<bool> Succeed(Session& session, std::string_view id, std::string_view worker_id,
                              TimePoint now);

  // Records a failed run: last_error = error. With retry_at and attempts < max_attempts the job is
  // queued again at retry_at (kRetrying) — unless another job with the same dedup key is queued
  // already, in which case this row becomes `failed` and the queued one stands for the retry
  // (kCoalesced; the partial unique index allows only one queued job per key). Without retry_at
  // or with its attempts used up the job is dead (kDead). kLost when it is no longer running
  // under `worker_id`. Must not run inside a transaction (a unique conflict is part of the
  // protocol): kFailedPrecondition if `session` has one open. Database errors.
  static Result<FailOutcome> Fail(Session& session, std::string_view id, std::string_view worker_id,
                                  std::string_view error, std::optional<TimePoint> retry_at,
                                  TimePoint now);

  // Jobs matching `filter`, newest first (created_at, then id, descending), `limit` from
  // `offset`, with the total count. kInvalidArgument for limit < 1 or offset < 0; database errors.
  static Result<JobPage> List(Session& session, const JobFilter& filter, int limit, int offset);

  // Number of jobs per (kind, status), for metrics. Database errors.
  static Result<std::vector<JobCount>> CountsByKindAndStatus(Session& session);
};

}  // namespace reflector::store
