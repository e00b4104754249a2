// The sync and pre-creation layers against real databases (SQLite and PostgreSQL) and the fetcher
// against a loopback feed server: what the black-box tests cannot arrange — two "processes"
// pre-creating at once, a fake clock walking past the 7-minute lead, aggregated feeds giving one
// slot two UIDs, the 5 MiB cap.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "calendar/meetings.hpp"
#include "calendar/sync.hpp"
#include "core/config.hpp"
#include "fakes/fake_calendar_server.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"
#include "fakes/test_databases.hpp"
#include "platforms/registry.hpp"
#include "store/calendar_events.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"

namespace reflector::calendar {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class CalendarStoreTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    testing::DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    config_.http.base_url = "http://127.0.0.1:1250";
    registry_ = std::make_unique<platforms::PlatformRegistry>(
        platforms::PlatformContext{config_, transport_, clock_});
    platforms::RegisterBuiltinPlatforms(*registry_);
    clock_.Set(
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
    auto session = db().Acquire();
    store::Room room;
    room.name = "team";
    room.user_id = "owner";
    room.platform = "mock";
    room.ics_url = "https://calendar.example.com/team.ics";
    room.ics_enabled = true;
    room.created_at = clock_.Now();
    auto created = store::RoomRepository::Create(session, room);
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    room_ = *created;
  }

  std::string AddEvent(const std::string& uid, TimePoint start, TimePoint end) {
    auto session = db().Acquire();
    store::CalendarEvent e;
    e.room_id = room_.id;
    e.ics_uid = uid;
    e.title = "Event " + uid;
    e.start_time = start;
    e.end_time = end;
    e.attendees = R"([{"email":"bob@example.com","name":"Bob","status":null,"role":null}])";
    e.last_synced = e.created_at = e.updated_at = clock_.Now();
    auto inserted = store::CalendarEventRepository::Insert(session, e);
    EXPECT_TRUE(inserted.has_value()) << inserted.error().ToString();
    return inserted ? inserted->id : "";
  }

  int64_t CalendarMeetings() {
    auto session = db().Acquire();
    auto rows = store::Query(
        session, "SELECT COUNT(*) FROM meeting WHERE calendar_event_id IS NOT NULL", {}, 1);
    EXPECT_TRUE(rows.has_value());
    return rows ? std::stoll(rows->front()[0].value_or("0")) : -1;
  }

  Config config_;
  fakes::FakeTransport transport_;
  fakes::FakeClock clock_;
  std::unique_ptr<platforms::PlatformRegistry> registry_;
  store::Room room_;
};

TEST_P(CalendarStoreTest, MeetingsAppearSevenMinutesAheadAndOnlyOnce) {
  const TimePoint start = clock_.Now() + 10min;
  const std::string id = AddEvent("standup", start, start + 30min);
  // 10 minutes ahead: not yet.
  auto early = CreateUpcomingMeetings(db(), clock_, *registry_, config_.platforms);
  ASSERT_TRUE(early.has_value()) << early.error().ToString();
  EXPECT_EQ(early->due, 0);
  EXPECT_EQ(CalendarMeetings(), 0);

  // 5 minutes ahead, two "processes" (separate connection pools) at once: one meeting.
  clock_.Advance(5min);
  auto other = OpenAnother(2);
  ASSERT_NE(other, nullptr);
  std::atomic<int> created{0};
  std::atomic<int> failed{0};
  auto run = [&](store::Database& database) {
    auto report = CreateUpcomingMeetings(database, clock_, *registry_, config_.platforms);
    if (!report) {
      ++failed;
      return;
    }
    created += static_cast<int>(report->created.size());
    failed += static_cast<int>(report->failures.size());
  };
  std::thread a([&] { run(db()); });
  std::thread b([&] { run(*other); });
  a.join();
  b.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(CalendarMeetings(), 1);

  auto session = db().Acquire();
  auto rows = store::Query(session,
                           "SELECT calendar_event_id, calendar_metadata, platform FROM meeting "
                           "WHERE calendar_event_id IS NOT NULL",
                           {}, 3);
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ(rows->front()[0], id);
  auto metadata = nlohmann::json::parse(rows->front()[1].value_or("null"));
  EXPECT_EQ(metadata["title"], "Event standup");
  EXPECT_EQ(metadata["attendees"][0]["email"], "bob@example.com");
  EXPECT_EQ(rows->front()[2], "mock");

  // The same slot under another UID (aggregated feeds): no second meeting.
  AddEvent("standup-copy", start, start + 30min);
  auto again = CreateUpcomingMeetings(db(), clock_, *registry_, config_.platforms);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->due, 1);
  EXPECT_EQ(again->already, 1);
  EXPECT_TRUE(again->created.empty());
  EXPECT_EQ(CalendarMeetings(), 1);
}

TEST_P(CalendarStoreTest, EventsThatStartedLongAgoGetNoMeeting) {
  const TimePoint start = clock_.Now() - 7min;  // more than 6 minutes ago, still running
  AddEvent("late", start, start + 60min);
  auto report = CreateUpcomingMeetings(db(), clock_, *registry_, config_.platforms);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->due, 0);
  EXPECT_EQ(CalendarMeetings(), 0);
}

TEST_P(CalendarStoreTest, DueRoomsFollowTheirInterval) {
  auto due = RoomsDueForSync(db(), clock_.Now());
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, std::vector<std::string>{room_.id});  // never synced
  {
    auto session = db().Acquire();
    ASSERT_TRUE(
        store::CalendarSyncStateRepository::MarkRoomSynced(session, room_.id, clock_.Now(), "abc")
            .has_value());
  }
  EXPECT_TRUE(RoomsDueForSync(db(), clock_.Now() + 299s)->empty());
  EXPECT_EQ(*RoomsDueForSync(db(), clock_.Now() + 300s), std::vector<std::string>{room_.id});
}

INSTANTIATE_TEST_SUITE_P(Backends, CalendarStoreTest, testing::TestBackends(),
                         testing::BackendName);

TEST(SafeIcsFetcherTest, EtagNotModifiedCapAndPrivateAddress) {
  fakes::FakeCalendarServer server;
  const std::string body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
  server.Set("/a.ics", body);
  FetchOptions options;
  options.allowed_hosts = {"127.0.0.1"};
  SafeIcsFetcher fetcher(options);

  auto first = fetcher.Fetch(server.base_url() + "/a.ics", std::nullopt);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_FALSE(first->not_modified);
  EXPECT_EQ(first->body, body);
  EXPECT_EQ(first->etag, server.ETagOf("/a.ics"));

  auto second = fetcher.Fetch(server.base_url() + "/a.ics", first->etag);
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_TRUE(second->not_modified);
  EXPECT_TRUE(second->body.empty());
  EXPECT_EQ(server.requests().back().status, 304);

  server.Set("/big.ics", std::string((size_t{5} << 20) + 1, 'x'));
  auto big = fetcher.Fetch(server.base_url() + "/big.ics", std::nullopt);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code, Code::kResourceExhausted);
  EXPECT_EQ(big.error().message, "calendar too large: more than 5 MB");

  auto missing = fetcher.Fetch(server.base_url() + "/missing.ics", std::nullopt);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Code::kNotFound);

  const size_t before = server.requests().size();
  auto refused =
      fetcher.Fetch("http://localhost:" + std::to_string(server.port()) + "/a.ics", std::nullopt);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Code::kPermissionDenied);
  EXPECT_THAT(refused.error().message, HasSubstr("private address"));
  EXPECT_EQ(server.requests().size(), before);
}

}  // namespace
}  // namespace reflector::calendar
