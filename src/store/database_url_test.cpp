#include "store/internal/database_url.hpp"

#include <gtest/gtest.h>

namespace reflector::store::internal {
namespace {

struct SqliteCase {
  std::string url;
  std::string path;
  std::string description;
};

class SqliteUrlTest : public ::testing::TestWithParam<SqliteCase> {};

TEST_P(SqliteUrlTest, Parses) {
  auto parsed = ParseDatabaseUrl(GetParam().url);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->dialect, Dialect::kSqlite);
  EXPECT_EQ(parsed->sqlite_path, GetParam().path);
  EXPECT_EQ(parsed->description, GetParam().description);
}

INSTANTIATE_TEST_SUITE_P(
    Urls, SqliteUrlTest,
    ::testing::Values(SqliteCase{"sqlite:///./data/reflector.db", "./data/reflector.db",
                                 "sqlite ./data/reflector.db"},
                      SqliteCase{"sqlite:///data.db", "data.db", "sqlite data.db"},
                      SqliteCase{"sqlite:////var/lib/reflector/x.db", "/var/lib/reflector/x.db",
                                 "sqlite /var/lib/reflector/x.db"},
                      SqliteCase{"sqlite+aiosqlite:///./reflector.sqlite3", "./reflector.sqlite3",
                                 "sqlite ./reflector.sqlite3"},
                      SqliteCase{"SQLITE:///a b/c=d.db", "a b/c=d.db", "sqlite a b/c=d.db"},
                      SqliteCase{"sqlite::memory:", ":memory:", "sqlite :memory:"},
                      SqliteCase{"sqlite:///:memory:", ":memory:", "sqlite :memory:"}));

struct PostgresCase {
  std::string url;
  std::string conninfo;
  std::string description;
};

class PostgresUrlTest : public ::testing::TestWithParam<PostgresCase> {};

TEST_P(PostgresUrlTest, Parses) {
  auto parsed = ParseDatabaseUrl(GetParam().url);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->dialect, Dialect::kPostgres);
  EXPECT_EQ(parsed->pg_conninfo, GetParam().conninfo);
  EXPECT_EQ(parsed->description, GetParam().description);
}

INSTANTIATE_TEST_SUITE_P(
    Urls, PostgresUrlTest,
    ::testing::Values(
        PostgresCase{"postgresql://reflector:s3cret@127.0.0.1:5432/reflector?sslmode=disable",
                     "host='127.0.0.1' port='5432' dbname='reflector' user='reflector' "
                     "password='s3cret' sslmode='disable' connect_timeout='5'",
                     "postgresql reflector@127.0.0.1:5432/reflector"},
        PostgresCase{"postgres://u@db.example.com/app",
                     "host='db.example.com' dbname='app' user='u' connect_timeout='5'",
                     "postgresql u@db.example.com:5432/app"},
        PostgresCase{"postgresql+asyncpg://reflector:reflector@postgres:5432/reflector",
                     "host='postgres' port='5432' dbname='reflector' user='reflector' "
                     "password='reflector' connect_timeout='5'",
                     "postgresql reflector@postgres:5432/reflector"},
        // Percent-escapes decoded; quotes and backslashes escaped for libpq.
        PostgresCase{"postgresql://us%40er:p%27w%5Cd%3A@[::1]:6543/my%20db?connect_timeout=2",
                     "host='::1' port='6543' dbname='my db' user='us@er' password='p\\'w\\\\d:' "
                     "connect_timeout='2'",
                     "postgresql us@er@::1:6543/my db"},
        PostgresCase{"postgresql:///reflector?host=/var/run/postgresql",
                     "dbname='reflector' host='/var/run/postgresql' connect_timeout='5'",
                     "postgresql /var/run/postgresql:5432/reflector"}));

struct BadCase {
  std::string url;
  std::string message_part;
};

class BadUrlTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadUrlTest, IsInvalidArgumentWithoutPassword) {
  auto parsed = ParseDatabaseUrl(GetParam().url);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, Code::kInvalidArgument);
  EXPECT_NE(parsed.error().message.find(GetParam().message_part), std::string::npos)
      << parsed.error().message;
  EXPECT_EQ(parsed.error().message.find("hunter2"), std::string::npos) << parsed.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Urls, BadUrlTest,
    ::testing::Values(BadCase{"", "empty"}, BadCase{"reflector.db", "no scheme"},
                      BadCase{"mysql://u:hunter2@h/db", "unsupported database URL scheme 'mysql'"},
                      BadCase{"sqlite://data.db", "three slashes"},
                      BadCase{"sqlite:///", "path is missing"},
                      BadCase{"sqlite:///dir/", "directory"},
                      BadCase{"sqlite:///x.db?mode=ro", "query parameters"},
                      BadCase{"postgresql:/h/db", "expected postgresql://"},
                      BadCase{"postgresql://u:hunter2@h:99999/db", "port"},
                      BadCase{"postgresql://u:hunter2@h:abc/db", "port"},
                      BadCase{"postgresql://u:hunter2@h:/db", "port is empty"},
                      BadCase{"postgresql://u:hunter2@h:5432", "database name is missing"},
                      BadCase{"postgresql://u:hunter2@h:5432/", "database name is missing"},
                      BadCase{"postgresql://u:hunter2@h/db?sslmode", "without '='"},
                      BadCase{"postgresql://u:hunter2@h/db?password=x",
                              "unsupported parameter 'password'"},
                      BadCase{"postgresql://u:hunt%zz@h/db", "malformed %-escape in the password"},
                      BadCase{"postgresql://u@[::1/db", "unterminated"}));

}  // namespace
}  // namespace reflector::store::internal
