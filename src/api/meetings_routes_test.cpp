#include "api/meetings_routes.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"
#include "fakes/test_databases.hpp"
#include "http/router.hpp"
#include "platforms/registry.hpp"
#include "store/migrations.hpp"
#include "store/rooms.hpp"

namespace reflector::api {
namespace {

using namespace std::chrono_literals;
using detail::RecordingStartLimiter;

TEST(RecordingStartLimiter, AllowsABurstThenRefillsOverTheWindow) {
  fakes::FakeClock clock(TimePoint{} + 1000h);
  RecordingStartLimiter limiter(clock);
  for (int i = 0; i < kRecordingStartBurst; ++i) EXPECT_TRUE(limiter.Allow("m1")) << i;
  EXPECT_FALSE(limiter.Allow("m1"));
  EXPECT_FALSE(limiter.Allow("m1"));  // a refused call takes nothing
  // Another meeting has its own bucket.
  EXPECT_TRUE(limiter.Allow("m2"));

  // 5 tokens per 10 s: one token every 2 s.
  clock.Advance(1999ms);
  EXPECT_FALSE(limiter.Allow("m1"));
  clock.Advance(1ms);
  EXPECT_TRUE(limiter.Allow("m1"));
  EXPECT_FALSE(limiter.Allow("m1"));

  // A full window later the whole burst is back, and no more than that.
  clock.Advance(kRecordingStartWindow * 3);
  for (int i = 0; i < kRecordingStartBurst; ++i) EXPECT_TRUE(limiter.Allow("m1")) << i;
  EXPECT_FALSE(limiter.Allow("m1"));
}

TEST(RecordingStartLimiter, DropsRefilledBucketsWhenFull) {
  fakes::FakeClock clock(TimePoint{} + 1000h);
  RecordingStartLimiter limiter(clock);
  for (size_t i = 0; i < RecordingStartLimiter::kMaxBuckets; ++i) {
    ASSERT_TRUE(limiter.Allow("meeting-" + std::to_string(i)));
  }
  EXPECT_EQ(limiter.size(), RecordingStartLimiter::kMaxBuckets);
  ASSERT_TRUE(limiter.Allow("busy"));  // at the limit: nothing refilled yet, nothing dropped
  EXPECT_EQ(limiter.size(), RecordingStartLimiter::kMaxBuckets + 1);
  clock.Advance(kRecordingStartWindow);
  ASSERT_TRUE(limiter.Allow("late"));  // prunes every bucket idle for a whole window
  EXPECT_EQ(limiter.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// The routes in-process, on SQLite with a fake clock (what the black-box tests cannot wait for).

// "X-User: <id>" is the caller; no header is anonymous.
class HeaderAuthenticator final : public Authenticator {
 public:
  Result<std::optional<Principal>> Authenticate(const http::Request& request) override {
    auto user = request.GetHeader("X-User");
    if (!user) return std::optional<Principal>();
    return std::optional<Principal>(Principal{std::string(*user), "test"});
  }
};

class MeetingRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto scoped = testing::ScopedTestDatabase::Create(testing::kSqliteBackend);
    ASSERT_TRUE(scoped.has_value()) << scoped.error().ToString();
    scoped_ = std::move(*scoped);
    auto db = store::Database::Open(scoped_->url(), 2);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::MigrateUp(*db_).has_value());
    config_.http.base_url = "http://127.0.0.1:1250";
    registry_ = std::make_unique<platforms::PlatformRegistry>(
        platforms::PlatformContext{config_, transport_, clock_});
    platforms::RegisterBuiltinPlatforms(*registry_);
    context_ = std::make_unique<ApiContext>(ApiContext{config_, *db_, *registry_, auth_, clock_});
    routes_ = std::make_unique<ApiRoutes>(router_, "test", "0");
    RegisterMeetingRoutes(*routes_, *context_);

    store::Room room;
    room.name = "standup";
    room.user_id = "owner";
    room.platform = "mock";
    room.created_at = clock_.Now();
    auto session = db_->Acquire();
    ASSERT_TRUE(store::RoomRepository::Create(session, room).has_value());
  }

  void TearDown() override {
    db_.reset();
    scoped_.reset();
  }

  struct Reply {
    int status;
    nlohmann::json body;
  };
  Reply Call(http::Method method, const std::string& path, const std::string& body = "",
             const std::string& user = "owner") {
    auto match = router_.Find(method, path);
    EXPECT_TRUE(match.found()) << path;
    if (!match.found()) return {0, nullptr};
    http::Request request;
    request.method = method;
    request.path = path;
    request.body = body;
    request.route = match.route;
    request.path_params = match.params;
    if (!user.empty()) request.headers.push_back({"X-User", user});
    http::Response response = (*match.handler)(request);
    return {response.status, nlohmann::json::parse(response.body, nullptr, false)};
  }

  Config config_;
  fakes::FakeClock clock_{TimePoint{} + std::chrono::hours(24 * 365 * 56)};
  fakes::FakeTransport transport_;
  HeaderAuthenticator auth_;
  std::unique_ptr<testing::ScopedTestDatabase> scoped_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<platforms::PlatformRegistry> registry_;
  std::unique_ptr<ApiContext> context_;
  http::Router router_;
  std::unique_ptr<ApiRoutes> routes_;
};

TEST_F(MeetingRoutesTest, MeetingsEndAfterEightHours) {
  auto first = Call(http::Method::kPost, "/v1/rooms/standup/meeting");
  ASSERT_EQ(first.status, 200) << first.body.dump();
  const std::string id = first.body["id"];
  EXPECT_EQ(first.body["platform"], "mock");
  const std::string join = "/v1/rooms/standup/meetings/" + id + "/join";

  clock_.Advance(std::chrono::hours(8) - std::chrono::seconds(1));
  EXPECT_EQ(Call(http::Method::kPost, join).status, 200);
  EXPECT_EQ(Call(http::Method::kPost, "/v1/rooms/standup/meeting").body["id"], id);

  clock_.Advance(std::chrono::seconds(1));
  auto ended = Call(http::Method::kPost, join);
  EXPECT_EQ(ended.status, 400);
  EXPECT_EQ(ended.body, nlohmann::json({{"detail", "Meeting has ended"}}));
  EXPECT_EQ(Call(http::Method::kGet, "/v1/rooms/standup/meetings/active").body.size(), 0u);
  // An ended meeting is not reused.
  auto next = Call(http::Method::kPost, "/v1/rooms/standup/meeting", "", "");
  ASSERT_EQ(next.status, 200);
  EXPECT_NE(next.body["id"], id);
}

TEST_F(MeetingRoutesTest, OpenApiDocumentsEveryMeetingRoute) {
  const auto& paths = routes_->Document()["paths"];
  EXPECT_TRUE(paths["/v1/rooms/{room_name}/meeting"].contains("post"));
  EXPECT_TRUE(paths["/v1/rooms/{room_name}/meetings/active"].contains("get"));
  EXPECT_TRUE(paths["/v1/rooms/{room_name}/meetings/{meeting_id}"].contains("get"));
  EXPECT_TRUE(paths["/v1/rooms/{room_name}/meetings/{meeting_id}/join"].contains("post"));
  EXPECT_TRUE(paths["/v1/meetings/{meeting_id}/deactivate"].contains("patch"));
  EXPECT_TRUE(paths["/v1/meetings/{meeting_id}/consent"].contains("post"));
  EXPECT_TRUE(paths["/v1/meetings/{meeting_id}/recordings/start"].contains("post"));
  EXPECT_TRUE(routes_->Document()["components"]["schemas"].contains("Meeting"));
}

}  // namespace
}  // namespace reflector::api
