#include "store/migrations.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "store/internal/schema.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

using internal::Migration;

// pg_advisory_xact_lock key shared by every process migrating this database ("refl" in ASCII).
constexpr int64_t kMigrationLockKey = 0x7265666c;

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at {TIMESTAMP} NOT NULL)";
constexpr std::string_view kMigrationsTableExistsSqlite =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
constexpr std::string_view kMigrationsTableExistsPostgres =
    "SELECT COUNT(*) FROM information_schema.tables"
    " WHERE table_schema = current_schema() AND table_name = 'schema_migrations'";
constexpr std::string_view kSelectApplied =
    "SELECT version, name, applied_at FROM schema_migrations ORDER BY version";
constexpr std::string_view kSelectVersion =
    "SELECT COUNT(*) FROM schema_migrations WHERE version = :version";
constexpr std::string_view kSelectMaxVersion =
    "SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1";
constexpr std::string_view kInsertApplied =
    "INSERT INTO schema_migrations (version, name, applied_at)"
    " VALUES (:version, :name, :applied_at)";
constexpr std::string_view kDeleteApplied =
    "DELETE FROM schema_migrations WHERE version = :version";
constexpr std::string_view kAdvisoryLock = "SELECT pg_advisory_xact_lock(:key)";

struct Applied {
  std::string name;
  TimePoint applied_at;
};

// Starts a write transaction that excludes every other migrator until it ends.
Result<Transaction> BeginExclusive(Session& session) {
  auto tx = session.Begin(TxMode::kWrite);  // SQLite: BEGIN IMMEDIATE serialises writers
  if (!tx) return tx;
  if (session.dialect() == Dialect::kPostgres) {
    auto locked = Query(session, kAdvisoryLock, SqlParams().Int("key", kMigrationLockKey), 1);
    if (!locked) return Err(locked.error());
  }
  return tx;
}

Result<bool> MigrationsTableExists(Session& session) {
  auto rows = Query(session,
                    session.dialect() == Dialect::kPostgres ? kMigrationsTableExistsPostgres
                                                            : kMigrationsTableExistsSqlite,
                    {}, 1);
  if (!rows) return Err(rows.error());
  RowReader reader(rows->front());
  const int64_t count = reader.Int();
  REFLECTOR_RETURN_IF_ERROR(reader.Finish());
  return count > 0;
}

Status EnsureMigrationsTable(Session& session) {
  auto exists = MigrationsTableExists(session);
  if (!exists) return Err(exists.error());
  if (*exists) return Ok();
  // Under the lock: concurrent CREATE TABLE IF NOT EXISTS can still fail on PostgreSQL.
  auto tx = BeginExclusive(session);
  if (!tx) return Err(tx.error());
  auto created =
      Exec(session, internal::ExpandSql(std::string(kCreateMigrationsTable), session.dialect()));
  if (!created) return Err(created.error());
  return tx->Commit();
}

Result<std::map<int, Applied>> ReadApplied(Session& session) {
  auto rows = Query(session, kSelectApplied, {}, 3);
  if (!rows) return Err(rows.error());
  std::map<int, Applied> applied;
  for (const auto& row : *rows) {
    RowReader reader(row);
    const auto version = static_cast<int>(reader.Int());
    Applied entry{reader.Text(), reader.Time()};
    REFLECTOR_RETURN_IF_ERROR(reader.Finish());
    applied.emplace(version, std::move(entry));
  }
  return applied;
}

Result<bool> IsApplied(Session& session, int version) {
  auto rows = Query(session, kSelectVersion, SqlParams().Int("version", version), 1);
  if (!rows) return Err(rows.error());
  RowReader reader(rows->front());
  const int64_t count = reader.Int();
  REFLECTOR_RETURN_IF_ERROR(reader.Finish());
  return count > 0;
}

const Migration* FindMigration(int version) {
  for (const auto& m : internal::Migrations()) {
    if (m.version == version) return &m;
  }
  return nullptr;
}

Status RunStatements(Session& session, const Migration& migration, bool up) {
  for (const auto& statement :
       internal::StatementsFor(up ? migration.up : migration.down, session.dialect())) {
    auto done = Exec(session, statement);
    if (!done) {
      Error error = done.error();
      error.message = "migration " + std::to_string(migration.version) + " (" + migration.name +
                      ") " + (up ? "up" : "down") + " failed: " + error.message;
      return Err(std::move(error));
    }
  }
  return Ok();
}

// Applies one migration unless another process did meanwhile. Returns whether it applied it.
Result<bool> ApplyOne(Session& session, const Migration& migration) {
  auto tx = BeginExclusive(session);
  if (!tx) return Err(tx.error());
  auto applied = IsApplied(session, migration.version);
  if (!applied) return Err(applied.error());
  if (*applied) return false;  // rolled back by the destructor
  REFLECTOR_RETURN_IF_ERROR(RunStatements(session, migration, true));
  // Only a record of when it happened; nothing reads it for decisions.
  const TimePoint now = std::chrono::system_clock::now();
  auto recorded = Exec(session, kInsertApplied,
                       SqlParams()
                           .Int("version", migration.version)
                           .Text("name", migration.name)
                           .Time("applied_at", now));
  if (!recorded) return Err(recorded.error());
  REFLECTOR_RETURN_IF_ERROR(tx->Commit());
  return true;
}

}  // namespace

int LatestSchemaVersion() { return internal::Migrations().back().version; }

Result<std::vector<MigrationStatus>> MigrationStatusList(Database& db) {
  Session session = db.Acquire();
  auto exists = MigrationsTableExists(session);
  if (!exists) return Err(exists.error());
  std::map<int, Applied> applied;
  if (*exists) {
    auto read = ReadApplied(session);
    if (!read) return Err(read.error());
    applied = std::move(*read);
  }
  std::vector<MigrationStatus> out;
  for (const auto& m : internal::Migrations()) {
    MigrationStatus status{m.version, m.name, false, std::nullopt};
    if (auto it = applied.find(m.version); it != applied.end()) {
      status.applied = true;
      status.applied_at = it->second.applied_at;
      applied.erase(it);
    }
    out.push_back(std::move(status));
  }
  for (const auto& [version, entry] : applied) {
    out.push_back(MigrationStatus{version, entry.name, true, entry.applied_at});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  return out;
}

Result<int> MigrateUp(Database& db, std::optional<int> target_version) {
  if (target_version && *target_version != 0 && FindMigration(*target_version) == nullptr) {
    return Err(Code::kInvalidArgument, "unknown schema version " + std::to_string(*target_version) +
                                           " (latest is " + std::to_string(LatestSchemaVersion()) +
                                           ")");
  }
  Session session = db.Acquire();
  REFLECTOR_RETURN_IF_ERROR(EnsureMigrationsTable(session));
  auto applied = ReadApplied(session);
  if (!applied) return Err(applied.error());
  if (!applied->empty() && applied->rbegin()->first > LatestSchemaVersion()) {
    return Err(Code::kFailedPrecondition,
               "the database schema (version " + std::to_string(applied->rbegin()->first) +
                   ") is newer than this program knows (version " +
                   std::to_string(LatestSchemaVersion()) + "); upgrade reflector");
  }
  // An existing database says what it is doing: a migration that rebuilds an index over every
  // transcript (11: 78 s for 10 000 long ones) would otherwise look like a hung start.
  const bool existing = !applied->empty();
  int count = 0;
  for (const auto& migration : internal::Migrations()) {
    if (target_version && migration.version > *target_version) break;
    if (applied->count(migration.version) != 0) continue;
    if (existing) spdlog::info("migration {:04} {}: applying", migration.version, migration.name);
    const auto started = std::chrono::steady_clock::now();
    auto done = ApplyOne(session, migration);
    if (!done) return Err(done.error());
    if (*done) ++count;
    if (existing) {
      spdlog::info(
          "migration {:04} {}: done in {:.1f} s", migration.version, migration.name,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  }
  return count;
}

Result<int> MigrateDown(Database& db, int steps) {
  if (steps < 0) return Err(Code::kInvalidArgument, "the number of steps must not be negative");
  Session session = db.Acquire();
  auto exists = MigrationsTableExists(session);
  if (!exists) return Err(exists.error());
  if (!*exists) return 0;
  int count = 0;
  for (; count < steps; ++count) {
    auto tx = BeginExclusive(session);
    if (!tx) return Err(tx.error());
    auto latest = QueryOptional(session, kSelectMaxVersion, {}, 1);
    if (!latest) return Err(latest.error());
    if (!*latest) break;  // nothing left to revert
    RowReader reader(**latest);
    const auto version = static_cast<int>(reader.Int());
    REFLECTOR_RETURN_IF_ERROR(reader.Finish());
    const Migration* migration = FindMigration(version);
    if (migration == nullptr) {
      return Err(Code::kFailedPrecondition, "cannot revert schema version " +
                                                std::to_string(version) +
                                                ": this program does not know it");
    }
    REFLECTOR_RETURN_IF_ERROR(RunStatements(session, *migration, false));
    auto deleted = Exec(session, kDeleteApplied, SqlParams().Int("version", version));
    if (!deleted) return Err(deleted.error());
    REFLECTOR_RETURN_IF_ERROR(tx->Commit());
  }
  return count;
}

}  // namespace reflector::store
