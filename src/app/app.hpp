// The composition root: builds the long-lived objects (database, router, server, …) from the
// configuration, wires them together and runs one command. Only this folder names concrete
// implementations; main.cpp parses the command line and calls in here.
#pragma once

#include <optional>
#include <string>

#include "core/config.hpp"

namespace reflector::app {

// Process exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a runtime failure (database unreachable, port in use)
inline constexpr int kExitUsage = 2;    // bad flags or bad configuration

// Loads configuration from the process environment over the `.env` file at `env_file`
// (missing file = none). Errors list every problem.
Result<Config> LoadConfiguration(const std::string& env_file);

// `reflector serve`: migrate, then serve HTTP until SIGTERM/SIGINT. Returns an exit code.
// With WORKER_THREADS > 0 it also runs that many job workers, stopped after the HTTP server.
int Serve(const Config& config);

// `reflector worker`: migrate, then run background jobs on WORKER_THREADS threads (at least 1)
// until SIGTERM/SIGINT. Returns an exit code.
int Worker(const Config& config);

// `reflector migrate status|up|down N`. Prints to stdout. Returns an exit code.
int Migrate(const Config& config, const std::string& action, std::optional<int> argument);

}  // namespace reflector::app
