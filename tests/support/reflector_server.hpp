// Black-box harness for end-to-end API tests: runs the real `reflector serve` binary on a loopback
// port against a fresh database (SQLite file or a PostgreSQL schema of the `postgres` CTest
// fixture's server), hands out an httplib::Client for it, and stops it with SIGTERM.
//
//   class RoomsApiTest : public ::testing::TestWithParam<std::string> {};
//   TEST_P(RoomsApiTest, X) {
//     REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
//     ReflectorServer server(GetParam(), {{"AUTH_BACKEND", "none"}});
//     ASSERT_TRUE(server.started()) << server.Output();
//     auto res = server.client().Get("/v1/rooms");
//   }
//   INSTANTIATE_TEST_SUITE_P(Backends, RoomsApiTest, ::testing::Values("sqlite", "postgres"));
//
// PostgreSQL: each server gets its own schema (CREATE SCHEMA test_<random>, selected through the
// URL's libpq `options=-c search_path=...`, which the binary's DATABASE_URL parser passes on),
// dropped when the server is destroyed. The server URL comes from REFLECTOR_TEST_POSTGRES_URL,
// REFLECTOR_TEST_POSTGRES_URL_FILE or the fixture's url file (see tests/fakes/test_databases.hpp).
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/child_process.hpp"

namespace reflector::testing {

class ScopedTestDatabase;

class ReflectorServer {
 public:
  // Starts `reflector serve` with a base environment (PATH, DATABASE_URL for `backend`, DATA_DIR
  // in a temp dir, HOST=127.0.0.1, PORT=0, LOG_LEVEL=debug, AUTH_BACKEND=none) overlaid with
  // `extra_env` (which may override any of them). Waits up to 30 s for "listening on"; check
  // started(). `backend` is "sqlite" or "postgres".
  explicit ReflectorServer(const std::string& backend,
                           std::map<std::string, std::string> extra_env = {});
  // Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its database.
  ~ReflectorServer();
  ReflectorServer(const ReflectorServer&) = delete;
  ReflectorServer& operator=(const ReflectorServer&) = delete;

  // True once the server printed its listening address.
  bool started() const { return client_ != nullptr; }
  // Why it did not start (database unavailable, process output), empty when it did.
  const std::string& error() const { return error_; }

  // A client for the server (read timeout 15 s). Only valid when started().
  httplib::Client& client() { return *client_; }
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The DATABASE_URL given to the binary.
  const std::string& database_url() const { return database_url_; }
  // The server's combined stdout/stderr so far.
  std::string Output() const;

  // Runs `reflector <args...>` to completion with the server's environment (same database), e.g.
  // {"apikey", "create", "--user", "bob"}; returns {exit code, combined output}.
  std::pair<int, std::string> RunCommand(
      const std::vector<std::string>& args,
      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // `reflector apikey create --user <user_id>`: the new key for X-API-Key, empty on failure
  // (the output is then in last_command_output()).
  std::string CreateApiKey(const std::string& user_id);
  const std::string& last_command_output() const { return last_command_output_; }

  // SIGKILL (kill -9: no shutdown at all) and wait for the process to be gone. The database stays
  // (until destruction) for the test to inspect. Idempotent.
  void Kill();
  // SIGTERM and wait for exit; returns the exit code (nullopt on timeout). Idempotent.
  std::optional<int> Stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // True when the "postgres" variant should be skipped (REFLECTOR_TEST_SKIP_POSTGRES=1).
  static bool ShouldSkip(const std::string& backend);

 private:
  TempDir dir_;
  std::unique_ptr<ScopedTestDatabase> database_;
  std::string database_url_;
  std::map<std::string, std::string> env_;
  std::string last_command_output_;
  std::unique_ptr<ChildProcess> process_;
  std::unique_ptr<httplib::Client> client_;
  std::string error_;
  int port_ = 0;
  std::optional<int> exit_code_;
};

}  // namespace reflector::testing

// Skips the current test when `backend` is "postgres" and REFLECTOR_TEST_SKIP_POSTGRES=1.
#define REFLECTOR_SKIP_IF_NO_BACKEND(backend)                         \
  do {                                                                \
    if (::reflector::testing::ReflectorServer::ShouldSkip(backend)) { \
      GTEST_SKIP() << "REFLECTOR_TEST_SKIP_POSTGRES=1";               \
    }                                                                 \
  } while (false)
