// End-to-end: the real `reflector` binary on a loopback port, driven over HTTP and signals.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/child_process.hpp"

namespace reflector::testing {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> BaseEnv(const TempDir& dir) {
  return {{"PATH", "/usr/bin:/bin"},
          {"DATABASE_URL", "sqlite:///" + dir.path() + "/reflector.db"},
          {"DATA_DIR", dir.path() + "/data"},
          {"HOST", "127.0.0.1"},
          {"PORT", "0"},
          {"LOG_LEVEL", "debug"}};
}

// A running `reflector serve` and a client for it.
class Server {
 public:
  explicit Server(std::map<std::string, std::string> env, const std::string& cwd)
      : process_({REFLECTOR_BINARY, "serve"}, std::move(env), cwd) {
    auto m = process_.WaitForOutput(std::regex("listening on http://127\\.0\\.0\\.1:(\\d+)"), 30s);
    if (!m) {
      ADD_FAILURE() << "server did not start:\n" << process_.Output();
      return;
    }
    port_ = std::stoi((*m)[1]);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(10, 0);
  }
  httplib::Client& client() { return *client_; }
  ChildProcess& process() { return process_; }
  int port() const { return port_; }
  bool started() const { return client_ != nullptr; }

 private:
  ChildProcess process_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST(ServeE2E, HealthMetricsNotFoundTooLargeAndGracefulSigterm) {
  TempDir dir;
  Server server(BaseEnv(dir), dir.path());
  ASSERT_TRUE(server.started());

  auto health = server.client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(nlohmann::json::parse(health->body), nlohmann::json({{"status", "healthy"}}));
  EXPECT_EQ(health->get_header_value("Content-Type"), "application/json");
  EXPECT_FALSE(health->get_header_value("X-Request-Id").empty());

  // (Other unknown GET paths are the web UI's routes: its index.html.)
  auto missing = server.client().Get("/v1/no/such/route");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing->body), nlohmann::json({{"detail", "Not Found"}}));

  const std::string two_mib(2 << 20, 'x');
  auto big = server.client().Post("/health", two_mib, "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(nlohmann::json::parse(big->body),
            nlohmann::json({{"detail", "Request body too large"}}));

  auto metrics = server.client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(
      metrics->body.find("http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1"),
      std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find(
                "http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(
      metrics->body.find("http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\""),
      std::string::npos);

  auto openapi = server.client().Get("/openapi.json");
  ASSERT_TRUE(openapi);
  auto doc = nlohmann::json::parse(openapi->body);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_TRUE(doc["paths"].contains("/health"));
  EXPECT_TRUE(doc["paths"].contains("/metrics"));

  // With PORT=0 and no BASE_URL, the links the mock platform hands out use the bound port.
  auto room = server.client().Post("/v1/rooms", R"({"name":"portcheck"})", "application/json");
  ASSERT_TRUE(room);
  ASSERT_EQ(room->status, 200) << room->body;
  auto meeting = server.client().Post("/v1/rooms/portcheck/meeting", "{}", "application/json");
  ASSERT_TRUE(meeting);
  ASSERT_EQ(meeting->status, 200) << meeting->body;
  const std::string room_url = nlohmann::json::parse(meeting->body)["room_url"];
  EXPECT_EQ(
      room_url.rfind("http://127.0.0.1:" + std::to_string(server.port()) + "/mock/portcheck-", 0),
      0u)
      << room_url;

  // The mock platform's room URLs are served by us, with the name escaped.
  auto mock = server.client().Get("/mock/standup-1a2b3c4d%3Cb%3E");
  ASSERT_TRUE(mock);
  EXPECT_EQ(mock->status, 200);
  EXPECT_EQ(mock->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(mock->body.find("Mock room <code>standup-1a2b3c4d&lt;b&gt;</code>"), std::string::npos)
      << mock->body;

  server.process().Signal(SIGTERM);
  auto code = server.process().WaitForExit(15s);
  ASSERT_TRUE(code) << "did not stop on SIGTERM:\n" << server.process().Output();
  EXPECT_EQ(*code, 0) << server.process().Output();
  // Nothing listens any more.
  httplib::Client after("127.0.0.1", server.port());
  after.set_connection_timeout(2, 0);
  EXPECT_FALSE(after.Get("/health"));
}

TEST(ServeE2E, StartupPrintsDatabaseAndPlatforms) {
  TempDir dir;
  Server server(BaseEnv(dir), dir.path());
  ASSERT_TRUE(server.started());
  const std::string out = server.process().Output();
  EXPECT_NE(out.find("database:  sqlite"), std::string::npos) << out;
  EXPECT_NE(out.find("platforms: mock (default for new rooms: mock)"), std::string::npos) << out;
}

TEST(ServeE2E, EmbeddedDefaultsCreateDataDirectoryInWorkingDirectory) {
  TempDir dir;
  // No configuration at all except where to listen: SQLite lands in ./data/reflector.db.
  Server server({{"PATH", "/usr/bin:/bin"}, {"PORT", "0"}}, dir.path());
  ASSERT_TRUE(server.started());
  auto health = server.client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(std::ifstream(dir.path() + "/data/reflector.db").good());
}

TEST(ServeE2E, DotEnvFileIsRead) {
  TempDir dir;
  std::ofstream(dir.path() + "/.env") << "LOG_FORMAT=json\nDAILY_API_KEY=dk-from-dotenv\n";
  Server server({{"PATH", "/usr/bin:/bin"}, {"PORT", "0"}}, dir.path());
  ASSERT_TRUE(server.started());
  const std::string out = server.process().Output();
  EXPECT_NE(out.find("platforms: daily, mock"), std::string::npos) << out;
  EXPECT_NE(out.find("whereby:   Whereby is not configured: set WHEREBY_API_KEY"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("dk-from-dotenv"), std::string::npos) << "secret leaked:\n" << out;
}

TEST(ServeE2E, PortInUseFailsClearly) {
  TempDir dir;
  Server first(BaseEnv(dir), dir.path());
  ASSERT_TRUE(first.started());
  TempDir dir2;
  auto env = BaseEnv(dir2);
  env["PORT"] = std::to_string(first.port());
  auto [code, out] = RunToCompletion({REFLECTOR_BINARY, "serve"}, env, dir2.path(), 30s);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
            std::string::npos)
      << out;
}

TEST(CliE2E, HelpVersionAndBadFlags) {
  TempDir dir;
  auto env = BaseEnv(dir);
  {
    auto [code, out] = RunToCompletion({REFLECTOR_BINARY, "--help"}, env, dir.path(), 10s);
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find("serve"), std::string::npos) << out;
    EXPECT_NE(out.find("migrate"), std::string::npos) << out;
  }
  {
    auto [code, out] = RunToCompletion({REFLECTOR_BINARY, "serve", "--help"}, env, dir.path(), 10s);
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find("--port"), std::string::npos) << out;
  }
  {
    auto [code, out] = RunToCompletion({REFLECTOR_BINARY, "--version"}, env, dir.path(), 10s);
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find("reflector "), std::string::npos) << out;
  }
  {
    auto [code, out] =
        RunToCompletion({REFLECTOR_BINARY, "serve", "--bogus"}, env, dir.path(), 10s);
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find("--bogus"), std::string::npos) << out;
  }
  {
    auto [code, out] = RunToCompletion({REFLECTOR_BINARY}, env, dir.path(), 10s);
    EXPECT_EQ(code, 2) << out;
  }
}

TEST(CliE2E, BadConfigurationListsEveryProblemAndExits2) {
  TempDir dir;
  auto env = BaseEnv(dir);
  env["PORT"] = "abc";
  env["AUTH_BACKEND"] = "ldap";
  auto [code, out] = RunToCompletion({REFLECTOR_BINARY, "serve"}, env, dir.path(), 10s);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("PORT=\"abc\" is not an integer"), std::string::npos) << out;
  EXPECT_NE(out.find("AUTH_BACKEND=\"ldap\" must be one of: none, jwt"), std::string::npos) << out;
}

TEST(CliE2E, MigrateStatusUpDown) {
  TempDir dir;
  auto env = BaseEnv(dir);
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), REFLECTOR_BINARY);
    return RunToCompletion(args, env, dir.path(), 30s);
  };
  auto [c1, status] = run({"migrate", "status"});
  EXPECT_EQ(c1, 0) << status;
  EXPECT_NE(status.find("0001"), std::string::npos) << status;
  EXPECT_NE(status.find("pending"), std::string::npos) << status;
  EXPECT_EQ(status.find(" applied "), std::string::npos) << status;

  auto [c2, up] = run({"migrate", "up"});
  EXPECT_EQ(c2, 0) << up;
  EXPECT_EQ(up.find("pending"), std::string::npos) << up;

  auto [c3, down] = run({"migrate", "down", "1"});
  EXPECT_EQ(c3, 0) << down;
  EXPECT_NE(down.find("reverted 1 migration(s)"), std::string::npos) << down;
  EXPECT_NE(down.find("pending"), std::string::npos) << down;

  // On an existing database each migration says what it is doing (a re-index can take minutes).
  auto [c5, again] = run({"migrate", "up"});
  EXPECT_EQ(c5, 0) << again;
  EXPECT_NE(again.find(": applying"), std::string::npos) << again;
  EXPECT_NE(again.find(": done in "), std::string::npos) << again;

  auto [c4, bad] = run({"migrate", "sideways"});
  EXPECT_EQ(c4, 2) << bad;
}

}  // namespace
}  // namespace reflector::testing
