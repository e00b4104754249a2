// Background jobs end to end, on the real binary: `reflector worker` processes (kill -9 mid-job,
// two workers sharing one PostgreSQL), in-process workers of `reflector serve`, and the
// GET /v1/jobs and /metrics views of the queue.
//
// Holding a job mid-run without a test-only code path: the recording.process handler reads the
// job's recording, so a test transaction holding `LOCK TABLE recording IN ACCESS EXCLUSIVE MODE`
// (PostgreSQL) keeps the handler waiting while its job is claimed and running. The recordings are
// seeded as already processed (status 'ready'), so the handler's run is its idempotent path: read
// the row, find it done, succeed — what the queue tests need, without media or providers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include "fakes/test_databases.hpp"
#include "store/database.hpp"
#include "store/jobs.hpp"
#include "store/migrations.hpp"
#include "store/sql.hpp"
#include "support/child_process.hpp"
#include "support/reflector_server.hpp"
#include "support/test_keys.hpp"

namespace reflector::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
template <typename Condition>
bool Eventually(Condition condition, std::chrono::milliseconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// A job queue database plus `reflector worker` processes on it.
class WorkerFixture {
 public:
  explicit WorkerFixture(const std::string& backend) {
    auto scoped = ScopedTestDatabase::Create(backend);
    if (!scoped) {
      error_ = scoped.error().ToString();
      return;
    }
    scoped_ = std::move(*scoped);
    auto db = store::Database::Open(scoped_->url(), 2);
    if (!db) {
      error_ = db.error().ToString();
      return;
    }
    db_ = std::move(*db);
    auto migrated = store::MigrateUp(*db_);
    if (!migrated) error_ = migrated.error().ToString();
  }

  ~WorkerFixture() {
    workers_.clear();  // SIGKILL whatever is left, before the schema is dropped
    db_.reset();
    scoped_.reset();
  }

  const std::string& error() const { return error_; }
  store::Database& db() { return *db_; }
  const std::string& url() const { return scoped_->url(); }

  // A recording row and a recording.process job for it; returns the job id.
  std::string AddRecordingJob(store::Session& session, const std::string& recording_id) {
    AddRecording(session, recording_id);
    return EnqueueRecordingJob(session, recording_id);
  }

  void AddRecording(store::Session& session, const std::string& recording_id) {
    auto inserted =
        store::Exec(session,
                    "INSERT INTO recording (id, bucket_name, object_key, recorded_at, status) "
                    "VALUES (:id, 'bucket', :key, :at, 'ready')",
                    store::SqlParams()
                        .Text("id", recording_id)
                        .Text("key", "recordings/" + recording_id + ".mp4")
                        .Time("at", std::chrono::system_clock::now()));
    EXPECT_TRUE(inserted.has_value()) << inserted.error().ToString();
  }

  std::string EnqueueRecordingJob(store::Session& session, const std::string& recording_id) {
    store::NewJob job;
    job.kind = std::string(store::job_kind::kRecordingProcess);
    job.payload_json = json({{"recording_id", recording_id}}).dump();
    job.dedup_key = "recording:" + recording_id;
    auto enqueued = store::JobRepository::Enqueue(session, job, std::chrono::system_clock::now());
    EXPECT_TRUE(enqueued.has_value()) << enqueued.error().ToString();
    return enqueued ? enqueued->job_id : "";
  }

  store::Job Get(const std::string& id) {
    auto session = db_->Acquire();
    auto job = store::JobRepository::Get(session, id);
    EXPECT_TRUE(job.has_value()) << job.error().ToString();
    return job ? *job : store::Job{};
  }

  // Starts `reflector worker` and waits for its start line; nullptr (with a test failure) if it
  // does not start.
  ChildProcess* StartWorker(std::map<std::string, std::string> extra_env = {}) {
    std::map<std::string, std::string> env = {{"PATH", "/usr/bin:/bin"},
                                              {"DATABASE_URL", scoped_->url()},
                                              {"DATA_DIR", dir_.path() + "/data"},
                                              {"LOG_LEVEL", "debug"},
                                              {"WORKER_THREADS", "1"}};
    for (auto& [name, value] : extra_env) env[name] = value;
    workers_.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{REFLECTOR_BINARY, "worker"}, std::move(env), dir_.path()));
    ChildProcess* worker = workers_.back().get();
    auto started = worker->WaitForOutput(std::regex("worker (\\S+): \\d+ thread"), 30s);
    EXPECT_TRUE(started.has_value()) << "worker did not start:\n" << worker->Output();
    return started ? worker : nullptr;
  }

 private:
  TempDir dir_;
  std::unique_ptr<ScopedTestDatabase> scoped_;
  std::unique_ptr<store::Database> db_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
  std::string error_;
};

std::string PidTag(const ChildProcess& process) {
  return ":" + std::to_string(process.pid()) + ":";
}

TEST(WorkerE2eTest, KilledMidJobTheJobCompletesOnceAfterRestart) {
  REFLECTOR_SKIP_IF_NO_BACKEND("postgres");
  WorkerFixture fixture("postgres");
  ASSERT_EQ(fixture.error(), "");
  std::string job_id;
  {
    auto session = fixture.db().Acquire();
    job_id = fixture.AddRecordingJob(session, "rec-kill-9");
  }
  ASSERT_FALSE(job_id.empty());

  // Hold the handler: it blocks reading the recording while the table is locked.
  auto locker_db = store::Database::Open(fixture.url(), 1);
  ASSERT_TRUE(locker_db.has_value());
  auto locker = (*locker_db)->Acquire();
  auto lock = locker.Begin();
  ASSERT_TRUE(lock.has_value());
  ASSERT_TRUE(store::Exec(locker, "LOCK TABLE recording IN ACCESS EXCLUSIVE MODE").has_value());

  ChildProcess* first = fixture.StartWorker({{"JOB_LEASE_SECONDS", "2"}});
  ASSERT_NE(first, nullptr);
  store::Job job;
  ASSERT_TRUE(Eventually([&] {
    job = fixture.Get(job_id);
    return job.status == "running";
  })) << first->Output();
  EXPECT_THAT(job.locked_by.value_or(""), HasSubstr(PidTag(*first)));
  EXPECT_EQ(job.attempts, 1);

  first->Signal(SIGKILL);
  ASSERT_EQ(first->WaitForExit(10s), 128 + SIGKILL);
  ASSERT_TRUE(lock->Rollback().has_value());

  ChildProcess* second = fixture.StartWorker({{"JOB_LEASE_SECONDS", "2"}});
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(Eventually([&] {
    job = fixture.Get(job_id);
    return job.status == "succeeded";
  })) << "job "
      << job.status << "\n"
      << second->Output();
  EXPECT_EQ(job.attempts, 2);  // the killed run, then this one: completed exactly once
  EXPECT_THAT(job.locked_by.value_or(""), HasSubstr(PidTag(*second)));
  // The output is read asynchronously: the line may trail the job's row by a moment.
  EXPECT_TRUE(Eventually([&] {
    return second->Output().find("recording.process ran for recording rec-kill-9") !=
           std::string::npos;
  })) << second->Output();

  second->Signal(SIGTERM);
  EXPECT_EQ(second->WaitForExit(15s), 0) << second->Output();
}

// Holds recording.process handlers: a PostgreSQL transaction that locks table `recording`.
class RecordingTableLock {
 public:
  explicit RecordingTableLock(const std::string& url) {
    auto db = store::Database::Open(url, 1);
    EXPECT_TRUE(db.has_value());
    if (!db) return;
    db_ = std::move(*db);
    session_.emplace(db_->Acquire());
    auto tx = session_->Begin();
    EXPECT_TRUE(tx.has_value());
    if (!tx) return;
    tx_.emplace(std::move(*tx));
    auto locked = store::Exec(*session_, "LOCK TABLE recording IN ACCESS EXCLUSIVE MODE");
    EXPECT_TRUE(locked.has_value()) << locked.error().ToString();
    held_ = locked.has_value();
  }
  bool held() const { return held_; }
  void Release() {
    if (tx_) {
      EXPECT_TRUE(tx_->Rollback().has_value());
    }
    tx_.reset();
  }

 private:
  std::unique_ptr<store::Database> db_;
  std::optional<store::Session> session_;
  std::optional<store::Transaction> tx_;
  bool held_ = false;
};

TEST(WorkerE2eTest, SigtermLetsTheRunningJobFinishWithinTheGrace) {
  REFLECTOR_SKIP_IF_NO_BACKEND("postgres");
  WorkerFixture fixture("postgres");
  ASSERT_EQ(fixture.error(), "");
  std::string job_id;
  {
    auto session = fixture.db().Acquire();
    job_id = fixture.AddRecordingJob(session, "rec-graceful");
  }
  RecordingTableLock lock(fixture.url());
  ASSERT_TRUE(lock.held());
  ChildProcess* worker = fixture.StartWorker({{"JOB_STOP_GRACE_SECONDS", "30"}});
  ASSERT_NE(worker, nullptr);
  ASSERT_TRUE(Eventually([&] { return fixture.Get(job_id).status == "running"; }))
      << worker->Output();

  worker->Signal(SIGTERM);
  ASSERT_TRUE(worker->WaitForOutput(std::regex("stopping the job runner"), 10s))
      << worker->Output();
  lock.Release();  // the handler can finish now, within the grace
  EXPECT_EQ(worker->WaitForExit(30s), 0) << worker->Output();
  store::Job job = fixture.Get(job_id);
  EXPECT_EQ(job.status, "succeeded");
  EXPECT_EQ(job.attempts, 1);
}

TEST(WorkerE2eTest, SigtermPastTheGraceLeavesTheJobToAnotherWorker) {
  REFLECTOR_SKIP_IF_NO_BACKEND("postgres");
  WorkerFixture fixture("postgres");
  ASSERT_EQ(fixture.error(), "");
  std::string job_id;
  {
    auto session = fixture.db().Acquire();
    job_id = fixture.AddRecordingJob(session, "rec-stuck");
  }
  RecordingTableLock lock(fixture.url());
  ASSERT_TRUE(lock.held());
  ChildProcess* first =
      fixture.StartWorker({{"JOB_STOP_GRACE_SECONDS", "1"}, {"JOB_LEASE_SECONDS", "2"}});
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(Eventually([&] { return fixture.Get(job_id).status == "running"; }))
      << first->Output();

  first->Signal(SIGTERM);
  EXPECT_EQ(first->WaitForExit(15s), 0) << first->Output();
  EXPECT_TRUE(Eventually([&] {
    return first->Output().find("still running after the 1000 ms stop grace") != std::string::npos;
  })) << first->Output();
  store::Job job = fixture.Get(job_id);
  EXPECT_EQ(job.status, "running");  // still claimed, with its lease
  EXPECT_THAT(job.locked_by.value_or(""), HasSubstr(PidTag(*first)));
  lock.Release();

  ChildProcess* second = fixture.StartWorker({{"JOB_LEASE_SECONDS", "2"}});
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(Eventually([&] {
    job = fixture.Get(job_id);
    return job.status == "succeeded";
  })) << second->Output();
  EXPECT_EQ(job.attempts, 2);
  EXPECT_THAT(job.locked_by.value_or(""), HasSubstr(PidTag(*second)));
}

TEST(WorkerE2eTest, TwoWorkersOnOnePostgresNeverRunTheSameJob) {
  REFLECTOR_SKIP_IF_NO_BACKEND("postgres");
  WorkerFixture fixture("postgres");
  ASSERT_EQ(fixture.error(), "");
  constexpr int kJobs = 200;
  constexpr int kThreadsPerWorker = 2;
  {
    auto session = fixture.db().Acquire();
    auto tx = session.Begin();
    ASSERT_TRUE(tx.has_value());
    for (int i = 0; i < kJobs; ++i) fixture.AddRecording(session, "rec-" + std::to_string(i));
    ASSERT_TRUE(tx->Commit().has_value());
  }
  ChildProcess* a = fixture.StartWorker({{"WORKER_THREADS", std::to_string(kThreadsPerWorker)}});
  ChildProcess* b = fixture.StartWorker({{"WORKER_THREADS", std::to_string(kThreadsPerWorker)}});
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto owner = [&](const store::Job& job) {
    const std::string locked_by = job.locked_by.value_or("");
    return locked_by.find(PidTag(*a)) != std::string::npos   ? std::string("a")
           : locked_by.find(PidTag(*b)) != std::string::npos ? std::string("b")
                                                             : "other: " + locked_by;
  };
  auto page = [&](const char* status) {
    auto session = fixture.db().Acquire();
    auto listed = store::JobRepository::List(
        session, {status, std::string(store::job_kind::kRecordingProcess)}, 1000, 0);
    EXPECT_TRUE(listed.has_value());
    return listed ? *listed : store::JobPage{};
  };

  // Both processes compete from the start: with the handlers held, every worker thread of both
  // claims one job and waits; released, they race for the rest.
  RecordingTableLock lock(fixture.url());
  ASSERT_TRUE(lock.held());
  {
    auto session = fixture.db().Acquire();
    auto tx = session.Begin();
    ASSERT_TRUE(tx.has_value());
    for (int i = 0; i < kJobs; ++i)
      fixture.EnqueueRecordingJob(session, "rec-" + std::to_string(i));
    ASSERT_TRUE(tx->Commit().has_value());
  }
  store::JobPage running;
  ASSERT_TRUE(Eventually([&] {
    running = page("running");
    return running.total == 2 * kThreadsPerWorker;
  })) << running.total
      << " running\n"
      << a->Output() << b->Output();
  std::map<std::string, int> held;
  for (const auto& job : running.items) ++held[owner(job)];
  EXPECT_EQ(held, (std::map<std::string, int>{{"a", kThreadsPerWorker}, {"b", kThreadsPerWorker}}));
  lock.Release();

  ASSERT_TRUE(Eventually([&] { return page("succeeded").total == kJobs; }, 60s))
      << a->Output() << b->Output();
  std::map<std::string, int> ran;
  for (const auto& job : page("succeeded").items) {
    EXPECT_EQ(job.attempts, 1) << job.id << " was claimed more than once";
    ++ran[owner(job)];
  }
  EXPECT_EQ(ran.size(), 2u);  // a and b, nobody else
  EXPECT_EQ(ran["a"] + ran["b"], kJobs);
  // Each handler run logs once: kJobs runs in total across both processes.
  auto runs = [](const std::string& output) {
    int count = 0;
    for (size_t pos = output.find("recording.process ran"); pos != std::string::npos;
         pos = output.find("recording.process ran", pos + 1)) {
      ++count;
    }
    return count;
  };
  EXPECT_EQ(runs(a->Output()), ran["a"]);
  EXPECT_EQ(runs(b->Output()), ran["b"]);
  a->Signal(SIGTERM);
  b->Signal(SIGTERM);
  EXPECT_EQ(a->WaitForExit(15s), 0);
  EXPECT_EQ(b->WaitForExit(15s), 0);
}

class JobsApiTest : public ::testing::TestWithParam<std::string> {};

TEST_P(JobsApiTest, ServeRunsJobsInProcessAndListsThem) {
  REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
  ReflectorServer server(GetParam(), {{"WORKER_THREADS", "1"}});
  ASSERT_TRUE(server.started()) << server.Output();
  auto db = store::Database::Open(server.database_url(), 1);
  ASSERT_TRUE(db.has_value());
  std::string recording_job;
  std::string broken_job;
  {
    auto session = (*db)->Acquire();
    auto inserted = store::Exec(session,
                                "INSERT INTO recording (id, bucket_name, object_key, recorded_at, "
                                "status) VALUES ('rec-1', 'bucket', 'k', '2026-11-22T08:00:00Z', "
                                "'ready')");
    ASSERT_TRUE(inserted.has_value()) << inserted.error().ToString();
    store::NewJob job;
    job.kind = std::string(store::job_kind::kRecordingProcess);
    job.payload_json = R"({"recording_id":"rec-1"})";
    job.dedup_key = "recording:rec-1";
    auto enqueued = store::JobRepository::Enqueue(session, job, std::chrono::system_clock::now());
    ASSERT_TRUE(enqueued.has_value());
    recording_job = enqueued->job_id;
    job.payload_json = R"({"recording_id":"no-such-recording"})";
    job.dedup_key = std::nullopt;
    enqueued = store::JobRepository::Enqueue(session, job, std::chrono::system_clock::now());
    ASSERT_TRUE(enqueued.has_value());
    broken_job = enqueued->job_id;
  }

  auto get = [&](const std::string& path) {
    auto res = server.client().Get(path);
    EXPECT_TRUE(res);
    return res ? json::parse(res->body, nullptr, false) : json();
  };
  json body;
  ASSERT_TRUE(Eventually([&] {
    body = get("/v1/jobs?kind=recording.process");
    return body.value("total", 0) == 2 && body["items"][0]["finished_at"].is_string() &&
           body["items"][1]["finished_at"].is_string();
  })) << body.dump(2)
      << server.Output();

  EXPECT_EQ(body["page"], 1);
  EXPECT_EQ(body["size"], 50);
  EXPECT_EQ(body["pages"], 1);
  // Newest first.
  json broken = body["items"][0];
  json done = body["items"][1];
  EXPECT_EQ(done["id"], recording_job);
  EXPECT_EQ(broken["id"], broken_job);
  std::set<std::string> keys;
  for (const auto& [key, value] : done.items()) keys.insert(key);
  EXPECT_EQ(keys,
            (std::set<std::string>{"id", "kind", "status", "payload", "dedup_key", "priority",
                                   "attempts", "max_attempts", "run_at", "locked_by", "lease_until",
                                   "last_error", "created_at", "updated_at", "finished_at"}));
  EXPECT_EQ(done["kind"], "recording.process");
  EXPECT_EQ(done["status"], "succeeded");
  EXPECT_EQ(done["payload"], json({{"recording_id", "rec-1"}}));
  EXPECT_EQ(done["dedup_key"], "recording:rec-1");
  EXPECT_EQ(done["attempts"], 1);
  EXPECT_EQ(done["max_attempts"], 5);
  EXPECT_EQ(done["last_error"], nullptr);
  EXPECT_EQ(done["lease_until"], nullptr);
  EXPECT_TRUE(done["created_at"].is_string());
  // A recording that does not exist is a permanent failure: dead after one attempt.
  EXPECT_EQ(broken["status"], "dead");
  EXPECT_EQ(broken["attempts"], 1);
  EXPECT_EQ(broken["last_error"],
            "failed_precondition: recording no-such-recording does not exist");

  json dead = get("/v1/jobs?status=dead&size=1");
  EXPECT_EQ(dead["total"], 1);
  EXPECT_EQ(dead["items"].size(), 1u);
  EXPECT_EQ(get("/v1/jobs?kind=other")["total"], 0);

  auto invalid = server.client().Get("/v1/jobs?status=sleeping&size=0");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 422);
  json detail = json::parse(invalid->body)["detail"];
  ASSERT_EQ(detail.size(), 2u);
  EXPECT_EQ(detail[0]["loc"], json({"query", "status"}));
  EXPECT_EQ(detail[1]["loc"], json({"query", "size"}));

  auto metrics = server.client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body,
              HasSubstr("reflector_jobs{kind=\"recording.process\",status=\"succeeded\"} 1"));
  EXPECT_THAT(metrics->body,
              HasSubstr("reflector_jobs{kind=\"recording.process\",status=\"dead\"} 1"));
  EXPECT_THAT(metrics->body,
              HasSubstr("reflector_jobs{kind=\"recording.process\",status=\"queued\"} 0"));
  EXPECT_THAT(metrics->body,
              HasSubstr("reflector_jobs_completed_total{kind=\"recording.process\"} 1"));
  EXPECT_THAT(metrics->body,
              HasSubstr("reflector_jobs_failed_total{kind=\"recording.process\"} 1"));

  EXPECT_EQ(server.Stop(), 0);
}

TEST_P(JobsApiTest, ListingJobsNeedsAnAuthenticatedUser) {
  REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
  ReflectorServer server(GetParam(), {{"WORKER_THREADS", "0"}});
  ASSERT_TRUE(server.started()) << server.Output();
  auto anonymous = server.client().Get("/v1/jobs", {{"X-API-Key", "not-a-key"}});
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  const std::string key = server.CreateApiKey("bob");
  ASSERT_FALSE(key.empty()) << server.last_command_output();
  auto with_key = server.client().Get("/v1/jobs", {{"X-API-Key", key}});
  ASSERT_TRUE(with_key);
  EXPECT_EQ(with_key->status, 200);
  EXPECT_EQ(json::parse(with_key->body)["total"], 0);

  auto openapi = server.client().Get("/openapi.json");
  ASSERT_TRUE(openapi);
  json doc = json::parse(openapi->body);
  const json& op = doc["paths"]["/v1/jobs"]["get"];
  EXPECT_EQ(op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/PageJob");
  EXPECT_TRUE(op["responses"].contains("401"));
  EXPECT_EQ(op["parameters"].size(), 4u);
  EXPECT_TRUE(doc["components"]["schemas"]["Job"]["properties"].contains("last_error"));
}

TEST_P(JobsApiTest, WithUsersOnlyAdminsListJobs) {
  REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
  ReflectorServer server(GetParam(), {{"WORKER_THREADS", "0"},
                                      {"AUTH_BACKEND", "jwt"},
                                      {"AUTH_JWT_PUBLIC_KEY", kTestJwtPublicKey},
                                      {"ADMIN_USER_IDS", "alice, carol"}});
  ASSERT_TRUE(server.started()) << server.Output();
  auto anonymous = server.client().Get("/v1/jobs");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  const std::string bob = server.CreateApiKey("bob");
  const std::string alice = server.CreateApiKey("alice");
  ASSERT_FALSE(bob.empty() || alice.empty()) << server.last_command_output();
  auto denied = server.client().Get("/v1/jobs", {{"X-API-Key", bob}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_EQ(json::parse(denied->body)["detail"], "Admin only: the user is not in ADMIN_USER_IDS");
  auto allowed = server.client().Get("/v1/jobs", {{"X-API-Key", alice}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200) << allowed->body;
}

INSTANTIATE_TEST_SUITE_P(Backends, JobsApiTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reflector::testing
