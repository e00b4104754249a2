// Migrations up/down/status and the schema's own rules (triggers, partial unique indexes), on
// SQLite and PostgreSQL.
#include "store/migrations.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "core/time_format.hpp"
#include "fakes/test_databases.hpp"
#include "store/meetings.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

using testing::DatabaseTest;
using ::testing::HasSubstr;

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

class MigrationsTest : public DatabaseTest {
 protected:
  bool MigrateOnSetUp() const override { return false; }

  std::vector<int> AppliedVersions() {
    auto status = MigrationStatusList(db());
    EXPECT_TRUE(status.has_value()) << status.error().ToString();
    std::vector<int> applied;
    if (!status) return applied;
    for (const auto& m : *status) {
      if (m.applied) applied.push_back(m.version);
    }
    return applied;
  }

  // Whether `table` can be queried.
  bool TableExists(const std::string& table) {
    auto session = db().Acquire();
    return Query(session, "SELECT COUNT(*) FROM " + table, {}, 1).has_value();
  }

  bool ColumnExists(const std::string& table, const std::string& column) {
    auto session = db().Acquire();
    return Query(session, "SELECT " + column + " FROM " + table + " LIMIT 1", {}, 1).has_value();
  }

  // PostgreSQL: the compression method of the transcript's long texts, as
  // "long_summary=l,search_terms_en=l,..." ('l': lz4; nothing: the server's default).
  std::string TranscriptCompression() {
    if (!postgres()) return "";
    auto session = db().Acquire();
    auto rows = Query(session,
                      "SELECT string_agg(attname || '=' || CAST(attcompression AS TEXT), ','"
                      " ORDER BY attname) FROM pg_attribute"
                      " WHERE attrelid = CAST('transcript' AS regclass) AND attname IN"
                      " ('webvtt', 'long_summary', 'search_vector_en', 'search_terms_en')",
                      {}, 1);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    return rows && !rows->empty() ? rows->front()[0].value_or("") : "";
  }

  // PostgreSQL: the transcript table's storage parameters as text ("" when none; on SQLite).
  std::string TranscriptReloptions() {
    if (!postgres()) return "";
    auto session = db().Acquire();
    auto rows = Query(session,
                      "SELECT COALESCE(CAST(reloptions AS TEXT), '') FROM pg_class"
                      " WHERE oid = CAST('transcript' AS regclass)",
                      {}, 1);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    return rows && !rows->empty() ? rows->front()[0].value_or("") : "";
  }
  // SQLite: the first two words of transcript_fts's tokenizer (its name, and a cap or parent).
  std::string FtsTokenizer() {
    if (postgres()) return "";
    auto session = db().Acquire();
    auto rows =
        Query(session, "SELECT sql FROM sqlite_master WHERE name = 'transcript_fts'", {}, 1);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    if (!rows || rows->empty()) return "";
    const std::string sql = rows->front()[0].value_or("");
    const auto start = sql.find("tokenize = '");
    if (start == std::string::npos) return "";
    const auto begin = start + 12;
    const auto second = sql.find(' ', sql.find(' ', begin) + 1);
    return sql.substr(begin, second - begin);
  }
};

TEST_P(MigrationsTest, StatusOfAnEmptyDatabaseListsEverythingPending) {
  auto status = MigrationStatusList(db());
  ASSERT_TRUE(status.has_value()) << status.error().ToString();
  const std::vector<std::string> names = {"initial",
                                          "platform",
                                          "provider_tracking",
                                          "webhook_events_and_jobs",
                                          "recording_pipeline",
                                          "transcript_search",
                                          "calendar_sync",
                                          "room_webhook_deliveries",
                                          "transcript_search_keys",
                                          "transcript_search_doc_keys",
                                          "transcript_search_word_pairs",
                                          "transcript_search_terms",
                                          "transcript_search_parts",
                                          "transcript_search_storage",
                                          "transcript_search_capped_words"};
  ASSERT_EQ(status->size(), names.size());
  for (size_t i = 0; i < status->size(); ++i) {
    EXPECT_EQ((*status)[i].version, static_cast<int>(i + 1));
    EXPECT_EQ((*status)[i].name, names[i]);
    EXPECT_FALSE((*status)[i].applied);
    EXPECT_EQ((*status)[i].applied_at, std::nullopt);
  }
  EXPECT_EQ(LatestSchemaVersion(), 15);
  EXPECT_FALSE(TableExists("schema_migrations"));  // status does not create anything
}

TEST_P(MigrationsTest, UpAppliesAllOnceAndRecordsWhen) {
  const TimePoint before = TruncateToMicros(std::chrono::system_clock::now());
  auto applied = MigrateUp(db());
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  EXPECT_EQ(*applied, 15);
  const TimePoint after = std::chrono::system_clock::now();

  auto status = MigrationStatusList(db());
  ASSERT_TRUE(status.has_value());
  for (const auto& m : *status) {
    EXPECT_TRUE(m.applied) << m.version;
    ASSERT_TRUE(m.applied_at.has_value());
    EXPECT_GE(*m.applied_at, before);
    EXPECT_LE(*m.applied_at, after);
  }
  for (const char* table :
       {"app_user", "api_key", "room", "calendar_event", "meeting", "meeting_consent", "recording",
        "transcript", "participant_session", "meeting_session", "webhook_event", "job"}) {
    EXPECT_TRUE(TableExists(table)) << table;
  }

  auto again = MigrateUp(db());
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(*again, 0);
  auto session = db().Acquire();
  auto count = Query(session, "SELECT COUNT(*) FROM schema_migrations", {}, 1);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ((*count)[0][0], "15");
}

TEST_P(MigrationsTest, UpToATargetThenTheRest) {
  auto to_two = MigrateUp(db(), 2);
  ASSERT_TRUE(to_two.has_value()) << to_two.error().ToString();
  EXPECT_EQ(*to_two, 2);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2}));
  EXPECT_TRUE(ColumnExists("room", "platform"));
  EXPECT_FALSE(TableExists("participant_session"));

  auto lower = MigrateUp(db(), 1);  // never goes down
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(*lower, 0);

  auto rest = MigrateUp(db());
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(*rest, 13);
  EXPECT_EQ(AppliedVersions(),
            (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));

  auto unknown = MigrateUp(db(), 99);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, Code::kInvalidArgument);
}

TEST_P(MigrationsTest, DownRevertsStepByStepAndUpAgainWorks) {
  ASSERT_EQ(MigrateUp(db()).value_or(-1), 15);
  EXPECT_EQ(TranscriptReloptions(), postgres() ? "{toast_tuple_target=128}" : "");
  // Debian's PostgreSQL is built with lz4.
  EXPECT_EQ(TranscriptCompression(),
            postgres() ? "long_summary=l,search_terms_en=l,search_vector_en=l,webvtt=l" : "");

  EXPECT_EQ(FtsTokenizer(), postgres() ? "" : "reflector_capped_pairs 16");
  auto capped = MigrateDown(db(), 1);
  ASSERT_TRUE(capped.has_value()) << capped.error().ToString();
  EXPECT_EQ(*capped, 1);
  EXPECT_EQ(FtsTokenizer(), postgres() ? "" : "reflector_word_pairs porter");

  auto storage = MigrateDown(db(), 1);
  ASSERT_TRUE(storage.has_value()) << storage.error().ToString();
  EXPECT_EQ(*storage, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}));
  EXPECT_EQ(TranscriptReloptions(), "");
  EXPECT_EQ(TranscriptCompression(),
            postgres() ? "long_summary=,search_terms_en=,search_vector_en=,webvtt=" : "");

  auto parts = MigrateDown(db(), 1);
  ASSERT_TRUE(parts.has_value()) << parts.error().ToString();
  EXPECT_EQ(*parts, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_FALSE(TableExists("transcript_search_part"));
  EXPECT_EQ(ColumnExists("transcript", "search_terms_en"), postgres());

  auto terms = MigrateDown(db(), 1);
  ASSERT_TRUE(terms.has_value()) << terms.error().ToString();
  EXPECT_EQ(*terms, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_FALSE(ColumnExists("transcript", "search_terms_en"));
  EXPECT_EQ(ColumnExists("transcript", "search_vector_en"), postgres());  // generated again

  auto word_pairs = MigrateDown(db(), 1);
  ASSERT_TRUE(word_pairs.has_value()) << word_pairs.error().ToString();
  EXPECT_EQ(*word_pairs, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));

  auto doc_keys = MigrateDown(db(), 1);
  ASSERT_TRUE(doc_keys.has_value()) << doc_keys.error().ToString();
  EXPECT_EQ(*doc_keys, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_FALSE(ColumnExists("transcript_search_doc", "created_at"));

  auto search_keys = MigrateDown(db(), 1);
  ASSERT_TRUE(search_keys.has_value()) << search_keys.error().ToString();
  EXPECT_EQ(*search_keys, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}));

  auto deliveries = MigrateDown(db(), 1);
  ASSERT_TRUE(deliveries.has_value()) << deliveries.error().ToString();
  EXPECT_EQ(*deliveries, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_FALSE(TableExists("room_webhook_delivery"));

  auto calendar = MigrateDown(db(), 1);
  ASSERT_TRUE(calendar.has_value()) << calendar.error().ToString();
  EXPECT_EQ(*calendar, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_FALSE(TableExists("calendar_sync_state"));
  EXPECT_TRUE(TableExists("calendar_event"));

  auto search = MigrateDown(db(), 1);
  ASSERT_TRUE(search.has_value()) << search.error().ToString();
  EXPECT_EQ(*search, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_FALSE(TableExists("transcript_fts"));
  EXPECT_FALSE(TableExists("transcript_search_doc"));
  EXPECT_FALSE(ColumnExists("transcript", "search_vector_en"));
  EXPECT_TRUE(ColumnExists("transcript", "change_seq"));

  auto pipeline = MigrateDown(db(), 1);
  ASSERT_TRUE(pipeline.has_value()) << pipeline.error().ToString();
  EXPECT_EQ(*pipeline, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_FALSE(ColumnExists("recording", "queued_at"));
  EXPECT_FALSE(ColumnExists("transcript", "words"));
  EXPECT_TRUE(TableExists("job"));

  auto one = MigrateDown(db(), 1);
  ASSERT_TRUE(one.has_value()) << one.error().ToString();
  EXPECT_EQ(*one, 1);
  EXPECT_EQ(AppliedVersions(), (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(TableExists("job"));
  EXPECT_FALSE(TableExists("webhook_event"));

  auto one_more = MigrateDown(db(), 1);
  ASSERT_TRUE(one_more.has_value()) << one_more.error().ToString();
  EXPECT_FALSE(TableExists("participant_session"));
  EXPECT_FALSE(TableExists("meeting_session"));
  EXPECT_FALSE(ColumnExists("meeting", "provider_meeting_id"));
  EXPECT_FALSE(ColumnExists("recording", "provider_recording_id"));
  EXPECT_TRUE(ColumnExists("room", "platform"));

  auto all = MigrateDown(db(), 10);  // more than applied: stops at none
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  EXPECT_EQ(*all, 2);
  EXPECT_TRUE(AppliedVersions().empty());
  EXPECT_FALSE(TableExists("room"));
  EXPECT_FALSE(TableExists("app_user"));

  auto nothing = MigrateDown(db(), 1);
  ASSERT_TRUE(nothing.has_value());
  EXPECT_EQ(*nothing, 0);

  auto up = MigrateUp(db());
  ASSERT_TRUE(up.has_value()) << up.error().ToString();
  EXPECT_EQ(*up, 15);

  auto negative = MigrateDown(db(), -1);
  ASSERT_FALSE(negative.has_value());
  EXPECT_EQ(negative.error().code, Code::kInvalidArgument);
}

TEST_P(MigrationsTest, DownOfThePlatformMigrationKeepsTheRows) {
  ASSERT_EQ(MigrateUp(db()).value_or(-1), 15);
  {
    auto session = db().Acquire();
    Room room;
    room.name = "kept";
    room.user_id = "u";
    room.created_at = At("2026-01-02T03:04:05.000006Z");
    room.platform = "daily";
    ASSERT_TRUE(RoomRepository::Create(session, room).has_value());
  }
  ASSERT_EQ(MigrateDown(db(), 14).value_or(-1), 14);
  EXPECT_FALSE(ColumnExists("room", "platform"));
  auto session = db().Acquire();
  auto rows = Query(session, "SELECT name, created_at FROM room", {}, 2);
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 1u);
  RowReader r(rows->front());
  EXPECT_EQ(r.Text(), "kept");
  EXPECT_EQ(r.Time(), At("2026-01-02T03:04:05.000006Z"));
}

TEST_P(MigrationsTest, ADatabaseNewerThanTheProgramIsRefused) {
  ASSERT_EQ(MigrateUp(db()).value_or(-1), 15);
  {
    auto session = db().Acquire();
    ASSERT_TRUE(Exec(session,
                     "INSERT INTO schema_migrations (version, name, applied_at) "
                     "VALUES (16, 'from_the_future', :at)",
                     SqlParams().Time("at", At("2030-01-01T00:00:00Z")))
                    .has_value());
  }
  auto up = MigrateUp(db());
  ASSERT_FALSE(up.has_value());
  EXPECT_EQ(up.error().code, Code::kFailedPrecondition);
  EXPECT_THAT(up.error().message, HasSubstr("version 16"));

  auto status = MigrationStatusList(db());
  ASSERT_TRUE(status.has_value());
  ASSERT_EQ(status->size(), 16u);
  EXPECT_EQ(status->back().version, 16);
  EXPECT_EQ(status->back().name, "from_the_future");
  EXPECT_TRUE(status->back().applied);

  auto down = MigrateDown(db(), 1);
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().code, Code::kFailedPrecondition);
}

TEST_P(MigrationsTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  // Two independent Databases = two processes starting at the same time.
  constexpr int kMigrators = 3;
  std::vector<std::unique_ptr<Database>> dbs;
  for (int i = 0; i < kMigrators; ++i) {
    dbs.push_back(OpenAnother(1));
    ASSERT_NE(dbs.back(), nullptr);
  }
  std::vector<Result<int>> results(kMigrators, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&, i] { results[i] = MigrateUp(*dbs[i]); });
  }
  for (auto& t : threads) t.join();
  int total = 0;
  for (const auto& result : results) {
    ASSERT_TRUE(result.has_value()) << result.error().ToString();
    total += *result;
  }
  EXPECT_EQ(total, 15);
  EXPECT_EQ(AppliedVersions(),
            (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
  auto session = db().Acquire();
  auto count = Query(session, "SELECT COUNT(*) FROM schema_migrations", {}, 1);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ((*count)[0][0], std::to_string(LatestSchemaVersion()));
}

// Contract §3.3: rows written before the platform column existed read as 'whereby', with no
// data migration.
TEST_P(MigrationsTest, RowsFromBeforeThePlatformColumnReadAsWhereby) {
  ASSERT_EQ(MigrateUp(db(), 1).value_or(-1), 1);
  {
    auto session = db().Acquire();
    ASSERT_TRUE(Exec(session,
                     "INSERT INTO room (id, name, user_id, created_at, is_shared) "
                     "VALUES ('room-1', 'legacy', 'owner-1', :created_at, TRUE)",
                     SqlParams().Time("created_at", At("2025-10-01T08:00:00.250000Z")))
                    .has_value());
    ASSERT_TRUE(Exec(session,
                     "INSERT INTO meeting (id, room_name, room_url, host_room_url, start_date, "
                     "end_date, room_id, num_clients) VALUES ('meeting-1', '/legacy-abc', "
                     "'https://whereby.com/legacy-abc', 'https://whereby.com/legacy-abc?host', "
                     ":start_date, :end_date, 'room-1', 2)",
                     SqlParams()
                         .Time("start_date", At("2025-10-01T09:00:00Z"))
                         .Time("end_date", At("2025-10-01T17:00:00Z")))
                    .has_value());
  }
  auto rest = MigrateUp(db());
  ASSERT_TRUE(rest.has_value()) << rest.error().ToString();
  EXPECT_EQ(*rest, LatestSchemaVersion() - 1);

  auto session = db().Acquire();
  auto room = RoomRepository::GetById(session, "room-1");
  ASSERT_TRUE(room.has_value()) << room.error().ToString();
  EXPECT_EQ(room->platform, "whereby");
  EXPECT_FALSE(room->skip_consent);
  EXPECT_EQ(room->name, "legacy");
  EXPECT_TRUE(room->is_shared);
  EXPECT_EQ(room->room_mode, "normal");
  EXPECT_EQ(room->recording_type, "cloud");
  EXPECT_EQ(room->recording_trigger, "automatic-2nd-participant");
  EXPECT_EQ(room->ics_fetch_interval, 300);
  EXPECT_EQ(room->created_at, At("2025-10-01T08:00:00.250000Z"));

  auto meeting = MeetingRepository::GetById(session, "meeting-1");
  ASSERT_TRUE(meeting.has_value()) << meeting.error().ToString();
  EXPECT_EQ(meeting->platform, "whereby");
  EXPECT_EQ(meeting->num_clients, 2);
  EXPECT_TRUE(meeting->is_active);
  EXPECT_EQ(meeting->daily_composed_video_s3_key, std::nullopt);
  EXPECT_EQ(meeting->daily_composed_video_duration, std::nullopt);
  EXPECT_EQ(meeting->provider_meeting_id, std::nullopt);
  EXPECT_EQ(meeting->num_clients_updated_at, std::nullopt);
  EXPECT_EQ(meeting->end_date, At("2025-10-01T17:00:00Z"));
}

// ---- Schema rules, on the fully migrated schema ----

class SchemaTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto session = db().Acquire();
    Room room;
    room.id = "room-1";
    room.name = "r1";
    room.user_id = "u1";
    room.created_at = At("2026-01-01T00:00:00Z");
    ASSERT_TRUE(RoomRepository::Create(session, room).has_value());
    Meeting meeting;
    meeting.id = "meeting-1";
    meeting.room_id = "room-1";
    meeting.room_name = "r1-20260101000000";
    meeting.start_date = At("2026-01-01T00:00:00Z");
    meeting.end_date = At("2026-01-01T08:00:00Z");
    ASSERT_TRUE(MeetingRepository::Create(session, meeting).has_value());
  }
};

TEST_P(SchemaTest, ParticipantLeftAtIsImmutableOnceSet) {
  auto session = db().Acquire();
  ASSERT_TRUE(Exec(session,
                   "INSERT INTO participant_session (id, meeting_id, room_id, provider, "
                   "session_key, user_name, joined_at) VALUES ('ps-1', 'meeting-1', 'room-1', "
                   "'daily', 'sess-1', 'Ann', :joined_at)",
                   SqlParams().Time("joined_at", At("2026-01-01T00:01:00Z")))
                  .has_value());
  const std::string set_left =
      "UPDATE participant_session SET left_at = :left_at WHERE id = 'ps-1'";
  ASSERT_TRUE(
      Exec(session, set_left, SqlParams().Time("left_at", At("2026-01-01T00:30:00Z"))).has_value());

  auto changed = Exec(session, set_left, SqlParams().Time("left_at", At("2026-01-01T00:45:00Z")));
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().code, Code::kFailedPrecondition);
  EXPECT_THAT(changed.error().detail, HasSubstr("left_at is immutable once set"));

  auto cleared = Exec(session, "UPDATE participant_session SET left_at = NULL WHERE id = 'ps-1'");
  ASSERT_FALSE(cleared.has_value());
  EXPECT_EQ(cleared.error().code, Code::kFailedPrecondition);

  // Writing the same value again (an idempotent upsert) and changing other columns are allowed.
  EXPECT_TRUE(
      Exec(session, set_left, SqlParams().Time("left_at", At("2026-01-01T00:30:00Z"))).has_value());
  EXPECT_TRUE(Exec(session, "UPDATE participant_session SET user_name = 'Ann B' WHERE id = 'ps-1'")
                  .has_value());
  auto upsert = Exec(session,
                     "INSERT INTO participant_session (id, meeting_id, room_id, provider, "
                     "session_key, user_name, left_at) VALUES ('ps-2', 'meeting-1', 'room-1', "
                     "'daily', 'sess-1', 'Ann', :left_at) ON CONFLICT (meeting_id, session_key) "
                     "DO UPDATE SET left_at = COALESCE(participant_session.left_at, "
                     "excluded.left_at), user_name = excluded.user_name",
                     SqlParams().Time("left_at", At("2026-01-01T00:50:00Z")));
  ASSERT_TRUE(upsert.has_value()) << upsert.error().ToString();

  auto rows = Query(session, "SELECT left_at, user_name FROM participant_session", {}, 2);
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
  RowReader r(rows->front());
  EXPECT_EQ(r.Time(), At("2026-01-01T00:30:00Z"));
  EXPECT_EQ(r.Text(), "Ann");
}

TEST_P(SchemaTest, ALeftBeforeItsJoinedStaysClosed) {
  auto session = db().Acquire();
  // `left` first: a closed session without joined_at.
  ASSERT_TRUE(Exec(session,
                   "INSERT INTO participant_session (id, meeting_id, provider, session_key, "
                   "left_at) VALUES ('ps-1', 'meeting-1', 'whereby', 'p-1', :left_at)",
                   SqlParams().Time("left_at", At("2026-01-01T00:40:00Z")))
                  .has_value());
  // The late `joined` fills joined_at only.
  auto joined = Exec(session,
                     "INSERT INTO participant_session (id, meeting_id, provider, session_key, "
                     "joined_at) VALUES ('ps-2', 'meeting-1', 'whereby', 'p-1', :joined_at) "
                     "ON CONFLICT (meeting_id, session_key) DO UPDATE SET joined_at = "
                     "COALESCE(participant_session.joined_at, excluded.joined_at)",
                     SqlParams().Time("joined_at", At("2026-01-01T00:10:00Z")));
  ASSERT_TRUE(joined.has_value()) << joined.error().ToString();
  auto open = Query(session,
                    "SELECT COUNT(*) FROM participant_session WHERE meeting_id = 'meeting-1' "
                    "AND left_at IS NULL",
                    {}, 1);
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ((*open)[0][0], "0");
}

TEST_P(SchemaTest, OneQueuedJobPerDedupKey) {
  auto session = db().Acquire();
  const std::string insert =
      "INSERT INTO job (id, kind, payload, dedup_key, status, run_at, created_at, updated_at) "
      "VALUES (:id, 'presence', :payload, 'meeting-1', :status, :now, :created, :updated)";
  auto params = [](const std::string& id, const std::string& status) {
    const TimePoint now = At("2026-01-01T00:00:00Z");
    return SqlParams()
        .Text("id", id)
        .Json("payload", R"({"meeting_id":"meeting-1"})")
        .Text("status", status)
        .Time("now", now)
        .Time("created", now)
        .Time("updated", now);
  };
  ASSERT_TRUE(Exec(session, insert, params("job-1", "queued")).has_value());
  auto second = Exec(session, insert, params("job-2", "queued"));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, Code::kAlreadyExists);

  auto coalesced =
      Exec(session, insert + " ON CONFLICT (dedup_key) WHERE status = 'queued' DO NOTHING",
           params("job-3", "queued"));
  ASSERT_TRUE(coalesced.has_value()) << coalesced.error().ToString();
  EXPECT_EQ(*coalesced, 0);

  // Once the first one runs, a new one may be queued.
  ASSERT_TRUE(Exec(session, "UPDATE job SET status = 'running' WHERE id = 'job-1'").has_value());
  EXPECT_TRUE(Exec(session, insert, params("job-4", "queued")).has_value());

  auto bad_status = Exec(session, insert, params("job-5", "bogus"));
  ASSERT_FALSE(bad_status.has_value());
  EXPECT_EQ(bad_status.error().code, Code::kInternal);
}

TEST_P(SchemaTest, WebhookEventsAreUniquePerProvider) {
  auto session = db().Acquire();
  const std::string insert =
      "INSERT INTO webhook_event (id, provider, event_id, event_type, received_at) "
      "VALUES (:id, :provider, 'evt-1', 'participant.joined', :at)";
  const TimePoint at = At("2026-01-01T00:00:00Z");
  ASSERT_TRUE(
      Exec(session, insert, SqlParams().Text("id", "1").Text("provider", "daily").Time("at", at))
          .has_value());
  EXPECT_TRUE(
      Exec(session, insert, SqlParams().Text("id", "2").Text("provider", "whereby").Time("at", at))
          .has_value());
  auto duplicate =
      Exec(session, insert, SqlParams().Text("id", "3").Text("provider", "daily").Time("at", at));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, Code::kAlreadyExists);
}

TEST_P(SchemaTest, OneConsentRowPerAuthenticatedUser) {
  auto session = db().Acquire();
  const std::string insert =
      "INSERT INTO meeting_consent (id, meeting_id, user_id, consent_given, consent_timestamp) "
      "VALUES (:id, 'meeting-1', :user_id, :given, :at) ON CONFLICT (meeting_id, user_id) "
      "WHERE user_id IS NOT NULL DO UPDATE SET consent_given = excluded.consent_given, "
      "consent_timestamp = excluded.consent_timestamp";
  const TimePoint at = At("2026-01-01T00:00:00Z");
  for (const auto& [id, user, given] :
       std::vector<std::tuple<std::string, std::optional<std::string>, bool>>{
           {"c1", "u1", true},
           {"c2", "u1", false},
           {"c3", std::nullopt, true},
           {"c4", std::nullopt, true}}) {
    auto done = Exec(
        session, insert,
        SqlParams().Text("id", id).OptText("user_id", user).Bool("given", given).Time("at", at));
    ASSERT_TRUE(done.has_value()) << done.error().ToString();
  }
  auto rows = Query(session, "SELECT id, consent_given FROM meeting_consent ORDER BY id", {}, 2);
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 3u);  // c1 updated in place, two anonymous rows
  RowReader first((*rows)[0]);
  EXPECT_EQ(first.Text(), "c1");
  EXPECT_FALSE(first.Bool());
}

TEST_P(SchemaTest, DeletingACalendarEventKeepsItsMeetings) {
  auto session = db().Acquire();
  const TimePoint at = At("2026-01-01T00:00:00Z");
  ASSERT_TRUE(
      Exec(session,
           "INSERT INTO calendar_event (id, room_id, ics_uid, start_time, end_time, "
           "last_synced, created_at, updated_at) VALUES ('ev-1', 'room-1', 'uid-1', :s, "
           ":e, :l, :c, :u)",
           SqlParams().Time("s", at).Time("e", at).Time("l", at).Time("c", at).Time("u", at))
          .has_value());
  auto meeting = MeetingRepository::GetById(session, "meeting-1");
  ASSERT_TRUE(meeting.has_value());
  meeting->calendar_event_id = "ev-1";
  ASSERT_TRUE(MeetingRepository::Update(session, *meeting).has_value());
  ASSERT_TRUE(Exec(session, "DELETE FROM calendar_event WHERE id = 'ev-1'").has_value());
  auto after = MeetingRepository::GetById(session, "meeting-1");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->calendar_event_id, std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Backends, MigrationsTest, testing::TestBackends(), testing::BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, SchemaTest, testing::TestBackends(), testing::BackendName);

}  // namespace
}  // namespace reflector::store
