#include "store/meetings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/time_format.hpp"
#include "fakes/test_databases.hpp"
#include "store/rooms.hpp"

namespace reflector::store {
namespace {

using testing::DatabaseTest;

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

class MeetingsTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto session = db().Acquire();
    for (const char* id : {"room-1", "room-2"}) {
      Room room;
      room.id = id;
      room.name = std::string("name-") + id;
      room.user_id = "owner";
      room.created_at = At("2026-01-01T00:00:00Z");
      ASSERT_TRUE(RoomRepository::Create(session, room).has_value());
    }
  }

  static Meeting FullMeeting() {
    Meeting m;
    m.id = "2f5b1c1e-0a40-4e8e-8f43-7f3f9a2b6c01";
    m.room_name = "name-room-1-20261122052318";
    m.room_url = "https://reflector.daily.co/name-room-1-20261122052318";
    m.host_room_url = "https://reflector.daily.co/name-room-1-20261122052318?host=1";
    m.start_date = At("2026-11-22T05:23:18.123456Z");
    m.end_date = At("2026-11-22T13:23:18.123456Z");
    m.room_id = "room-1";
    m.is_locked = true;
    m.room_mode = "group";
    m.recording_type = "cloud";
    m.recording_trigger = "automatic";
    m.num_clients = 3;
    m.num_clients_updated_at = At("2026-11-22T05:30:00.000001Z");
    m.is_active = true;
    m.calendar_event_id = std::nullopt;
    m.calendar_metadata = R"({"title":"Réunion 📅","description":null,"attendees":[]})";
    m.platform = "daily";
    m.daily_composed_video_s3_key = "recordings/name-room-1/composed.mp4";
    m.daily_composed_video_duration = 3605;
    m.provider_meeting_id = "c3f0e2a4-1111-2222-3333-444455556666";
    return m;
  }

  static Meeting MinimalMeeting(const std::string& id, const std::string& room_id,
                                const char* end) {
    Meeting m;
    m.id = id;
    m.room_id = room_id;
    m.room_name = "/" + id;
    m.room_url = "https://whereby.com/" + id;
    m.host_room_url = "https://whereby.com/" + id + "?host";
    m.start_date = At("2026-01-01T00:00:00Z");
    m.end_date = At(end);
    return m;
  }
};

// JSONB re-serialises: compare JSON as values and everything else exactly.
void ExpectSameMeeting(Meeting actual, Meeting expected) {
  ASSERT_EQ(actual.calendar_metadata.has_value(), expected.calendar_metadata.has_value());
  if (actual.calendar_metadata) {
    EXPECT_EQ(nlohmann::json::parse(*actual.calendar_metadata),
              nlohmann::json::parse(*expected.calendar_metadata));
  }
  actual.calendar_metadata.reset();
  expected.calendar_metadata.reset();
  EXPECT_EQ(actual, expected);
}

TEST_P(MeetingsTest, CreateStoresEveryFieldExactly) {
  auto session = db().Acquire();
  const Meeting meeting = FullMeeting();
  auto created = MeetingRepository::Create(session, meeting);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  ExpectSameMeeting(*created, meeting);
  auto read = MeetingRepository::GetById(session, meeting.id);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  ExpectSameMeeting(*read, meeting);
}

TEST_P(MeetingsTest, DefaultsAndNullsRoundTrip) {
  auto session = db().Acquire();
  Meeting meeting = MinimalMeeting("", "room-2", "2026-01-01T08:00:00Z");
  auto created = MeetingRepository::Create(session, meeting);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_EQ(created->id.size(), 36u);
  auto read = MeetingRepository::GetById(session, created->id);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, *created);
  EXPECT_FALSE(read->is_locked);
  EXPECT_EQ(read->num_clients, 0);
  EXPECT_EQ(read->num_clients_updated_at, std::nullopt);
  EXPECT_TRUE(read->is_active);
  EXPECT_EQ(read->calendar_event_id, std::nullopt);
  EXPECT_EQ(read->calendar_metadata, std::nullopt);
  EXPECT_EQ(read->platform, "whereby");
  EXPECT_EQ(read->daily_composed_video_s3_key, std::nullopt);
  EXPECT_EQ(read->daily_composed_video_duration, std::nullopt);
  EXPECT_EQ(read->provider_meeting_id, std::nullopt);
}

TEST_P(MeetingsTest, UnknownRoomIsFailedPrecondition) {
  auto session = db().Acquire();
  auto created =
      MeetingRepository::Create(session, MinimalMeeting("m", "no-room", "2026-01-01T08:00:00Z"));
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(created.error().message, "Room or calendar event does not exist");
}

TEST_P(MeetingsTest, DuplicateIdIsAlreadyExists) {
  auto session = db().Acquire();
  ASSERT_TRUE(
      MeetingRepository::Create(session, MinimalMeeting("m", "room-1", "2026-01-01T08:00:00Z"))
          .has_value());
  auto again =
      MeetingRepository::Create(session, MinimalMeeting("m", "room-1", "2026-01-01T08:00:00Z"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Code::kAlreadyExists);
}

TEST_P(MeetingsTest, UnknownMeetingIsNotFound) {
  auto session = db().Acquire();
  auto read = MeetingRepository::GetById(session, "nope");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, Code::kNotFound);
  EXPECT_EQ(read.error().message, "Meeting not found");
  EXPECT_EQ(MeetingRepository::Deactivate(session, "nope").error().code, Code::kNotFound);
  EXPECT_EQ(
      MeetingRepository::Update(session, MinimalMeeting("nope", "room-1", "2026-01-01T08:00:00Z"))
          .error()
          .code,
      Code::kNotFound);
  EXPECT_EQ(MeetingRepository::GetByProviderMeetingId(session, "nope").error().code,
            Code::kNotFound);
  EXPECT_EQ(MeetingRepository::GetByRoomName(session, "nope").error().code, Code::kNotFound);
}

TEST_P(MeetingsTest, ListActiveForRoomFiltersAndOrdersByEndDate) {
  auto session = db().Acquire();
  const TimePoint now = At("2026-06-01T12:00:00Z");
  // Active, ending at different times.
  ASSERT_TRUE(MeetingRepository::Create(
                  session, MinimalMeeting("soon", "room-1", "2026-06-01T12:00:00.000001Z"))
                  .has_value());
  ASSERT_TRUE(
      MeetingRepository::Create(session, MinimalMeeting("late", "room-1", "2026-06-01T20:00:00Z"))
          .has_value());
  ASSERT_TRUE(
      MeetingRepository::Create(session, MinimalMeeting("mid", "room-1", "2026-06-01T15:00:00Z"))
          .has_value());
  // Ended exactly now, ended earlier, inactive, other room.
  ASSERT_TRUE(MeetingRepository::Create(
                  session, MinimalMeeting("ended-now", "room-1", "2026-06-01T12:00:00Z"))
                  .has_value());
  ASSERT_TRUE(
      MeetingRepository::Create(session, MinimalMeeting("ended", "room-1", "2026-06-01T11:00:00Z"))
          .has_value());
  Meeting inactive = MinimalMeeting("inactive", "room-1", "2026-06-01T22:00:00Z");
  inactive.is_active = false;
  ASSERT_TRUE(MeetingRepository::Create(session, inactive).has_value());
  ASSERT_TRUE(
      MeetingRepository::Create(session, MinimalMeeting("other", "room-2", "2026-06-01T22:00:00Z"))
          .has_value());

  auto active = MeetingRepository::ListActiveForRoom(session, "room-1", now);
  ASSERT_TRUE(active.has_value()) << active.error().ToString();
  std::vector<std::string> ids;
  for (const auto& m : *active) ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"late", "mid", "soon"}));

  auto none = MeetingRepository::ListActiveForRoom(session, "room-1", At("2027-01-01T00:00:00Z"));
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST_P(MeetingsTest, DeactivateIsIdempotent) {
  auto session = db().Acquire();
  ASSERT_TRUE(
      MeetingRepository::Create(session, MinimalMeeting("m", "room-1", "2026-06-01T20:00:00Z"))
          .has_value());
  ASSERT_TRUE(MeetingRepository::Deactivate(session, "m").has_value());
  EXPECT_FALSE(MeetingRepository::GetById(session, "m")->is_active);
  EXPECT_TRUE(MeetingRepository::Deactivate(session, "m").has_value());
  EXPECT_TRUE(
      MeetingRepository::ListActiveForRoom(session, "room-1", At("2026-06-01T12:00:00Z"))->empty());
}

TEST_P(MeetingsTest, UpdateWritesTheWholeRow) {
  auto session = db().Acquire();
  ASSERT_TRUE(MeetingRepository::Create(
                  session, MinimalMeeting(FullMeeting().id, "room-2", "2026-06-01T20:00:00Z"))
                  .has_value());
  const Meeting full = FullMeeting();
  ASSERT_TRUE(MeetingRepository::Update(session, full).has_value());
  ExpectSameMeeting(*MeetingRepository::GetById(session, full.id), full);

  Meeting moved = full;
  moved.room_id = "no-room";
  auto bad = MeetingRepository::Update(session, moved);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Code::kFailedPrecondition);
}

TEST_P(MeetingsTest, LookupByProviderIdsPicksTheNewest) {
  auto session = db().Acquire();
  Meeting older = MinimalMeeting("older", "room-1", "2026-06-01T20:00:00Z");
  older.provider_meeting_id = "provider-42";
  older.room_name = "/shared-name";
  older.start_date = At("2026-06-01T10:00:00Z");
  Meeting newer = older;
  newer.id = "newer";
  newer.start_date = At("2026-06-01T11:00:00Z");
  ASSERT_TRUE(MeetingRepository::Create(session, newer).has_value());
  ASSERT_TRUE(MeetingRepository::Create(session, older).has_value());

  auto by_provider = MeetingRepository::GetByProviderMeetingId(session, "provider-42");
  ASSERT_TRUE(by_provider.has_value()) << by_provider.error().ToString();
  EXPECT_EQ(by_provider->id, "newer");
  auto by_name = MeetingRepository::GetByRoomName(session, "/shared-name");
  ASSERT_TRUE(by_name.has_value());
  EXPECT_EQ(by_name->id, "newer");
}

INSTANTIATE_TEST_SUITE_P(Backends, MeetingsTest, testing::TestBackends(), testing::BackendName);

}  // namespace
}  // namespace reflector::store
