// GET /v1/transcripts/search in-process: the PUBLIC_MODE switch (anonymous callers see every
// transcript, or get 401), which the black-box suite (tests/e2e/search_e2e_test.cpp) cannot
// reach until PUBLIC_MODE is in the configuration. SQLite underneath.
#include "api/search_routes.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/time_format.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"
#include "fakes/test_databases.hpp"
#include "http/router.hpp"
#include "store/migrations.hpp"
#include "store/sql.hpp"

namespace reflector::api {
namespace {

using fakes::FakeTransport;
using nlohmann::json;

class SearchScriptedAuthenticator final : public Authenticator {
 public:
  Result<std::optional<Principal>> Authenticate(const http::Request&) override { return caller; }
  std::optional<Principal> caller;
};

class SearchRoutesTest : public ::testing::TestWithParam<bool> {
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
    context_ = std::make_unique<ApiContext>(ApiContext{config_, *db_, *platforms_, auth_, clock_});
    routes_ = std::make_unique<ApiRoutes>(router_, "t", "1");
    RegisterSearchRoutes(*routes_, *context_, SearchRoutesOptions{.public_mode = GetParam()});
    auto session = db_->Acquire();
    for (const char* user : {"alice", "bob"}) {
      auto done = store::Exec(session,
                              "INSERT INTO transcript (id, user_id, created_at, title) "
                              "VALUES (:id, :user_id, :created_at, 'Otter census')",
                              store::SqlParams()
                                  .Text("id", std::string("t-") + user)
                                  .Text("user_id", user)
                                  .Time("created_at", FromUnixSeconds(1767225600)));
      ASSERT_TRUE(done.has_value()) << done.error().ToString();
    }
  }

  http::Response Get(const std::string& query) {
    auto match = router_.Find(http::Method::kGet, "/v1/transcripts/search");
    EXPECT_TRUE(match.found());
    if (!match.found()) return {};
    http::Request request;
    request.method = http::Method::kGet;
    request.path = "/v1/transcripts/search";
    request.query = query;
    return (*match.handler)(request);
  }

  std::set<std::string> Ids(const http::Response& res) {
    std::set<std::string> ids;
    const json body = json::parse(res.body);
    for (const auto& r : body["results"]) ids.insert(r["id"].get<std::string>());
    return ids;
  }

  Config config_;
  fakes::FakeClock clock_{FromUnixSeconds(1767225600)};
  FakeTransport transport_;
  SearchScriptedAuthenticator auth_;
  std::unique_ptr<testing::ScopedTestDatabase> scoped_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<platforms::PlatformRegistry> platforms_;
  std::unique_ptr<ApiContext> context_;
  http::Router router_;
  std::unique_ptr<ApiRoutes> routes_;
};

TEST_P(SearchRoutesTest, AnonymousCallersDependOnPublicMode) {
  const bool public_mode = GetParam();
  auth_.caller = std::nullopt;
  auto res = Get("q=otter");
  if (public_mode) {
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(Ids(res), (std::set<std::string>{"t-alice", "t-bob"}));
  } else {
    EXPECT_EQ(res.status, 401);
    EXPECT_EQ(json::parse(res.body), json({{"detail", "Not authenticated"}}));
  }
  // A signed-in caller sees their own either way.
  auth_.caller = Principal{"alice", "api_key"};
  res = Get("q=otter");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Ids(res), (std::set<std::string>{"t-alice"}));
}

INSTANTIATE_TEST_SUITE_P(PublicMode, SearchRoutesTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "on" : "off"; });

}  // namespace
}  // namespace reflector::api
