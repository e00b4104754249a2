// Databases for tests that touch the store: every such test runs once on a fresh SQLite file and
// once on a fresh PostgreSQL database, as a value-parameterized GoogleTest:
//
//   class RoomsTest : public reflector::testing::DatabaseTest {};
//   TEST_P(RoomsTest, Something) { auto session = db().Acquire(); ... }
//   INSTANTIATE_TEST_SUITE_P(Backends, RoomsTest, reflector::testing::TestBackends(),
//                            reflector::testing::BackendName);
//
// The PostgreSQL server is the one the CTest fixture `postgres` starts (scripts/pg-test-server);
// its URL comes from, in order: env REFLECTOR_TEST_POSTGRES_URL, the file named by env
// REFLECTOR_TEST_POSTGRES_URL_FILE, the file named by the compile definition REFLECTOR_PG_URL_FILE.
// Each test gets its own schema (CREATE SCHEMA test_<random>, selected through the connection's
// search_path, dropped afterwards; a schema costs milliseconds where CREATE DATABASE costs a
// second). When no
// server is available the "postgres" variant FAILS, unless REFLECTOR_TEST_SKIP_POSTGRES=1, which
// makes it skip.
//
// Header-only (tests/fakes/*.cpp are built into a library without GoogleTest).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/status.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/sql.hpp"

namespace reflector::testing {

inline constexpr const char* kSqliteBackend = "sqlite";
inline constexpr const char* kPostgresBackend = "postgres";

// The value-parameter generator for store test suites.
inline auto TestBackends() {
  return ::testing::Values(std::string(kSqliteBackend), std::string(kPostgresBackend));
}

// Test name suffix: ".../sqlite", ".../postgres".
inline std::string BackendName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

inline std::string GetEnv(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

inline bool SkipPostgres() { return GetEnv("REFLECTOR_TEST_SKIP_POSTGRES") == "1"; }

inline std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in) std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

// The base URL of the test PostgreSQL server; empty when none is configured or running.
inline std::string PostgresBaseUrl() {
  if (auto url = GetEnv("REFLECTOR_TEST_POSTGRES_URL"); !url.empty()) return url;
  if (auto file = GetEnv("REFLECTOR_TEST_POSTGRES_URL_FILE"); !file.empty()) {
    return ReadFirstLine(file);
  }
#ifdef REFLECTOR_PG_URL_FILE
  return ReadFirstLine(REFLECTOR_PG_URL_FILE);
#else
  return {};
#endif
}

// `url` with every connection's search_path set to `schema` (libpq `options`).
inline std::string WithSearchPath(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-c%20search_path%3D" +
         schema;
}

// A fresh, empty database, removed on destruction. Construct with Create().
class ScopedTestDatabase {
 public:
  // kUnavailable (with the reason) when the backend is not available.
  static Result<std::unique_ptr<ScopedTestDatabase>> Create(const std::string& backend) {
    std::unique_ptr<ScopedTestDatabase> db(new ScopedTestDatabase());
    std::string id = NewUuid4();
    std::erase(id, '-');
    if (backend == kSqliteBackend) {
      db->sqlite_dir_ = std::filesystem::temp_directory_path() / ("reflector-test-" + id);
      // Created by Database::Open, like in production.
      db->url_ = "sqlite:///" + (db->sqlite_dir_ / "test.db").string();
      return db;
    }
    if (backend != kPostgresBackend)
      return Err(Code::kInvalidArgument, "unknown backend " + backend);
    db->admin_url_ = PostgresBaseUrl();
    if (db->admin_url_.empty()) {
      return Err(Code::kUnavailable,
                 "no PostgreSQL test server: set REFLECTOR_TEST_POSTGRES_URL or "
                 "REFLECTOR_TEST_POSTGRES_URL_FILE (ctest starts one through the `postgres` "
                 "fixture), or REFLECTOR_TEST_SKIP_POSTGRES=1 to skip");
    }
    auto admin = store::Database::Open(db->admin_url_, 1);
    if (!admin) return Err(admin.error());
    db->admin_ = std::move(*admin);
    db->pg_schema_ = "test_" + id;
    auto session = db->admin_->Acquire();
    auto created = store::Exec(session, "CREATE SCHEMA " + db->pg_schema_);
    if (!created) return Err(created.error());
    db->url_ = WithSearchPath(db->admin_url_, db->pg_schema_);
    return db;
  }

  ~ScopedTestDatabase() {
    if (!sqlite_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(sqlite_dir_, ec);
    }
    if (admin_ != nullptr && !pg_schema_.empty()) {
      auto session = admin_->Acquire();
      (void)store::Exec(session, "DROP SCHEMA IF EXISTS " + pg_schema_ + " CASCADE");
    }
  }

  ScopedTestDatabase(const ScopedTestDatabase&) = delete;
  ScopedTestDatabase& operator=(const ScopedTestDatabase&) = delete;

  const std::string& url() const { return url_; }

 private:
  ScopedTestDatabase() = default;

  std::string url_;
  std::filesystem::path sqlite_dir_;
  std::string admin_url_;
  std::unique_ptr<store::Database> admin_;  // PostgreSQL: creates and drops the schema
  std::string pg_schema_;
};

// Fixture: a fresh database for GetParam() ("sqlite" / "postgres"), opened as db() and migrated to
// the latest schema unless the subclass overrides MigrateOnSetUp().
class DatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  virtual bool MigrateOnSetUp() const { return true; }
  virtual int PoolSize() const { return 4; }

  void SetUp() override {
    if (GetParam() == kPostgresBackend && SkipPostgres()) {
      GTEST_SKIP() << "REFLECTOR_TEST_SKIP_POSTGRES=1";
    }
    auto scoped = ScopedTestDatabase::Create(GetParam());
    ASSERT_TRUE(scoped.has_value()) << scoped.error().ToString();
    scoped_ = std::move(*scoped);
    auto opened = store::Database::Open(scoped_->url(), PoolSize());
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    db_ = std::move(*opened);
    if (MigrateOnSetUp()) {
      auto migrated = store::MigrateUp(*db_);
      ASSERT_TRUE(migrated.has_value()) << migrated.error().ToString();
    }
  }

  void TearDown() override {
    db_.reset();  // close every connection before the schema is dropped
    scoped_.reset();
  }

  store::Database& db() { return *db_; }
  const std::string& url() const { return scoped_->url(); }
  bool postgres() const { return GetParam() == kPostgresBackend; }

  // Another, independent Database on the same URL (separate connections, like a second process).
  std::unique_ptr<store::Database> OpenAnother(int pool_size = 2) {
    auto opened = store::Database::Open(scoped_->url(), pool_size);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    return opened ? std::move(*opened) : nullptr;
  }

 private:
  std::unique_ptr<ScopedTestDatabase> scoped_;
  std::unique_ptr<store::Database> db_;
};

}  // namespace reflector::testing
