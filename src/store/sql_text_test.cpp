#include "store/internal/sql_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/internal/schema.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(PlaceholderNamesTest, FindsNamedPlaceholders) {
  EXPECT_THAT(internal::PlaceholderNames("SELECT a FROM t WHERE id = :id AND b > :min_b1"),
              ElementsAre("id", "min_b1"));
}

TEST(PlaceholderNamesTest, SkipsQuotesCommentsCastsAndDollarBodies) {
  EXPECT_THAT(internal::PlaceholderNames(
                  "SELECT ':no', \"a:b\", x::text -- :comment\n"
                  "/* :block */ FROM t WHERE y = :yes AND z = $$ :body $$ AND w = $f$:x$f$"),
              ElementsAre("yes"));
  EXPECT_THAT(internal::PlaceholderNames("SELECT 1"), IsEmpty());
  EXPECT_THAT(internal::PlaceholderNames("SELECT a[1:2] FROM t"), IsEmpty());
}

TEST(PlaceholderNamesTest, KeepsRepeats) {
  EXPECT_THAT(internal::PlaceholderNames("WHERE a = :x OR b = :x"), ElementsAre("x", "x"));
}

TEST(RenamePlaceholdersTest, RenamesEachPlaceholderAndNothingElse) {
  EXPECT_EQ(
      internal::RenamePlaceholders(
          "SELECT ':q', x::text, a[1:2] FROM t -- :c\nWHERE q = :q AND r = :q_rank OR :q", "_2"),
      "SELECT ':q', x::text, a[1:2] FROM t -- :c\nWHERE q = :q_2 AND r = :q_rank_2 OR :q_2");
  EXPECT_EQ(internal::RenamePlaceholders("SELECT 1", "_2"), "SELECT 1");
}

TEST(SqlParamsTest, AliasBindsACopyUnderAnotherName) {
  SqlParams params;
  params.Text("q", "budget").Int("limit", 5).Alias("q", "q_2").Alias("limit", "limit_2");
  params.Alias("missing", "missing_2");  // nothing bound as "missing": nothing added
  ASSERT_EQ(params.values().size(), 4u);
  EXPECT_EQ(params.values()[2].name, "q_2");
  EXPECT_EQ(params.values()[2].text, "budget");
  EXPECT_FALSE(params.values()[2].is_int);
  EXPECT_EQ(params.values()[3].name, "limit_2");
  EXPECT_EQ(params.values()[3].integer, 5);
  EXPECT_TRUE(params.values()[3].is_int);
}

TEST(CountColumnsTest, CountsTopLevelCommas) {
  static_assert(CountColumns("id") == 1);
  static_assert(CountColumns("id, name, CAST(a AS INTEGER), COALESCE(b, 'x,y')") == 4);
  static_assert(CountColumns("") == 0);
}

TEST(ExpandSqlTest, ReplacesTokensPerDialect) {
  const std::string sql =
      "CREATE TABLE t (a {TIMESTAMP}, b {BOOL}, c {JSON}, d {REAL}, e {BIGINT}, f {BOOL})";
  EXPECT_EQ(internal::ExpandSql(sql, Dialect::kPostgres),
            "CREATE TABLE t (a TIMESTAMPTZ, b BOOLEAN, c JSONB, d DOUBLE PRECISION, e BIGINT, f "
            "BOOLEAN)");
  EXPECT_EQ(internal::ExpandSql(sql, Dialect::kSqlite),
            "CREATE TABLE t (a TEXT, b INTEGER, c TEXT, d REAL, e INTEGER, f INTEGER)");
}

TEST(MigrationsTest, VersionsAreConsecutiveFromOneWithNamesAndBothDirections) {
  const auto& migrations = internal::Migrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i + 1));
    EXPECT_FALSE(migrations[i].name.empty());
    // A migration may concern one engine only (9: an index SQLite needs), but it changes at
    // least one, and whatever it does to an engine it can undo there.
    EXPECT_FALSE(internal::StatementsFor(migrations[i].up, Dialect::kSqlite).empty() &&
                 internal::StatementsFor(migrations[i].up, Dialect::kPostgres).empty())
        << migrations[i].name;
    for (Dialect d : {Dialect::kSqlite, Dialect::kPostgres}) {
      EXPECT_EQ(internal::StatementsFor(migrations[i].up, d).empty(),
                internal::StatementsFor(migrations[i].down, d).empty())
          << migrations[i].name;
      for (const auto& statement : internal::StatementsFor(migrations[i].up, d)) {
        EXPECT_EQ(statement.find('{'), std::string::npos) << statement;  // no token left
        EXPECT_THAT(internal::PlaceholderNames(statement), IsEmpty()) << statement;
      }
    }
  }
}

TEST(RowReaderTest, ConvertsBothEnginesTextForms) {
  const SqlRow row = {
      "42",         "t",  "0", "2026-11-22 05:23:18.123456+00", "2026-11-22T05:23:18.123456Z",
      std::nullopt, "1.5"};
  RowReader r(row);
  EXPECT_EQ(r.Int(), 42);
  EXPECT_TRUE(r.Bool());
  EXPECT_FALSE(r.Bool());
  const TimePoint a = r.Time();
  const TimePoint b = r.Time();
  EXPECT_EQ(a, b);
  EXPECT_EQ(r.OptText(), std::nullopt);
  EXPECT_EQ(r.Real(), 1.5);
  EXPECT_TRUE(r.Finish().has_value());
}

TEST(RowReaderTest, ReportsTheFirstBadColumnAndUnreadColumns) {
  const SqlRow row = {"x", std::nullopt, "3"};
  RowReader bad(row);
  (void)bad.Int();
  (void)bad.Text();
  auto finished = bad.Finish();
  ASSERT_FALSE(finished.has_value());
  EXPECT_EQ(finished.error().code, Code::kInternal);
  EXPECT_EQ(finished.error().detail, "column 0: not an integer: x");

  RowReader unread(row);
  (void)unread.Text();
  ASSERT_FALSE(unread.Finish().has_value());
  EXPECT_EQ(unread.Finish().error().detail, "read 1 of 3 columns");

  RowReader null_text(row);
  (void)null_text.Text();
  (void)null_text.Text();
  EXPECT_EQ(null_text.Finish().error().detail, "column 1: unexpected NULL");
}

TEST(RowReaderTest, TakeOptTextMovesOnlyOutOfAMutableRow) {
  const std::string long_text(1000, 'w');  // beyond the small-string buffer
  const SqlRow shared = {long_text, std::nullopt};
  RowReader copying(shared);
  EXPECT_EQ(copying.TakeOptText(), long_text);
  EXPECT_EQ(copying.TakeOptText(), std::nullopt);
  EXPECT_TRUE(copying.Finish().has_value());
  EXPECT_EQ(shared[0], long_text);

  SqlRow owned = {long_text, std::nullopt, "7"};
  const char* buffer = owned[0]->data();
  RowReader moving(owned);
  const auto taken = moving.TakeOptText();
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->data(), buffer);  // the same buffer: moved, not copied
  EXPECT_EQ(moving.TakeOptText(), std::nullopt);
  EXPECT_EQ(moving.Int(), 7);
  EXPECT_TRUE(moving.Finish().has_value());
}

}  // namespace
}  // namespace reflector::store
