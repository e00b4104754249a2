#include "store/rooms.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time_format.hpp"
#include "fakes/test_databases.hpp"
#include "store/meetings.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

using testing::DatabaseTest;

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

Room FullRoom() {
  Room room;
  room.id = "4b0e7e52-7a4a-4c7e-9a51-2f2d3c0e9d11";
  room.name = "café-会議室";
  room.user_id = "user-ü";
  room.created_at = At("2026-11-22T05:23:18.123456Z");
  room.zulip_auto_post = true;
  room.zulip_stream = "stream ✓";
  room.zulip_topic = "topic";
  room.is_locked = true;
  room.room_mode = "group";
  room.recording_type = "local";
  room.recording_trigger = "prompt";
  room.is_shared = true;
  room.webhook_url = "https://example.com/hook?a=1&b=2";
  room.webhook_secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA";
  room.ics_url = "https://calendar.example.com/x.ics";
  room.ics_fetch_interval = 600;
  room.ics_enabled = true;
  room.ics_last_sync = At("2026-11-22T05:00:00.000001Z");
  room.ics_last_etag = "d41d8cd98f00b204e9800998ecf8427e";
  room.platform = "daily";
  room.skip_consent = true;
  return room;
}

Room MinimalRoom(const std::string& name, const std::string& user, const char* created) {
  Room room;
  room.name = name;
  room.user_id = user;
  room.created_at = At(created);
  return room;
}

class RoomsTest : public DatabaseTest {};

TEST_P(RoomsTest, CreateStoresEveryFieldExactly) {
  auto session = db().Acquire();
  const Room room = FullRoom();
  auto created = RoomRepository::Create(session, room);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_EQ(*created, room);

  auto by_id = RoomRepository::GetById(session, room.id);
  ASSERT_TRUE(by_id.has_value()) << by_id.error().ToString();
  EXPECT_EQ(*by_id, room);
  auto by_name = RoomRepository::GetByName(session, "café-会議室");
  ASSERT_TRUE(by_name.has_value()) << by_name.error().ToString();
  EXPECT_EQ(*by_name, room);
}

TEST_P(RoomsTest, DefaultsAndNullsRoundTrip) {
  auto session = db().Acquire();
  auto created =
      RoomRepository::Create(session, MinimalRoom("plain", "u1", "2026-01-01T00:00:00Z"));
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_EQ(created->id.size(), 36u);  // generated uuid4
  auto read = RoomRepository::GetById(session, created->id);
  ASSERT_TRUE(read.has_value());
  EXPECT_FALSE(read->zulip_auto_post);
  EXPECT_EQ(read->zulip_stream, "");
  EXPECT_FALSE(read->is_locked);
  EXPECT_EQ(read->room_mode, "normal");
  EXPECT_EQ(read->recording_type, "cloud");
  EXPECT_EQ(read->recording_trigger, "automatic-2nd-participant");
  EXPECT_FALSE(read->is_shared);
  EXPECT_EQ(read->webhook_url, std::nullopt);
  EXPECT_EQ(read->webhook_secret, std::nullopt);
  EXPECT_EQ(read->ics_url, std::nullopt);
  EXPECT_EQ(read->ics_fetch_interval, 300);
  EXPECT_FALSE(read->ics_enabled);
  EXPECT_EQ(read->ics_last_sync, std::nullopt);
  EXPECT_EQ(read->ics_last_etag, std::nullopt);
  EXPECT_EQ(read->platform, "whereby");
  EXPECT_FALSE(read->skip_consent);
  EXPECT_EQ(*read, *created);
}

TEST_P(RoomsTest, TimestampsKeepMicrosecondsAndDropNanoseconds) {
  auto session = db().Acquire();
  Room room = MinimalRoom("precise", "u1", "2026-11-22T05:23:18.999999Z");
  room.created_at += std::chrono::nanoseconds(789);
  room.ics_last_sync = At("1999-12-31T23:59:59.000001Z");
  auto created = RoomRepository::Create(session, room);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_EQ(created->created_at, At("2026-11-22T05:23:18.999999Z"));
  EXPECT_EQ(created->ics_last_sync, At("1999-12-31T23:59:59.000001Z"));
  EXPECT_EQ(FormatIso8601(RoomRepository::GetById(session, created->id)->created_at),
            "2026-11-22T05:23:18.999999Z");
}

TEST_P(RoomsTest, DuplicateNameIsAlreadyExists) {
  auto session = db().Acquire();
  ASSERT_TRUE(RoomRepository::Create(session, MinimalRoom("taken", "u1", "2026-01-01T00:00:00Z"))
                  .has_value());
  auto duplicate =
      RoomRepository::Create(session, MinimalRoom("taken", "u2", "2026-01-02T00:00:00Z"));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, Code::kAlreadyExists);
  EXPECT_EQ(duplicate.error().message, "Room name is not unique");
}

TEST_P(RoomsTest, UnknownRoomIsNotFound) {
  auto session = db().Acquire();
  auto by_id = RoomRepository::GetById(session, "nope");
  ASSERT_FALSE(by_id.has_value());
  EXPECT_EQ(by_id.error().code, Code::kNotFound);
  EXPECT_EQ(by_id.error().message, "Room not found");
  EXPECT_EQ(RoomRepository::GetByName(session, "nope").error().code, Code::kNotFound);
  EXPECT_EQ(RoomRepository::Delete(session, "nope").error().code, Code::kNotFound);
  Room ghost = FullRoom();
  ghost.id = "nope";
  EXPECT_EQ(RoomRepository::Update(session, ghost).error().code, Code::kNotFound);
}

TEST_P(RoomsTest, ListFiltersOrdersAndPages) {
  auto session = db().Acquire();
  // created_at ascending: a1 < b1 < a2 < c1(shared) < b2(shared) < a3
  struct Spec {
    const char* name;
    const char* user;
    const char* created;
    bool shared;
  };
  const Spec specs[] = {{"a1", "alice", "2026-01-01T00:00:00.000001Z", false},
                        {"b1", "bob", "2026-01-01T00:00:00.000002Z", false},
                        {"a2", "alice", "2026-01-01T00:00:00.000003Z", false},
                        {"c1", "carol", "2026-01-01T00:00:00.000004Z", true},
                        {"b2", "bob", "2026-01-01T00:00:00.000005Z", true},
                        {"a3", "alice", "2026-01-01T00:00:00.000006Z", false}};
  for (const auto& spec : specs) {
    Room room = MinimalRoom(spec.name, spec.user, spec.created);
    room.is_shared = spec.shared;
    ASSERT_TRUE(RoomRepository::Create(session, room).has_value());
  }
  auto names = [](const RoomPage& page) {
    std::vector<std::string> out;
    for (const auto& room : page.items) out.push_back(room.name);
    return out;
  };
  using V = std::vector<std::string>;

  auto own_and_shared = RoomRepository::List(session, std::string("alice"), true, 1, 50);
  ASSERT_TRUE(own_and_shared.has_value()) << own_and_shared.error().ToString();
  EXPECT_EQ(names(*own_and_shared), (V{"a3", "b2", "c1", "a2", "a1"}));
  EXPECT_EQ(own_and_shared->total, 5);

  auto own = RoomRepository::List(session, std::string("alice"), false, 1, 50);
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(names(*own), (V{"a3", "a2", "a1"}));
  EXPECT_EQ(own->total, 3);

  auto shared = RoomRepository::List(session, std::nullopt, true, 1, 50);
  ASSERT_TRUE(shared.has_value());
  EXPECT_EQ(names(*shared), (V{"b2", "c1"}));
  EXPECT_EQ(shared->total, 2);

  auto all_page_2 = RoomRepository::List(session, std::nullopt, false, 2, 4);
  ASSERT_TRUE(all_page_2.has_value());
  EXPECT_EQ(names(*all_page_2), (V{"b1", "a1"}));
  EXPECT_EQ(all_page_2->total, 6);

  auto beyond = RoomRepository::List(session, std::string("alice"), true, 3, 4);
  ASSERT_TRUE(beyond.has_value());
  EXPECT_TRUE(beyond->items.empty());
  EXPECT_EQ(beyond->total, 5);

  auto nobody = RoomRepository::List(session, std::string("dave"), false, 1, 10);
  ASSERT_TRUE(nobody.has_value());
  EXPECT_TRUE(nobody->items.empty());
  EXPECT_EQ(nobody->total, 0);

  EXPECT_EQ(RoomRepository::List(session, std::nullopt, false, 0, 10).error().code,
            Code::kInvalidArgument);
  EXPECT_EQ(RoomRepository::List(session, std::nullopt, false, 1, 0).error().code,
            Code::kInvalidArgument);
}

TEST_P(RoomsTest, UpdateWritesTheWholeRow) {
  auto session = db().Acquire();
  auto created =
      RoomRepository::Create(session, MinimalRoom("before", "u1", "2026-01-01T00:00:00Z"));
  ASSERT_TRUE(created.has_value());
  Room changed = FullRoom();
  changed.id = created->id;
  changed.name = "after";
  ASSERT_TRUE(RoomRepository::Update(session, changed).has_value());
  auto read = RoomRepository::GetById(session, created->id);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, changed);

  // And back to NULLs/defaults.
  Room cleared = MinimalRoom("after", "u1", "2026-01-01T00:00:00Z");
  cleared.id = created->id;
  ASSERT_TRUE(RoomRepository::Update(session, cleared).has_value());
  EXPECT_EQ(*RoomRepository::GetById(session, created->id), cleared);
}

TEST_P(RoomsTest, RenamingOntoATakenNameIsAlreadyExists) {
  auto session = db().Acquire();
  ASSERT_TRUE(
      RoomRepository::Create(session, MinimalRoom("one", "u", "2026-01-01T00:00:00Z")).has_value());
  auto two = RoomRepository::Create(session, MinimalRoom("two", "u", "2026-01-01T00:00:00Z"));
  ASSERT_TRUE(two.has_value());
  two->name = "one";
  auto renamed = RoomRepository::Update(session, *two);
  ASSERT_FALSE(renamed.has_value());
  EXPECT_EQ(renamed.error().code, Code::kAlreadyExists);
  EXPECT_EQ(renamed.error().message, "Room name is not unique");
}

TEST_P(RoomsTest, DeleteCascadesToMeetingsAndTheirRows) {
  auto session = db().Acquire();
  auto room = RoomRepository::Create(session, MinimalRoom("doomed", "u", "2026-01-01T00:00:00Z"));
  ASSERT_TRUE(room.has_value());
  auto survivor =
      RoomRepository::Create(session, MinimalRoom("survivor", "u", "2026-01-01T00:00:00Z"));
  ASSERT_TRUE(survivor.has_value());
  for (const auto& [id, room_id] :
       {std::pair{"m1", room->id}, std::pair{"m2", room->id}, std::pair{"m3", survivor->id}}) {
    Meeting meeting;
    meeting.id = id;
    meeting.room_id = room_id;
    meeting.room_name = std::string("provider-") + id;
    meeting.start_date = At("2026-01-01T00:00:00Z");
    meeting.end_date = At("2026-01-01T08:00:00Z");
    ASSERT_TRUE(MeetingRepository::Create(session, meeting).has_value());
  }
  const TimePoint at = At("2026-01-01T00:00:00Z");
  ASSERT_TRUE(Exec(session,
                   "INSERT INTO participant_session (id, meeting_id, provider, session_key) "
                   "VALUES ('ps1', 'm1', 'daily', 's1')")
                  .has_value());
  ASSERT_TRUE(Exec(session,
                   "INSERT INTO meeting_consent (id, meeting_id, consent_given, "
                   "consent_timestamp) VALUES ('c1', 'm2', TRUE, :at)",
                   SqlParams().Time("at", at))
                  .has_value());
  ASSERT_TRUE(Exec(session,
                   "INSERT INTO calendar_event (id, room_id, ics_uid, start_time, end_time, "
                   "last_synced, created_at, updated_at) VALUES ('e1', :room_id, 'uid', :s, :e, "
                   ":l, :c, :u)",
                   SqlParams()
                       .Text("room_id", room->id)
                       .Time("s", at)
                       .Time("e", at)
                       .Time("l", at)
                       .Time("c", at)
                       .Time("u", at))
                  .has_value());

  ASSERT_TRUE(RoomRepository::Delete(session, room->id).has_value());
  EXPECT_EQ(RoomRepository::GetById(session, room->id).error().code, Code::kNotFound);
  EXPECT_EQ(MeetingRepository::GetById(session, "m1").error().code, Code::kNotFound);
  EXPECT_EQ(MeetingRepository::GetById(session, "m2").error().code, Code::kNotFound);
  EXPECT_TRUE(MeetingRepository::GetById(session, "m3").has_value());
  for (const char* table : {"participant_session", "meeting_consent", "calendar_event"}) {
    auto rows = Query(session, std::string("SELECT COUNT(*) FROM ") + table, {}, 1);
    ASSERT_TRUE(rows.has_value());
    EXPECT_EQ((*rows)[0][0], "0") << table;
  }
}

TEST_P(RoomsTest, WorksInsideATransaction) {
  auto session = db().Acquire();
  {
    auto tx = session.Begin();
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(RoomRepository::Create(session, MinimalRoom("tx", "u", "2026-01-01T00:00:00Z"))
                    .has_value());
    EXPECT_TRUE(RoomRepository::GetByName(session, "tx").has_value());
  }  // rolled back
  EXPECT_EQ(RoomRepository::GetByName(session, "tx").error().code, Code::kNotFound);
  auto tx = session.Begin();
  ASSERT_TRUE(tx.has_value());
  ASSERT_TRUE(
      RoomRepository::Create(session, MinimalRoom("tx", "u", "2026-01-01T00:00:00Z")).has_value());
  ASSERT_TRUE(tx->Commit().has_value());
  auto other = db().Acquire();
  EXPECT_TRUE(RoomRepository::GetByName(other, "tx").has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, RoomsTest, testing::TestBackends(), testing::BackendName);

}  // namespace
}  // namespace reflector::store
