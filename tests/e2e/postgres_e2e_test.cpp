// End-to-end on PostgreSQL: `reflector serve` against a private PostgreSQL server that the test
// stops and restarts, proving /health reports an unreachable database (503) and recovers.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/child_process.hpp"

namespace reflector::testing {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> ScriptEnv() {
  return {{"PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}};
}

// A private PostgreSQL server (scripts/pg-test-server) in its own directory.
class PrivatePostgres {
 public:
  PrivatePostgres() {
    auto [code, out] = Run("start");
    started_ = code == 0;
    if (!started_) {
      ADD_FAILURE() << "pg-test-server start failed:\n" << out;
      return;
    }
    std::ifstream in(dir_.path() + "/pg/url");
    std::getline(in, url_);
  }
  ~PrivatePostgres() { Run("stop"); }
  std::pair<int, std::string> Run(const std::string& action) {
    return RunToCompletion({REFLECTOR_PG_SCRIPT, action, dir_.path() + "/pg"}, ScriptEnv(),
                           dir_.path(), 120s);
  }
  const std::string& url() const { return url_; }
  bool started() const { return started_; }
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  bool started_ = false;
  std::string url_;
};

// Polls /health until it answers `status` or the deadline passes; returns the last status.
int WaitForHealth(httplib::Client& client, int status, std::chrono::seconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  int last = -1;
  while (std::chrono::steady_clock::now() < end) {
    auto r = client.Get("/health");
    last = r ? r->status : -1;
    if (last == status) return last;
    std::this_thread::sleep_for(100ms);  // a request cadence, not a synchronisation wait
  }
  return last;
}

TEST(PostgresE2E, HealthIs503WhileDatabaseIsDownAndRecovers) {
  PrivatePostgres pg;
  ASSERT_TRUE(pg.started());
  ChildProcess server({REFLECTOR_BINARY, "serve"},
                      {{"PATH", "/usr/bin:/bin"},
                       {"DATABASE_URL", pg.url()},
                       {"PORT", "0"},
                       {"DATABASE_POOL_SIZE", "2"}},
                      pg.dir());
  auto m = server.WaitForOutput(std::regex("listening on http://127\\.0\\.0\\.1:(\\d+)"), 60s);
  ASSERT_TRUE(m) << server.Output();
  EXPECT_NE(server.Output().find("database:  postgresql"), std::string::npos) << server.Output();
  EXPECT_EQ(server.Output().find("password"), std::string::npos);
  httplib::Client client("127.0.0.1", std::stoi((*m)[1]));
  client.set_read_timeout(15, 0);

  auto healthy = client.Get("/health");
  ASSERT_TRUE(healthy);
  EXPECT_EQ(healthy->status, 200);

  auto [pause_code, pause_out] = pg.Run("pause");
  ASSERT_EQ(pause_code, 0) << pause_out;
  auto down = client.Get("/health");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
  EXPECT_EQ(nlohmann::json::parse(down->body)["status"], "unhealthy");

  auto [resume_code, resume_out] = pg.Run("resume");
  ASSERT_EQ(resume_code, 0) << resume_out;
  // Pooled connections were broken by the restart; the store reconnects on the next use.
  EXPECT_EQ(WaitForHealth(client, 200, 20s), 200) << server.Output();

  server.Signal(SIGTERM);
  auto code = server.WaitForExit(15s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0) << server.Output();
}

TEST(PostgresE2E, ServeFailsClearlyWhenDatabaseIsUnreachable) {
  TempDir dir;
  // Port 1 on loopback: nothing listens there.
  auto [code, out] = RunToCompletion({REFLECTOR_BINARY, "serve"},
                                     {{"PATH", "/usr/bin:/bin"},
                                      {"DATABASE_URL", "postgresql://u:hunter2@127.0.0.1:1/db"},
                                      {"PORT", "0"}},
                                     dir.path(), 60s);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cannot open database"), std::string::npos) << out;
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << "password leaked:\n" << out;
}

}  // namespace
}  // namespace reflector::testing
