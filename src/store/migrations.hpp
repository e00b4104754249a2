// Schema migrations: numbered, ordered, each with up and down SQL for SQLite and PostgreSQL,
// recorded in `schema_migrations(version, name, applied_at)`.
//
// Each migration runs in its own transaction (DDL is transactional on both engines). Concurrent
// runners are safe: on PostgreSQL every migration transaction takes an advisory lock and re-checks
// whether its version was applied meanwhile; on SQLite BEGIN IMMEDIATE serialises them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

struct MigrationStatus {
  int version = 0;
  std::string name;
  bool applied = false;
  std::optional<TimePoint> applied_at;
};

// Every migration this binary knows, in order, plus any applied version it does not know (a newer
// binary ran; such entries are applied with the recorded name). kUnavailable, kInternal.
Result<std::vector<MigrationStatus>> MigrationStatusList(Database& db);

// The highest version this binary knows.
int LatestSchemaVersion();

// Applies pending migrations up to `target_version` (default: all). Returns how many were applied
// (0 when up to date). kInvalidArgument for an unknown target version; kFailedPrecondition when the
// database has a version newer than this binary knows; kUnavailable, kInternal.
Result<int> MigrateUp(Database& db, std::optional<int> target_version = std::nullopt);

// Reverts the last `steps` applied migrations (fewer if fewer are applied). Returns how many were
// reverted. kInvalidArgument for negative steps; kFailedPrecondition for an applied version this
// binary does not know; kUnavailable, kInternal.
Result<int> MigrateDown(Database& db, int steps);

}  // namespace reflector::store
