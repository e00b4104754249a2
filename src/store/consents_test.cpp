#include "store/consents.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/time_format.hpp"
#include "fakes/test_databases.hpp"
#include "store/meetings.hpp"
#include "store/room_lock.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

using testing::DatabaseTest;

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

bool Denied(Session& session, const char* meeting_id) {
  auto denied = ConsentRepository::AnyDenial(session, meeting_id);
  EXPECT_TRUE(denied.has_value()) << denied.error().ToString();
  return denied.value_or(false);
}

class ConsentsTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto session = db().Acquire();
    Room room;
    room.id = "room-1";
    room.name = "standup";
    room.user_id = "owner";
    room.created_at = At("2026-01-01T00:00:00Z");
    ASSERT_TRUE(RoomRepository::Create(session, room).has_value());
    for (const char* id : {"meeting-1", "meeting-2"}) {
      Meeting meeting;
      meeting.id = id;
      meeting.room_id = "room-1";
      meeting.start_date = At("2026-11-22T05:00:00Z");
      meeting.end_date = At("2026-11-22T13:00:00Z");
      ASSERT_TRUE(MeetingRepository::Create(session, meeting).has_value());
    }
  }
};

TEST_P(ConsentsTest, AuthenticatedUserHasOneRowUpdatedInPlace) {
  auto session = db().Acquire();
  auto first = ConsentRepository::Upsert(session, "meeting-1", std::string("alice"), true,
                                         At("2026-11-22T05:01:00Z"));
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_EQ(first->meeting_id, "meeting-1");
  EXPECT_EQ(first->user_id, std::optional<std::string>("alice"));
  EXPECT_TRUE(first->consent_given);

  auto second = ConsentRepository::Upsert(session, "meeting-1", std::string("alice"), false,
                                          At("2026-11-22T05:02:00Z"));
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_EQ(second->id, first->id);
  EXPECT_FALSE(second->consent_given);
  EXPECT_EQ(second->consent_timestamp, At("2026-11-22T05:02:00Z"));

  auto rows = ConsentRepository::ListForMeeting(session, "meeting-1");
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front(), *second);

  // Another meeting is another row.
  auto other = ConsentRepository::Upsert(session, "meeting-2", std::string("alice"), true,
                                         At("2026-11-22T05:03:00Z"));
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(other->id, first->id);
}

TEST_P(ConsentsTest, AnonymousCallsAlwaysInsert) {
  auto session = db().Acquire();
  auto a = ConsentRepository::Upsert(session, "meeting-1", std::nullopt, true,
                                     At("2026-11-22T05:01:00Z"));
  auto b = ConsentRepository::Upsert(session, "meeting-1", std::nullopt, true,
                                     At("2026-11-22T05:02:00Z"));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(a->id, b->id);
  EXPECT_EQ(a->user_id, std::nullopt);
  auto rows = ConsentRepository::ListForMeeting(session, "meeting-1");
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ(rows->size(), 2u);
}

TEST_P(ConsentsTest, UnknownMeetingIsNotFound) {
  auto session = db().Acquire();
  auto result = ConsentRepository::Upsert(session, "no-such-meeting", std::string("alice"), true,
                                          At("2026-11-22T05:01:00Z"));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, Code::kNotFound);
  EXPECT_EQ(result.error().message, "Meeting not found");
}

TEST_P(ConsentsTest, AnyDenial) {
  auto session = db().Acquire();
  auto none = ConsentRepository::AnyDenial(session, "meeting-1");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(*none);

  ASSERT_TRUE(ConsentRepository::Upsert(session, "meeting-1", std::string("alice"), true,
                                        At("2026-11-22T05:01:00Z")));
  ASSERT_TRUE(ConsentRepository::Upsert(session, "meeting-1", std::nullopt, true,
                                        At("2026-11-22T05:01:00Z")));
  EXPECT_FALSE(Denied(session, "meeting-1"));

  ASSERT_TRUE(ConsentRepository::Upsert(session, "meeting-1", std::nullopt, false,
                                        At("2026-11-22T05:02:00Z")));
  EXPECT_TRUE(Denied(session, "meeting-1"));
  EXPECT_FALSE(Denied(session, "meeting-2"));

  // A user who changes their mind back to yes removes their denial.
  ASSERT_TRUE(ConsentRepository::Upsert(session, "meeting-2", std::string("bob"), false,
                                        At("2026-11-22T05:03:00Z")));
  EXPECT_TRUE(Denied(session, "meeting-2"));
  ASSERT_TRUE(ConsentRepository::Upsert(session, "meeting-2", std::string("bob"), true,
                                        At("2026-11-22T05:04:00Z")));
  EXPECT_FALSE(Denied(session, "meeting-2"));
}

TEST_P(ConsentsTest, ConcurrentUpsertsOfOneUserLeaveOneRow) {
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto session = db().Acquire();
      for (int n = 0; n < 5; ++n) {
        auto r = ConsentRepository::Upsert(session, "meeting-1", std::string("carol"),
                                           (i + n) % 2 == 0, At("2026-11-22T05:01:00Z"));
        if (!r) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto session = db().Acquire();
  auto rows = ConsentRepository::ListForMeeting(session, "meeting-1");
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ(rows->size(), 1u);
}

// The room lock serialises read-check-insert sequences across independent Database objects (as
// separate processes would be): each worker inserts a meeting only if the room has none yet.
TEST_P(ConsentsTest, RoomLockSerialisesCheckThenInsertAcrossConnections) {
  constexpr int kWorkers = 4;
  std::vector<std::unique_ptr<Database>> dbs;
  for (int i = 0; i < kWorkers; ++i) dbs.push_back(OpenAnother(1));
  std::atomic<int> inserted{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWorkers; ++i) {
    threads.emplace_back([&, i] {
      auto session = dbs[i]->Acquire();
      auto tx = RoomLock::Acquire(session, "room-1");
      if (!tx) {
        ++errors;
        return;
      }
      auto rows =
          Query(session, "SELECT COUNT(*) FROM meeting WHERE room_name = 'locked'", SqlParams(), 1);
      if (!rows) {
        ++errors;
        return;
      }
      if (rows->front()[0] == std::optional<std::string>("0")) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // widen the race window
        Meeting m;
        m.room_id = "room-1";
        m.room_name = "locked";
        if (!MeetingRepository::Create(session, m)) ++errors;
        ++inserted;
      }
      if (!tx->Commit()) ++errors;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(inserted.load(), 1);
}

TEST(RoomLockKey, IsStableFnv1a) {
  EXPECT_EQ(RoomLock::Key(""), static_cast<int64_t>(14695981039346656037ULL));
  EXPECT_EQ(RoomLock::Key("a"), static_cast<int64_t>(0xaf63dc4c8601ec8cULL));
  EXPECT_NE(RoomLock::Key("room-1"), RoomLock::Key("room-2"));
}

INSTANTIATE_TEST_SUITE_P(Backends, ConsentsTest, reflector::testing::TestBackends(),
                         reflector::testing::BackendName);

}  // namespace
}  // namespace reflector::store
