// The migration definitions. Internal to store/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace reflector::store::internal {

// One SQL statement of a migration; `only` restricts it to one engine. The SQL may use tokens that
// are replaced per dialect (see ExpandSql).
struct MigrationStep {
  std::string sql;
  std::optional<Dialect> only;
};

struct Migration {
  int version = 0;
  std::string name;
  std::vector<MigrationStep> up;
  std::vector<MigrationStep> down;
};

// All migrations, ordered by version.
const std::vector<Migration>& Migrations();

// Replaces {TIMESTAMP} (TIMESTAMPTZ | TEXT), {BOOL} (BOOLEAN | INTEGER), {JSON} (JSONB | TEXT),
// {REAL} (DOUBLE PRECISION | REAL) and {BIGINT} (BIGINT | INTEGER) for the dialect.
std::string ExpandSql(const std::string& sql, Dialect dialect);

// The statements of `steps` that apply to `dialect`, expanded.
std::vector<std::string> StatementsFor(const std::vector<MigrationStep>& steps, Dialect dialect);

}  // namespace reflector::store::internal
