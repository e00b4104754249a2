#include "store/jobs.hpp"

#include <string>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

#define REFLECTOR_JOB_COLUMNS                                                                   \
  "id, kind, payload, dedup_key, status, priority, attempts, max_attempts, run_at, locked_by, " \
  "lease_until, last_error, created_at, updated_at, finished_at"

constexpr std::string_view kJobColumns = REFLECTOR_JOB_COLUMNS;
constexpr size_t kJobColumnCount = CountColumns(REFLECTOR_JOB_COLUMNS);

// ON CONFLICT names the partial unique index idx_job_dedup_queued by its column and predicate.
// A NULL dedup_key never conflicts.
constexpr std::string_view kInsertJob =
    "INSERT INTO job (id, kind, payload, dedup_key, status, priority, attempts, max_attempts, "
    "run_at, created_at, updated_at) VALUES (:id, :kind, :payload, :dedup_key, 'queued', "
    ":priority, 0, :max_attempts, :run_at, :now, :now) "
    "ON CONFLICT (dedup_key) WHERE status = 'queued' DO NOTHING RETURNING id";
constexpr std::string_view kSelectQueuedByDedupKey =
    "SELECT id FROM job WHERE dedup_key = :dedup_key AND status = 'queued'";
constexpr std::string_view kSelectActiveByDedupKey =
    "SELECT id FROM job WHERE dedup_key = :dedup_key AND status IN ('queued', 'running') "
    "ORDER BY status DESC LIMIT 1";
constexpr std::string_view kSelectJobById =
    "SELECT " REFLECTOR_JOB_COLUMNS " FROM job WHERE id = :id";

// Whether Claim has anything to do, without taking SQLite's write lock: idle workers poll often.
constexpr std::string_view kAnythingClaimable =
    "SELECT id FROM job WHERE (status = 'queued' AND run_at <= :now) OR "
    "(status = 'running' AND lease_until < :now) LIMIT 1";

// Expired leases of jobs without attempts left: their worker died on the last attempt.
constexpr std::string_view kBuryExpired =
    "UPDATE job SET status = 'dead', finished_at = :now, updated_at = :now, lease_until = NULL, "
    "last_error = CASE WHEN last_error IS NULL THEN 'lease expired on the last attempt (worker ' "
    "|| COALESCE(locked_by, '?') || ' stopped)' ELSE last_error || '; then the lease expired on "
    "the last attempt (worker ' || COALESCE(locked_by, '?') || ' stopped)' END "
    "WHERE status = 'running' AND lease_until < :now AND attempts >= max_attempts";

// The claiming UPDATE. {kinds} becomes " AND kind IN (...)" or nothing; {lock} becomes
// " FOR UPDATE SKIP LOCKED" on PostgreSQL (SQLite has no row locks: the write transaction
// around this statement is the lock).
constexpr std::string_view kClaimTemplate =
    "UPDATE job SET status = 'running', attempts = attempts + 1, locked_by = :worker, "
    "lease_until = :lease_until, updated_at = :now "
    "WHERE id = (SELECT id FROM job WHERE ((status = 'queued' AND run_at <= :now) OR "
    "(status = 'running' AND lease_until < :now AND attempts < max_attempts)){kinds} "
    "ORDER BY priority DESC, run_at ASC, id ASC LIMIT 1{lock}) "
    "RETURNING " REFLECTOR_JOB_COLUMNS;

constexpr std::string_view kHeartbeat =
    "UPDATE job SET lease_until = :lease_until, updated_at = :now WHERE id = :id AND "
    "status = 'running' AND locked_by = :worker";
constexpr std::string_view kSucceed =
    "UPDATE job SET status = 'succeeded', finished_at = :now, updated_at = :now, "
    "lease_until = NULL WHERE id = :id AND status = 'running' AND locked_by = :worker";
// :force_dead = 1 buries it whatever its attempts.
constexpr std::string_view kFailDead =
    "UPDATE job SET status = 'dead', last_error = :error, finished_at = :now, updated_at = :now, "
    "lease_until = NULL WHERE id = :id AND status = 'running' AND locked_by = :worker AND "
    "(:force_dead = 1 OR attempts >= max_attempts)";
constexpr std::string_view kFailRequeue =
    "UPDATE job SET status = 'queued', last_error = :error, run_at = :retry_at, "
    "updated_at = :now, lease_until = NULL WHERE id = :id AND status = 'running' AND "
    "locked_by = :worker";
constexpr std::string_view kSelectDedupKey =
    "SELECT dedup_key FROM job WHERE id = :id AND status = 'running' AND locked_by = :worker";
constexpr std::string_view kFailCoalesced =
    "UPDATE job SET status = 'failed', last_error = :error, finished_at = :now, "
    "updated_at = :now, lease_until = NULL WHERE id = :id AND status = 'running' AND "
    "locked_by = :worker";

constexpr std::string_view kCountsByKindAndStatus =
    "SELECT kind, status, COUNT(*) FROM job GROUP BY kind, status ORDER BY kind, status";

#undef REFLECTOR_JOB_COLUMNS

Result<Job> ReadJob(const SqlRow& row) {
  RowReader r(row);
  Job job;
  job.id = r.Text();
  job.kind = r.Text();
  job.payload_json = r.Text();
  job.dedup_key = r.OptText();
  job.status = r.Text();
  job.priority = static_cast<int>(r.Int());
  job.attempts = static_cast<int>(r.Int());
  job.max_attempts = static_cast<int>(r.Int());
  job.run_at = r.Time();
  job.locked_by = r.OptText();
  job.lease_until = r.OptTime();
  job.last_error = r.OptText();
  job.created_at = r.Time();
  job.updated_at = r.Time();
  job.finished_at = r.OptTime();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return job;
}

void ReplaceToken(std::string& text, std::string_view token, std::string_view with) {
  const size_t pos = text.find(token);
  if (pos != std::string::npos) text.replace(pos, token.size(), with);
}

SqlParams OwnedParams(std::string_view id, std::string_view worker_id) {
  SqlParams params;
  params.Text("id", std::string(id)).Text("worker", std::string(worker_id));
  return params;
}

// The claim statements; on an error the transaction (if any) is doomed and rolled back.
Result<std::optional<Job>> ClaimIn(Session& session, std::string_view worker_id, TimePoint now,
                                   std::chrono::milliseconds lease,
                                   const std::vector<std::string>& kinds) {
  auto buried = Exec(session, kBuryExpired, SqlParams().Time("now", now));
  if (!buried) return Err(buried.error());

  std::string sql(kClaimTemplate);
  SqlParams params;
  params.Text("worker", std::string(worker_id)).Time("now", now).Time("lease_until", now + lease);
  std::string kinds_sql;
  for (size_t i = 0; i < kinds.size(); ++i) {
    const std::string name = "kind" + std::to_string(i);
    kinds_sql += (i == 0 ? " AND kind IN (:" : ", :") + name;
    params.Text(name, kinds[i]);
  }
  if (!kinds.empty()) kinds_sql += ")";
  ReplaceToken(sql, "{kinds}", kinds_sql);
  ReplaceToken(sql, "{lock}",
               session.dialect() == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "");
  auto row = QueryOptional(session, sql, params, kJobColumnCount);
  if (!row) return Err(row.error());
  if (!*row) return std::optional<Job>();
  auto job = ReadJob(**row);
  if (!job) return Err(job.error());
  return std::optional<Job>(std::move(*job));
}

}  // namespace

Result<Enqueued> JobRepository::Enqueue(Session& session, const NewJob& job, TimePoint now) {
  if (job.kind.empty()) return Err(Code::kInvalidArgument, "A job needs a kind");
  if (job.max_attempts < 1) {
    return Err(Code::kInvalidArgument, "A job's max_attempts must be at least 1");
  }
  // The queued job we coalesce into can be claimed between our insert and our read; then no
  // queued job with the key is left and the next insert succeeds. Two rounds always settle it
  // unless a competitor re-queues every time, hence the small bound.
  for (int round = 0; round < 5; ++round) {
    SqlParams params;
    params.Text("id", NewUuid4())
        .Text("kind", job.kind)
        .Json("payload", job.payload_json.empty() ? std::string("{}") : job.payload_json)
        .OptText("dedup_key", job.dedup_key)
        .Int("priority", job.priority)
        .Int("max_attempts", job.max_attempts)
        .Time("run_at", job.run_at.value_or(now))
        .Time("now", now);
    auto inserted = QueryOptional(session, kInsertJob, params, 1);
    if (!inserted) return Err(inserted.error());
    if (*inserted) return Enqueued{(**inserted)[0].value_or(""), false};
    auto queued = QueryOptional(session, kSelectQueuedByDedupKey,
                                SqlParams().OptText("dedup_key", job.dedup_key), 1);
    if (!queued) return Err(queued.error());
    if (*queued) return Enqueued{(**queued)[0].value_or(""), true};
  }
  return Err(Code::kUnavailable, "Could not enqueue the job: its dedup key keeps changing state",
             "dedup_key " + job.dedup_key.value_or(""));
}

Result<Enqueued> JobRepository::EnqueueUnlessActive(Session& session, const NewJob& job,
                                                    TimePoint now) {
  if (!job.dedup_key) {
    return Err(Code::kInvalidArgument, "EnqueueUnlessActive needs a dedup key");
  }
  auto active = QueryOptional(session, kSelectActiveByDedupKey,
                              SqlParams().Text("dedup_key", *job.dedup_key), 1);
  if (!active) return Err(active.error());
  if (*active) return Enqueued{(**active)[0].value_or(""), true};
  return Enqueue(session, job, now);
}

Result<bool> JobRepository::HasActive(Session& session, std::string_view dedup_key) {
  auto active = QueryOptional(session, kSelectActiveByDedupKey,
                              SqlParams().Text("dedup_key", std::string(dedup_key)), 1);
  if (!active) return Err(active.error());
  return active->has_value();
}

Result<Job> JobRepository::Get(Session& session, std::string_view id) {
  auto row = QueryOptional(session, kSelectJobById, SqlParams().Text("id", std::string(id)),
                           kJobColumnCount);
  if (!row) return Err(row.error());
  if (!*row) return Err(Code::kNotFound, "Job not found");
  return ReadJob(**row);
}

Result<std::optional<Job>> JobRepository::Claim(Session& session, std::string_view worker_id,
                                                TimePoint now, std::chrono::milliseconds lease,
                                                const std::vector<std::string>& kinds) {
  if (session.in_transaction()) {
    return Err(Code::kFailedPrecondition, "database error",
               "JobRepository::Claim runs its own transaction");
  }
  // A cheap read first (the claim below re-checks everything under its lock).
  auto any = QueryOptional(session, kAnythingClaimable, SqlParams().Time("now", now), 1);
  if (!any) return Err(any.error());
  if (!*any) return std::optional<Job>();
  auto tx = session.Begin(TxMode::kWrite);
  if (!tx) return Err(tx.error());
  auto claimed = ClaimIn(session, worker_id, now, lease, kinds);
  if (!claimed) return claimed;  // the Transaction rolls back
  REFLECTOR_RETURN_IF_ERROR(tx->Commit());
  return claimed;
}

Result<bool> JobRepository::Heartbeat(Session& session, std::string_view id,
                                      std::string_view worker_id, TimePoint now,
                                      std::chrono::milliseconds lease) {
  auto changed = Exec(session, kHeartbeat,
                      OwnedParams(id, worker_id).Time("now", now).Time("lease_until", now + lease));
  if (!changed) return Err(changed.error());
  return *changed == 1;
}

Result<bool> JobRepository::Succeed(Session& session, std::string_view id,
                                    std::string_view worker_id, TimePoint now) {
  auto changed = Exec(session, kSucceed, OwnedParams(id, worker_id).Time("now", now));
  if (!changed) return Err(changed.error());
  return *changed == 1;
}

Result<FailOutcome> JobRepository::Fail(Session& session, std::string_view id,
                                        std::string_view worker_id, std::string_view error,
                                        std::optional<TimePoint> retry_at, TimePoint now) {
  if (session.in_transaction()) {
    return Err(Code::kFailedPrecondition, "database error",
               "JobRepository::Fail must run outside a transaction");
  }
  // Each statement re-checks that the row is still ours, so a takeover between them is harmless.
  auto dead = Exec(session, kFailDead,
                   OwnedParams(id, worker_id)
                       .Text("error", std::string(error))
                       .Time("now", now)
                       .Int("force_dead", retry_at ? 0 : 1));
  if (!dead) return Err(dead.error());
  if (*dead == 1) return FailOutcome::kDead;
  if (!retry_at) return FailOutcome::kLost;

  auto requeued = Exec(session, kFailRequeue,
                       OwnedParams(id, worker_id)
                           .Text("error", std::string(error))
                           .Time("retry_at", *retry_at)
                           .Time("now", now));
  if (requeued) return *requeued == 1 ? FailOutcome::kRetrying : FailOutcome::kLost;
  if (requeued.error().code != Code::kAlreadyExists) return Err(requeued.error());

  // Another job with our dedup key was queued while we ran: it carries the retry.
  auto key = QueryOptional(session, kSelectDedupKey, OwnedParams(id, worker_id), 1);
  if (!key) return Err(key.error());
  if (!*key) return FailOutcome::kLost;
  std::string note(error);
  auto queued = QueryOptional(session, kSelectQueuedByDedupKey,
                              SqlParams().OptText("dedup_key", (**key)[0]), 1);
  if (!queued) return Err(queued.error());
  if (*queued) note += " (retry coalesced into queued job " + (**queued)[0].value_or("") + ")";
  auto coalesced = Exec(session, kFailCoalesced,
                        OwnedParams(id, worker_id).Text("error", std::move(note)).Time("now", now));
  if (!coalesced) return Err(coalesced.error());
  return *coalesced == 1 ? FailOutcome::kCoalesced : FailOutcome::kLost;
}

Result<JobPage> JobRepository::List(Session& session, const JobFilter& filter, int limit,
                                    int offset) {
  if (limit < 1) return Err(Code::kInvalidArgument, "limit must be at least 1");
  if (offset < 0) return Err(Code::kInvalidArgument, "offset must not be negative");
  std::string where = " WHERE 1 = 1";
  SqlParams params;
  if (filter.status) {
    where += " AND status = :status";
    params.Text("status", *filter.status);
  }
  if (filter.kind) {
    where += " AND kind = :kind";
    params.Text("kind", *filter.kind);
  }
  auto total = Query(session, "SELECT COUNT(*) FROM job" + where, params, 1);
  if (!total) return Err(total.error());
  JobPage page;
  RowReader total_reader(total->front());
  page.total = total_reader.Int();
  REFLECTOR_RETURN_IF_ERROR(total_reader.Finish());

  params.Int("limit", limit).Int("offset", offset);
  auto rows = Query(session,
                    "SELECT " + std::string(kJobColumns) + " FROM job" + where +
                        " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset",
                    params, kJobColumnCount);
  if (!rows) return Err(rows.error());
  for (const auto& row : *rows) {
    auto job = ReadJob(row);
    if (!job) return Err(job.error());
    page.items.push_back(std::move(*job));
  }
  return page;
}

Result<std::vector<JobCount>> JobRepository::CountsByKindAndStatus(Session& session) {
  auto rows = Query(session, kCountsByKindAndStatus, {}, 3);
  if (!rows) return Err(rows.error());
  std::vector<JobCount> counts;
  for (const auto& row : *rows) {
    RowReader r(row);
    JobCount count;
    count.kind = r.Text();
    count.status = r.Text();
    count.count = r.Int();
    REFLECTOR_RETURN_IF_ERROR(r.Finish());
    counts.push_back(std::move(count));
  }
  return counts;
}

}  // namespace reflector::store
