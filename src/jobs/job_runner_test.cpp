#include "jobs/job_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "core/time_format.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/test_databases.hpp"
#include "store/jobs.hpp"

namespace reflector::jobs {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

const TimePoint kT0 = *ParseIso8601("2026-11-22T08:00:00Z");

TEST(BackoffDelayTest, FullJitterWithinExponentialCeilingAndCap) {
  const milliseconds base(1000);
  const milliseconds cap(10'000);
  EXPECT_EQ(BackoffDelay(1, base, cap, 0.0), milliseconds(0));
  EXPECT_EQ(BackoffDelay(1, base, cap, 0.5), milliseconds(500));
  EXPECT_EQ(BackoffDelay(1, base, cap, 0.9999), milliseconds(999));
  EXPECT_EQ(BackoffDelay(2, base, cap, 0.5), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(3, base, cap, 0.25), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(4, base, cap, 0.9999), milliseconds(7999));
  EXPECT_EQ(BackoffDelay(5, base, cap, 0.9999), milliseconds(9999));  // capped at 10 s
  EXPECT_EQ(BackoffDelay(200, base, cap, 0.5), milliseconds(5000));   // no overflow
}

TEST(IsPermanentTest, OnlyInvalidArgumentAndFailedPrecondition) {
  EXPECT_TRUE(IsPermanent(Code::kInvalidArgument));
  EXPECT_TRUE(IsPermanent(Code::kFailedPrecondition));
  EXPECT_TRUE(IsPermanent(PermanentFailure("x").code));
  EXPECT_FALSE(IsPermanent(Code::kUnavailable));
  EXPECT_FALSE(IsPermanent(Code::kInternal));
  EXPECT_FALSE(IsPermanent(Code::kNotFound));
}

class JobRunnerTest : public testing::DatabaseTest {
 protected:
  int PoolSize() const override { return 6; }

  JobRunnerOptions Options() {
    JobRunnerOptions options;
    options.threads = 2;
    options.worker_id = "test-worker";
    options.poll_interval = milliseconds(20);
    options.lease = seconds(30);
    options.backoff_base = milliseconds(1000);
    options.backoff_cap = milliseconds(3000);
    options.stop_grace = seconds(10);
    return options;
  }

  std::string Enqueue(const std::string& kind, const std::string& payload = "{}",
                      int max_attempts = 5) {
    auto session = db().Acquire();
    store::NewJob job;
    job.kind = kind;
    job.payload_json = payload;
    job.max_attempts = max_attempts;
    auto enqueued = store::JobRepository::Enqueue(session, job, clock_.Now());
    EXPECT_TRUE(enqueued.has_value()) << enqueued.error().ToString();
    return enqueued ? enqueued->job_id : "";
  }

  store::Job Get(const std::string& id) {
    auto session = db().Acquire();
    auto job = store::JobRepository::Get(session, id);
    EXPECT_TRUE(job.has_value()) << job.error().ToString();
    return job ? *job : store::Job{};
  }

  // Polls the job until `done` holds (deadline 10 s); returns the last state read.
  template <typename Predicate>
  store::Job WaitForJob(const std::string& id, Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    store::Job job = Get(id);
    while (!done(job) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
      job = Get(id);
    }
    EXPECT_TRUE(done(job)) << "job " << id << " stuck in " << job.status << " after "
                           << job.attempts << " attempt(s)";
    return job;
  }

  fakes::FakeClock clock_{kT0};
};

TEST_P(JobRunnerTest, RunsTheHandlerWithPayloadAndMarksSucceeded) {
  JobRunner runner(db(), clock_, Options());
  std::mutex mu;
  std::vector<JobContext> seen;
  runner.Register("greet", [&](const JobContext& job) -> Status {
    std::lock_guard lock(mu);
    seen.push_back(job);
    return Ok();
  });
  const std::string id = Enqueue("greet", R"({"name":"Zoë"})");
  ASSERT_TRUE(runner.Start().has_value());
  runner.Notify();
  store::Job job = WaitForJob(id, [](const store::Job& j) { return j.status == "succeeded"; });
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(job.finished_at, kT0);
  EXPECT_THAT(*job.locked_by, HasSubstr("test-worker/"));
  EXPECT_TRUE(runner.Stop());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].id, id);
  EXPECT_EQ(seen[0].kind, "greet");
  EXPECT_EQ(seen[0].payload, nlohmann::json({{"name", "Zoë"}}));
  EXPECT_EQ(seen[0].attempt, 1);
  EXPECT_EQ(seen[0].max_attempts, 5);
}

TEST_P(JobRunnerTest, RetriesOnTheBackoffScheduleThenDeadWithLastError) {
  JobRunnerOptions options = Options();
  std::vector<double> randoms = {0.25, 0.5, 0.999};
  size_t next_random = 0;
  options.random = [&] { return randoms.at(next_random++); };
  JobRunner runner(db(), clock_, options);
  std::atomic<int> calls{0};
  runner.Register("flaky", [&](const JobContext& job) -> Status {
    ++calls;
    return Err(Code::kUnavailable, "provider down on attempt " + std::to_string(job.attempt));
  });
  const std::string id = Enqueue("flaky", "{}", /*max_attempts=*/4);
  ASSERT_TRUE(runner.Start().has_value());

  // attempt n fails at `now`; the retry is due at now + u_n * min(cap, base * 2^(n-1)).
  const std::vector<milliseconds> expected_delays = {milliseconds(250), milliseconds(1000),
                                                     milliseconds(2997)};
  for (int attempt = 1; attempt <= 3; ++attempt) {
    runner.Notify();
    store::Job job = WaitForJob(
        id, [&](const store::Job& j) { return j.status == "queued" && j.attempts == attempt; });
    EXPECT_EQ(job.run_at, clock_.Now() + expected_delays[attempt - 1]) << "attempt " << attempt;
    EXPECT_EQ(job.last_error, "unavailable: provider down on attempt " + std::to_string(attempt));
    // Not a millisecond early: the job waits for its run_at.
    clock_.Advance(expected_delays[attempt - 1] - milliseconds(1));
    runner.Notify();
    EXPECT_EQ(Get(id).status, "queued");
    clock_.Advance(milliseconds(1));
  }
  runner.Notify();
  store::Job job = WaitForJob(id, [](const store::Job& j) { return j.status == "dead"; });
  EXPECT_EQ(job.attempts, 4);
  EXPECT_EQ(job.last_error, "unavailable: provider down on attempt 4");
  EXPECT_EQ(job.finished_at, clock_.Now());
  EXPECT_TRUE(runner.Stop());
  EXPECT_EQ(calls.load(), 4);
  EXPECT_EQ(next_random, 3u);  // no jitter drawn for the last attempt
}

TEST_P(JobRunnerTest, AKindsOwnRetryDelayReplacesTheDefaultBackoff) {
  JobRunnerOptions options = Options();
  options.random = [] { return 0.5; };
  JobRunner runner(db(), clock_, options);
  std::vector<std::pair<int, double>> asked;
  runner.SetRetryDelay("slow", [&](int attempt, double u) {
    asked.emplace_back(attempt, u);
    return std::chrono::minutes(attempt * 7);
  });
  runner.Register("slow", [](const JobContext&) -> Status { return Err(Code::kUnavailable, "x"); });
  runner.Register("fast", [](const JobContext&) -> Status { return Err(Code::kUnavailable, "y"); });
  const std::string slow = Enqueue("slow");
  const std::string fast = Enqueue("fast");
  ASSERT_TRUE(runner.Start().has_value());
  runner.Notify();
  auto queued_again = [](const store::Job& j) { return j.status == "queued" && j.attempts == 1; };
  EXPECT_EQ(WaitForJob(slow, queued_again).run_at, clock_.Now() + std::chrono::minutes(7));
  // Other kinds keep the runner's backoff: 0.5 * min(3 s, 1 s * 2^0).
  EXPECT_EQ(WaitForJob(fast, queued_again).run_at, clock_.Now() + milliseconds(500));
  EXPECT_TRUE(runner.Stop());
  EXPECT_EQ(asked, (std::vector<std::pair<int, double>>{{1, 0.5}}));
}

TEST_P(JobRunnerTest, PermanentFailuresAreDeadAtOnce) {
  JobRunner runner(db(), clock_, Options());
  runner.Register("invalid", [](const JobContext&) -> Status {
    return Err(Code::kInvalidArgument, "recording_id missing");
  });
  runner.Register("declared",
                  [](const JobContext&) -> Status { return Err(PermanentFailure("gone")); });
  const std::string invalid = Enqueue("invalid");
  const std::string declared = Enqueue("declared");
  const std::string unknown = Enqueue("nobody.handles.this");
  const std::string not_object = Enqueue("invalid", "[1,2]");
  ASSERT_TRUE(runner.Start().has_value());
  runner.Notify();
  auto dead = [](const store::Job& j) { return j.status == "dead"; };
  EXPECT_EQ(WaitForJob(invalid, dead).last_error, "invalid_argument: recording_id missing");
  EXPECT_EQ(WaitForJob(declared, dead).last_error, "failed_precondition: gone");
  store::Job unknown_job = WaitForJob(unknown, dead);
  EXPECT_EQ(unknown_job.attempts, 1);
  EXPECT_THAT(*unknown_job.last_error, HasSubstr("no handler for kind nobody.handles.this"));
  EXPECT_THAT(*WaitForJob(not_object, dead).last_error, HasSubstr("payload is not a JSON object"));
  EXPECT_TRUE(runner.Stop());
}

TEST_P(JobRunnerTest, AnExceptionIsARetryableFailure) {
  JobRunner runner(db(), clock_, Options());
  runner.Register("throws",
                  [](const JobContext&) -> Status { throw std::runtime_error("kaboom"); });
  const std::string id = Enqueue("throws");
  ASSERT_TRUE(runner.Start().has_value());
  runner.Notify();
  store::Job job =
      WaitForJob(id, [](const store::Job& j) { return j.status == "queued" && j.attempts == 1; });
  EXPECT_EQ(job.last_error, "internal: handler threw: kaboom");
  EXPECT_TRUE(runner.Stop());
}

TEST_P(JobRunnerTest, HeartbeatExtendsTheLeaseWhileTheHandlerRuns) {
  JobRunnerOptions options = Options();
  options.heartbeat_interval = milliseconds(10);
  JobRunner runner(db(), clock_, options);
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  runner.Register("slow", [&](const JobContext&) -> Status {
    started.set_value();
    released.wait();
    return Ok();
  });
  const std::string id = Enqueue("slow");
  ASSERT_TRUE(runner.Start().has_value());
  runner.Notify();
  started.get_future().wait();
  // Less than a lease: the job must not look abandoned to the other worker thread meanwhile.
  clock_.Advance(seconds(20));
  store::Job job = WaitForJob(
      id, [&](const store::Job& j) { return j.lease_until == clock_.Now() + options.lease; });
  EXPECT_EQ(job.status, "running");
  release.set_value();
  WaitForJob(id, [](const store::Job& j) { return j.status == "succeeded"; });
  EXPECT_TRUE(runner.Stop());
}

TEST_P(JobRunnerTest, StopWaitsForTheRunningHandler) {
  JobRunner runner(db(), clock_, Options());
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  runner.Register("slow", [&](const JobContext&) -> Status {
    started.set_value();
    released.wait();
    return Ok();
  });
  const std::string id = Enqueue("slow");
  ASSERT_TRUE(runner.Start().has_value());
  runner.Notify();
  started.get_future().wait();
  auto stopped = std::async(std::launch::async, [&] { return runner.Stop(); });
  // Stop is waiting for the handler; once it returns, the outcome is recorded.
  EXPECT_EQ(stopped.wait_for(milliseconds(50)), std::future_status::timeout);
  release.set_value();
  EXPECT_TRUE(stopped.get());
  EXPECT_EQ(Get(id).status, "succeeded");
  // Stopped runners claim nothing more.
  const std::string later = Enqueue("slow");
  runner.Notify();
  EXPECT_EQ(Get(later).status, "queued");
}

TEST_P(JobRunnerTest, PeriodicJobHasOneQueuedCopyAcrossRunnersAndReschedulesItself) {
  auto other_db = OpenAnother(4);
  ASSERT_NE(other_db, nullptr);
  std::atomic<int> ticks{0};
  auto tick = [&](const JobContext&) -> Status {
    ++ticks;
    return Ok();
  };
  JobRunnerOptions options = Options();
  JobRunner first(db(), clock_, options);
  options.worker_id = "other-worker";
  JobRunner second(*other_db, clock_, options);
  for (JobRunner* runner : {&first, &second}) {
    runner->Register("tick", tick);
    runner->AddPeriodic("tick", seconds(30), R"({"every":"30s"})");
  }
  ASSERT_TRUE(first.Start().has_value());
  ASSERT_TRUE(second.Start().has_value());
  first.Notify();
  second.Notify();

  auto list = [&](const char* status) {
    auto session = db().Acquire();
    auto page = store::JobRepository::List(session, {status, "tick"}, 10, 0);
    EXPECT_TRUE(page.has_value());
    return page ? page->items : std::vector<store::Job>{};
  };
  // The first occurrence (due at start) runs once; the next one is queued 30 s later.
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while ((list("succeeded").size() != 1 || list("queued").size() != 1) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(list("succeeded").size(), 1u);
  auto queued = list("queued");
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].run_at, kT0 + seconds(30));
  EXPECT_EQ(queued[0].dedup_key, "periodic:tick");
  EXPECT_EQ(nlohmann::json::parse(queued[0].payload_json), nlohmann::json({{"every", "30s"}}));
  EXPECT_EQ(ticks.load(), 1);

  // A restarted process re-ensures the schedule without adding a copy.
  JobRunner third(db(), clock_, Options());
  third.Register("tick", tick);
  third.AddPeriodic("tick", seconds(30));
  ASSERT_TRUE(third.Start().has_value());
  EXPECT_EQ(list("queued").size(), 1u);

  clock_.Advance(seconds(30));
  third.Notify();
  WaitForJob(queued[0].id, [](const store::Job& j) { return j.status == "succeeded"; });
  EXPECT_TRUE(first.Stop());
  EXPECT_TRUE(second.Stop());
  EXPECT_TRUE(third.Stop());
  EXPECT_EQ(ticks.load(), 2);
  EXPECT_EQ(list("queued").size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, JobRunnerTest, testing::TestBackends(), testing::BackendName);

}  // namespace
}  // namespace reflector::jobs
