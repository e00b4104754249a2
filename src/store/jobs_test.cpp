#include "store/jobs.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "core/time_format.hpp"
#include "fakes/test_databases.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::DatabaseTest;

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

const TimePoint kT0 = At("2026-11-22T08:00:00Z");
constexpr milliseconds kLease = seconds(30);

class JobsTest : public DatabaseTest {
 protected:
  int PoolSize() const override { return 10; }

  std::string Add(const std::string& kind, std::optional<std::string> dedup = std::nullopt,
                  TimePoint run_at = kT0, int priority = 0, int max_attempts = 5) {
    auto session = db().Acquire();
    NewJob job;
    job.kind = kind;
    job.payload_json = R"({"n":1})";
    job.dedup_key = std::move(dedup);
    job.run_at = run_at;
    job.priority = priority;
    job.max_attempts = max_attempts;
    auto enqueued = JobRepository::Enqueue(session, job, kT0);
    EXPECT_TRUE(enqueued.has_value()) << enqueued.error().ToString();
    return enqueued ? enqueued->job_id : std::string();
  }

  Job Get(const std::string& id) {
    auto session = db().Acquire();
    auto job = JobRepository::Get(session, id);
    EXPECT_TRUE(job.has_value()) << job.error().ToString();
    return job ? *job : Job{};
  }

  std::optional<Job> Claim(const std::string& worker, TimePoint now,
                           const std::vector<std::string>& kinds = {}) {
    auto session = db().Acquire();
    auto claimed = JobRepository::Claim(session, worker, now, kLease, kinds);
    EXPECT_TRUE(claimed.has_value()) << claimed.error().ToString();
    return claimed ? *claimed : std::nullopt;
  }

  FailOutcome Fail(const std::string& id, const std::string& worker, const std::string& error,
                   std::optional<TimePoint> retry_at, TimePoint now) {
    auto session = db().Acquire();
    auto outcome = JobRepository::Fail(session, id, worker, error, retry_at, now);
    EXPECT_TRUE(outcome.has_value()) << outcome.error().ToString();
    return outcome ? *outcome : FailOutcome::kLost;
  }
};

TEST_P(JobsTest, EnqueueStoresEveryField) {
  auto session = db().Acquire();
  NewJob job;
  job.kind = "recording.process";
  job.payload_json = R"({"recording_id":"r1"})";
  job.dedup_key = "recording:r1";
  job.run_at = kT0 + seconds(5);
  job.priority = 7;
  job.max_attempts = 3;
  auto enqueued = JobRepository::Enqueue(session, job, kT0);
  ASSERT_TRUE(enqueued.has_value()) << enqueued.error().ToString();
  EXPECT_FALSE(enqueued->coalesced);
  EXPECT_EQ(enqueued->job_id.size(), 36u);

  Job stored = Get(enqueued->job_id);
  EXPECT_EQ(stored.kind, "recording.process");
  EXPECT_EQ(nlohmann::json::parse(stored.payload_json), nlohmann::json({{"recording_id", "r1"}}));
  EXPECT_EQ(stored.dedup_key, "recording:r1");
  EXPECT_EQ(stored.status, "queued");
  EXPECT_EQ(stored.priority, 7);
  EXPECT_EQ(stored.attempts, 0);
  EXPECT_EQ(stored.max_attempts, 3);
  EXPECT_EQ(stored.run_at, kT0 + seconds(5));
  EXPECT_EQ(stored.created_at, kT0);
  EXPECT_EQ(stored.updated_at, kT0);
  EXPECT_EQ(stored.locked_by, std::nullopt);
  EXPECT_EQ(stored.lease_until, std::nullopt);
  EXPECT_EQ(stored.last_error, std::nullopt);
  EXPECT_EQ(stored.finished_at, std::nullopt);
}

TEST_P(JobsTest, EnqueueDefaultsRunAtToNowAndRejectsBadInput) {
  auto session = db().Acquire();
  NewJob job;
  job.kind = "k";
  auto enqueued = JobRepository::Enqueue(session, job, kT0);
  ASSERT_TRUE(enqueued.has_value());
  EXPECT_EQ(Get(enqueued->job_id).run_at, kT0);

  NewJob no_kind;
  auto bad = JobRepository::Enqueue(session, no_kind, kT0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalidArgument);
  NewJob zero_attempts;
  zero_attempts.kind = "k";
  zero_attempts.max_attempts = 0;
  bad = JobRepository::Enqueue(session, zero_attempts, kT0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalidArgument);
}

TEST_P(JobsTest, GetUnknownIsNotFound) {
  auto session = db().Acquire();
  auto job = JobRepository::Get(session, "nope");
  ASSERT_FALSE(job.has_value());
  EXPECT_EQ(job.error().code, Code::kNotFound);
}

TEST_P(JobsTest, SameDedupKeyCoalescesWhileQueuedOnly) {
  auto session = db().Acquire();
  NewJob job;
  job.kind = "daily.presence_reconcile";
  job.dedup_key = "presence:m1";
  auto first = JobRepository::Enqueue(session, job, kT0);
  auto second = JobRepository::Enqueue(session, job, kT0);
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_FALSE(first->coalesced);
  EXPECT_TRUE(second->coalesced);
  EXPECT_EQ(second->job_id, first->job_id);

  // Without a key nothing coalesces.
  NewJob plain;
  plain.kind = "other";
  auto a = JobRepository::Enqueue(session, plain, kT0);
  auto b = JobRepository::Enqueue(session, plain, kT0);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(a->job_id, b->job_id);

  // Once the queued one runs, the key is free for a new queued job.
  auto claimed = Claim("w1", kT0, {"daily.presence_reconcile"});
  ASSERT_TRUE(claimed.has_value());
  ASSERT_EQ(claimed->id, first->job_id);
  auto third = JobRepository::Enqueue(session, job, kT0);
  ASSERT_TRUE(third.has_value());
  EXPECT_FALSE(third->coalesced);
  EXPECT_NE(third->job_id, first->job_id);
}

TEST_P(JobsTest, EnqueueUnlessActiveAlsoCoalescesIntoARunningJob) {
  auto session = db().Acquire();
  NewJob job;
  job.kind = "tick";
  job.dedup_key = "periodic:tick";
  auto first = JobRepository::EnqueueUnlessActive(session, job, kT0);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_FALSE(first->coalesced);
  auto queued = JobRepository::EnqueueUnlessActive(session, job, kT0);
  ASSERT_TRUE(queued.has_value());
  EXPECT_TRUE(queued->coalesced);
  EXPECT_EQ(queued->job_id, first->job_id);

  ASSERT_EQ(Claim("w", kT0)->id, first->job_id);
  auto running = JobRepository::EnqueueUnlessActive(session, job, kT0);
  ASSERT_TRUE(running.has_value());
  EXPECT_TRUE(running->coalesced);
  EXPECT_EQ(running->job_id, first->job_id);
  // Plain Enqueue only coalesces into queued jobs.
  auto plain = JobRepository::Enqueue(session, job, kT0);
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(plain->coalesced);

  NewJob keyless;
  keyless.kind = "tick";
  auto bad = JobRepository::EnqueueUnlessActive(session, keyless, kT0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalidArgument);
}

TEST_P(JobsTest, EnqueueInsideTransactionCommitsOrRollsBackWithIt) {
  auto session = db().Acquire();
  NewJob job;
  job.kind = "k";
  std::string rolled_back;
  {
    auto tx = session.Begin();
    ASSERT_TRUE(tx.has_value());
    auto enqueued = JobRepository::Enqueue(session, job, kT0);
    ASSERT_TRUE(enqueued.has_value());
    rolled_back = enqueued->job_id;
  }
  auto missing = JobRepository::Get(session, rolled_back);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Code::kNotFound);
}

TEST_P(JobsTest, ConcurrentEnqueueOfOneKeyMakesOneJob) {
  constexpr int kThreads = 8;
  std::vector<std::string> ids(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto session = db().Acquire();
      NewJob job;
      job.kind = "daily.presence_reconcile";
      job.dedup_key = "presence:same";
      auto enqueued = JobRepository::Enqueue(session, job, kT0);
      if (!enqueued) {
        ++errors;
        ADD_FAILURE() << enqueued.error().ToString();
        return;
      }
      ids[i] = enqueued->job_id;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u);
  auto session = db().Acquire();
  auto page = JobRepository::List(session, {}, 100, 0);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 1);
}

TEST_P(JobsTest, ClaimTakesHighestPriorityThenOldestDueJob) {
  const std::string late = Add("k", std::nullopt, kT0 + seconds(10));
  const std::string old_low = Add("k", std::nullopt, kT0 - seconds(20));
  const std::string new_high = Add("k", std::nullopt, kT0 - seconds(1), /*priority=*/5);
  const std::string old_high = Add("k", std::nullopt, kT0 - seconds(10), /*priority=*/5);

  auto first = Claim("w1", kT0);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, old_high);
  EXPECT_EQ(first->status, "running");
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->locked_by, "w1");
  EXPECT_EQ(first->lease_until, kT0 + kLease);
  EXPECT_EQ(first->updated_at, kT0);
  EXPECT_EQ(Get(old_high).status, "running");

  EXPECT_EQ(Claim("w1", kT0)->id, new_high);
  EXPECT_EQ(Claim("w1", kT0)->id, old_low);
  EXPECT_EQ(Claim("w1", kT0), std::nullopt);            // `late` is not due
  EXPECT_EQ(Claim("w1", kT0 + seconds(10))->id, late);  // leases still held
}

TEST_P(JobsTest, ClaimFiltersByKind) {
  const std::string a = Add("a");
  const std::string b = Add("b", std::nullopt, kT0, /*priority=*/9);
  EXPECT_EQ(Claim("w", kT0, {"a", "c"})->id, a);
  EXPECT_EQ(Claim("w", kT0, {"a"}), std::nullopt);
  EXPECT_EQ(Claim("w", kT0, {"b"})->id, b);
}

TEST_P(JobsTest, ClaimInsideTransactionIsRefused) {
  auto session = db().Acquire();
  auto tx = session.Begin();
  ASSERT_TRUE(tx.has_value());
  auto claimed = JobRepository::Claim(session, "w", kT0, kLease);
  ASSERT_FALSE(claimed.has_value());
  EXPECT_EQ(claimed.error().code, Code::kFailedPrecondition);
}

TEST_P(JobsTest, HeartbeatExtendsOnlyOwnLease) {
  const std::string id = Add("k");
  ASSERT_TRUE(Claim("w1", kT0).has_value());
  auto session = db().Acquire();
  auto mine = JobRepository::Heartbeat(session, id, "w1", kT0 + seconds(10), kLease);
  ASSERT_TRUE(mine.has_value());
  EXPECT_TRUE(*mine);
  EXPECT_EQ(Get(id).lease_until, kT0 + seconds(10) + kLease);
  auto other = JobRepository::Heartbeat(session, id, "w2", kT0 + seconds(10), kLease);
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(*other);
}

TEST_P(JobsTest, SucceedFinishesOwnJobOnly) {
  const std::string id = Add("k");
  ASSERT_TRUE(Claim("w1", kT0).has_value());
  auto session = db().Acquire();
  auto other = JobRepository::Succeed(session, id, "w2", kT0 + seconds(1));
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(*other);
  auto mine = JobRepository::Succeed(session, id, "w1", kT0 + seconds(2));
  ASSERT_TRUE(mine.has_value());
  EXPECT_TRUE(*mine);
  Job job = Get(id);
  EXPECT_EQ(job.status, "succeeded");
  EXPECT_EQ(job.finished_at, kT0 + seconds(2));
  EXPECT_EQ(job.lease_until, std::nullopt);
  EXPECT_EQ(job.locked_by, "w1");
  // Twice is a no-op.
  auto again = JobRepository::Succeed(session, id, "w1", kT0 + seconds(3));
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(*again);
}

TEST_P(JobsTest, ExpiredLeaseIsReclaimedByAnotherWorker) {
  const std::string id = Add("k");
  ASSERT_TRUE(Claim("w1", kT0).has_value());
  EXPECT_EQ(Claim("w2", kT0 + kLease), std::nullopt);  // lease_until == now: still held
  auto reclaimed = Claim("w2", kT0 + kLease + milliseconds(1));
  ASSERT_TRUE(reclaimed.has_value());
  EXPECT_EQ(reclaimed->id, id);
  EXPECT_EQ(reclaimed->attempts, 2);
  EXPECT_EQ(reclaimed->locked_by, "w2");
  // The first worker has lost it: its outcome is ignored.
  auto session = db().Acquire();
  auto late = JobRepository::Succeed(session, id, "w1", kT0 + kLease + seconds(1));
  ASSERT_TRUE(late.has_value());
  EXPECT_FALSE(*late);
  EXPECT_EQ(Fail(id, "w1", "boom", kT0 + seconds(100), kT0 + kLease + seconds(1)),
            FailOutcome::kLost);
  EXPECT_EQ(Get(id).status, "running");
}

TEST_P(JobsTest, ExpiredLeaseOnLastAttemptMakesTheJobDead) {
  const std::string id = Add("k", std::nullopt, kT0, 0, /*max_attempts=*/1);
  ASSERT_TRUE(Claim("w1", kT0).has_value());
  EXPECT_EQ(Claim("w2", kT0 + kLease + seconds(1)), std::nullopt);
  Job job = Get(id);
  EXPECT_EQ(job.status, "dead");
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(job.finished_at, kT0 + kLease + seconds(1));
  EXPECT_EQ(job.last_error, "lease expired on the last attempt (worker w1 stopped)");
}

TEST_P(JobsTest, FailRetriesUntilMaxAttemptsThenDeadWithLastError) {
  const std::string id = Add("k", std::nullopt, kT0, 0, /*max_attempts=*/3);
  TimePoint now = kT0;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto claimed = Claim("w", now);
    ASSERT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->attempts, attempt);
    EXPECT_EQ(Fail(id, "w", "error " + std::to_string(attempt), now + seconds(attempt), now),
              FailOutcome::kRetrying);
    Job job = Get(id);
    EXPECT_EQ(job.status, "queued");
    EXPECT_EQ(job.run_at, now + seconds(attempt));
    EXPECT_EQ(job.last_error, "error " + std::to_string(attempt));
    EXPECT_EQ(job.lease_until, std::nullopt);
    EXPECT_EQ(Claim("w", now), std::nullopt);  // not due before retry_at
    now += seconds(attempt);
  }
  ASSERT_TRUE(Claim("w", now).has_value());
  EXPECT_EQ(Fail(id, "w", "error 3", now + seconds(10), now), FailOutcome::kDead);
  Job job = Get(id);
  EXPECT_EQ(job.status, "dead");
  EXPECT_EQ(job.attempts, 3);
  EXPECT_EQ(job.last_error, "error 3");
  EXPECT_EQ(job.finished_at, now);
  EXPECT_EQ(Claim("w", now + seconds(100)), std::nullopt);
}

TEST_P(JobsTest, FailWithoutRetryIsDeadAtOnce) {
  const std::string id = Add("k");
  ASSERT_TRUE(Claim("w", kT0).has_value());
  EXPECT_EQ(Fail(id, "w", "bad payload", std::nullopt, kT0), FailOutcome::kDead);
  EXPECT_EQ(Get(id).status, "dead");
  EXPECT_EQ(Get(id).attempts, 1);
  EXPECT_EQ(Get(id).last_error, "bad payload");
}

TEST_P(JobsTest, RetryCoalescesIntoAJobQueuedMeanwhile) {
  const std::string running = Add("daily.presence_reconcile", "presence:m1");
  ASSERT_EQ(Claim("w", kT0)->id, running);
  // A webhook queues the same reconciliation while the first one runs.
  const std::string queued = Add("daily.presence_reconcile", "presence:m1");
  ASSERT_NE(queued, running);

  EXPECT_EQ(Fail(running, "w", "daily 503", kT0 + seconds(5), kT0), FailOutcome::kCoalesced);
  Job failed = Get(running);
  EXPECT_EQ(failed.status, "failed");
  EXPECT_EQ(failed.finished_at, kT0);
  EXPECT_EQ(failed.last_error, "daily 503 (retry coalesced into queued job " + queued + ")");
  Job other = Get(queued);
  EXPECT_EQ(other.status, "queued");
  EXPECT_EQ(other.run_at, kT0);
}

TEST_P(JobsTest, TwoDatabasesNeverClaimTheSameJob) {
  constexpr int kJobs = 60;
  for (int i = 0; i < kJobs; ++i) Add("k");
  auto other = OpenAnother(4);
  ASSERT_NE(other, nullptr);
  std::mutex mu;
  std::map<std::string, int> claims;
  std::atomic<int> errors{0};
  auto hammer = [&](Database& database, int worker) {
    auto session = database.Acquire();
    const std::string name = "w" + std::to_string(worker);
    for (;;) {
      auto claimed = JobRepository::Claim(session, name, kT0, kLease);
      if (!claimed) {
        // SQLite may stay busy under this much contention: that is a retry, not a double claim.
        if (claimed.error().code == Code::kUnavailable) continue;
        ++errors;
        ADD_FAILURE() << claimed.error().ToString();
        return;
      }
      if (!*claimed) return;
      std::lock_guard lock(mu);
      ++claims[(*claimed)->id];
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(hammer, std::ref(db()), i);
  for (int i = 3; i < 6; ++i) threads.emplace_back(hammer, std::ref(*other), i);
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claims.size(), static_cast<size_t>(kJobs));
  for (const auto& [id, count] : claims) EXPECT_EQ(count, 1) << id;
}

TEST_P(JobsTest, ListFiltersPagesNewestFirst) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto session = db().Acquire();
    NewJob job;
    job.kind = i % 2 == 0 ? "even" : "odd";
    auto enqueued = JobRepository::Enqueue(session, job, kT0 + seconds(i));
    ASSERT_TRUE(enqueued.has_value());
    ids.push_back(enqueued->job_id);
  }
  auto session = db().Acquire();
  auto all = JobRepository::List(session, {}, 2, 1);
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  EXPECT_EQ(all->total, 5);
  ASSERT_EQ(all->items.size(), 2u);
  EXPECT_EQ(all->items[0].id, ids[3]);
  EXPECT_EQ(all->items[1].id, ids[2]);

  auto even = JobRepository::List(session, JobFilter{std::nullopt, "even"}, 10, 0);
  ASSERT_TRUE(even.has_value());
  EXPECT_EQ(even->total, 3);
  ASSERT_EQ(even->items.size(), 3u);
  EXPECT_EQ(even->items[0].id, ids[4]);

  ASSERT_TRUE(Claim("w", kT0 + seconds(10), {"odd"}).has_value());
  auto running = JobRepository::List(session, JobFilter{"running", "odd"}, 10, 0);
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->total, 1);

  auto bad = JobRepository::List(session, {}, 0, 0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kInvalidArgument);
}

TEST_P(JobsTest, CountsByKindAndStatus) {
  Add("a");
  Add("a");
  Add("b");
  ASSERT_TRUE(Claim("w", kT0, {"b"}).has_value());
  auto session = db().Acquire();
  auto counts = JobRepository::CountsByKindAndStatus(session);
  ASSERT_TRUE(counts.has_value()) << counts.error().ToString();
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].kind, "a");
  EXPECT_EQ((*counts)[0].status, "queued");
  EXPECT_EQ((*counts)[0].count, 2);
  EXPECT_EQ((*counts)[1].kind, "b");
  EXPECT_EQ((*counts)[1].status, "running");
  EXPECT_EQ((*counts)[1].count, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, JobsTest, testing::TestBackends(), testing::BackendName);

}  // namespace
}  // namespace reflector::store
