#include "app/database_setup.hpp"

#include <spdlog/spdlog.h>

#include "store/migrations.hpp"

namespace reflector::app {

Result<std::unique_ptr<store::Database>> OpenDatabase(const Config& config, int pool_size,
                                                      Migrations migrations) {
  auto db = store::Database::Open(config.database.url, pool_size);
  if (!db) {
    return Err(db.error().code, "cannot open database: " + db.error().message, db.error().detail);
  }
  if (migrations == Migrations::kApply) {
    auto applied = store::MigrateUp(**db);
    if (!applied) {
      return Err(applied.error().code, "migrations failed: " + applied.error().message,
                 applied.error().detail);
    }
    if (*applied > 0) spdlog::info("applied {} migration(s)", *applied);
  }
  return db;
}

}  // namespace reflector::app
