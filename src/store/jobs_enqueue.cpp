// JobRepository::Enqueue only: the minimal enqueue the webhook receivers need on this branch. The
// rest of the queue (claim, heartbeat, retry) lives in store/jobs.cpp on the job-queue branch;
// the two are reconciled at merge.
#include <string>

#include "core/ids.hpp"
#include "store/jobs.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

// The conflict target names the partial index's predicate so both engines can infer it
// (idx_job_dedup_queued). A NULL dedup key never conflicts.
constexpr std::string_view kInsertJob =
    "INSERT INTO job (id, kind, payload, dedup_key, status, priority, attempts, max_attempts, "
    "run_at, created_at, updated_at) VALUES (:id, :kind, :payload, :dedup_key, 'queued', "
    ":priority, 0, :max_attempts, :run_at, :now, :now2) "
    "ON CONFLICT (dedup_key) WHERE status = 'queued' DO NOTHING";
constexpr std::string_view kSelectQueuedByDedupKey =
    "SELECT id FROM job WHERE dedup_key = :dedup_key AND status = 'queued'";

}  // namespace

Result<Enqueued> JobRepository::Enqueue(Session& session, const NewJob& job, TimePoint now) {
  const std::string id = NewUuid4();
  SqlParams params;
  params.Text("id", id)
      .Text("kind", job.kind)
      .Json("payload", job.payload_json)
      .OptText("dedup_key", job.dedup_key)
      .Int("priority", job.priority)
      .Int("max_attempts", job.max_attempts)
      .Time("run_at", job.run_at.value_or(now))
      .Time("now", now)
      .Time("now2", now);
  auto inserted = Exec(session, kInsertJob, params);
  if (!inserted) return Err(std::move(inserted.error()));
  if (*inserted == 1 || !job.dedup_key) return Enqueued{id, false};
  // Coalesced. Within a transaction the queued row is visible: on PostgreSQL ON CONFLICT waited
  // for the inserting transaction to commit, on SQLite writers are serialised.
  auto row = QueryOptional(session, kSelectQueuedByDedupKey,
                           SqlParams().Text("dedup_key", *job.dedup_key), 1);
  if (!row) return Err(std::move(row.error()));
  if (!*row) {
    return Err(Code::kUnavailable, "Job could not be queued",
               "queued job with dedup key " + *job.dedup_key + " vanished; retry");
  }
  return Enqueued{(**row)[0].value_or(""), true};
}

}  // namespace reflector::store
