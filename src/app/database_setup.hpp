// Opening the database for a command, shared by serve, migrate and apikey.
#pragma once

#include <memory>

#include "core/config.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::app {

enum class Migrations { kApply, kLeave };

// Opens DATABASE_URL with `pool_size` connections and, with Migrations::kApply, applies pending
// migrations (logging how many). Errors carry "cannot open database: …" or
// "migrations failed: …" in their message.
Result<std::unique_ptr<store::Database>> OpenDatabase(const Config& config, int pool_size,
                                                      Migrations migrations);

}  // namespace reflector::app
