// Runs the durable jobs of store/jobs.hpp (contract §6): worker threads that claim due jobs, call
// the handler registered for their kind, and record the outcome; a heartbeat that keeps the
// leases of running jobs alive; periodic jobs; graceful stop.
//
// Outcome of a handler:
//   OK                                   → succeeded.
//   kInvalidArgument, kFailedPrecondition → permanent (the same input can never succeed): dead at
//                                          once. Handlers declare other permanent failures with
//                                          PermanentFailure().
//   any other error, or an exception     → retried after BackoffDelay(attempt) (exponential with
//                                          full jitter), dead once max_attempts are used, with
//                                          the last error kept.
// A job whose kind has no handler is dead ("no handler for kind X"); so is a job whose payload is
// not a JSON object.
//
// Delivery is at-least-once: a worker that dies mid-job (kill -9, power loss) stops heartbeating,
// its lease expires and another worker runs the job again. Handlers must be idempotent.
//
// Periodic jobs (AddPeriodic): one queued copy across every process, kept by the dedup key
// "periodic:<kind>". Start() enqueues it unless a copy is queued or running already; after
// the job finishes (succeeded, dead or coalesced) the runner that ran it enqueues the next one
// at now + interval, in the same transaction as Succeed. A process that crashes mid-run leaves the
// job running until its lease expires, and then it is claimed and run again, so the schedule is
// not lost; a restart re-ensures it anyway.
//
// Waiting for work: each idle worker polls every `poll_interval` and is woken at once by
// Notify() (call it after enqueueing in this process).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::jobs {

// What a handler gets.
struct JobContext {
  std::string id;
  std::string kind;
  nlohmann::json payload;  // always an object
  int attempt = 1;         // 1 on the first run
  int max_attempts = 1;
};

// Returns OK when done. Called on a worker thread; several jobs run concurrently (one per worker
// thread), so a handler must be thread-safe. Exceptions are caught and count as retryable
// failures (kInternal).
using JobHandler = std::function<Status(const JobContext& job)>;

// A failure that retrying cannot fix (the job becomes dead at once): kFailedPrecondition.
inline Error PermanentFailure(std::string message) {
  return Error{Code::kFailedPrecondition, std::move(message), {}, 0};
}

// True for the codes that are never retried (see the header comment).
bool IsPermanent(Code code);

// The delay before retry number `attempt` (the attempt that just failed, 1-based), with "full
// jitter": uniform in [0, min(cap, base * 2^(attempt-1))), given `unit_random` uniform in [0, 1).
std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds base,
                                       std::chrono::milliseconds cap, double unit_random);

struct JobRunnerOptions {
  int threads = 1;  // worker threads; at least 1
  // Written to job.locked_by; default "<hostname>:<pid>:<random>" (one per runner). Each thread
  // appends "/<n>".
  std::string worker_id;
  std::chrono::milliseconds poll_interval{200};  // idle workers look for due jobs this often
  std::chrono::milliseconds lease{std::chrono::seconds(30)};  // JOB_LEASE_SECONDS
  // How often leases of running jobs are extended; default lease / 3.
  std::chrono::milliseconds heartbeat_interval{0};
  std::chrono::milliseconds backoff_base{std::chrono::seconds(1)};
  std::chrono::milliseconds backoff_cap{std::chrono::minutes(10)};
  // Stop() waits this long for running handlers (JOB_STOP_GRACE_SECONDS).
  std::chrono::milliseconds stop_grace{std::chrono::seconds(10)};
  // Uniform in [0, 1); default a seeded std::mt19937_64. Called under a lock.
  std::function<double()> random;
};

// Thread-safe after Start(): Notify() and Stop() may be called from any thread. Register and
// AddPeriodic only before Start(). `db`, `clock` and `metrics` must outlive the runner.
class JobRunner {
 public:
  JobRunner(store::Database& db, const Clock& clock, JobRunnerOptions options,
            Metrics* metrics = nullptr);
  ~JobRunner();  // Stop() if still running.
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // The handler for `kind` (replacing an earlier one).
  void Register(std::string kind, JobHandler handler);

  // How the failed attempts of `kind` are spaced (replacing BackoffDelay with the runner's
  // base and cap for that kind): gets the attempt that failed (1-based) and a uniform [0, 1)
  // number from JobRunnerOptions::random. Before Start() only.
  using RetryDelayFn = std::function<std::chrono::milliseconds(int attempt, double unit_random)>;
  void SetRetryDelay(std::string kind, RetryDelayFn delay);

  // Runs `kind` every `interval` (after the previous run finished) with `payload_json`. The kind
  // needs a handler too. `max_attempts` applies to each occurrence.
  void AddPeriodic(std::string kind, std::chrono::milliseconds interval,
                   std::string payload_json = "{}", int max_attempts = 3);

  // Ensures every periodic job is queued, then starts the worker and heartbeat threads.
  // kFailedPrecondition when already started; database errors from ensuring the periodic jobs
  // (nothing is started then).
  Status Start();

  // Wakes idle workers to look for jobs now. Thread-safe.
  void Notify();

  // Stops claiming, then waits up to stop_grace for running handlers to finish (their outcome is
  // recorded as usual). Returns true when every handler finished. Otherwise the jobs still
  // running keep their claim and lease (heartbeats stop, so the lease expires and another worker
  // runs them again) and their threads are detached: the caller must then end the process
  // without destroying the runner or what the handlers use (app/ calls std::_Exit).
  // Idempotent; returns the first call's answer.
  bool Stop();

  const std::string& worker_id() const { return worker_id_; }

 private:
  struct Periodic {
    std::chrono::milliseconds interval;
    std::string payload_json;
    int max_attempts;
  };
  void WorkerLoop(int index);
  void HeartbeatLoop();
  // Claims and runs one job; false when there was none (or the claim failed: `claim_failing`
  // tracks that, so a database outage is logged once per worker, not once per poll).
  bool RunOne(const std::string& worker, bool& claim_failing);
  void Finish(const std::string& worker, const JobContext& job, const Status& outcome);
  // Enqueues the periodic job `kind` at `run_at` unless a copy is queued (or, with
  // `unless_running`, running).
  Status EnsurePeriodic(store::Session& session, const std::string& kind, TimePoint run_at,
                        bool unless_running);
  std::chrono::milliseconds RetryDelay(const std::string& kind, int attempt);

  store::Database& db_;
  const Clock& clock_;
  JobRunnerOptions options_;
  Metrics* metrics_;
  std::string worker_id_;
  std::map<std::string, JobHandler> handlers_;        // written before Start() only
  std::map<std::string, Periodic> periodic_;          // written before Start() only
  std::map<std::string, RetryDelayFn> retry_delays_;  // written before Start() only

  std::mutex mu_;
  std::condition_variable wake_;                // idle workers and the heartbeat wait here
  std::condition_variable idle_;                // Stop() waits here for active_ == 0
  bool stopping_ = false;                       // GUARDED_BY(mu_)
  uint64_t wake_generation_ = 0;                // GUARDED_BY(mu_); bumped by Notify()
  int active_ = 0;                              // GUARDED_BY(mu_); workers claiming or running
  std::map<std::string, std::string> running_;  // GUARDED_BY(mu_); job id -> worker name

  std::mutex random_mu_;
  std::function<double()> random_;  // GUARDED_BY(random_mu_)

  std::vector<std::thread> workers_;
  std::thread heartbeat_;
  bool started_ = false;  // Start/Stop are called from one controlling thread
  bool stopped_ = false;
  bool stop_result_ = true;
};

// Registers the `reflector_jobs{kind,status}` gauge (rows of table job, read at scrape time).
// `db` must outlive `metrics`' rendering.
void RegisterJobMetrics(Metrics& metrics, store::Database& db);

}  // namespace reflector::jobs
