// The transcript editing routes in-process (PATCH, participants, reprocess) and the daily retry,
// on SQLite and PostgreSQL: access rules, validation, compare-and-set participant edits under
// concurrency, and which job a reprocess queues.
#include "api/transcript_edit_routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/recordings_routes.hpp"
#include "core/config.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"
#include "fakes/test_databases.hpp"
#include "http/router.hpp"
#include "platforms/registry.hpp"
#include "recordings/recording_processor.hpp"
#include "recordings/reprocess.hpp"
#include "store/jobs.hpp"
#include "store/migrations.hpp"
#include "store/recordings.hpp"
#include "store/transcripts.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The caller is whoever the test says: nobody, "owner" or "other".
class SwitchAuthenticator final : public Authenticator {
 public:
  Result<std::optional<Principal>> Authenticate(const http::Request&) override {
    std::lock_guard lock(mu_);
    if (user_.empty()) return std::optional<Principal>();
    return std::optional<Principal>(Principal{user_, "test"});
  }
  void Be(std::string user) {
    std::lock_guard lock(mu_);
    user_ = std::move(user);
  }

 private:
  std::mutex mu_;
  std::string user_ = "owner";
};

class TranscriptEditTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == testing::kPostgresBackend && testing::SkipPostgres()) {
      GTEST_SKIP() << "REFLECTOR_TEST_SKIP_POSTGRES=1";
    }
    auto scoped = testing::ScopedTestDatabase::Create(GetParam());
    ASSERT_TRUE(scoped.has_value()) << scoped.error().ToString();
    scoped_ = std::move(*scoped);
    auto db = store::Database::Open(scoped_->url(), 4);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::MigrateUp(*db_).has_value());
    data_dir_ = fs::temp_directory_path() /
                ("reflector-edit-test-" + std::to_string(::getpid()) + "-" + GetParam());
    fs::remove_all(data_dir_);
    fs::create_directories(data_dir_);
    config_.data_dir = data_dir_.string();
    registry_ = std::make_unique<platforms::PlatformRegistry>(
        platforms::PlatformContext{config_, transport_, clock_});
    context_ = std::make_unique<ApiContext>(ApiContext{config_, *db_, *registry_, auth_, clock_});
    routes_ = std::make_unique<ApiRoutes>(router_, "test", "0");
    RegisterRecordingRoutes(*routes_, *context_, {config_.data_dir, 1 << 20, nullptr, nullptr});
    RegisterTranscriptEditRoutes(*routes_, *context_, {nullptr, nullptr});
  }

  void TearDown() override {
    routes_.reset();
    db_.reset();
    scoped_.reset();
    std::error_code ec;
    fs::remove_all(data_dir_, ec);
  }

  struct Reply {
    int status = 0;
    json body;
  };

  Reply Call(http::Method method, const std::string& path, const std::string& body = "") {
    auto match = router_.Find(method, path);
    EXPECT_TRUE(match.found()) << path;
    if (!match.found()) return {};
    http::Request request;
    request.method = method;
    request.path = path;
    request.body = body;
    request.route = match.route;
    request.path_params = match.params;
    http::Response response = (*match.handler)(request);
    return {response.status, json::parse(response.body, nullptr, false)};
  }

  // A transcript owned by "owner"; with a recording in `recording_status` when given.
  std::string MakeTranscript(std::optional<std::string> recording_status = std::nullopt,
                             TimePoint created = {}) {
    if (created == TimePoint{}) created = clock_.Now();
    auto session = db_->Acquire();
    store::Transcript t;
    t.id = "t-" + std::to_string(++counter_);
    t.name = "Weekly sync";
    t.created_at = created;
    t.user_id = "owner";
    t.participants = "[]";
    if (recording_status) {
      store::NewRecording rec;
      rec.id = "rec-" + std::to_string(counter_);
      rec.platform = "upload";
      rec.type = "upload";
      rec.object_key = "uploads/" + rec.id + ".webm";
      rec.recorded_at = created;
      EXPECT_TRUE(store::RecordingRepository::Create(session, rec, created).has_value());
      EXPECT_TRUE(store::RecordingRepository::SetProgress(
                      session, rec.id,
                      {*recording_status, std::nullopt, std::nullopt, std::nullopt, std::nullopt})
                      .has_value());
      t.recording_id = rec.id;
      t.status = "ended";
    }
    EXPECT_TRUE(store::TranscriptRepository::Create(session, t).has_value());
    return t.id;
  }

  bool JobActive(const std::string& key) {
    auto session = db_->Acquire();
    auto active = store::JobRepository::HasActive(session, key);
    EXPECT_TRUE(active.has_value());
    return active.value_or(false);
  }

  // Runs (claims and succeeds) every queued job so the next reprocess is not "already running".
  void DrainJobs() {
    auto session = db_->Acquire();
    for (;;) {
      auto job = store::JobRepository::Claim(session, "test", clock_.Now() + std::chrono::hours(1),
                                             std::chrono::seconds(60));
      ASSERT_TRUE(job.has_value());
      if (!*job) return;
      ASSERT_TRUE(store::JobRepository::Succeed(session, (*job)->id, "test", clock_.Now()));
    }
  }

  store::Transcript Load(const std::string& id) {
    auto session = db_->Acquire();
    auto t = store::TranscriptRepository::Get(session, id);
    EXPECT_TRUE(t.has_value());
    return t.value_or(store::Transcript{});
  }

  Config config_;
  fakes::FakeClock clock_{TimePoint{} + std::chrono::hours(24 * 365 * 56)};
  fakes::FakeTransport transport_;
  SwitchAuthenticator auth_;
  std::unique_ptr<testing::ScopedTestDatabase> scoped_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<platforms::PlatformRegistry> registry_;
  std::unique_ptr<ApiContext> context_;
  http::Router router_;
  std::unique_ptr<ApiRoutes> routes_;
  fs::path data_dir_;
  int counter_ = 0;
};

TEST_P(TranscriptEditTest, PatchChangesOnlyTheFieldsGivenByTheOwner) {
  const std::string id = MakeTranscript();
  const std::string path = "/v1/transcripts/" + id;
  auth_.Be("");
  EXPECT_EQ(Call(http::Method::kPatch, path, R"({"title":"x"})").status, 401);
  auth_.Be("other");
  EXPECT_EQ(Call(http::Method::kPatch, path, R"({"title":"x"})").status, 403);
  auth_.Be("owner");
  EXPECT_EQ(Call(http::Method::kPatch, "/v1/transcripts/missing", R"({"title":"x"})").status, 404);

  auto patched = Call(http::Method::kPatch, path,
                      R"({"title":"Roadmap","long_summary":"We chose the plan","share_mode":)"
                      R"("semi-private","reviewed":true,"locked":true})");
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  EXPECT_EQ(patched.body["title"], "Roadmap");
  EXPECT_EQ(patched.body["long_summary"], "We chose the plan");
  EXPECT_EQ(patched.body["share_mode"], "semi-private");
  EXPECT_EQ(patched.body["reviewed"], true);
  EXPECT_EQ(patched.body["locked"], true);
  EXPECT_EQ(patched.body["name"], "Weekly sync");  // untouched

  // null clears a nullable text; the other fields stay.
  auto cleared = Call(http::Method::kPatch, path, R"({"title":null})");
  ASSERT_EQ(cleared.status, 200);
  EXPECT_EQ(cleared.body["title"], nullptr);
  EXPECT_EQ(cleared.body["long_summary"], "We chose the plan");
  const store::Transcript stored = Load(id);
  EXPECT_FALSE(stored.title.has_value());
  EXPECT_EQ(stored.share_mode, "semi-private");

  // The other user may now read it (semi-private), still not change it.
  auth_.Be("other");
  EXPECT_EQ(Call(http::Method::kGet, path).status, 200);
  EXPECT_EQ(Call(http::Method::kPatch, path, R"({"locked":false})").status, 403);
}

TEST_P(TranscriptEditTest, PatchValidatesItsBody) {
  const std::string path = "/v1/transcripts/" + MakeTranscript();
  EXPECT_EQ(Call(http::Method::kPatch, path, R"({"share_mode":"everyone"})").status, 422);
  EXPECT_EQ(Call(http::Method::kPatch, path, R"({"locked":"yes"})").status, 422);
  EXPECT_EQ(Call(http::Method::kPatch, path, "not json").status, 422);
  EXPECT_EQ(Call(http::Method::kPatch, path, R"({"name":")" + std::string(501, 'n') + "\"}").status,
            422);
  EXPECT_EQ(Call(http::Method::kPatch, path,
                 R"({"participants":[{"name":"A","speaker":0},{"name":"B","speaker":0}]})")
                .status,
            422);
  EXPECT_EQ(Call(http::Method::kPatch, path, R"({"participants":[{"speaker":1}]})").status, 422);
  EXPECT_EQ(Call(http::Method::kPatch, path, R"({"participants":"Alice"})").status, 422);

  auto named = Call(http::Method::kPatch, path,
                    R"({"participants":[{"name":"Alice","speaker":0},{"name":"Bob"}]})");
  ASSERT_EQ(named.status, 200) << named.body.dump();
  ASSERT_EQ(named.body["participants"].size(), 2u);
  EXPECT_EQ(named.body["participants"][0]["name"], "Alice");
  EXPECT_EQ(named.body["participants"][1]["speaker"], nullptr);
  EXPECT_FALSE(named.body["participants"][1]["id"].get<std::string>().empty());

  // Audio: deleting is allowed, restoring is not.
  auto gone = Call(http::Method::kPatch, path, R"({"audio_deleted":true})");
  ASSERT_EQ(gone.status, 200);
  EXPECT_EQ(gone.body["audio_deleted"], true);
  auto back = Call(http::Method::kPatch, path, R"({"audio_deleted":false})");
  EXPECT_EQ(back.status, 400);
  EXPECT_EQ(back.body["detail"], "Deleted audio cannot be restored");
}

TEST_P(TranscriptEditTest, ParticipantsCrud) {
  const std::string base = "/v1/transcripts/" + MakeTranscript() + "/participants";
  auto empty = Call(http::Method::kGet, base);
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, json::array());

  auto alice = Call(http::Method::kPost, base, R"({"name":"Alice","speaker":0})");
  ASSERT_EQ(alice.status, 200) << alice.body.dump();
  EXPECT_EQ(alice.body["name"], "Alice");
  EXPECT_EQ(alice.body["speaker"], 0);
  const std::string alice_id = alice.body["id"];
  auto bob = Call(http::Method::kPost, base, R"({"name":"Bob"})");
  ASSERT_EQ(bob.status, 200);
  EXPECT_EQ(bob.body["speaker"], nullptr);
  const std::string bob_id = bob.body["id"];

  auto taken = Call(http::Method::kPost, base, R"({"name":"Carol","speaker":0})");
  EXPECT_EQ(taken.status, 400);
  EXPECT_EQ(taken.body["detail"], "Speaker already assigned");
  EXPECT_EQ(Call(http::Method::kPost, base, R"({"speaker":2})").status, 422);
  EXPECT_EQ(Call(http::Method::kPost, base, R"({"name":"X","speaker":-1})").status, 422);

  auto one = Call(http::Method::kGet, base + "/" + alice_id);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body, json({{"id", alice_id}, {"speaker", 0}, {"name", "Alice"}}));
  EXPECT_EQ(Call(http::Method::kGet, base + "/nobody").status, 404);

  auto renamed = Call(http::Method::kPatch, base + "/" + bob_id, R"({"name":"Robert"})");
  ASSERT_EQ(renamed.status, 200);
  EXPECT_EQ(renamed.body["name"], "Robert");
  EXPECT_EQ(Call(http::Method::kPatch, base + "/" + bob_id, R"({"speaker":0})").status, 400);
  auto moved = Call(http::Method::kPatch, base + "/" + bob_id, R"({"speaker":1})");
  ASSERT_EQ(moved.status, 200);
  EXPECT_EQ(moved.body["speaker"], 1);
  EXPECT_EQ(moved.body["name"], "Robert");
  // Its own speaker number again is not a conflict.
  EXPECT_EQ(Call(http::Method::kPatch, base + "/" + bob_id, R"({"speaker":1})").status, 200);
  EXPECT_EQ(Call(http::Method::kPatch, base + "/nobody", R"({"name":"Z"})").status, 404);

  auth_.Be("other");
  EXPECT_EQ(Call(http::Method::kDelete, base + "/" + alice_id).status, 403);
  EXPECT_EQ(Call(http::Method::kPost, base, R"({"name":"Mallory"})").status, 403);
  auth_.Be("");
  EXPECT_EQ(Call(http::Method::kPost, base, R"({"name":"Mallory"})").status, 401);
  auth_.Be("owner");

  auto removed = Call(http::Method::kDelete, base + "/" + alice_id);
  ASSERT_EQ(removed.status, 200);
  EXPECT_EQ(removed.body, json({{"status", "ok"}}));
  EXPECT_EQ(Call(http::Method::kDelete, base + "/" + alice_id).status, 404);
  auto left = Call(http::Method::kGet, base);
  ASSERT_EQ(left.body.size(), 1u);
  EXPECT_EQ(left.body[0]["name"], "Robert");
}

// Concurrent adds never lose one another (compare-and-set on the stored list).
TEST_P(TranscriptEditTest, ConcurrentParticipantAddsAreAllKept) {
  const std::string id = MakeTranscript();
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < kEach; ++j) {
        auto r = Call(http::Method::kPost, "/v1/transcripts/" + id + "/participants",
                      json{{"name", "p" + std::to_string(i) + "-" + std::to_string(j)}}.dump());
        if (r.status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  auto listed = Call(http::Method::kGet, "/v1/transcripts/" + id + "/participants");
  std::set<std::string> names;
  for (const auto& p : listed.body) names.insert(p["name"].get<std::string>());
  EXPECT_EQ(names.size(), static_cast<size_t>(kThreads * kEach));
}

TEST_P(TranscriptEditTest, ProcessRefusesWhatCannotBeReprocessed) {
  const std::string idle = MakeTranscript();
  auto not_ready = Call(http::Method::kPost, "/v1/transcripts/" + idle + "/process");
  EXPECT_EQ(not_ready.status, 400);
  EXPECT_EQ(not_ready.body["detail"], "Recording is not ready for processing");

  const std::string locked = MakeTranscript("ready");
  ASSERT_EQ(Call(http::Method::kPatch, "/v1/transcripts/" + locked, R"({"locked":true})").status,
            200);
  auto refused = Call(http::Method::kPost, "/v1/transcripts/" + locked + "/process");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body["detail"], "Transcript is locked");

  const std::string deleted = MakeTranscript("ready");
  ASSERT_EQ(
      Call(http::Method::kPatch, "/v1/transcripts/" + deleted, R"({"audio_deleted":true})").status,
      200);
  auto no_audio = Call(http::Method::kPost, "/v1/transcripts/" + deleted + "/process");
  EXPECT_EQ(no_audio.status, 400);
  EXPECT_THAT(no_audio.body["detail"].get<std::string>(), ::testing::HasSubstr("deleted"));

  auth_.Be("other");
  EXPECT_EQ(Call(http::Method::kPost, "/v1/transcripts/" + locked + "/process").status, 403);
  EXPECT_FALSE(JobActive("recording:rec-2"));
}

// Without decoded tracks the recording runs again from its source; with them only the
// transcription does. A second call while queued answers "already running".
TEST_P(TranscriptEditTest, ProcessQueuesTheCheapestStageThatHasItsInput) {
  const std::string id = MakeTranscript("ready");
  const std::string rec = Load(id).recording_id.value();
  auto queued = Call(http::Method::kPost, "/v1/transcripts/" + id + "/process");
  ASSERT_EQ(queued.status, 200) << queued.body.dump();
  EXPECT_EQ(queued.body, json({{"status", "ok"}}));
  EXPECT_TRUE(JobActive("recording:" + rec));
  EXPECT_FALSE(JobActive("transcript:" + id));
  {
    auto session = db_->Acquire();
    EXPECT_EQ(store::RecordingRepository::Get(session, rec)->status, "pending");
  }
  EXPECT_EQ(Load(id).status, "uploaded");
  auto again = Call(http::Method::kPost, "/v1/transcripts/" + id + "/process");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body, json({{"status", "already running"}}));

  // The decoded tracks of a ready recording are there (the last transcription failed).
  DrainJobs();
  {
    auto session = db_->Acquire();
    ASSERT_TRUE(store::RecordingRepository::SetProgress(
                    session, rec, {"ready", std::nullopt, std::nullopt, std::nullopt, std::nullopt})
                    .has_value());
  }
  const fs::path work = recordings::WorkDir(config_, rec);
  fs::create_directories(work);
  std::ofstream(work / "track-0.pcm") << std::string(3200, '\0');
  auto transcribe = Call(http::Method::kPost, "/v1/transcripts/" + id + "/process");
  ASSERT_EQ(transcribe.status, 200);
  EXPECT_EQ(transcribe.body["status"], "ok");
  EXPECT_TRUE(JobActive("transcript:" + id));
  EXPECT_FALSE(JobActive("recording:" + rec));
}

TEST_P(TranscriptEditTest, DailyRetryRequeuesRecentFailuresOnly) {
  using std::chrono::hours;
  const std::string recent_error = MakeTranscript("ready", clock_.Now() - hours(30));
  {
    auto session = db_->Acquire();
    ASSERT_TRUE(
        store::TranscriptRepository::SetStatus(session, recent_error, "error", "backend down"));
  }
  const std::string recent_failed_rec = MakeTranscript("failed", clock_.Now() - hours(2));
  const std::string old_failed = MakeTranscript("failed", clock_.Now() - hours(24 * 8));
  const std::string fine = MakeTranscript("ready");

  auto report = recordings::RetryFailed(*db_, config_, clock_, hours(24 * 7));
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->transcripts, 1);
  EXPECT_EQ(report->recordings, 1);
  EXPECT_TRUE(JobActive("recording:" + Load(recent_error).recording_id.value()));
  EXPECT_TRUE(JobActive("recording:" + Load(recent_failed_rec).recording_id.value()));
  EXPECT_FALSE(JobActive("recording:" + Load(old_failed).recording_id.value()));
  EXPECT_FALSE(JobActive("recording:" + Load(fine).recording_id.value()));
  EXPECT_EQ(Load(recent_error).status, "uploaded");
  EXPECT_FALSE(Load(recent_error).error.has_value());

  // Run again while queued: nothing is queued twice.
  auto second = recordings::RetryFailed(*db_, config_, clock_, hours(24 * 7));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->recordings + second->transcripts, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, TranscriptEditTest, testing::TestBackends(),
                         testing::BackendName);

}  // namespace
}  // namespace reflector::api
