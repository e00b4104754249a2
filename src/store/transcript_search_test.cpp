// Transcript search on SQLite and PostgreSQL: the index and change_seq follow every write made
// through the repository or plain SQL (migration 6's triggers / generated column), ranking,
// visibility, filters, paging, and hostile query text.
#include "store/transcript_search.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/time_format.hpp"
#include "fakes/test_databases.hpp"
#include "store/migrations.hpp"
#include "store/rooms.hpp"
#include "store/sql.hpp"
#include "store/transcripts.hpp"

namespace reflector::store {
namespace {

using testing::DatabaseTest;
using ::testing::ElementsAre;
using testing::ScopedTestDatabase;
using ::testing::UnorderedElementsAre;

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

std::string Vtt(const std::string& text) {
  return "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Speaker 1>" + text + "\n";
}

class TranscriptSearchTest : public DatabaseTest {
 protected:
  void Add(const std::string& id, const std::string& user, const char* created,
           std::optional<std::string> room_id = std::nullopt, std::string source_kind = "file") {
    Transcript t;
    t.id = id;
    t.name = id;
    t.user_id = user;
    t.created_at = At(created);
    t.room_id = std::move(room_id);
    t.source_kind = std::move(source_kind);
    auto session = db().Acquire();
    auto created_ok = TranscriptRepository::Create(session, t);
    ASSERT_TRUE(created_ok.has_value()) << created_ok.error().ToString();
  }

  void Set(const std::string& id, const std::string& column, const std::string& value) {
    auto session = db().Acquire();
    auto changed = Exec(session, "UPDATE transcript SET " + column + " = :v WHERE id = :id",
                        SqlParams().Text("v", value).Text("id", id));
    ASSERT_TRUE(changed.has_value()) << changed.error().ToString();
    ASSERT_EQ(*changed, 1);
  }

  void SetVtt(const std::string& id, const std::string& text) {
    auto session = db().Acquire();
    auto done = TranscriptRepository::SetResult(session, id, "[]", Vtt(text), "[]");
    ASSERT_TRUE(done.has_value()) << done.error().ToString();
  }

  TranscriptSearchPage Search(TranscriptSearchQuery q) {
    auto session = db().Acquire();
    auto page = TranscriptSearch::Search(session, q);
    EXPECT_TRUE(page.has_value()) << q.text << ": " << page.error().ToString();
    return page ? *page : TranscriptSearchPage{};
  }

  std::vector<std::string> Ids(const std::string& text, std::optional<std::string> user = {}) {
    TranscriptSearchQuery q;
    q.text = text;
    q.limit = 100;
    q.user_id = std::move(user);
    std::vector<std::string> ids;
    for (const auto& h : Search(q).hits) ids.push_back(h.id);
    return ids;
  }

  int64_t ChangeSeq(const std::string& id) {
    auto session = db().Acquire();
    auto t = TranscriptRepository::Get(session, id);
    EXPECT_TRUE(t.has_value());
    return t ? t->change_seq : -1;
  }

  void AddRoom(const std::string& id, const std::string& name, const std::string& user,
               bool shared) {
    auto session = db().Acquire();
    auto done = Exec(session,
                     "INSERT INTO room (id, name, user_id, created_at, is_shared) "
                     "VALUES (:id, :name, :user_id, :created_at, :shared)",
                     SqlParams()
                         .Text("id", id)
                         .Text("name", name)
                         .Text("user_id", user)
                         .Time("created_at", At("2026-01-01T00:00:00Z"))
                         .Bool("shared", shared));
    ASSERT_TRUE(done.has_value()) << done.error().ToString();
  }
};

TEST_P(TranscriptSearchTest, IndexFollowsInsertUpdateAndDelete) {
  Add("t1", "alice", "2026-03-01T10:00:00Z");
  EXPECT_THAT(Ids("budget"), ElementsAre());

  Set("t1", "title", "Quarterly budget");
  EXPECT_THAT(Ids("budget"), ElementsAre("t1"));
  Set("t1", "title", "Quarterly forecast");
  EXPECT_THAT(Ids("budget"), ElementsAre());
  EXPECT_THAT(Ids("forecast"), ElementsAre("t1"));

  Set("t1", "long_summary", "We talked about the giraffe enclosure.");
  EXPECT_THAT(Ids("giraffe"), ElementsAre("t1"));
  Set("t1", "long_summary", "Nothing of note.");
  EXPECT_THAT(Ids("giraffe"), ElementsAre());

  SetVtt("t1", "the zebra crossing was discussed");
  EXPECT_THAT(Ids("zebra"), ElementsAre("t1"));
  SetVtt("t1", "only the penguin remains");
  EXPECT_THAT(Ids("zebra"), ElementsAre());
  EXPECT_THAT(Ids("penguin"), ElementsAre("t1"));
  // Timestamps and the voice tag are not indexed; the caption text is.
  EXPECT_THAT(Ids("speaker"), ElementsAre());
  EXPECT_THAT(Ids("00"), ElementsAre());

  // Writes that touch none of the indexed columns leave the index alone.
  {
    auto session = db().Acquire();
    ASSERT_TRUE(TranscriptRepository::SetStatus(session, "t1", "error", "x").has_value());
  }
  EXPECT_THAT(Ids("penguin"), ElementsAre("t1"));

  {
    auto session = db().Acquire();
    ASSERT_TRUE(TranscriptRepository::Delete(session, "t1").has_value());
  }
  EXPECT_THAT(Ids("penguin"), ElementsAre());
  EXPECT_THAT(Ids("forecast"), ElementsAre());
  // A new transcript reusing the words is found alone.
  Add("t2", "alice", "2026-03-02T10:00:00Z");
  Set("t2", "title", "penguin forecast");
  EXPECT_THAT(Ids("penguin forecast"), ElementsAre("t2"));

  if (!postgres()) {
    // The FTS5 structure is sound and holds one document per transcript.
    auto session = db().Acquire();
    auto check =
        Exec(session, "INSERT INTO transcript_fts (transcript_fts) VALUES ('integrity-check')");
    EXPECT_TRUE(check.has_value()) << check.error().ToString();
    auto docs = Query(session, "SELECT COUNT(*) FROM transcript_search_doc", {}, 1);
    ASSERT_TRUE(docs.has_value());
    EXPECT_EQ((*docs)[0][0], "1");
  }
}

TEST_P(TranscriptSearchTest, ChangeSeqIncreasesOnEveryInsertAndUpdate) {
  Add("a", "alice", "2026-03-01T10:00:00Z");
  Add("b", "alice", "2026-03-01T11:00:00Z");
  const int64_t a1 = ChangeSeq("a");
  const int64_t b1 = ChangeSeq("b");
  EXPECT_GT(a1, 0);
  EXPECT_GT(b1, a1);
  {
    auto session = db().Acquire();
    ASSERT_TRUE(TranscriptRepository::SetStatus(session, "a", "processing", {}).has_value());
  }
  const int64_t a2 = ChangeSeq("a");
  EXPECT_GT(a2, b1);
  Set("a", "title", "t");
  const int64_t a3 = ChangeSeq("a");
  EXPECT_GT(a3, a2);
  EXPECT_EQ(ChangeSeq("b"), b1);  // untouched rows keep theirs
  {
    auto session = db().Acquire();
    ASSERT_TRUE(TranscriptRepository::Delete(session, "a").has_value());
  }
  Add("c", "alice", "2026-03-01T12:00:00Z");
  EXPECT_GT(ChangeSeq("c"), a3);  // never reused after the newest row is gone

  // GET /v1/transcripts' change_seq_from (>) and sort_by=change_seq (ascending).
  Set("b", "title", "touched");
  TranscriptFilter filter;
  filter.user_id = "alice";
  filter.change_seq_from = a3;
  filter.sort_by_change_seq = true;
  auto session = db().Acquire();
  auto listed = TranscriptRepository::List(session, filter, 1, 50);
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  std::vector<std::string> ids;
  for (const auto& l : listed->first) ids.push_back(l.transcript.id);
  EXPECT_THAT(ids, ElementsAre("c", "b"));
  EXPECT_EQ(listed->second, 2);
}

TEST_P(TranscriptSearchTest, TitleOutranksSummaryOutranksCaptions) {
  Add("in-captions", "alice", "2026-03-03T10:00:00Z");
  Add("in-summary", "alice", "2026-03-02T10:00:00Z");
  Add("in-title", "alice", "2026-03-01T10:00:00Z");
  SetVtt("in-captions", "we should plan the offsite soon");
  Set("in-summary", "long_summary", "Planning for the offsite in May.");
  Set("in-title", "title", "Offsite");
  TranscriptSearchQuery q;
  q.text = "offsite";
  auto page = Search(q);
  ASSERT_EQ(page.hits.size(), 3u);
  EXPECT_EQ(page.hits[0].id, "in-title");
  EXPECT_EQ(page.hits[1].id, "in-summary");
  EXPECT_EQ(page.hits[2].id, "in-captions");
  EXPECT_EQ(page.total, 3);
  // Both engines give ts_rank(vector, query, 32): weight w once → (w / 1.6449) / (1 + that).
  EXPECT_NEAR(page.hits[0].rank, 0.37808, 1e-4);
  EXPECT_NEAR(page.hits[1].rank, 0.19561, 1e-4);
  EXPECT_NEAR(page.hits[2].rank, 0.10840, 1e-4);
  for (size_t i = 0; i < page.hits.size(); ++i) {
    EXPECT_GT(page.hits[i].rank, 0.0) << i;
    EXPECT_LT(page.hits[i].rank, 1.0) << i;
    if (i > 0) {
      EXPECT_GT(page.hits[i - 1].rank, page.hits[i].rank) << i;
    }
  }
  // A title mention outranks three in the summary and two in the captions (the reference's
  // weights; a bm25 with length normalisation ranked this one first).
  Add("in-summary-often", "alice", "2026-03-04T10:00:00Z");
  Set("in-summary-often", "long_summary", "Offsite: the offsite plan. Offsite budget.");
  SetVtt("in-summary-often", "the offsite and the offsite again");
  page = Search(q);
  ASSERT_EQ(page.hits.size(), 4u);
  EXPECT_EQ(page.hits[0].id, "in-title");
  EXPECT_EQ(page.hits[1].id, "in-summary-often");
  EXPECT_NEAR(page.hits[1].rank, 0.25564, 1e-4);

  // Without text: everything, newest first, rank 1.
  q.text = "";
  page = Search(q);
  ASSERT_EQ(page.hits.size(), 4u);
  EXPECT_EQ(page.hits[0].id, "in-summary-often");
  EXPECT_EQ(page.hits[3].id, "in-title");
  EXPECT_EQ(page.hits[0].rank, 1.0);
}

// Term frequency raises the rank; on SQLite it counts up to kRankMaxOccurrences per phrase
// (store/sqlite_rank.hpp), so two equally long transcripts past that count tie on rank and come
// newest first. PostgreSQL's ts_rank reads up to 256 positions.
TEST_P(TranscriptSearchTest, FrequencyRaisesRankUpToTheCap) {
  auto words = [](int budget, int total) {
    std::string text;
    for (int i = 0; i < total; ++i) text += i < budget ? "budget " : "meeting ";
    return text;
  };
  Add("twice", "alice", "2026-03-01T10:00:00Z");
  Add("ten", "alice", "2026-03-02T10:00:00Z");
  Add("hundred", "alice", "2026-03-03T10:00:00Z");
  Add("two-hundred", "alice", "2026-03-04T10:00:00Z");
  SetVtt("twice", words(2, 300));
  SetVtt("ten", words(10, 300));
  SetVtt("hundred", words(100, 300));
  SetVtt("two-hundred", words(200, 300));
  TranscriptSearchQuery q;
  q.text = "budget";
  auto page = Search(q);
  ASSERT_EQ(page.hits.size(), 4u);
  EXPECT_EQ(page.total, 4);
  const auto& hits = page.hits;
  EXPECT_EQ(hits[2].id, "ten");
  EXPECT_EQ(hits[3].id, "twice");
  EXPECT_GT(hits[2].rank, hits[3].rank);
  EXPECT_GT(hits[1].rank, hits[2].rank);
  if (GetParam() == testing::kSqliteBackend) {
    EXPECT_EQ(hits[0].id, "two-hundred");  // a tie: newest first
    EXPECT_EQ(hits[1].id, "hundred");
    EXPECT_DOUBLE_EQ(hits[0].rank, hits[1].rank);
  } else {
    EXPECT_EQ(hits[0].id, "two-hundred");
    EXPECT_GE(hits[0].rank, hits[1].rank);
  }
}

// PostgreSQL ranks the rank_window newest matches; the older ones follow newest first, each with
// its own ts_rank; paging crosses the window's edge. SQLite ranks every match.
TEST_P(TranscriptSearchTest, PostgresRanksTheNewestMatchesPastItsWindow) {
  auto words = [](int budget) {
    std::string text;
    for (int i = 0; i < 40; ++i) text += i < budget ? "budget " : "meeting ";
    return text;
  };
  Add("old-many", "alice", "2026-03-01T10:00:00Z");
  Add("old-few", "alice", "2026-03-02T10:00:00Z");
  Add("new-few", "alice", "2026-03-03T10:00:00Z");
  Add("new-many", "alice", "2026-03-04T10:00:00Z");
  Add("unrelated", "alice", "2026-03-05T10:00:00Z");
  SetVtt("old-many", words(12));
  SetVtt("old-few", words(1));
  SetVtt("new-few", words(2));
  SetVtt("new-many", words(10));
  SetVtt("unrelated", "nothing to see");
  auto ids = [&](int limit, int offset, int window) {
    TranscriptSearchQuery q;
    q.text = "budget";
    q.limit = limit;
    q.offset = offset;
    q.rank_window = window;
    auto page = Search(q);
    EXPECT_EQ(page.total, 4) << limit << " " << offset;
    std::vector<std::string> out;
    for (const auto& h : page.hits) {
      EXPECT_GT(h.rank, 0.0) << h.id;
      out.push_back(h.id);
    }
    return out;
  };
  const std::vector<std::string> ranked = {"old-many", "new-many", "new-few", "old-few"};
  EXPECT_EQ(ids(10, 0, 500), ranked);
  if (GetParam() == testing::kSqliteBackend) {
    EXPECT_EQ(ids(10, 0, 2), ranked);  // no window
    return;
  }
  EXPECT_EQ(ids(10, 0, 4), ranked);  // as many matches as the window: all ranked
  EXPECT_THAT(ids(10, 0, 2), ElementsAre("new-many", "new-few", "old-few", "old-many"));
  EXPECT_THAT(ids(2, 1, 2), ElementsAre("new-few", "old-few"));   // across the edge
  EXPECT_THAT(ids(2, 2, 2), ElementsAre("old-few", "old-many"));  // past it
  EXPECT_THAT(ids(1, 0, 2), ElementsAre("new-many"));
}

// The ranking window is the newest matches whether they are found among the 4 x rank_window
// newest transcripts (PostgresRecentBound: only those are sorted) or not (all of them are),
// counting only the caller's visible transcripts; the total is every match either way.
TEST_P(TranscriptSearchTest, PostgresWindowIsTheNewestMatchesWithOrWithoutItsRecentBound) {
  // t0 (oldest) .. t11 (newest), one hour apart; bob's t10 and t11 are not alice's to see.
  for (int i = 0; i < 12; ++i) {
    const std::string at =
        "2026-04-01T" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ":00:00Z";
    Add("t" + std::to_string(i), i >= 10 ? "bob" : "alice", at.c_str());
  }
  auto times = [](const char* word, int n) {
    std::string text;
    for (int i = 0; i < 40; ++i) text += std::string(i < n ? word : "meeting") + " ";
    return text;
  };
  // "budget" everywhere, most often in t8: the 8 newest transcripts (t4 .. t11) hold 6 of
  // alice's matches, more than a window of 2.
  for (int i = 0; i < 12; ++i) SetVtt("t" + std::to_string(i), times("budget", i == 8 ? 9 : 2));
  // "plan" in t1 (often), t5 and bob's t10, t11: among the 8 newest, 1 of alice's matches.
  Set("t1", "long_summary", times("plan", 9));
  Set("t5", "long_summary", times("plan", 1));
  Set("t10", "long_summary", times("plan", 9));
  Set("t11", "long_summary", times("plan", 9));
  auto ids = [&](const char* text, int window, int64_t total) {
    TranscriptSearchQuery q;
    q.text = text;
    q.user_id = "alice";
    q.rank_window = window;
    auto page = Search(q);
    EXPECT_EQ(page.total, total) << text;
    std::vector<std::string> out;
    for (const auto& h : page.hits) out.push_back(h.id);
    return out;
  };
  const std::vector<std::string> all_budget = {"t8", "t9", "t7", "t6", "t5",
                                               "t4", "t3", "t2", "t1", "t0"};
  const std::vector<std::string> all_plan = {"t1", "t5"};
  EXPECT_EQ(ids("budget", 500, 10), all_budget);
  EXPECT_EQ(ids("plan", 500, 2), all_plan);
  if (GetParam() == testing::kSqliteBackend) return;  // no window
  // The window of 2 is t9 and t8 (t8 first: more often), then the rest newest first.
  EXPECT_EQ(ids("budget", 2, 10), all_budget);
  // The window of 1: t9 alone; t8 is past it.
  EXPECT_THAT(ids("budget", 1, 10),
              ElementsAre("t9", "t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1", "t0"));
  // A window of 2 for "plan" is t5 and t1 although only t5 is recent (t1 first: more often).
  EXPECT_EQ(ids("plan", 2, 2), all_plan);
  // A window of 1 for "plan": t5, the newest of alice's, not bob's t11.
  EXPECT_THAT(ids("plan", 1, 2), ElementsAre("t5", "t1"));
}

// PostgreSQL (migration 14): a transcript written with its captions keeps only its keys in the
// heap row (the long summary goes out of line with the texts), and its texts are lz4-compressed.
// 40 transcripts with 1 500-character summaries: their rows fit in 2 or 3 pages instead of 8.
TEST_P(TranscriptSearchTest, PostgresTranscriptRowsStayNarrow) {
  if (!postgres()) GTEST_SKIP() << "PostgreSQL storage";
  std::string summary;
  for (int i = 0; summary.size() < 1500; ++i) summary += "summary word" + std::to_string(i) + " ";
  for (int i = 0; i < 40; ++i) {
    const std::string id = "narrow-" + std::to_string(i);
    Add(id, "alice", "2026-03-01T10:00:00Z");
    SetVtt(id, summary + summary + summary);
    Set(id, "long_summary", summary);
  }
  auto session = db().Acquire();
  auto rows = Query(session,
                    "SELECT COUNT(DISTINCT (CAST(CAST(ctid AS TEXT) AS point))[0]),"
                    " MIN(pg_column_compression(webvtt)), MAX(pg_column_compression(webvtt))"
                    " FROM transcript WHERE id LIKE 'narrow-%'",
                    {}, 3);
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_LE(std::stoi(rows->front()[0].value_or("0")), 3);
  EXPECT_EQ(rows->front()[1].value_or(""), "lz4");
  EXPECT_EQ(rows->front()[2].value_or(""), "lz4");
}

// Past the ranking window, words that must all occur are ranked by their frequency, not by their
// proximity (ts_rank's pairwise pass cost 150 ms for 500 transcripts of common words).
TEST_P(TranscriptSearchTest, PostgresRanksWordsAsAlternativesPastItsWindow) {
  std::string filler;
  for (int i = 0; i < 34; ++i) filler += "meeting ";
  Add("old", "alice", "2026-03-01T10:00:00Z");
  Add("near", "alice", "2026-03-02T10:00:00Z");
  Add("far", "alice", "2026-03-03T10:00:00Z");
  SetVtt("old", "budget plan " + filler);
  SetVtt("near", "budget plan " + filler + "meeting meeting meeting meeting");
  SetVtt("far", "budget budget budget " + filler + "plan plan plan");
  auto ids = [&](const char* text, int window) {
    TranscriptSearchQuery q;
    q.text = text;
    q.rank_window = window;
    auto page = Search(q);
    EXPECT_EQ(page.total, 3) << text;
    std::vector<std::string> out;
    for (const auto& h : page.hits) out.push_back(h.id);
    return out;
  };
  if (GetParam() == testing::kSqliteBackend) {
    EXPECT_THAT(ids("budget plan", 2), ElementsAre("far", "near", "old"));  // frequency
    return;
  }
  // Within the window, ts_rank as the reference: the adjacent words first.
  EXPECT_THAT(ids("budget plan", 500), ElementsAre("near", "old", "far"));
  // Past it, the more frequent words first among the 2 newest, then the rest newest first.
  EXPECT_THAT(ids("budget plan", 2), ElementsAre("far", "near", "old"));
}

// A phrase of several words takes another path on SQLite (the total counted with the page):
// totals and pages agree with a query of single words.
TEST_P(TranscriptSearchTest, PhraseTotalsWhilePaging) {
  for (int i = 0; i < 3; ++i) {
    const std::string id = "p" + std::to_string(i);
    Add(id, "alice", ("2026-03-0" + std::to_string(i + 1) + "T10:00:00Z").c_str());
    SetVtt(id, "the budget review went well");
  }
  Add("other", "alice", "2026-03-05T10:00:00Z");
  SetVtt("other", "review the budget later");
  for (const char* text : {"\"budget review\"", "budget review"}) {
    const int64_t expected = std::string(text).front() == '"' ? 3 : 4;
    TranscriptSearchQuery q;
    q.text = text;
    q.limit = 2;
    auto page = Search(q);
    EXPECT_EQ(page.hits.size(), 2u) << text;
    EXPECT_EQ(page.total, expected) << text;
    q.offset = 2;
    page = Search(q);
    EXPECT_EQ(page.hits.size(), static_cast<size_t>(expected - 2)) << text;
    EXPECT_EQ(page.total, expected) << text;
    q.offset = 10;
    page = Search(q);
    EXPECT_TRUE(page.hits.empty()) << text;
    EXPECT_EQ(page.total, expected) << text;
  }
}

// The order is rank, then recency, then id, on every page; ties included, and ids that need
// quoting in JSON (SQLite passes the page's ids through reflector_page's JSON).
TEST_P(TranscriptSearchTest, PagesFollowRankThenRecencyThenId) {
  const std::vector<std::pair<std::string, const char*>> created = {
      {"b-tie", "2026-03-02T10:00:00Z"},     {"a-tie", "2026-03-02T10:00:00Z"},
      {"q\"uo\\te", "2026-03-02T10:00:00Z"}, {"c-new", "2026-03-03T10:00:00Z"},
      {"title", "2026-03-01T10:00:00Z"},     {"d-old", "2026-03-01T09:00:00Z"}};
  for (const auto& [id, at] : created) {
    Add(id, "alice", at);
    SetVtt(id, "the budget review");
  }
  Set("title", "title", "Budget");                 // ranks first
  SetVtt("d-old", "budget budget budget review");  // ranks second
  const std::vector<std::string> expected = {"title", "d-old", "c-new",
                                             "a-tie", "b-tie", "q\"uo\\te"};
  TranscriptSearchQuery q;
  q.text = "budget";
  auto all = Search(q);
  EXPECT_EQ(all.total, 6);
  std::vector<std::string> got;
  for (const auto& h : all.hits) got.push_back(h.id);
  EXPECT_EQ(got, expected);
  for (int limit = 1; limit <= 4; ++limit) {
    std::vector<std::string> paged;
    for (int offset = 0; offset < 8; offset += limit) {
      q.limit = limit;
      q.offset = offset;
      auto page = Search(q);
      EXPECT_EQ(page.total, 6) << limit << " " << offset;
      for (size_t i = 0; i < page.hits.size(); ++i) {
        paged.push_back(page.hits[i].id);
        EXPECT_DOUBLE_EQ(page.hits[i].rank, all.hits[offset + i].rank) << page.hits[i].id;
      }
    }
    EXPECT_EQ(paged, expected) << "limit " << limit;
  }
}

// reflector_page (SQLite) keeps the page that ORDER BY score DESC, recency DESC, id LIMIT OFFSET
// gives, whatever the order its rows come in: random rows with many ties of score and recency.
TEST_P(TranscriptSearchTest, SqlitePageAggregateIsOrderByLimitOffset) {
  if (GetParam() != testing::kSqliteBackend) GTEST_SKIP() << "an SQLite function";
  auto session = db().Acquire();
  ASSERT_TRUE(
      Exec(session, "CREATE TEMP TABLE page_rows (id TEXT PRIMARY KEY, recency TEXT, score REAL)")
          .has_value());
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string id;
    for (int c = 0; c < 1 + static_cast<int>(rng() % 6); ++c)
      id += static_cast<char>('a' + rng() % 4);
    id += std::to_string(i);
    const char* recencies[] = {"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03"};
    ASSERT_TRUE(Exec(session, "INSERT INTO page_rows VALUES (:id, :recency, :score)",
                     SqlParams()
                         .Text("id", id)
                         .Text("recency", recencies[rng() % 3])
                         .Real("score", 0.25 * static_cast<double>(rng() % 3)))
                    .has_value());
  }
  auto ids = [&](const std::string& sql, int limit, int offset) {
    auto rows = Query(session, sql, SqlParams().Int("limit", limit).Int("offset", offset), 1);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    std::vector<std::string> out;
    for (const auto& row : rows.value_or(std::vector<SqlRow>{})) out.push_back(*row[0]);
    return out;
  };
  for (const auto& [limit, offset] : std::vector<std::pair<int, int>>{
           {1, 0}, {20, 0}, {20, 40}, {7, 93}, {100, 250}, {50, 299}, {10, 300}, {400, 0}}) {
    SCOPED_TRACE(std::to_string(limit) + " " + std::to_string(offset));
    // Rows in a different order each time: by id, by id descending, by rowid.
    for (const char* order : {"id", "id DESC", "rowid"}) {
      const auto page = ids(
          std::string("SELECT json_extract(j.value, '$[0]') FROM (SELECT reflector_page(:limit, "
                      ":offset, score, recency, id) AS page FROM (SELECT * FROM page_rows "
                      "ORDER BY ") +
              order + ")) p, json_each(p.page) j ORDER BY j.key",
          limit, offset);
      EXPECT_EQ(page, ids("SELECT id FROM page_rows ORDER BY score DESC, recency DESC, id "
                          "LIMIT :limit OFFSET :offset",
                          limit, offset))
          << order;
    }
  }
}

TEST_P(TranscriptSearchTest, VisibilityFiltersAndPaging) {
  AddRoom("room-shared", "shared", "bob", true);
  AddRoom("room-private", "private", "bob", false);
  Add("alice-own", "alice", "2026-03-01T10:00:00Z");
  Add("bob-private", "bob", "2026-03-02T10:00:00Z", "room-private", "room");
  Add("bob-shared", "bob", "2026-03-03T10:00:00Z", "room-shared", "room");
  Add("bob-gone-room", "bob", "2026-03-04T10:00:00Z", "room-deleted", "room");
  for (const char* id : {"alice-own", "bob-private", "bob-shared", "bob-gone-room"}) {
    Set(id, "title", "Retrospective");
  }
  EXPECT_THAT(Ids("retrospective", "alice"), UnorderedElementsAre("alice-own", "bob-shared"));
  EXPECT_THAT(Ids("retrospective", "bob"),
              UnorderedElementsAre("bob-private", "bob-shared", "bob-gone-room"));
  EXPECT_THAT(Ids("retrospective"), ::testing::SizeIs(4));  // public mode, anonymous

  TranscriptSearchQuery q;
  q.text = "retrospective";
  q.user_id = "bob";
  q.room_id = "room-deleted";
  auto page = Search(q);
  ASSERT_EQ(page.hits.size(), 1u);
  EXPECT_EQ(page.hits[0].room_name, "Deleted Room");
  q.room_id = "room-shared";
  page = Search(q);
  ASSERT_EQ(page.hits.size(), 1u);
  EXPECT_EQ(page.hits[0].room_name, "shared");

  q = {};
  q.text = "retrospective";
  q.source_kind = "file";
  page = Search(q);
  ASSERT_EQ(page.hits.size(), 1u);
  EXPECT_EQ(page.hits[0].id, "alice-own");
  EXPECT_EQ(page.hits[0].room_name, std::nullopt);

  // from/to inclusive.
  q = {};
  q.from = At("2026-03-02T10:00:00Z");
  q.to = At("2026-03-03T10:00:00Z");
  page = Search(q);
  ASSERT_EQ(page.hits.size(), 2u);
  EXPECT_EQ(page.hits[0].id, "bob-shared");
  EXPECT_EQ(page.hits[1].id, "bob-private");

  // Paging: total counts every match, whether the first page holds them all or not; an offset
  // past the end still reports it.
  q = {};
  q.text = "retrospective";
  q.limit = 4;
  EXPECT_EQ(Search(q).total, 4);
  q.limit = 2;
  page = Search(q);
  EXPECT_EQ(page.hits.size(), 2u);
  EXPECT_EQ(page.total, 4);
  q.limit = 3;
  q.offset = 2;
  page = Search(q);
  EXPECT_EQ(page.hits.size(), 2u);
  EXPECT_EQ(page.total, 4);
  q.offset = 10;
  page = Search(q);
  EXPECT_TRUE(page.hits.empty());
  EXPECT_EQ(page.total, 4);
}

// SQLite reads a query's filter and sort keys from transcript_search_doc (migration 10): they
// follow plain-SQL updates of the transcript, and sharing follows the room.
TEST_P(TranscriptSearchTest, FilterKeysFollowEveryUpdate) {
  AddRoom("room-a", "a", "bob", false);
  AddRoom("room-b", "b", "bob", true);
  Add("moved", "alice", "2026-03-01T10:00:00Z", "room-a", "room");
  Add("other", "alice", "2026-03-02T10:00:00Z");
  Set("moved", "title", "Quarterly kiwi");
  Set("other", "title", "Monthly kiwi");
  TranscriptSearchQuery q;
  q.text = "kiwi";
  q.room_id = "room-b";
  EXPECT_TRUE(Search(q).hits.empty());
  Set("moved", "room_id", "room-b");
  Set("moved", "source_kind", "live");
  auto page = Search(q);
  ASSERT_EQ(page.hits.size(), 1u);
  EXPECT_EQ(page.hits[0].room_name, "b");
  q.room_id.reset();
  q.source_kind = "live";
  EXPECT_EQ(Search(q).total, 1);

  // Newest first among equal ranks, by the updated created_at.
  EXPECT_THAT(Ids("kiwi"), ElementsAre("other", "moved"));
  Set("moved", "created_at", "2026-04-01T10:00:00.000000Z");
  EXPECT_THAT(Ids("kiwi"), ElementsAre("moved", "other"));

  // Another user sees a transcript in a shared room; a new owner sees it wherever it is.
  EXPECT_THAT(Ids("kiwi", "carol"), ElementsAre("moved"));
  auto session = db().Acquire();
  ASSERT_TRUE(Exec(session, "UPDATE room SET is_shared = FALSE WHERE id = 'room-b'").has_value());
  EXPECT_TRUE(Ids("kiwi", "carol").empty());
  Set("other", "user_id", "carol");
  EXPECT_THAT(Ids("kiwi", "carol"), ElementsAre("other"));
  EXPECT_THAT(Ids("kiwi", "alice"), ElementsAre("moved"));
}

// A phrase matches where its words are adjacent and in order, after stemming and across
// punctuation, whatever its length (SQLite looks it up as pairs of adjacent words, migration 11).
TEST_P(TranscriptSearchTest, PhrasesMatchAdjacentWordsOnly) {
  Add("adjacent", "alice", "2026-03-01T10:00:00Z");
  Add("apart", "alice", "2026-03-02T10:00:00Z");
  Add("reversed", "alice", "2026-03-03T10:00:00Z");
  Add("stemmed", "alice", "2026-03-04T10:00:00Z");
  Add("across-cues", "alice", "2026-03-05T10:00:00Z");
  SetVtt("adjacent", "we reviewed the quarterly budget plan today");
  SetVtt("apart", "a budget, then a plan");
  SetVtt("reversed", "the plan budget was late");
  SetVtt("stemmed", "Budgets, planning! Quarterly.");
  {
    auto session = db().Acquire();
    auto done = TranscriptRepository::SetResult(
        session, "across-cues", "[]",
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v A>my budget\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v B>plan is ready\n",
        "[]");
    ASSERT_TRUE(done.has_value()) << done.error().ToString();
  }
  EXPECT_THAT(Ids("\"budget plan\""), UnorderedElementsAre("adjacent", "stemmed", "across-cues"));
  EXPECT_THAT(Ids("\"plan budget\""), ElementsAre("reversed"));
  EXPECT_THAT(Ids("\"quarterly budget plan\""), ElementsAre("adjacent"));
  EXPECT_THAT(Ids("\"budget plan today\""), ElementsAre("adjacent"));
  EXPECT_THAT(Ids("\"quarterly plan\""), ElementsAre());
  EXPECT_THAT(Ids("\"budget\""), ::testing::SizeIs(5));
  EXPECT_THAT(Ids("\"budget plan\" -\"quarterly budget\""),
              UnorderedElementsAre("stemmed", "across-cues"));
  EXPECT_THAT(Ids("\"plan budget\" OR \"budget plan today\""),
              UnorderedElementsAre("reversed", "adjacent"));
  TranscriptSearchQuery q;
  q.text = "\"budget plan\"";
  q.limit = 1;
  EXPECT_EQ(Search(q).total, 3);
  q.text = "\"budget plan\" OR \"plan budget was\"";  // three words: counted with the page
  EXPECT_EQ(Search(q).total, 4);
  EXPECT_EQ(Search(q).hits.size(), 1u);
  if (GetParam() != testing::kSqliteBackend) return;
  // SQLite: the pairs are terms of the index, stemmed like the words.
  auto session = db().Acquire();
  ASSERT_TRUE(
      Exec(session, "CREATE VIRTUAL TABLE temp.pairs USING fts5vocab(main, transcript_fts, row)")
          .has_value());
  auto rows = Query(session, "SELECT term, doc FROM temp.pairs WHERE term LIKE 'budget %'", {}, 2);
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  std::vector<std::string> pairs;
  for (const auto& row : *rows) pairs.push_back(*row[0] + "=" + *row[1]);
  EXPECT_THAT(pairs, UnorderedElementsAre("budget plan=3", "budget then=1", "budget wa=1"));
  ASSERT_TRUE(Exec(session, "DROP TABLE temp.pairs").has_value());
}

// SQLite's index (migration 15) keeps a word at its first 16 positions of each column and its
// pairs at all of them: phrases (quoted, or a word with a non-ASCII separator inside) still
// match past those positions; a change of the text leaves no entry of the old one behind.
TEST_P(TranscriptSearchTest, FrequentWordsMatchPastTheirIndexedPositions) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "budget meeting ";
  text += "final budget plan today";  // "budget" a 41st time, its only pairs with these words
  Add("long", "alice", "2026-03-01T10:00:00Z");
  Add("short", "alice", "2026-03-02T10:00:00Z");
  SetVtt("long", text);
  SetVtt("short", "a budget meeting");
  EXPECT_THAT(Ids("\"budget plan\""), ElementsAre("long"));
  EXPECT_THAT(Ids("\"final budget plan\""), ElementsAre("long"));
  EXPECT_THAT(Ids("\"meeting final budget plan today\""), ElementsAre("long"));
  EXPECT_THAT(Ids("budget plan"), ElementsAre("long"));
  EXPECT_THAT(Ids("budget -plan"), ElementsAre("short"));
  EXPECT_THAT(Ids("budget"), ElementsAre("long", "short"));
  if (GetParam() != testing::kSqliteBackend) return;
  // FTS5 splits a word at U+2014 into a phrase (PostgreSQL keeps it one word).
  EXPECT_THAT(Ids("budget\xE2\x80\x94plan"), ElementsAre("long"));
  // The index entries of `term` in "long"'s row (fts5vocab over the index itself).
  auto count = [&](const std::string& term) {
    auto session = db().Acquire();
    EXPECT_TRUE(Exec(session,
                     "CREATE VIRTUAL TABLE temp.instances USING "
                     "fts5vocab(main, transcript_fts, instance)")
                    .has_value());
    auto rows = Query(session,
                      "SELECT COUNT(*) FROM temp.instances i JOIN transcript_search_doc d"
                      " ON d.docid = i.doc WHERE d.transcript_id = 'long' AND i.term = :term",
                      SqlParams().Text("term", term), 1);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    EXPECT_TRUE(Exec(session, "DROP TABLE temp.instances").has_value());
    return rows && !rows->empty() ? std::stoi(rows->front()[0].value_or("-1")) : -1;
  };
  EXPECT_EQ(count("budget"), 16);
  EXPECT_EQ(count("meet"), 16);  // porter's stem
  EXPECT_EQ(count("budget meet"), 40);
  EXPECT_EQ(count("final"), 1);
  EXPECT_EQ(count("todai"), 1);  // the column's last token
  SetVtt("long", "nothing else");
  EXPECT_THAT(Ids("budget"), ElementsAre("short"));
  EXPECT_EQ(count("budget"), 0);
  EXPECT_EQ(count("budget meet"), 0);
  EXPECT_EQ(count("noth"), 1);
}

// PostgreSQL (migration 12): the candidates come from search_terms_en, its words and pairs of
// adjacent words; whatever the query, the result is exactly the rows whose vector matches it.
// Random transcripts and queries (fixed seed) over a few words, stems and stop words, so that
// phrases of every length, gaps, negations and alternatives meet rows that have them or not.
TEST_P(TranscriptSearchTest, PostgresTermsFindExactlyWhatTheVectorMatches) {
  if (!postgres()) GTEST_SKIP() << "search_terms_en is PostgreSQL's";
  const std::vector<std::string> vocabulary = {"budget", "plan", "review",    "the",
                                               "of",     "team", "plans",     "hiring",
                                               "a",      "and",  "quarterly", "reviewed"};
  std::mt19937 random(12);
  auto word = [&] { return vocabulary[random() % vocabulary.size()]; };
  for (int i = 0; i < 40; ++i) {
    const std::string id = "t" + std::to_string(100 + i);
    Add(id, "alice", "2026-03-01T10:00:00Z");
    std::string text;
    for (int w = 0, n = 3 + static_cast<int>(random() % 30); w < n; ++w) text += word() + " ";
    SetVtt(id, text);
    if (i % 5 == 0) Set(id, "title", word() + " " + word());
  }
  auto session = db().Acquire();
  auto expected = [&](const std::string& q) {
    auto rows = Query(session,
                      "SELECT t.id FROM transcript t CROSS JOIN"
                      " websearch_to_tsquery('english', CAST(:q AS TEXT)) AS query"
                      " WHERE t.search_vector_en @@ query",
                      SqlParams().Text("q", q), 1);
    EXPECT_TRUE(rows.has_value());
    std::vector<std::string> ids;
    for (const auto& row : rows.value_or(std::vector<SqlRow>{})) ids.push_back(*row[0]);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  int nonempty = 0;
  for (int n = 0; n < 200; ++n) {
    std::string q;
    for (int item = 0, items = 1 + static_cast<int>(random() % 3); item < items; ++item) {
      if (item > 0) q += random() % 3 == 0 ? " OR " : " ";
      if (random() % 4 == 0) q += "-";
      const int words = 1 + static_cast<int>(random() % 4);
      if (words == 1) {
        q += word();
      } else {
        q += "\"";
        for (int w = 0; w < words; ++w) q += (w > 0 ? " " : "") + word();
        q += "\"";
      }
    }
    SCOPED_TRACE(q);
    auto ids = Ids(q);
    std::sort(ids.begin(), ids.end());
    const auto want = expected(q);
    EXPECT_EQ(ids, want);
    if (!want.empty() && want.size() < 40) ++nonempty;
  }
  EXPECT_GT(nonempty, 60);  // the queries tell rows apart
  // The terms hold the pairs, stemmed as the words are, and the vector's words without
  // positions; the index serves them.
  auto terms = Query(session,
                     "SELECT search_terms_en @@ CAST(:q AS tsquery), search_pairs_missing"
                     " FROM transcript WHERE id = 't100'",
                     SqlParams().Text("q", "'reflector pairs missing'"), 2);
  ASSERT_TRUE(terms.has_value());
  EXPECT_EQ((*terms)[0][0], "f");
  EXPECT_EQ((*terms)[0][1], "f");
  // The index has no pending list, which every search would read whole (up to 4 MB). Other
  // tests' schemas on the same server hold an index of the same name (one is made here, as a
  // parallel ctest run does), so the name is resolved through this connection's search_path.
  auto other = ScopedTestDatabase::Create(GetParam());
  ASSERT_TRUE(other.has_value()) << other.error().ToString();
  {
    auto opened = store::Database::Open((*other)->url(), 1);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    auto migrated = store::MigrateUp(**opened);
    ASSERT_TRUE(migrated.has_value()) << migrated.error().ToString();
  }
  auto options = Query(session,
                       "SELECT CAST(reloptions AS TEXT) FROM pg_class"
                       " WHERE oid = CAST('idx_transcript_search_terms_en' AS regclass)",
                       {}, 1);
  ASSERT_TRUE(options.has_value());
  ASSERT_EQ(options->size(), 1u);
  EXPECT_EQ((*options)[0][0], "{fastupdate=off}");
}

// PostgreSQL (migration 13): past the ranking window a match is ranked from the parts of its
// vector holding the query's lexemes; the rank is ts_rank(vector, q || q, 32) on the whole
// vector, for queries whose lexemes fall in one part or several, with alternatives, negations,
// phrases and words found in the title and summary (weights A and B) as well as the captions.
TEST_P(TranscriptSearchTest, PostgresRankFromPartsIsTheWholeVectorsRank) {
  if (!postgres()) GTEST_SKIP() << "transcript_search_part is PostgreSQL's";
  const std::vector<std::string> vocabulary = {
      "budget", "plan",  "review", "team",   "hiring", "quarterly", "roadmap", "launch",
      "design", "sales", "growth", "market", "client", "contract",  "invoice", "travel"};
  std::mt19937 random(13);
  auto word = [&] { return vocabulary[random() % vocabulary.size()]; };
  for (int i = 0; i < 30; ++i) {
    const std::string id = "r" + std::to_string(100 + i);
    Add(id, "alice", ("2026-03-01T10:" + std::to_string(10 + i) + ":00Z").c_str());
    std::string text;
    for (int w = 0, n = 5 + static_cast<int>(random() % 60); w < n; ++w) text += word() + " ";
    SetVtt(id, text);
    if (i % 3 == 0) Set(id, "title", word() + " " + word());
    if (i % 4 == 0) Set(id, "long_summary", word() + " and " + word());
  }
  auto session = db().Acquire();
  int compared = 0;
  int several_parts = 0;
  for (int n = 0; n < 60; ++n) {
    std::string q;
    for (int item = 0, items = 1 + static_cast<int>(random() % 3); item < items; ++item) {
      if (item > 0) q += random() % 3 == 0 ? " OR " : " ";
      if (item > 0 && random() % 5 == 0) q += "-";
      if (random() % 4 == 0) {
        q += "\"" + word() + " " + word() + "\"";
      } else {
        q += word();
      }
    }
    SCOPED_TRACE(q);
    TranscriptSearchQuery query;
    query.text = q;
    query.limit = 100;
    query.rank_window = 2;
    const auto page = Search(query);
    if (page.total <= query.rank_window) continue;  // ranked on the whole vector
    auto parts = Query(session,
                       "SELECT cardinality(reflector_query_parts("
                       "websearch_to_tsquery('english', CAST(:q AS TEXT))))",
                       SqlParams().Text("q", q), 1);
    ASSERT_TRUE(parts.has_value()) << parts.error().ToString();
    if (std::stoi((*parts)[0][0].value_or("0")) > 1) ++several_parts;
    for (const auto& hit : page.hits) {
      auto want = Query(session,
                        "SELECT CAST(ts_rank(t.search_vector_en, q || q, 32) AS FLOAT8)"
                        " FROM transcript t"
                        " CROSS JOIN websearch_to_tsquery('english', CAST(:q AS TEXT)) AS q"
                        " WHERE t.id = :id",
                        SqlParams().Text("q", q).Text("id", hit.id), 1);
      ASSERT_TRUE(want.has_value()) << want.error().ToString();
      ASSERT_EQ(want->size(), 1u);
      EXPECT_NEAR(hit.rank, std::stod((*want)[0][0].value_or("-1")), 1e-6) << hit.id;
      ++compared;
    }
  }
  EXPECT_GT(compared, 300);
  EXPECT_GT(several_parts, 20);  // ranks summed over several parts
}

// PostgreSQL (migration 13): the parts of a transcript's vector hold exactly its lexemes with
// their positions and weights, each lexeme in its own part; migrating fills them for existing
// transcripts, they follow changes of the indexed texts, other writes leave them alone, and
// they go with their transcript.
TEST_P(TranscriptSearchTest, PostgresSearchPartsFollowTheVector) {
  if (!postgres()) GTEST_SKIP() << "transcript_search_part is PostgreSQL's";
  auto session = db().Acquire();
  auto same_as_vector = [&](const std::string& id) {
    auto rows = Query(
        session,
        "SELECT (SELECT string_agg(CAST(x AS TEXT), ' ' ORDER BY x.lexeme)"
        "          FROM transcript t, unnest(t.search_vector_en) x WHERE t.id = :id),"
        "       (SELECT string_agg(CAST(x AS TEXT), ' ' ORDER BY x.lexeme)"
        "          FROM transcript_search_part sp, unnest(sp.vector) x"
        "         WHERE sp.transcript_id = :id),"
        "       (SELECT COUNT(*) FROM transcript_search_part sp, unnest(sp.vector) x"
        "         WHERE sp.transcript_id = :id AND reflector_lexeme_part(x.lexeme) <> sp.part),"
        "       (SELECT COUNT(*) FROM transcript_search_part sp WHERE sp.transcript_id = :id),"
        "       (SELECT COUNT(DISTINCT reflector_lexeme_part(x.lexeme))"
        "          FROM transcript t, unnest(t.search_vector_en) x WHERE t.id = :id)",
        SqlParams().Text("id", id), 5);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    if (!rows || rows->size() != 1) return -1;
    const auto& row = (*rows)[0];
    EXPECT_EQ(row[0], row[1]) << id;
    EXPECT_EQ(row[2], "0") << id;
    EXPECT_EQ(row[3], row[4]) << id;  // one row per part holding lexemes
    return std::stoi(row[3].value_or("-1"));
  };
  auto versions = [&](const std::string& id) {
    auto rows = Query(session,
                      "SELECT string_agg(CAST(xmin AS TEXT), ',' ORDER BY part)"
                      " FROM transcript_search_part WHERE transcript_id = :id",
                      SqlParams().Text("id", id), 1);
    EXPECT_TRUE(rows.has_value());
    return rows && !rows->empty() ? (*rows)[0][0].value_or("") : std::string("?");
  };
  // A transcript written before migration 13 gets its parts when it is applied.
  ASSERT_EQ(MigrateDown(db(), 1).value_or(-1), 1);
  Add("old", "alice", "2026-03-01T10:00:00Z");
  SetVtt("old", "the quarterly budget review, the hiring plan and the client's invoice");
  Set("old", "title", "Budget review");
  ASSERT_EQ(MigrateUp(db()).value_or(-1), 1);
  EXPECT_GT(same_as_vector("old"), 3);

  Add("new", "alice", "2026-03-02T10:00:00Z");
  EXPECT_EQ(same_as_vector("new"), 0);  // nothing to index yet
  SetVtt("new", "a roadmap for the launch, a design for the market");
  EXPECT_GT(same_as_vector("new"), 3);
  Set("new", "long_summary", "The sales team's growth");
  EXPECT_GT(same_as_vector("new"), 3);
  const std::string before = versions("new");
  ASSERT_TRUE(TranscriptRepository::SetStatus(session, "new", "ended", {}).has_value());
  EXPECT_EQ(versions("new"), before);  // not rewritten
  SetVtt("new", "travel");
  EXPECT_GT(same_as_vector("new"), 0);
  EXPECT_NE(versions("new"), before);
  ASSERT_TRUE(TranscriptRepository::Delete(session, "new").has_value());
  auto left = Query(
      session, "SELECT COUNT(*) FROM transcript_search_part WHERE transcript_id = 'new'", {}, 1);
  ASSERT_TRUE(left.has_value());
  EXPECT_EQ((*left)[0][0], "0");
  EXPECT_GT(same_as_vector("old"), 3);

  // A query's parts are read from its text form, where ' and \ are doubled.
  auto query_parts =
      Query(session,
            "SELECT ARRAY(SELECT unnest(reflector_query_parts(CAST(:q AS tsquery))) ORDER BY 1)"
            "     = ARRAY(SELECT DISTINCT reflector_lexeme_part(x) FROM unnest("
            "         ARRAY['a\\b', 'o''k', 'c', 'd']) x ORDER BY 1),"
            "       cardinality(reflector_query_parts(CAST(:q AS tsquery)))",
            SqlParams().Text("q", R"('a\\b' & 'o''k' & !( 'c' <-> 'd' ))"), 2);
  ASSERT_TRUE(query_parts.has_value()) << query_parts.error().ToString();
  EXPECT_EQ((*query_parts)[0][0], "t");
  EXPECT_GE(std::stoi((*query_parts)[0][1].value_or("0")), 2);
}

// PostgreSQL: a transcript whose pairs would not fit in a tsvector keeps its words and the
// marker; its phrases are checked on its vector, and it is found as before.
TEST_P(TranscriptSearchTest, PostgresTranscriptWithoutPairsIsCheckedOnItsVector) {
  if (!postgres()) GTEST_SKIP() << "search_terms_en is PostgreSQL's";
  // 70 000 distinct words: 350 KB of words and 70 000 pairs, over the 900 000-byte budget.
  std::string text;
  auto name = [](int i) {
    std::string w = "w";
    for (int k = 0; k < 4; ++k, i /= 26) w += static_cast<char>('a' + i % 26);
    return w;
  };
  for (int i = 0; i < 70000; ++i) text += name(i) + " ";
  Add("huge", "alice", "2026-03-01T10:00:00Z");
  Add("small", "alice", "2026-03-02T10:00:00Z");
  SetVtt("huge", text);
  SetVtt("small", "waaaa wbaaa and more");
  {
    auto session = db().Acquire();
    auto rows =
        Query(session, "SELECT id, search_pairs_missing FROM transcript ORDER BY id", {}, 2);
    ASSERT_TRUE(rows.has_value());
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0][1], "t");  // huge
    EXPECT_EQ((*rows)[1][1], "f");  // small
  }
  const std::string first = "\"" + name(0) + " " + name(1) + "\"";  // adjacent in both
  const std::string apart = "\"" + name(0) + " " + name(2) + "\"";  // adjacent in neither
  const std::string later = "\"" + name(101) + " " + name(102) + "\"";
  EXPECT_THAT(Ids(first), UnorderedElementsAre("huge", "small"));
  EXPECT_THAT(Ids(apart), ElementsAre());
  EXPECT_THAT(Ids(later), ElementsAre("huge"));
  EXPECT_THAT(Ids(name(0) + " -" + later), ElementsAre("small"));
  EXPECT_THAT(Ids("-" + apart), UnorderedElementsAre("huge", "small"));
  EXPECT_THAT(Ids("\"" + name(100) + " " + name(101) + " " + name(102) + "\""),
              ElementsAre("huge"));
  // Shorter again: the pairs come back.
  SetVtt("huge", "waaaa wbaaa");
  auto session = db().Acquire();
  auto missing =
      Query(session, "SELECT search_pairs_missing FROM transcript WHERE id = 'huge'", {}, 1);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ((*missing)[0][0], "f");
  EXPECT_THAT(Ids(later), ElementsAre());
}

TEST_P(TranscriptSearchTest, WebsearchSyntaxAndHostileText) {
  Add("a", "alice", "2026-03-01T10:00:00Z");
  Add("b", "alice", "2026-03-02T10:00:00Z");
  Add("c", "alice", "2026-03-03T10:00:00Z");
  Set("a", "title", "budget review for the café in Zürich");
  Set("b", "title", "review of the hiring plan");
  Set("c", "title", "会議 notes");
  EXPECT_THAT(Ids("budget review"), ElementsAre("a"));
  EXPECT_THAT(Ids("\"budget review\""), ElementsAre("a"));
  EXPECT_THAT(Ids("\"review budget\""), ElementsAre());
  EXPECT_THAT(Ids("\"hiring plan"), ElementsAre("b"));  // unbalanced quote
  EXPECT_THAT(Ids("budget OR hiring"), UnorderedElementsAre("a", "b"));
  EXPECT_THAT(Ids("review -budget"), ElementsAre("b"));
  EXPECT_THAT(Ids("café"), ElementsAre("a"));
  EXPECT_THAT(Ids("Zürich"), ElementsAre("a"));
  EXPECT_THAT(Ids("会議"), ElementsAre("c"));
  EXPECT_THAT(Ids("-review"), ElementsAre("c"));
  // Operators and metacharacters of SQL, FTS5 and tsquery: no error, nothing injected.
  for (const char* hostile : {"'; DROP TABLE transcript; --",
                              "*",
                              "NEAR(",
                              "NEAR(budget review)",
                              "title:budget",
                              "^budget",
                              "(budget",
                              "budget)",
                              "\"",
                              "\"\"",
                              "budget\" OR \"x",
                              "!budget",
                              "budget & x",
                              "budget | x",
                              "budget <-> review",
                              ":",
                              "-",
                              "--",
                              "OR OR",
                              "AND",
                              "NOT",
                              "\\",
                              "%",
                              "_",
                              "budget*",
                              "\xF0\x9F\x98\x80",
                              "\xC3",
                              "\x01",  // the word-pairs marker (store/sqlite_rank.hpp)
                              "\x01"
                              "budget review",
                              "\"\x01\"",
                              "\"\x01\x01"
                              "budget \x01 review\"",
                              "\"budget\" \"\" \"review budget x\" -\"a b\""}) {
    SCOPED_TRACE(hostile);
    TranscriptSearchQuery q;
    q.text = hostile;
    auto session = db().Acquire();
    auto page = TranscriptSearch::Search(session, q);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
  }
  EXPECT_THAT(Ids("(budget review)"), ElementsAre("a"));
  // A marker typed by the user changes nothing: a word, or a phrase in quotes.
  EXPECT_THAT(Ids("\x01"
                  "budget"),
              ElementsAre("a"));
  EXPECT_THAT(Ids("\"\x01"
                  "budget \x01 review\""),
              ElementsAre("a"));
  EXPECT_THAT(Ids("NEAR(budget review)"), ElementsAre());  // "near" is a word like any other
  EXPECT_THAT(Ids("title:budget"), ElementsAre());         // no column filter: "title" AND ...
  EXPECT_THAT(Ids("hiring:plan"), ElementsAre("b"));
  EXPECT_THAT(Ids("budget*"), ElementsAre("a"));
  // The table is still there.
  EXPECT_THAT(Ids(""), ::testing::SizeIs(3));
}

TEST_P(TranscriptSearchTest, SearchStopsAtItsTimeout) {
  // 40 transcripts of 4 000 words where one phrase of two common words is checked position by
  // position: well over 1 ms on PostgreSQL (statement_timeout counts in ms); SQLite checks its
  // deadline every 1 000 steps, which 40 matches exceed, so 1 µs has always passed by then.
  std::string text;
  for (int i = 0; i < 2000; ++i) text += (i % 2 == 0 ? "alpha " : "beta ");
  for (int i = 0; i < 40; ++i) {
    const std::string id = "long-" + std::to_string(i);
    Add(id, "alice", "2026-03-01T10:00:00Z");
    SetVtt(id, text);
  }
  TranscriptSearchQuery q;
  q.text = "\"beta alpha\" \"alpha beta\"";
  q.timeout = postgres() ? std::chrono::microseconds(1000) : std::chrono::microseconds(1);
  auto session = db().Acquire();
  auto page = TranscriptSearch::Search(session, q);
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().code, Code::kDeadlineExceeded);
  EXPECT_EQ(page.error().message, "Search query timed out");
  // The session is usable afterwards, and the default timeout lets the same search finish.
  q.timeout = TranscriptSearchQuery{}.timeout;
  page = TranscriptSearch::Search(session, q);
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  EXPECT_EQ(page->total, 40);
}

INSTANTIATE_TEST_SUITE_P(Backends, TranscriptSearchTest, testing::TestBackends(),
                         testing::BackendName);

// Migration 6 on a database that already holds transcripts: they are indexed and numbered.
class TranscriptSearchMigrationTest : public DatabaseTest {
 protected:
  bool MigrateOnSetUp() const override { return false; }
};

TEST_P(TranscriptSearchMigrationTest, ExistingTranscriptsAreIndexedAndNumbered) {
  ASSERT_EQ(MigrateUp(db(), 5).value_or(-1), 5);
  {
    auto session = db().Acquire();
    for (const char* id : {"old-1", "old-2"}) {
      auto inserted = Exec(session,
                           "INSERT INTO transcript (id, created_at, title, long_summary, webvtt) "
                           "VALUES (:id, :created_at, 'Legacy', 'walrus', :vtt)",
                           SqlParams()
                               .Text("id", id)
                               .Time("created_at", At("2025-01-01T00:00:00Z"))
                               .Text("vtt", Vtt(std::string("caption of ") + id)));
      ASSERT_TRUE(inserted.has_value()) << inserted.error().ToString();
    }
  }
  {
    auto session = db().Acquire();
    auto owned = Exec(session,
                      "INSERT INTO transcript (id, user_id, source_kind, created_at, title) "
                      "VALUES ('old-owned', 'ann', 'live', :created_at, 'Walrus notes')",
                      SqlParams().Time("created_at", At("2025-02-01T00:00:00Z")));
    ASSERT_TRUE(owned.has_value()) << owned.error().ToString();
  }
  ASSERT_EQ(MigrateUp(db(), 6).value_or(-1), 1);  // the search migration alone
  auto session = db().Acquire();
  auto rows = Query(session, "SELECT id, change_seq FROM transcript ORDER BY id", {}, 2);
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 3u);
  const int64_t first = std::stoll(*(*rows)[0][1]);
  const int64_t second = std::stoll(*(*rows)[1][1]);
  EXPECT_GT(first, 0);
  EXPECT_GT(second, 0);
  EXPECT_NE(first, second);
  // The search reads through the later migrations' indexes too (9: the sort keys on SQLite).
  const int later = LatestSchemaVersion() - 6;
  ASSERT_EQ(MigrateUp(db()).value_or(-1), later);
  for (const char* q : {"legacy", "old", "\"caption of old\""}) {
    TranscriptSearchQuery query;
    query.text = q;
    auto page = TranscriptSearch::Search(session, query);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    EXPECT_EQ(page->total, 2) << q;
  }
  {
    TranscriptSearchQuery phrase;  // PostgreSQL: the pair from migration 12's backfill
    phrase.text = "\"walrus notes\"";
    auto page = TranscriptSearch::Search(session, phrase);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    EXPECT_EQ(page->total, 1);
  }
  // The rows indexed before migration 10 have their filter and sort keys (SQLite).
  TranscriptSearchQuery walrus;
  walrus.text = "walrus";
  walrus.limit = 10;
  auto all = TranscriptSearch::Search(session, walrus);
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  ASSERT_EQ(all->total, 3);
  EXPECT_EQ(all->hits[0].id, "old-owned");  // the title outranks the summaries
  walrus.user_id = "ann";
  walrus.source_kind = "live";
  walrus.from = At("2025-01-15T00:00:00Z");
  auto owned = TranscriptSearch::Search(session, walrus);
  ASSERT_TRUE(owned.has_value()) << owned.error().ToString();
  ASSERT_EQ(owned->hits.size(), 1u);
  EXPECT_EQ(owned->hits[0].id, "old-owned");
  walrus.user_id = "someone-else";
  owned = TranscriptSearch::Search(session, walrus);
  ASSERT_TRUE(owned.has_value());
  EXPECT_TRUE(owned->hits.empty());
  // New writes continue after the numbers given to the old rows.
  ASSERT_TRUE(TranscriptRepository::SetStatus(session, "old-1", "ended", {}).has_value());
  auto updated = TranscriptRepository::Get(session, "old-1");
  ASSERT_TRUE(updated.has_value());
  EXPECT_GT(updated->change_seq, std::max(first, second));
  // And down again removes the index but keeps the rows.
  ASSERT_EQ(MigrateDown(db(), later + 1).value_or(-1), later + 1);
  auto count = Query(session, "SELECT COUNT(*) FROM transcript", {}, 1);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ((*count)[0][0], "3");
}

INSTANTIATE_TEST_SUITE_P(Backends, TranscriptSearchMigrationTest, testing::TestBackends(),
                         testing::BackendName);

}  // namespace
}  // namespace reflector::store
