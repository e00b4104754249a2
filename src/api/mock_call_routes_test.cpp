// The mock call endpoints in-process: signed events through the real mock webhook receiver
// (group commit on its writer thread), on SQLite.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "api/meetings_routes.hpp"
#include "api/mock_routes.hpp"
#include "api/web_routes.hpp"
#include "api/webhook_routes.hpp"
#include "core/config.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_transport.hpp"
#include "fakes/test_databases.hpp"
#include "http/router.hpp"
#include "platforms/registry.hpp"
#include "store/meetings.hpp"
#include "store/migrations.hpp"
#include "store/rooms.hpp"

namespace reflector::api {
namespace {

class AnonymousAuthenticator final : public Authenticator {
 public:
  Result<std::optional<Principal>> Authenticate(const http::Request&) override {
    return std::optional<Principal>();
  }
};

class MockCallRoutesTest : public ::testing::Test {
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
    config_.platforms.mock_webhook_secret = "mock-call-test-secret";
    registry_ = std::make_unique<platforms::PlatformRegistry>(
        platforms::PlatformContext{config_, transport_, clock_});
    platforms::RegisterBuiltinPlatforms(*registry_);
    context_ = std::make_unique<ApiContext>(ApiContext{config_, *db_, *registry_, auth_, clock_});
    routes_ = std::make_unique<ApiRoutes>(router_, "test", "0");
    RegisterMeetingRoutes(*routes_, *context_);
    RegisterWebhookRoutes(*routes_, *context_);
    RegisterMockCallRoutes(*routes_, *context_, router_);
    RegisterWebApiRoutes(*routes_, *context_);

    for (const char* platform : {"mock"}) {
      store::Room room;
      room.name = std::string(platform) + "-room";
      room.user_id = "owner";
      room.platform = platform;
      room.recording_type = "none";
      room.created_at = clock_.Now();
      auto session = db_->Acquire();
      ASSERT_TRUE(store::RoomRepository::Create(session, room).has_value());
    }
  }

  void TearDown() override {
    routes_.reset();
    router_ = http::Router();  // the receiver's writer thread stops with its handlers
    db_.reset();
    scoped_.reset();
  }

  struct Reply {
    int status = 0;
    nlohmann::json body;
  };

  // Calls the route like http::Server does, including answers deferred to another thread.
  Reply Call(http::Method method, const std::string& path, const std::string& body = "") {
    auto match = router_.Find(method, path);
    EXPECT_TRUE(match.found()) << path;
    if (!match.found()) return {};
    auto answered = std::make_shared<std::promise<http::Response>>();
    http::Request request;
    request.method = method;
    request.path = path;
    request.body = body;
    request.route = match.route;
    request.path_params = match.params;
    request.defer_hook = [answered] {
      auto once = std::make_shared<std::once_flag>();
      return http::Request::Responder([answered, once](http::Response r) {
        std::call_once(*once, [&] { answered->set_value(std::move(r)); });
      });
    };
    http::Response response = (*match.handler)(request);
    if (request.deferred()) {
      auto future = answered->get_future();
      EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
      response = future.get();
    }
    return {response.status, nlohmann::json::parse(response.body, nullptr, false)};
  }

  std::string MeetingOf(const std::string& room) {
    auto meeting = Call(http::Method::kPost, "/v1/rooms/" + room + "/meeting");
    EXPECT_EQ(meeting.status, 200) << meeting.body.dump();
    return meeting.body.value("id", "");
  }

  Config config_;
  fakes::FakeClock clock_{TimePoint{} + std::chrono::hours(24 * 365 * 56)};
  fakes::FakeTransport transport_;
  AnonymousAuthenticator auth_;
  std::unique_ptr<testing::ScopedTestDatabase> scoped_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<platforms::PlatformRegistry> registry_;
  std::unique_ptr<ApiContext> context_;
  http::Router router_;
  std::unique_ptr<ApiRoutes> routes_;
};

TEST_F(MockCallRoutesTest, JoinAndLeaveGoThroughTheSignedReceiver) {
  const std::string id = MeetingOf("mock-room");
  const std::string participants = "/v1/meetings/" + id + "/participants";
  const std::string join = "/v1/mock/meetings/" + id + "/participants";

  auto empty = Call(http::Method::kGet, participants);
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, nlohmann::json({{"count", 0}, {"participants", nlohmann::json::array()}}));

  auto alice = Call(http::Method::kPost, join, R"({"name":"Alice"})");
  ASSERT_EQ(alice.status, 200) << alice.body.dump();
  EXPECT_EQ(alice.body["status"], "ok");
  const std::string alice_id = alice.body["participant_id"];
  auto bob = Call(http::Method::kPost, join, "");
  ASSERT_EQ(bob.status, 200) << bob.body.dump();
  const std::string bob_id = bob.body["participant_id"];
  EXPECT_NE(alice_id, bob_id);

  auto two = Call(http::Method::kGet, participants);
  ASSERT_EQ(two.body["count"], 2);
  std::set<std::string> names;
  for (const auto& p : two.body["participants"]) names.insert(p["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"Alice", "Guest"}));
  // num_clients follows the receiver's session bookkeeping.
  EXPECT_EQ(Call(http::Method::kPost, "/v1/rooms/mock-room/meeting").body["num_clients"], 2);

  auto left = Call(http::Method::kPost, join + "/" + alice_id + "/leave");
  ASSERT_EQ(left.status, 200) << left.body.dump();
  EXPECT_EQ(left.body, nlohmann::json({{"participant_id", alice_id}, {"status", "ok"}}));
  auto one = Call(http::Method::kGet, participants);
  ASSERT_EQ(one.body["count"], 1);
  EXPECT_EQ(one.body["participants"][0]["id"], bob_id);

  EXPECT_EQ(Call(http::Method::kDelete, join + "/" + bob_id).status, 200);
  EXPECT_EQ(Call(http::Method::kGet, participants).body["count"], 0);
  EXPECT_EQ(Call(http::Method::kPost, "/v1/rooms/mock-room/meeting").body["num_clients"], 0);
}

TEST_F(MockCallRoutesTest, RefusesOtherPlatformsUnknownMeetingsAndBadBodies) {
  store::Meeting meeting;
  meeting.room_name = "/whereby-room-1";
  meeting.room_url = "https://x.whereby.com/whereby-room-1";
  meeting.platform = "whereby";
  meeting.start_date = clock_.Now();
  meeting.end_date = clock_.Now() + std::chrono::hours(1);
  {
    auto session = db_->Acquire();
    auto room = store::RoomRepository::GetByName(session, "mock-room");
    ASSERT_TRUE(room.has_value()) << room.error().ToString();
    meeting.room_id = room->id;
    auto created = store::MeetingRepository::Create(session, meeting);
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    meeting = *created;
  }
  auto refused = Call(http::Method::kPost, "/v1/mock/meetings/" + meeting.id + "/participants");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body, nlohmann::json({{"detail", "Not a mock meeting"}}));
  EXPECT_EQ(Call(http::Method::kPost, "/v1/mock/meetings/nope/participants").status, 404);
  EXPECT_EQ(Call(http::Method::kGet, "/v1/meetings/nope/participants").status, 404);
  const std::string id = MeetingOf("mock-room");
  const std::string join = "/v1/mock/meetings/" + id + "/participants";
  EXPECT_EQ(Call(http::Method::kPost, join, "[1]").status, 400);
  EXPECT_EQ(Call(http::Method::kPost, join, R"({"name":3})").status, 400);
  EXPECT_EQ(Call(http::Method::kPost, join, "{" + std::string(300, ' ') + "}").status, 200);
}

TEST_F(MockCallRoutesTest, PlatformsListsOnlyConfiguredOnes) {
  // No Daily or Whereby credentials in this fixture: the mock alone, and it is the default.
  auto platforms = Call(http::Method::kGet, "/v1/platforms");
  ASSERT_EQ(platforms.status, 200);
  EXPECT_EQ(platforms.body, nlohmann::json({{"platforms", {"mock"}}, {"default", "mock"}}));
  EXPECT_TRUE(routes_->Document()["paths"]["/v1/platforms"].contains("get"));
}

TEST_F(MockCallRoutesTest, OpenApiDocumentsTheCallRoutes) {
  const auto& paths = routes_->Document()["paths"];
  EXPECT_TRUE(paths["/v1/mock/meetings/{meeting_id}/participants"].contains("post"));
  EXPECT_TRUE(
      paths["/v1/mock/meetings/{meeting_id}/participants/{participant_id}/leave"].contains("post"));
  EXPECT_TRUE(
      paths["/v1/mock/meetings/{meeting_id}/participants/{participant_id}"].contains("delete"));
  EXPECT_TRUE(paths["/v1/meetings/{meeting_id}/participants"].contains("get"));
}

}  // namespace
}  // namespace reflector::api
