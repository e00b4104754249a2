// Rooms handlers in-process, with a scripted Authenticator (anonymous / another user) and a fake
// outbound transport for the webhook test; SQLite underneath. The black-box suite on both
// databases is tests/e2e/rooms_api_test.cpp.
#include "api/rooms_routes.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/time_format.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"
#include "fakes/test_databases.hpp"
#include "http/router.hpp"
#include "roomhooks/webhook.hpp"
#include "store/migrations.hpp"

namespace reflector::api {
namespace {

using fakes::FakeTransport;
using nlohmann::json;

// The signature vector and CheckTarget are tested in src/roomhooks/roomhooks_test.cpp.

// Answers with whatever principal the test sets (nullopt = anonymous).
class ScriptedAuthenticator final : public Authenticator {
 public:
  Result<std::optional<Principal>> Authenticate(const http::Request&) override { return caller; }
  std::optional<Principal> caller = Principal{"owner", "api_key"};
};

class RoomsRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto scoped = testing::ScopedTestDatabase::Create(testing::kSqliteBackend);
    ASSERT_TRUE(scoped.has_value());
    scoped_ = std::move(*scoped);
    auto db = store::Database::Open(scoped_->url(), 2);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::MigrateUp(*db_).has_value());
    platforms_ = std::make_unique<platforms::PlatformRegistry>(
        platforms::PlatformContext{config_, transport_, clock_});
    platforms::RegisterBuiltinPlatforms(*platforms_);
    context_ = std::make_unique<ApiContext>(ApiContext{config_, *db_, *platforms_, auth_, clock_});
    routes_ = std::make_unique<ApiRoutes>(router_, "t", "1");
    RegisterRoomRoutes(*routes_, *context_, transport_);
  }

  void TearDown() override {
    routes_.reset();
    db_.reset();
    scoped_.reset();
  }

  http::Response Call(http::Method method, const std::string& path, std::string body = "") {
    auto match = router_.Find(method, path);
    EXPECT_TRUE(match.found()) << path;
    if (!match.found()) return {};
    http::Request request;
    request.method = method;
    request.path = path;
    request.body = std::move(body);
    request.path_params = match.params;
    return (*match.handler)(request);
  }

  json CreateRoom(const json& body) {
    auto res = Call(http::Method::kPost, "/v1/rooms", body.dump());
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body);
  }

  Config config_;
  fakes::FakeClock clock_{FromUnixSeconds(1767225600)};
  FakeTransport transport_;
  ScriptedAuthenticator auth_;
  std::unique_ptr<testing::ScopedTestDatabase> scoped_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<platforms::PlatformRegistry> platforms_;
  std::unique_ptr<ApiContext> context_;
  http::Router router_;
  std::unique_ptr<ApiRoutes> routes_;
};

TEST_F(RoomsRoutesTest, AnonymousCallersGet401WhereAuthIsRequired) {
  json room = CreateRoom({{"name", "r"}, {"webhook_url", "https://example.com/h"}});
  const std::string path = "/v1/rooms/" + room["id"].get<std::string>();
  auth_.caller = std::nullopt;
  for (auto [method, p] : std::vector<std::pair<http::Method, std::string>>{
           {http::Method::kGet, "/v1/rooms"},
           {http::Method::kPost, "/v1/rooms"},
           {http::Method::kPatch, path},
           {http::Method::kDelete, path},
           {http::Method::kPost, path + "/webhook/test"}}) {
    auto res = Call(method, p, R"({"name":"x"})");
    EXPECT_EQ(res.status, 401) << p;
    EXPECT_EQ(json::parse(res.body), json({{"detail", "Not authenticated"}})) << p;
  }
  auto by_id = Call(http::Method::kGet, path);
  EXPECT_EQ(by_id.status, 403);
  EXPECT_EQ(json::parse(by_id.body), json({{"detail", "Room access denied"}}));
  auto by_name = Call(http::Method::kGet, "/v1/rooms/name/r");
  EXPECT_EQ(by_name.status, 200);
  EXPECT_EQ(json::parse(by_name.body)["webhook_secret"], nullptr);
}

TEST_F(RoomsRoutesTest, BadCredentialsAre401) {
  class Rejecting final : public Authenticator {
   public:
    Result<std::optional<Principal>> Authenticate(const http::Request&) override {
      return Err(Code::kUnauthenticated, "Invalid API key");
    }
  } rejecting;
  ApiContext context{config_, *db_, *platforms_, rejecting, clock_};
  http::Router router;
  ApiRoutes routes(router, "t", "1");
  RegisterRoomRoutes(routes, context, transport_);
  auto match = router.Find(http::Method::kGet, "/v1/rooms/name/x");
  http::Request request;
  request.path_params = match.params;
  auto res = (*match.handler)(request);
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(json::parse(res.body), json({{"detail", "Invalid API key"}}));
}

TEST_F(RoomsRoutesTest, OtherUsersAreForbiddenOwnerOnlyOperations) {
  json room = CreateRoom({{"name", "r"}, {"is_shared", true}, {"webhook_url", "https://e.com"}});
  EXPECT_EQ(room["user_id"], "owner");
  const std::string path = "/v1/rooms/" + room["id"].get<std::string>();
  auth_.caller = Principal{"mallory", "api_key"};
  EXPECT_EQ(Call(http::Method::kPatch, path, R"({"is_locked":true})").status, 403);
  EXPECT_EQ(Call(http::Method::kDelete, path).status, 403);
  auto test = Call(http::Method::kPost, path + "/webhook/test");
  EXPECT_EQ(test.status, 403);
  EXPECT_EQ(json::parse(test.body),
            json({{"detail", "Not authorized to test this room's webhook"}}));
  auto shared = Call(http::Method::kGet, path);
  EXPECT_EQ(shared.status, 200);
  EXPECT_EQ(json::parse(shared.body)["webhook_url"], nullptr);
  EXPECT_EQ(transport_.request_count(), 0u);
}

TEST_F(RoomsRoutesTest, WebhookTestSignsWithTheClockAndReportsTransportFailures) {
  config_.download_allowed_hosts = {"hooks.test"};
  json room = CreateRoom(
      {{"name", "r"}, {"webhook_url", "http://hooks.test/in"}, {"webhook_secret", "roomsecret"}});
  const std::string path = "/v1/rooms/" + room["id"].get<std::string>() + "/webhook/test";

  transport_.Push(FakeTransport::Reply(204, ""));
  auto ok = Call(http::Method::kPost, path);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body), json({{"success", true},
                                        {"message", "Webhook test successful"},
                                        {"error", ""},
                                        {"status_code", 204},
                                        {"response_preview", nullptr}}));
  auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& sent = requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://hooks.test/in");
  EXPECT_EQ(sent.timeout, std::chrono::seconds(10));
  std::string signature;
  for (const auto& h : sent.headers) {
    if (h.name == "X-Webhook-Signature") signature = h.value;
  }
  EXPECT_EQ(signature, roomhooks::SignatureHeader("roomsecret", 1767225600, sent.body));
  json payload = json::parse(sent.body);
  EXPECT_EQ(payload["timestamp"], "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(payload["room"], json({{"id", room["id"]}, {"name", "r"}}));
  EXPECT_EQ(sent.body.rfind(R"({"event":"test","event_id":")", 0), 0u) << sent.body;

  transport_.Push(FakeTransport::TimeoutAfterSend());
  auto timeout = json::parse(Call(http::Method::kPost, path).body);
  EXPECT_EQ(timeout["success"], false);
  EXPECT_EQ(timeout["error"], "Webhook request timed out (10 seconds)");

  transport_.Push(FakeTransport::ConnectFailure());
  auto refused = json::parse(Call(http::Method::kPost, path).body);
  EXPECT_EQ(refused["error"], "Could not connect to webhook URL: could not connect (fake)");

  transport_.Push(FakeTransport::Failure(Code::kResourceExhausted, "too big", true));
  auto other = json::parse(Call(http::Method::kPost, path).body);
  EXPECT_EQ(other["error"], "Unexpected error: too big");

  transport_.Push(FakeTransport::Reply(200, std::string(600, 'x')));
  auto long_body = json::parse(Call(http::Method::kPost, path).body);
  EXPECT_EQ(long_body["response_preview"].get<std::string>().size(), 500u);
}

TEST_F(RoomsRoutesTest, DefaultPlatformFollowsConfig) {
  config_.platforms.default_platform = "daily";
  EXPECT_EQ(CreateRoom({{"name", "d"}})["platform"], "daily");
  EXPECT_EQ(CreateRoom({{"name", "w"}, {"platform", "whereby"}})["platform"], "whereby");
}

}  // namespace
}  // namespace reflector::api
