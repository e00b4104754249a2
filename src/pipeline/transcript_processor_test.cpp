// The transcript.process job against a real database (SQLite and PostgreSQL) with a fake
// recogniser: the result and the room webhook's job commit together, and a rerun of an ended
// transcript leaves it alone.
#include "pipeline/transcript_processor.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/time_format.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/test_databases.hpp"
#include "store/jobs.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"
#include "store/transcripts.hpp"

namespace reflector::pipeline {
namespace {

namespace fs = std::filesystem;

const TimePoint kT0 = *ParseIso8601("2026-05-01T10:00:00Z");

class FixedWords final : public Transcriber {
 public:
  std::string_view Name() const override { return "fixed"; }
  Result<std::vector<Word>> Transcribe(
      const std::string& /*pcm_path*/, const std::string& /*language*/,
      const std::function<void(const TranscribeProgress&)>& /*progress*/) override {
    ++calls;
    return std::vector<Word>{{"hello", 0.0, 0.5}, {"world", 0.6, 1.0}};
  }
  int calls = 0;
};

class TranscriptProcessorTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    testing::DatabaseTest::SetUp();
    data_dir_ = fs::temp_directory_path() /
                ("reflector-tp-" + std::to_string(::getpid()) + "-" + GetParam());
    fs::remove_all(data_dir_);
    fs::create_directories(data_dir_ / "work" / "rec-1");
    std::ofstream(data_dir_ / "work" / "rec-1" / "track-0.pcm") << std::string(32000, '\0');
    config_.data_dir = data_dir_.string();
    auto session = db().Acquire();
    store::Room room;
    room.id = "r1";
    room.name = "room";
    room.user_id = "owner";
    room.created_at = kT0;
    room.webhook_url = "https://hooks.example/in";
    room.webhook_secret = "roomsecret";
    ASSERT_TRUE(store::RoomRepository::Create(session, room).has_value());
    store::Transcript t;
    t.id = "t1";
    t.name = "t1";
    t.user_id = "owner";
    t.room_id = "r1";
    t.recording_id = "rec-1";
    t.status = "uploaded";
    t.created_at = kT0;
    ASSERT_TRUE(store::TranscriptRepository::Create(session, t).has_value());
  }
  void TearDown() override {
    fs::remove_all(data_dir_);
    testing::DatabaseTest::TearDown();
  }

  Status Process() {
    TranscriptProcessorDeps deps{db(), clock_, config_, recogniser_};
    return ProcessTranscript(deps, "t1", 1, 5);
  }
  std::string StatusOfT1() {
    auto session = db().Acquire();
    auto t = store::TranscriptRepository::Get(session, "t1");
    EXPECT_TRUE(t.has_value());
    return t ? t->status : "";
  }
  int64_t HookJobs() {
    auto session = db().Acquire();
    auto rows = store::Query(session, "SELECT COUNT(*) FROM job WHERE kind = :kind",
                             store::SqlParams().Text("kind", "room_webhook.deliver"), 1);
    EXPECT_TRUE(rows.has_value());
    return rows ? std::stoll((*rows)[0][0].value_or("0")) : -1;
  }
  // Makes every insert of a room webhook job fail, as a crash or a lost connection at that
  // moment would.
  void BreakHookQueue(bool broken) {
    auto session = db().Acquire();
    const bool pg = session.dialect() == store::Dialect::kPostgres;
    std::vector<std::string> sql;
    if (broken && pg) {
      sql = {
          "CREATE FUNCTION test_refuse_hook() RETURNS trigger LANGUAGE plpgsql AS "
          "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
          "CREATE TRIGGER test_refuse_hook BEFORE INSERT ON job FOR EACH ROW "
          "WHEN (NEW.kind = 'room_webhook.deliver') EXECUTE FUNCTION test_refuse_hook()"};
    } else if (broken) {
      sql = {
          "CREATE TRIGGER test_refuse_hook BEFORE INSERT ON job "
          "WHEN NEW.kind = 'room_webhook.deliver' "
          "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"};
    } else if (pg) {
      sql = {"DROP TRIGGER test_refuse_hook ON job", "DROP FUNCTION test_refuse_hook()"};
    } else {
      sql = {"DROP TRIGGER test_refuse_hook"};
    }
    for (const auto& statement : sql) {
      auto done = store::Exec(session, statement);
      ASSERT_TRUE(done.has_value()) << statement << ": " << done.error().ToString();
    }
  }

  fs::path data_dir_;
  Config config_;
  fakes::FakeClock clock_{kT0};
  FixedWords recogniser_;
};

TEST_P(TranscriptProcessorTest, EndsWithItsRoomWebhookQueuedInTheSameCommit) {
  ASSERT_TRUE(Process().has_value());
  EXPECT_EQ(StatusOfT1(), "ended");
  EXPECT_EQ(HookJobs(), 1);
  EXPECT_FALSE(fs::exists(data_dir_ / "work" / "rec-1"));  // decoded tracks removed
  // A rerun (the job retried after the commit) changes nothing and queues nothing.
  ASSERT_TRUE(Process().has_value());
  EXPECT_EQ(recogniser_.calls, 1);
  EXPECT_EQ(HookJobs(), 1);
}

// Failed before the fix: the result committed first, the webhook job's insert failed and was
// only logged, and the transcript ended with no announcement ever sent.
TEST_P(TranscriptProcessorTest, WhenTheWebhookCannotBeQueuedTheResultIsNotCommitted) {
  BreakHookQueue(true);
  auto failed = Process();
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(StatusOfT1(), "ended");
  EXPECT_EQ(HookJobs(), 0);
  EXPECT_TRUE(fs::exists(data_dir_ / "work" / "rec-1" / "track-0.pcm"));  // kept for the retry
  BreakHookQueue(false);
  ASSERT_TRUE(Process().has_value());  // the queue's retry
  EXPECT_EQ(StatusOfT1(), "ended");
  EXPECT_EQ(HookJobs(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, TranscriptProcessorTest, testing::TestBackends(),
                         testing::BackendName);

}  // namespace
}  // namespace reflector::pipeline
