#include "jobs/job_runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <random>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/time_format.hpp"
#include "store/jobs.hpp"

namespace reflector::jobs {
namespace {

constexpr const char* kCompletedTotal = "reflector_jobs_completed_total";
constexpr const char* kFailedTotal = "reflector_jobs_failed_total";

std::string DefaultWorkerId() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::string token = RandomUrlSafeToken(6);
  return fmt::format("{}:{}:{}", host[0] != '\0' ? host.data() : "localhost",
                     static_cast<long>(getpid()), token);
}

std::string PeriodicKey(const std::string& kind) { return "periodic:" + kind; }

const char* OutcomeName(store::FailOutcome outcome) {
  switch (outcome) {
    case store::FailOutcome::kRetrying:
      return "retrying";
    case store::FailOutcome::kDead:
      return "dead";
    case store::FailOutcome::kCoalesced:
      return "coalesced into the queued job with the same dedup key";
    case store::FailOutcome::kLost:
      return "lease lost to another worker; outcome not recorded";
  }
  return "?";
}

}  // namespace

bool IsPermanent(Code code) {
  return code == Code::kInvalidArgument || code == Code::kFailedPrecondition;
}

std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds base,
                                       std::chrono::milliseconds cap, double unit_random) {
  const double exponent = std::max(0, attempt - 1);
  const double ceiling = std::min(static_cast<double>(cap.count()),
                                  static_cast<double>(base.count()) * std::exp2(exponent));
  const double u = std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::floor(u * ceiling)));
}

JobRunner::JobRunner(store::Database& db, const Clock& clock, JobRunnerOptions options,
                     Metrics* metrics)
    : db_(db), clock_(clock), options_(std::move(options)), metrics_(metrics) {
  options_.threads = std::max(1, options_.threads);
  if (options_.heartbeat_interval <= std::chrono::milliseconds(0)) {
    options_.heartbeat_interval = std::max(std::chrono::milliseconds(1), options_.lease / 3);
  }
  if (options_.poll_interval <= std::chrono::milliseconds(0)) {
    options_.poll_interval = std::chrono::milliseconds(200);
  }
  worker_id_ = options_.worker_id.empty() ? DefaultWorkerId() : options_.worker_id;
  if (options_.random) {
    random_ = options_.random;
  } else {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    random_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
  if (metrics_ != nullptr) {
    metrics_->Describe(kCompletedTotal, "counter", "Jobs that succeeded, by kind.");
    metrics_->Describe(kFailedTotal, "counter", "Job runs that failed (retried or dead), by kind.");
  }
}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Register(std::string kind, JobHandler handler) {
  handlers_[std::move(kind)] = std::move(handler);
}

void JobRunner::AddPeriodic(std::string kind, std::chrono::milliseconds interval,
                            std::string payload_json, int max_attempts) {
  periodic_[std::move(kind)] = Periodic{interval, std::move(payload_json), max_attempts};
}

Status JobRunner::EnsurePeriodic(store::Session& session, const std::string& kind, TimePoint run_at,
                                 bool unless_running) {
  const Periodic& periodic = periodic_.at(kind);
  store::NewJob job;
  job.kind = kind;
  job.payload_json = periodic.payload_json;
  job.dedup_key = PeriodicKey(kind);
  job.run_at = run_at;
  job.max_attempts = periodic.max_attempts;
  auto enqueued = unless_running
                      ? store::JobRepository::EnqueueUnlessActive(session, job, clock_.Now())
                      : store::JobRepository::Enqueue(session, job, clock_.Now());
  if (!enqueued) return Err(enqueued.error());
  return Ok();
}

Status JobRunner::Start() {
  if (started_) return Err(Code::kFailedPrecondition, "The job runner was started already");
  for (const auto& [kind, periodic] : periodic_) {
    if (handlers_.count(kind) == 0) {
      return Err(Code::kFailedPrecondition, "Periodic job " + kind + " has no handler");
    }
    auto session = db_.Acquire();
    // A copy running elsewhere schedules its successor itself.
    auto ensured = EnsurePeriodic(session, kind, clock_.Now(), /*unless_running=*/true);
    if (!ensured) {
      Error error = ensured.error();
      error.message = "cannot schedule periodic job " + kind + ": " + error.message;
      return Err(std::move(error));
    }
  }
  started_ = true;
  for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
  spdlog::info("job runner {}: {} worker thread(s), lease {} ms, poll {} ms", worker_id_,
               options_.threads, options_.lease.count(), options_.poll_interval.count());
  return Ok();
}

void JobRunner::Notify() {
  {
    std::lock_guard lock(mu_);
    ++wake_generation_;
  }
  wake_.notify_all();
}

bool JobRunner::Stop() {
  if (!started_ || stopped_) return stop_result_;
  stopped_ = true;
  std::unique_lock lock(mu_);
  stopping_ = true;
  wake_.notify_all();
  const bool finished = idle_.wait_for(lock, options_.stop_grace, [this] { return active_ == 0; });
  std::vector<std::string> abandoned;
  for (const auto& [id, worker] : running_) abandoned.push_back(id);
  lock.unlock();

  heartbeat_.join();  // no more lease extensions: abandoned jobs' leases run out
  if (finished) {
    for (auto& worker : workers_) worker.join();
  } else {
    for (const auto& id : abandoned) {
      spdlog::warn(
          "job {} still running after the {} ms stop grace; it stays claimed and runs "
          "again on another worker once its lease expires",
          id, options_.stop_grace.count());
    }
    for (auto& worker : workers_) worker.detach();
  }
  workers_.clear();
  stop_result_ = finished;
  spdlog::info("job runner {} stopped", worker_id_);
  return finished;
}

void JobRunner::WorkerLoop(int index) {
  const std::string worker = fmt::format("{}/{}", worker_id_, index);
  bool claim_failing = false;  // log a failing database once, not on every poll
  for (;;) {
    uint64_t generation = 0;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      ++active_;
      generation = wake_generation_;
    }
    const bool ran = RunOne(worker, claim_failing);
    std::unique_lock lock(mu_);
    --active_;
    if (active_ == 0) idle_.notify_all();
    if (ran) continue;
    wake_.wait_for(lock, options_.poll_interval,
                   [&] { return stopping_ || wake_generation_ != generation; });
  }
}

void JobRunner::HeartbeatLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (wake_.wait_for(lock, options_.heartbeat_interval, [this] { return stopping_; })) return;
    const std::map<std::string, std::string> running = running_;
    lock.unlock();
    if (!running.empty()) {
      auto session = db_.Acquire();
      for (const auto& [id, worker] : running) {
        auto kept =
            store::JobRepository::Heartbeat(session, id, worker, clock_.Now(), options_.lease);
        if (!kept) {
          spdlog::warn("job {}: heartbeat failed: {}", id, kept.error().ToString());
        } else if (!*kept) {
          spdlog::warn("job {}: lease lost (another worker claimed it after it expired)", id);
        }
      }
    }
    lock.lock();
  }
}

std::chrono::milliseconds JobRunner::RetryDelay(const std::string& kind, int attempt) {
  double u = 0;
  {
    std::lock_guard lock(random_mu_);
    u = random_();
  }
  if (auto custom = retry_delays_.find(kind); custom != retry_delays_.end()) {
    return custom->second(attempt, u);
  }
  return BackoffDelay(attempt, options_.backoff_base, options_.backoff_cap, u);
}

void JobRunner::SetRetryDelay(std::string kind, RetryDelayFn delay) {
  retry_delays_[std::move(kind)] = std::move(delay);
}

bool JobRunner::RunOne(const std::string& worker, bool& claim_failing) {
  std::optional<store::Job> job;
  {
    auto session = db_.Acquire();
    auto claimed = store::JobRepository::Claim(session, worker, clock_.Now(), options_.lease);
    if (!claimed) {
      if (!claim_failing) {
        spdlog::warn("job runner {}: cannot claim jobs: {} (retrying every {} ms)", worker,
                     claimed.error().ToString(), options_.poll_interval.count());
      }
      claim_failing = true;
      return false;
    }
    if (claim_failing) spdlog::info("job runner {}: claiming jobs again", worker);
    claim_failing = false;
    if (!*claimed) return false;
    job = std::move(**claimed);
  }
  {
    std::lock_guard lock(mu_);
    running_[job->id] = worker;
  }
  ScopedRequestId log_id("job-" + job->id);

  JobContext context;
  context.id = job->id;
  context.kind = job->kind;
  context.attempt = job->attempts;
  context.max_attempts = job->max_attempts;
  Status outcome;
  auto handler = handlers_.find(job->kind);
  if (handler == handlers_.end()) {
    outcome = Err(Code::kFailedPrecondition, "no handler for kind " + job->kind);
  } else {
    try {
      context.payload = nlohmann::json::parse(job->payload_json);
    } catch (const nlohmann::json::exception& e) {
      outcome = Err(Code::kInvalidArgument, std::string("payload is not JSON: ") + e.what());
    }
    if (outcome && !context.payload.is_object()) {
      outcome = Err(Code::kInvalidArgument, "payload is not a JSON object");
    }
    if (outcome) {
      // The last-resort catch of a job: an exception is a bug or a throwing library, retried.
      try {
        outcome = handler->second(context);
      } catch (const std::exception& e) {
        outcome = Err(Code::kInternal, std::string("handler threw: ") + e.what());
      } catch (...) {
        outcome = Err(Code::kInternal, "handler threw a non-exception");
      }
    }
  }
  Finish(worker, context, outcome);
  {
    std::lock_guard lock(mu_);
    running_.erase(job->id);
  }
  return true;
}

void JobRunner::Finish(const std::string& worker, const JobContext& job, const Status& outcome) {
  const TimePoint now = clock_.Now();
  auto periodic = periodic_.find(job.kind);
  const bool is_periodic = periodic != periodic_.end();
  auto session = db_.Acquire();

  if (outcome) {
    if (metrics_ != nullptr) metrics_->IncCounter(kCompletedTotal, {{"kind", job.kind}});
    Result<bool> done = false;
    if (is_periodic) {
      // The next occurrence commits with this one's success, so a crash cannot lose it.
      auto tx = session.Begin(store::TxMode::kWrite);
      if (!tx) {
        done = Err(tx.error());
      } else {
        done = store::JobRepository::Succeed(session, job.id, worker, now);
        if (done && *done) {
          auto next = EnsurePeriodic(session, job.kind, now + periodic->second.interval,
                                     /*unless_running=*/false);
          if (!next) done = Err(next.error());
        }
        if (done) {
          auto committed = tx->Commit();
          if (!committed) done = Err(committed.error());
        }
      }
    } else {
      done = store::JobRepository::Succeed(session, job.id, worker, now);
    }
    if (!done) {
      spdlog::error(
          "job {} ({}) succeeded but recording it failed: {}; it runs again after its "
          "lease expires",
          job.id, job.kind, done.error().ToString());
    } else if (!*done) {
      spdlog::warn("job {} ({}) succeeded after its lease was taken over by another worker", job.id,
                   job.kind);
    } else {
      spdlog::debug("job {} ({}) succeeded on attempt {}", job.id, job.kind, job.attempt);
    }
    return;
  }

  if (metrics_ != nullptr) metrics_->IncCounter(kFailedTotal, {{"kind", job.kind}});
  const Error& error = outcome.error();
  std::optional<TimePoint> retry_at;
  if (!IsPermanent(error.code) && job.attempt < job.max_attempts) {
    retry_at = now + RetryDelay(job.kind, job.attempt);
  }
  const std::string error_text = error.ToString();
  auto failed = store::JobRepository::Fail(session, job.id, worker, error_text, retry_at, now);
  if (!failed) {
    spdlog::error("job {} ({}) attempt {}/{} failed: {}; recording the failure failed too: {}",
                  job.id, job.kind, job.attempt, job.max_attempts, error_text,
                  failed.error().ToString());
    return;
  }
  if (*failed == store::FailOutcome::kRetrying) {
    spdlog::error("job {} ({}) attempt {}/{} failed: {}; retrying at {}", job.id, job.kind,
                  job.attempt, job.max_attempts, error_text, FormatIso8601(*retry_at));
  } else {
    spdlog::error("job {} ({}) attempt {}/{} failed: {}; {}", job.id, job.kind, job.attempt,
                  job.max_attempts, error_text, OutcomeName(*failed));
  }
  if (is_periodic &&
      (*failed == store::FailOutcome::kDead || *failed == store::FailOutcome::kCoalesced)) {
    auto next = EnsurePeriodic(session, job.kind, now + periodic->second.interval,
                               /*unless_running=*/false);
    if (!next) {
      spdlog::error("periodic job {}: cannot schedule the next run: {}", job.kind,
                    next.error().ToString());
    }
  }
}

void RegisterJobMetrics(Metrics& metrics, store::Database& db) {
  metrics.AddCollector([&db](std::string& out) {
    static constexpr std::array<std::string_view, 5> kStatuses = {
        store::job_status::kQueued, store::job_status::kRunning, store::job_status::kSucceeded,
        store::job_status::kFailed, store::job_status::kDead};
    auto session = db.Acquire();
    auto counts = store::JobRepository::CountsByKindAndStatus(session);
    if (!counts) {
      spdlog::warn("metrics: cannot count jobs: {}", counts.error().ToString());
      return;
    }
    std::map<std::string, std::map<std::string, int64_t>> by_kind;
    for (const auto& count : *counts) by_kind[count.kind][count.status] = count.count;
    out += "# HELP reflector_jobs Jobs in the queue by kind and status.\n";
    out += "# TYPE reflector_jobs gauge\n";
    for (const auto& [kind, statuses] : by_kind) {
      for (std::string_view status : kStatuses) {
        auto found = statuses.find(std::string(status));
        out += fmt::format("reflector_jobs{} {}\n",
                           RenderLabels({{"kind", kind}, {"status", std::string(status)}}),
                           found == statuses.end() ? 0 : found->second);
      }
    }
  });
}

}  // namespace reflector::jobs
