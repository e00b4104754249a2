// End-to-end: the room webhook delivery log (contract §7.7) through the real `reflector serve`
// binary on SQLite and PostgreSQL: test events to a loopback receiver (200, then 500), a private
// address refused at connect time, and GET /v1/rooms/{room_id}/webhook/deliveries (shape,
// newest-first order, paging, 401/403/404/422, no secret).
//
// Not covered here yet: transcript.completed through a finished transcript job (covered
// in-process by src/roomhooks/roomhooks_test.cpp).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/reflector_server.hpp"

namespace reflector::testing {
namespace {

using nlohmann::json;

json Body(const httplib::Result& res) {
  if (!res) return json();
  return json::parse(res->body, nullptr, false);
}

httplib::Headers ApiKey(const std::string& key) { return {{"X-API-Key", key}}; }

class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request&, httplib::Response& res) {
      ++hits_;
      res.status = status_.load();
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 1000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& host) const {
    return "http://" + host + ":" + std::to_string(port_) + "/hook";
  }
  void set_status(int status) { status_ = status; }
  int hits() const { return hits_.load(); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> status_{200};
  std::atomic<int> hits_{0};
};

class RoomHooksE2eTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
    server_ = std::make_unique<ReflectorServer>(
        GetParam(), std::map<std::string, std::string>{{"DOWNLOAD_ALLOWED_HOSTS", "127.0.0.1"}});
    ASSERT_TRUE(server_->started()) << server_->error();
  }

  httplib::Client& client() { return server_->client(); }

  json CreateRoom(const json& body) {
    auto res = client().Post("/v1/rooms", body.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return json();
    EXPECT_EQ(res->status, 200) << res->body;
    return Body(res);
  }

  json TestHook(const std::string& room_id) {
    auto res = client().Post("/v1/rooms/" + room_id + "/webhook/test", "", "application/json");
    EXPECT_TRUE(res);
    return Body(res);
  }

  std::unique_ptr<ReflectorServer> server_;
};

TEST_P(RoomHooksE2eTest, DeliveriesListEveryAttemptNewestFirstForTheOwnerOnly) {
  Receiver receiver;
  json room = CreateRoom({{"name", "hooks"},
                          {"webhook_url", receiver.Url("127.0.0.1")},
                          {"webhook_secret", "roomsecret"}});
  const std::string id = room["id"].get<std::string>();
  EXPECT_EQ(TestHook(id)["success"], true);
  receiver.set_status(500);
  EXPECT_EQ(TestHook(id)["success"], false);
  EXPECT_EQ(receiver.hits(), 2);

  const std::string path = "/v1/rooms/" + id + "/webhook/deliveries";
  auto res = client().Get(path);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body.find("roomsecret"), std::string::npos);
  const json list = Body(res);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 2u);
  for (const auto& item : list) {
    for (const char* key :
         {"event", "event_id", "attempt", "status_code", "error", "created_at", "outcome"}) {
      EXPECT_TRUE(item.contains(key)) << key << " missing in " << item.dump();
    }
    EXPECT_EQ(item["event"], "test");
    EXPECT_EQ(item["attempt"], 0);
    EXPECT_EQ(item["event_id"].get<std::string>().size(), 32u);
  }
  EXPECT_EQ(list[0]["status_code"], 500);  // newest first
  EXPECT_EQ(list[0]["error"], "HTTP 500");
  EXPECT_EQ(list[0]["outcome"], "failed");
  EXPECT_EQ(list[1]["status_code"], 200);
  EXPECT_EQ(list[1]["error"], nullptr);
  EXPECT_EQ(list[1]["outcome"], "delivered");
  EXPECT_GE(list[0]["created_at"].get<std::string>(), list[1]["created_at"].get<std::string>());

  auto page = client().Get(path + "?limit=1&offset=1");
  ASSERT_TRUE(page);
  ASSERT_EQ(Body(page).size(), 1u);
  EXPECT_EQ(Body(page)[0]["status_code"], 200);
  auto bad = client().Get(path + "?limit=0");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);
  auto too_many = client().Get(path + "?limit=201");
  ASSERT_TRUE(too_many);
  EXPECT_EQ(too_many->status, 422);

  const std::string bob = server_->CreateApiKey("bob");
  auto denied = client().Get(path, ApiKey(bob));
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_EQ(Body(denied), json({{"detail", "Not authorized"}}));
  auto missing = client().Get("/v1/rooms/no-such-room/webhook/deliveries");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_P(RoomHooksE2eTest, PrivateAddressNotAllowedIsRefusedAndLogged) {
  Receiver receiver;
  // 127.0.0.2 is loopback but not in DOWNLOAD_ALLOWED_HOSTS (only 127.0.0.1 is).
  json room = CreateRoom({{"name", "private"}, {"webhook_url", receiver.Url("127.0.0.2")}});
  const std::string id = room["id"].get<std::string>();
  const json result = TestHook(id);
  EXPECT_EQ(result["success"], false);
  EXPECT_NE(result["error"].get<std::string>().find("private address"), std::string::npos)
      << result.dump();
  EXPECT_EQ(receiver.hits(), 0);
  auto res = client().Get("/v1/rooms/" + id + "/webhook/deliveries");
  ASSERT_TRUE(res);
  const json list = Body(res);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status_code"], nullptr);
  EXPECT_EQ(list[0]["outcome"], "failed");
  EXPECT_NE(list[0]["error"].get<std::string>().find("private address"), std::string::npos);
}

TEST_P(RoomHooksE2eTest, OpenApiDocumentsTheDeliveriesRoute) {
  auto res = client().Get("/openapi.json");
  ASSERT_TRUE(res);
  const json doc = Body(res);
  EXPECT_TRUE(doc["paths"].contains("/v1/rooms/{room_id}/webhook/deliveries"));
  EXPECT_TRUE(doc["components"]["schemas"].contains("WebhookDelivery"));
}

INSTANTIATE_TEST_SUITE_P(Backends, RoomHooksE2eTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reflector::testing
