#include "support/reflector_server.hpp"

#include <signal.h>

#include <regex>

#include "fakes/test_databases.hpp"

#ifndef REFLECTOR_BINARY
#error "REFLECTOR_BINARY must name the reflector binary"
#endif

namespace reflector::testing {

using namespace std::chrono_literals;

ReflectorServer::ReflectorServer(const std::string& backend,
                                 std::map<std::string, std::string> extra_env) {
  auto database = ScopedTestDatabase::Create(backend);
  if (!database) {
    error_ = "database for " + backend + " unavailable: " + database.error().ToString();
    return;
  }
  database_ = std::move(*database);
  database_url_ = database_->url();

  std::map<std::string, std::string> env = {{"PATH", "/usr/bin:/bin"},
                                            {"DATABASE_URL", database_url_},
                                            {"DATA_DIR", dir_.path() + "/data"},
                                            {"HOST", "127.0.0.1"},
                                            {"PORT", "0"},
                                            {"LOG_LEVEL", "debug"},
                                            {"AUTH_BACKEND", "none"}};
  for (auto& [name, value] : extra_env) env[name] = value;
  env_ = env;

  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{REFLECTOR_BINARY, "serve"},
                                            std::move(env), dir_.path());
  auto m = process_->WaitForOutput(std::regex("listening on http://127\\.0\\.0\\.1:(\\d+)"), 30s);
  if (!m) {
    error_ = "server did not start:\n" + process_->Output();
    return;
  }
  port_ = std::stoi((*m)[1]);
  client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  client_->set_read_timeout(15, 0);
  client_->set_connection_timeout(5, 0);
}

ReflectorServer::~ReflectorServer() {
  client_.reset();
  Stop();
  process_.reset();
  database_.reset();  // after the server closed its connections: drops the schema
}

std::string ReflectorServer::Output() const {
  return process_ != nullptr ? process_->Output() : error_;
}

std::optional<int> ReflectorServer::Stop(std::chrono::milliseconds timeout) {
  if (process_ == nullptr) return std::nullopt;
  if (exit_code_) return exit_code_;
  process_->Signal(SIGTERM);
  exit_code_ = process_->WaitForExit(timeout);
  if (!exit_code_) {
    process_->Signal(SIGKILL);
    (void)process_->WaitForExit(5s);
  }
  return exit_code_;
}

void ReflectorServer::Kill() {
  if (process_ == nullptr || exit_code_) return;
  process_->Signal(SIGKILL);
  exit_code_ = process_->WaitForExit(10s).value_or(-SIGKILL);
}

std::pair<int, std::string> ReflectorServer::RunCommand(const std::vector<std::string>& args,
                                                        std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{REFLECTOR_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = RunToCompletion(std::move(argv), env_, dir_.path(), timeout);
  last_command_output_ = result.second;
  return result;
}

std::string ReflectorServer::CreateApiKey(const std::string& user_id) {
  auto [code, output] = RunCommand({"apikey", "create", "--user", user_id, "--name", "test"});
  if (code != 0) return {};
  // The key alone on the first line of stdout; notes follow on stderr.
  const auto eol = output.find('\n');
  std::string key = output.substr(0, eol);
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
  return key;
}

bool ReflectorServer::ShouldSkip(const std::string& backend) {
  return backend == kPostgresBackend && SkipPostgres();
}

}  // namespace reflector::testing
