// Shared set-up of the tracking tests: a room and meetings of each platform in a fresh database.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/time_format.hpp"
#include "fakes/test_databases.hpp"
#include "store/meetings.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"

namespace reflector::tracking {

inline TimePoint At(const char* iso) { return *ParseIso8601(iso); }

class TrackingDbTest : public reflector::testing::DatabaseTest {
 protected:
  int PoolSize() const override { return 12; }

  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto session = db().Acquire();
    store::Room room;
    room.id = "room-1";
    room.name = "standup";
    room.user_id = "owner";
    room.created_at = At("2026-01-01T00:00:00Z");
    ASSERT_TRUE(store::RoomRepository::Create(session, room).has_value());
    AddMeeting("meeting-daily", "daily", "standup-20260101120000", "daily-room-id");
    AddMeeting("meeting-whereby", "whereby", "/standup-3f1c", "134");
    AddMeeting("meeting-mock", "mock", "standup-1234abcd", "mock-id");
  }

  void AddMeeting(const std::string& id, const std::string& platform, const std::string& room_name,
                  const std::string& provider_id) {
    auto session = db().Acquire();
    store::Meeting m;
    m.id = id;
    m.room_id = "room-1";
    m.platform = platform;
    m.room_name = room_name;
    m.room_url = "https://example.test/" + room_name;
    m.host_room_url = m.room_url;
    m.start_date = At("2026-01-01T12:00:00Z");
    m.end_date = At("2026-01-01T20:00:00Z");
    m.provider_meeting_id = provider_id;
    ASSERT_TRUE(store::MeetingRepository::Create(session, m).has_value());
  }

  store::Meeting GetMeeting(const std::string& id) {
    auto session = db().Acquire();
    auto m = store::MeetingRepository::GetById(session, id);
    EXPECT_TRUE(m.has_value());
    return m ? *m : store::Meeting{};
  }

  // "kind|dedup_key|payload" of every job, by kind then dedup key.
  std::vector<std::string> Jobs() {
    auto session = db().Acquire();
    auto rows = store::Query(
        session, "SELECT kind, dedup_key, payload FROM job ORDER BY kind, dedup_key", {}, 3);
    EXPECT_TRUE(rows.has_value());
    std::vector<std::string> out;
    if (!rows) return out;
    for (const auto& row : *rows) {
      store::RowReader r(row);
      std::string kind = r.Text();
      std::string dedup = r.OptText().value_or("");
      std::string payload = nlohmann::json::parse(r.Text()).dump();
      out.push_back(kind + "|" + dedup + "|" + payload);
    }
    return out;
  }

  int64_t Count(const std::string& table) {
    auto session = db().Acquire();
    auto rows = store::Query(session, "SELECT COUNT(*) FROM " + table, {}, 1);
    EXPECT_TRUE(rows.has_value());
    return rows ? std::stoll(rows->front()[0].value_or("0")) : -1;
  }
};

}  // namespace reflector::tracking
