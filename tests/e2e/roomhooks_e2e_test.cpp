// End-to-end: the room webhook delivery log (contract §7.7) through the real `reflector serve`
// binary on SQLite and PostgreSQL: test events to a loopback receiver (200, then 500), a private
// address refused at connect time, and GET /v1/rooms/{room_id}/webhook/deliveries (shape,
// newest-first order, paging, 401/403/404/422, no secret).
//
// And transcript.completed itself: a mock-platform recording (2 s tone made with the ffmpeg CLI)
// runs through the pipeline with TRANSCRIPT_BACKEND=none; the receiver answers 500 then 200 and
// checks the signature; ROOM_WEBHOOK_RETRY_BASE_SECONDS=1 keeps the retry short.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
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

// Records every call; answers from `script` in order, then 200.
class ScriptedReceiver {
 public:
  struct Call {
    httplib::Headers headers;
    std::string body;
  };
  explicit ScriptedReceiver(std::vector<int> script) : script_(std::move(script)) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::unique_lock lock(mu_);
      calls_.push_back({req.headers, req.body});
      const int status = calls_.size() <= script_.size() ? script_[calls_.size() - 1] : 200;
      if (status == kHang) {
        // Hold the request until the receiver is torn down (bounded), past the client's timeout.
        released_.wait_for(lock, std::chrono::seconds(10), [this] { return stopping_; });
        res.status = 200;
        return;
      }
      res.status = status;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 1000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  static constexpr int kHang = -1;
  ~ScriptedReceiver() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    released_.notify_all();
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<Call> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<int> script_;
  std::vector<Call> calls_;  // GUARDED_BY(mu_)
  std::condition_variable released_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
};

std::string ToneWav() {
  const std::string path = ::testing::TempDir() + "/roomhooks-tone.wav";
  const std::string cmd =
      "ffmpeg -v error -y -f lavfi -i sine=frequency=440:duration=2 -ar 16000 "
      "-ac 1 '" +
      path + "'";
  if (std::system(cmd.c_str()) != 0) return "";
  std::ifstream in(path, std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  return data.str();
}

class TranscriptCompletedE2eTest : public RoomHooksE2eTest {
 protected:
  // Creates a mock room whose webhook is `url`, records 2 s of tone into a meeting, and polls the
  // owner's delivery log until its newest entry has `outcome` (at most 90 s). Returns the log.
  json RecordAndWaitForOutcome(const std::string& url, const std::string& outcome,
                               std::string& room_id) {
    json room = CreateRoom({{"name", "hookroom"},
                            {"platform", "mock"},
                            {"webhook_url", url},
                            {"webhook_secret", "roomsecret"}});
    room_id = room["id"].get<std::string>();
    auto meeting = client().Post("/v1/rooms/hookroom/meeting", "{}", "application/json");
    EXPECT_TRUE(meeting && meeting->status == 200) << (meeting ? meeting->body : "no answer");
    const std::string wav = ToneWav();
    EXPECT_FALSE(wav.empty()) << "ffmpeg could not make the fixture";
    auto posted = client().Post("/v1/mock/rooms/hookroom/recording", wav, "audio/wav");
    EXPECT_TRUE(posted && posted->status == 202) << (posted ? posted->body : "no answer");
    const std::string path = "/v1/rooms/" + room_id + "/webhook/deliveries";
    json log;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (std::chrono::steady_clock::now() < deadline) {
      auto res = client().Get(path);
      if (res && res->status == 200) {
        log = json::parse(res->body);
        if (!log.empty() && log[0]["outcome"] == outcome) return log;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no " << outcome << " delivery: " << log.dump() << "\n" << server_->Output();
    return log;
  }

  void SetUp() override {
    REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
    server_ = std::make_unique<ReflectorServer>(
        GetParam(), std::map<std::string, std::string>{{"DOWNLOAD_ALLOWED_HOSTS", "127.0.0.1"},
                                                       {"TRANSCRIPT_BACKEND", "none"},
                                                       {"WORKER_THREADS", "2"},
                                                       {"UI_BASE_URL", "http://ui.test"},
                                                       {"ROOM_WEBHOOK_RETRY_BASE_SECONDS", "1"},
                                                       {"ROOM_WEBHOOK_TIMEOUT_SECONDS", "1"}});
    ASSERT_TRUE(server_->started()) << server_->error();
  }
};

TEST_P(TranscriptCompletedE2eTest, DeliveredSignedAfterA500AndLoggedPerAttempt) {
  ScriptedReceiver receiver({500});
  json room = CreateRoom({{"name", "hookroom"},
                          {"platform", "mock"},
                          {"webhook_url", receiver.url()},
                          {"webhook_secret", "roomsecret"}});
  const std::string room_id = room["id"].get<std::string>();
  auto meeting = client().Post("/v1/rooms/hookroom/meeting", "{}", "application/json");
  ASSERT_TRUE(meeting && meeting->status == 200) << (meeting ? meeting->body : "no answer");
  const std::string wav = ToneWav();
  ASSERT_FALSE(wav.empty()) << "ffmpeg could not make the fixture";
  auto posted = client().Post("/v1/mock/rooms/hookroom/recording", wav, "audio/wav");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202) << posted->body;

  // Poll the owner's delivery log until an attempt is delivered.
  const std::string path = "/v1/rooms/" + room_id + "/webhook/deliveries";
  json log;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    auto res = client().Get(path);
    if (res && res->status == 200) {
      log = json::parse(res->body);
      if (!log.empty() && log[0]["outcome"] == "delivered") break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(!log.empty() && log[0]["outcome"] == "delivered") << log.dump() << "\n"
                                                                << server_->Output();
  ASSERT_EQ(log.size(), 2u) << log.dump();
  EXPECT_EQ(log[0]["event"], "transcript.completed");
  EXPECT_EQ(log[0]["attempt"], 1);
  EXPECT_EQ(log[0]["status_code"], 200);
  EXPECT_EQ(log[1]["attempt"], 0);
  EXPECT_EQ(log[1]["status_code"], 500);
  EXPECT_EQ(log[1]["outcome"], "retrying");
  EXPECT_NE(log[0]["event_id"], log[1]["event_id"]);

  const auto calls = receiver.calls();
  ASSERT_EQ(calls.size(), 2u);
  for (size_t i = 0; i < calls.size(); ++i) {
    const auto& call = calls[i];
    EXPECT_EQ(call.headers.find("X-Webhook-Retry")->second, std::to_string(i));
    EXPECT_EQ(call.headers.find("X-Webhook-Event")->second, "transcript.completed");
    EXPECT_EQ(call.headers.find("User-Agent")->second, "Reflector-Webhook/1.0");
    const std::string signature = call.headers.find("X-Webhook-Signature")->second;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(signature, m, std::regex("t=(\\d+),v1=([0-9a-f]{64})")))
        << signature;
    EXPECT_EQ(m[2].str(), HexEncode(HmacSha256("roomsecret", m[1].str() + "." + call.body)));
    const json body = json::parse(call.body);
    EXPECT_EQ(body["event"], "transcript.completed");
    EXPECT_EQ(body["event_id"], log[1 - i]["event_id"]);
    EXPECT_EQ(body["room"], json({{"id", room_id}, {"name", "hookroom"}}));
    EXPECT_EQ(body["transcript"]["room_id"], room_id);
    EXPECT_EQ(body["transcript"]["status"], "ended");
    EXPECT_EQ(body["transcript"]["frontend_url"],
              "http://ui.test/transcripts/" + body["transcript"]["id"].get<std::string>());
    EXPECT_EQ(body["transcript"]["topics"], json::array());
    EXPECT_EQ(body["calendar_event"], nullptr);
  }
}

TEST_P(TranscriptCompletedE2eTest, GoneStopsAfterOneAttempt) {
  ScriptedReceiver receiver({410});
  std::string room_id;
  const json log = RecordAndWaitForOutcome(receiver.url(), "failed", room_id);
  ASSERT_EQ(log.size(), 1u) << log.dump();
  EXPECT_EQ(log[0]["status_code"], 410);
  EXPECT_EQ(log[0]["error"], "HTTP 410");
  EXPECT_EQ(log[0]["attempt"], 0);
  // The job is dead, not waiting for a retry.
  auto jobs = client().Get("/v1/jobs?kind=room_webhook.deliver");
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->status, 200) << jobs->body;
  EXPECT_NE(jobs->body.find("\"dead\""), std::string::npos) << jobs->body;
  EXPECT_EQ(receiver.calls().size(), 1u);
}

TEST_P(TranscriptCompletedE2eTest, HangingReceiverTimesOutAndIsRetried) {
  ScriptedReceiver receiver({ScriptedReceiver::kHang});
  std::string room_id;
  const json log = RecordAndWaitForOutcome(receiver.url(), "delivered", room_id);
  ASSERT_EQ(log.size(), 2u) << log.dump();
  EXPECT_EQ(log[1]["status_code"], nullptr);
  EXPECT_EQ(log[1]["outcome"], "retrying");
  EXPECT_NE(log[1]["error"].get<std::string>().find("timed out"), std::string::npos) << log.dump();
  EXPECT_EQ(log[0]["attempt"], 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, TranscriptCompletedE2eTest,
                         ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Backends, RoomHooksE2eTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reflector::testing
