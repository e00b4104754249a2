// Parsing of DATABASE_URL into what the drivers need. Internal to store/.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store::internal {

struct DatabaseUrl {
  Dialect dialect = Dialect::kSqlite;
  // SQLite: the file path as written in the URL (relative to the working directory unless it
  // starts with '/'), or ":memory:".
  std::string sqlite_path;
  // PostgreSQL: a libpq keyword/value connection string. Contains the password: never log it.
  std::string pg_conninfo;
  // For people and logs: "sqlite ./data/x.db", "postgresql user@host:5432/db". No password.
  std::string description;
};

// kInvalidArgument (message says what is wrong, never echoes the password) for anything but
//   sqlite:///relative/path  sqlite:////absolute/path  sqlite::memory:  sqlite:///:memory:
//   postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]  (also postgres://)
// A "+driver" suffix on the scheme (sqlite+aiosqlite, postgresql+asyncpg) is accepted and ignored.
Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url);

}  // namespace reflector::store::internal
