// End-to-end: the rooms part of the /v1 API (reference §5.2 with the fixes of contract §4),
// driven over HTTP against the real `reflector serve` binary, on SQLite and on PostgreSQL.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/time_format.hpp"
#include "store/database.hpp"
#include "store/meetings.hpp"
#include "support/reflector_server.hpp"

namespace reflector::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Any RSA public key: with AUTH_BACKEND=jwt a request without credentials is anonymous.
constexpr const char* kJwtPublicKey = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkIveL0IRofLiZsJDEzwk
RJiZBX9r+C0qT/n8l9NGl4xeW1UZqY4qJFG5Jr22UUUT/exfUyKlGa0q939SPpMY
lKsmz78OZ4dyjeLXA+2kLs2H9Flz+lOrXywVBaIzyk2AeSqxDZnNVNf3ukzzqKSW
B5Fshc5ziq7w9lhJdnVXN7WjW1pmn/Phor3eybnIpZ4A3EKjW+AQhlJqQEhdoZ61
P9mpuBcJA2v8BOkT3suLUnsEjM+CZpJM5JBdihrgQK0A4gkrgxfjogDv/fbajRhV
9qVdosOF1CVmu1lKYnOYRRzCQCbKOMF+bBDVHF2QR/GJylYy+aoVWNsaW6URoXbh
6wIDAQAB
-----END PUBLIC KEY-----
)";

const std::set<std::string> kRoomDetailsKeys = {"id",
                                                "name",
                                                "user_id",
                                                "created_at",
                                                "zulip_auto_post",
                                                "zulip_stream",
                                                "zulip_topic",
                                                "is_locked",
                                                "room_mode",
                                                "recording_type",
                                                "recording_trigger",
                                                "is_shared",
                                                "ics_url",
                                                "ics_fetch_interval",
                                                "ics_enabled",
                                                "ics_last_sync",
                                                "ics_last_etag",
                                                "platform",
                                                "skip_consent",
                                                "webhook_url",
                                                "webhook_secret"};

std::set<std::string> Keys(const json& object) {
  std::set<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
  return keys;
}

json Body(const httplib::Result& res) {
  if (!res) return json();
  return json::parse(res->body, nullptr, false);
}

// A loopback port nothing listens on: bound (never listened on) and released.
int UnusedLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

httplib::Headers ApiKey(const std::string& key) { return {{"X-API-Key", key}}; }

// One received webhook call.
struct Received {
  httplib::Headers headers;
  std::string body;
};

// A loopback HTTP server standing in for a room's webhook endpoint.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        received_.push_back({req.headers, req.body});
      }
      res.status = status_.load();
      res.set_content("{\"received\":true}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 1000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~WebhookReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void set_status(int status) { status_ = status; }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> status_{200};
  std::mutex mu_;
  std::vector<Received> received_;  // GUARDED_BY(mu_)
};

class RoomsApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    REFLECTOR_SKIP_IF_NO_BACKEND(GetParam());
    server_ = std::make_unique<ReflectorServer>(GetParam(), ExtraEnv());
    ASSERT_TRUE(server_->started()) << server_->error();
  }

  virtual std::map<std::string, std::string> ExtraEnv() {
    return {{"DOWNLOAD_ALLOWED_HOSTS", "127.0.0.1"}};
  }

  httplib::Client& client() { return server_->client(); }

  json CreateRoom(const json& body, const httplib::Headers& headers = {}) {
    auto res = client().Post("/v1/rooms", headers, body.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return json();
    EXPECT_EQ(res->status, 200) << res->body;
    return Body(res);
  }

  std::unique_ptr<ReflectorServer> server_;
};

TEST_P(RoomsApiTest, CreateWithOnlyNameReturnsEveryFieldWithReferenceDefaults) {
  json room = CreateRoom({{"name", "alpha"}});
  EXPECT_EQ(Keys(room), kRoomDetailsKeys);
  EXPECT_TRUE(std::regex_match(room["id"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-"
                                          "[0-9a-f]{12}")));
  EXPECT_EQ(room["name"], "alpha");
  EXPECT_EQ(room["user_id"], "local-owner");
  EXPECT_TRUE(ParseIso8601(room["created_at"].get<std::string>()).has_value());
  EXPECT_EQ(room["zulip_auto_post"], false);
  EXPECT_EQ(room["zulip_stream"], "");
  EXPECT_EQ(room["zulip_topic"], "");
  EXPECT_EQ(room["is_locked"], false);
  EXPECT_EQ(room["room_mode"], "normal");
  EXPECT_EQ(room["recording_type"], "cloud");
  EXPECT_EQ(room["recording_trigger"], "automatic-2nd-participant");
  EXPECT_EQ(room["is_shared"], false);
  EXPECT_EQ(room["ics_url"], nullptr);
  EXPECT_EQ(room["ics_fetch_interval"], 300);
  EXPECT_EQ(room["ics_enabled"], false);
  EXPECT_EQ(room["ics_last_sync"], nullptr);
  EXPECT_EQ(room["ics_last_etag"], nullptr);
  // No provider keys configured: DEFAULT_VIDEO_PLATFORM resolves to mock.
  EXPECT_EQ(room["platform"], "mock");
  EXPECT_EQ(room["skip_consent"], false);
  EXPECT_EQ(room["webhook_url"], nullptr);
  EXPECT_EQ(room["webhook_secret"], nullptr);

  // Stored as answered.
  auto got = client().Get("/v1/rooms/" + room["id"].get<std::string>());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(Body(got), room);
}

TEST_P(RoomsApiTest, CreateAcceptsTheFullReflectorBody) {
  json body = {{"name", "full"},
               {"zulip_auto_post", true},
               {"zulip_stream", "stream"},
               {"zulip_topic", "topic"},
               {"is_locked", true},
               {"room_mode", "group"},
               {"recording_type", "local"},
               {"recording_trigger", "prompt"},
               {"is_shared", true},
               {"webhook_url", "https://example.com/hook"},
               {"webhook_secret", "s3cret"},
               {"platform", "whereby"},
               {"ics_url", "https://example.com/cal.ics"},
               {"ics_fetch_interval", 600},
               {"ics_enabled", true},
               {"skip_consent", true}};
  json room = CreateRoom(body);
  for (auto it = body.begin(); it != body.end(); ++it) {
    EXPECT_EQ(room[it.key()], it.value()) << it.key();
  }
}

TEST_P(RoomsApiTest, WebhookUrlWithoutSecretGetsAGeneratedSecret) {
  json room = CreateRoom({{"name", "hooked"}, {"webhook_url", "https://example.com/h"}});
  ASSERT_TRUE(room["webhook_secret"].is_string());
  EXPECT_TRUE(
      std::regex_match(room["webhook_secret"].get<std::string>(), std::regex("[A-Za-z0-9_-]{43}")));

  // An empty URL is stored as "" and gets no secret (reference).
  json empty = CreateRoom({{"name", "empty-hook"}, {"webhook_url", ""}});
  EXPECT_EQ(empty["webhook_url"], "");
  EXPECT_EQ(empty["webhook_secret"], nullptr);
}

TEST_P(RoomsApiTest, DuplicateNameIs409) {
  CreateRoom({{"name", "dup"}});
  auto res = client().Post("/v1/rooms", json({{"name", "dup"}}).dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 409);
  EXPECT_EQ(Body(res), json({{"detail", "Room name is not unique"}}));
}

TEST_P(RoomsApiTest, InvalidCreateBodiesAre422WithFastApiDetail) {
  struct Case {
    std::string body;
    json loc;
    std::string type;
  };
  const std::vector<Case> cases = {
      {R"({"name":"x","room_mode":"huge"})", {"body", "room_mode"}, "literal_error"},
      {R"({"name":"x","recording_type":"tape"})", {"body", "recording_type"}, "literal_error"},
      {R"({"name":"x","recording_trigger":"always"})",
       {"body", "recording_trigger"},
       "literal_error"},
      {R"({"name":"x","platform":"zoom"})", {"body", "platform"}, "literal_error"},
      {R"({"name":"x","is_locked":"yes"})", {"body", "is_locked"}, "bool_type"},
      {R"({"name":"x","ics_fetch_interval":"often"})", {"body", "ics_fetch_interval"}, "int_type"},
      {R"({"room_mode":"normal"})", {"body", "name"}, "missing"},
      {R"({"name":""})", {"body", "name"}, "string_too_short"},
      {R"({"name":5})", {"body", "name"}, "string_type"},
      {R"({"name":)", {"body", 0}, "json_invalid"},
      {R"(["name"])", {"body"}, "model_attributes_type"},
      {"", {"body"}, "missing"},
  };
  for (const auto& c : cases) {
    auto res = client().Post("/v1/rooms", c.body, "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << c.body;
    json detail = Body(res)["detail"];
    ASSERT_TRUE(detail.is_array()) << res->body;
    ASSERT_EQ(detail.size(), 1u) << res->body;
    EXPECT_EQ(detail[0]["loc"], c.loc) << c.body;
    EXPECT_EQ(detail[0]["type"], c.type) << c.body;
    EXPECT_TRUE(detail[0]["msg"].is_string());
  }
  auto platform =
      client().Post("/v1/rooms", R"({"name":"x","platform":"zoom"})", "application/json");
  ASSERT_TRUE(platform);
  EXPECT_EQ(Body(platform)["detail"][0]["msg"], "Input should be 'daily', 'mock' or 'whereby'");

  // Nothing was created.
  auto list = client().Get("/v1/rooms");
  ASSERT_TRUE(list);
  EXPECT_EQ(Body(list)["total"], 0);
}

TEST_P(RoomsApiTest, ListPagesNewestFirst) {
  CreateRoom({{"name", "r1"}});
  CreateRoom({{"name", "r2"}});
  CreateRoom({{"name", "r3"}});

  auto first = client().Get("/v1/rooms?page=1&size=2");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  json page1 = Body(first);
  EXPECT_EQ(page1["total"], 3);
  EXPECT_EQ(page1["page"], 1);
  EXPECT_EQ(page1["size"], 2);
  EXPECT_EQ(page1["pages"], 2);
  ASSERT_EQ(page1["items"].size(), 2u);
  EXPECT_EQ(page1["items"][0]["name"], "r3");
  EXPECT_EQ(page1["items"][1]["name"], "r2");
  EXPECT_EQ(Keys(page1["items"][0]), kRoomDetailsKeys);

  auto second = client().Get("/v1/rooms?page=2&size=2");
  ASSERT_TRUE(second);
  json page2 = Body(second);
  ASSERT_EQ(page2["items"].size(), 1u);
  EXPECT_EQ(page2["items"][0]["name"], "r1");

  auto defaults = client().Get("/v1/rooms");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(Body(defaults)["size"], 50);
  EXPECT_EQ(Body(defaults)["page"], 1);
  EXPECT_EQ(Body(defaults)["pages"], 1);
}

TEST_P(RoomsApiTest, ListRejectsBadPagingWith422) {
  struct Case {
    std::string query;
    std::string param;
    std::string type;
  };
  const std::vector<Case> cases = {{"page=0", "page", "greater_than_equal"},
                                   {"page=x", "page", "int_parsing"},
                                   {"size=0", "size", "greater_than_equal"},
                                   {"size=101", "size", "less_than_equal"},
                                   {"size=", "size", "int_parsing"}};
  for (const auto& c : cases) {
    auto res = client().Get("/v1/rooms?" + c.query);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << c.query;
    json detail = Body(res)["detail"];
    ASSERT_EQ(detail.size(), 1u) << res->body;
    EXPECT_EQ(detail[0]["loc"], json({"query", c.param})) << c.query;
    EXPECT_EQ(detail[0]["type"], c.type) << c.query;
  }
}

TEST_P(RoomsApiTest, GetByIdAndByNameAnd404s) {
  json room = CreateRoom({{"name", "findme"}, {"webhook_url", "https://example.com/h"}});
  auto by_name = client().Get("/v1/rooms/name/findme");
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->status, 200);
  EXPECT_EQ(Body(by_name), room);

  for (const std::string path : {"/v1/rooms/no-such-id", "/v1/rooms/name/no-such-room"}) {
    auto res = client().Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(Body(res), json({{"detail", "Room not found"}})) << path;
  }
}

TEST_P(RoomsApiTest, PatchWritesOnlyPresentFieldsAndValidatesEveryField) {
  json room = CreateRoom({{"name", "patchme"}, {"room_mode", "group"}, {"zulip_topic", "t"}});
  const std::string path = "/v1/rooms/" + room["id"].get<std::string>();

  auto res = client().Patch(path, R"({"is_locked":true})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json expected = room;
  expected["is_locked"] = true;
  EXPECT_EQ(Body(res), expected);

  // Invalid values are 422 and change nothing.
  for (const std::string body :
       {R"({"room_mode":"huge","is_locked":false})", R"({"platform":"zoom"})",
        R"({"recording_trigger":1})", R"({"name":null})", R"({"is_shared":null})"}) {
    auto bad = client().Patch(path, body, "application/json");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 422) << body;
  }
  auto unchanged = client().Get(path);
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(Body(unchanged), expected);

  // Renaming onto a taken name.
  CreateRoom({{"name", "taken"}});
  auto rename = client().Patch(path, R"({"name":"taken"})", "application/json");
  ASSERT_TRUE(rename);
  EXPECT_EQ(rename->status, 409);
  EXPECT_EQ(Body(rename), json({{"detail", "Room name is not unique"}}));

  // A webhook URL without a secret gets one; a later URL change keeps it.
  auto hook =
      client().Patch(path, R"({"webhook_url":"https://example.com/a"})", "application/json");
  ASSERT_TRUE(hook);
  const json hooked = Body(hook);
  EXPECT_EQ(hooked["webhook_url"], "https://example.com/a");
  ASSERT_TRUE(hooked["webhook_secret"].is_string());
  EXPECT_EQ(hooked["webhook_secret"].get<std::string>().size(), 43u);
  auto moved = client().Patch(path, R"({"webhook_url":"https://example.com/b","platform":"daily"})",
                              "application/json");
  ASSERT_TRUE(moved);
  EXPECT_EQ(Body(moved)["webhook_secret"], hooked["webhook_secret"]);
  EXPECT_EQ(Body(moved)["platform"], "daily");
  EXPECT_EQ(Body(moved)["room_mode"], "group");
  EXPECT_EQ(Body(moved)["zulip_topic"], "t");

  // Clearing a nullable field.
  auto cleared =
      client().Patch(path, R"({"webhook_url":null,"webhook_secret":null})", "application/json");
  ASSERT_TRUE(cleared);
  EXPECT_EQ(Body(cleared)["webhook_url"], nullptr);
  EXPECT_EQ(Body(cleared)["webhook_secret"], nullptr);

  auto missing =
      client().Patch("/v1/rooms/no-such-id", R"({"is_locked":true})", "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_P(RoomsApiTest, DeleteAnswersOkAndCascadesMeetings) {
  json room = CreateRoom({{"name", "doomed"}});
  const std::string id = room["id"].get<std::string>();
  std::string meeting_id;
  {
    auto db = store::Database::Open(server_->database_url(), 1);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    auto session = (*db)->Acquire();
    store::Meeting meeting;
    meeting.room_id = id;
    meeting.room_name = "doomed-1";
    meeting.room_url = "http://example.com/doomed";
    meeting.start_date = std::chrono::system_clock::now();
    meeting.end_date = meeting.start_date + 8h;
    auto created = store::MeetingRepository::Create(session, meeting);
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    meeting_id = created->id;
  }

  auto res = client().Delete("/v1/rooms/" + id);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Body(res), json({{"status", "ok"}}));

  auto gone = client().Get("/v1/rooms/" + id);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  auto again = client().Delete("/v1/rooms/" + id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404);

  auto db = store::Database::Open(server_->database_url(), 1);
  ASSERT_TRUE(db.has_value());
  auto session = (*db)->Acquire();
  auto meeting = store::MeetingRepository::GetById(session, meeting_id);
  ASSERT_FALSE(meeting.has_value());
  EXPECT_EQ(meeting.error().code, Code::kNotFound);
}

TEST_P(RoomsApiTest, OthersSeeSharedRoomsWithoutSecretsAndCannotChangeThem) {
  const std::string bob = server_->CreateApiKey("bob");
  ASSERT_FALSE(bob.empty()) << server_->last_command_output();

  json mine = CreateRoom({{"name", "owners"}, {"webhook_url", "https://example.com/h"}});
  const std::string path = "/v1/rooms/" + mine["id"].get<std::string>();
  json bobs = CreateRoom({{"name", "bobs"}, {"webhook_url", "https://example.com/b"}}, ApiKey(bob));
  EXPECT_EQ(bobs["user_id"], "bob");
  EXPECT_TRUE(bobs["webhook_secret"].is_string());

  // Not shared: by id is forbidden, by name works but hides the webhook.
  auto denied = client().Get(path, ApiKey(bob));
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_EQ(Body(denied), json({{"detail", "Room access denied"}}));
  auto by_name = client().Get("/v1/rooms/name/owners", ApiKey(bob));
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->status, 200);
  EXPECT_EQ(Body(by_name)["webhook_url"], nullptr);
  EXPECT_EQ(Body(by_name)["webhook_secret"], nullptr);
  EXPECT_EQ(Body(by_name)["name"], "owners");

  // Bob's list: only his own room so far, with its secret.
  auto list = client().Get("/v1/rooms", ApiKey(bob));
  ASSERT_TRUE(list);
  ASSERT_EQ(Body(list)["total"], 1);
  EXPECT_EQ(Body(list)["items"][0]["webhook_secret"], bobs["webhook_secret"]);

  // Owner-only operations.
  auto patch = client().Patch(path, ApiKey(bob), R"({"is_shared":true})", "application/json");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->status, 403);
  EXPECT_EQ(Body(patch), json({{"detail", "Not authorized"}}));
  auto del = client().Delete(path, ApiKey(bob));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 403);
  EXPECT_EQ(Body(del), json({{"detail", "Not authorized"}}));
  auto test = client().Post(path + "/webhook/test", ApiKey(bob), "", "application/json");
  ASSERT_TRUE(test);
  EXPECT_EQ(test->status, 403);
  EXPECT_EQ(Body(test), json({{"detail", "Not authorized to test this room's webhook"}}));

  // Shared: visible by id and in the list, still without the owner's secret (contract §4).
  auto share = client().Patch(path, R"({"is_shared":true})", "application/json");
  ASSERT_TRUE(share);
  ASSERT_EQ(share->status, 200);
  auto shared = client().Get(path, ApiKey(bob));
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->status, 200);
  EXPECT_EQ(Body(shared)["webhook_url"], nullptr);
  EXPECT_EQ(Body(shared)["webhook_secret"], nullptr);
  auto list2 = client().Get("/v1/rooms", ApiKey(bob));
  ASSERT_TRUE(list2);
  json items = Body(list2)["items"];
  ASSERT_EQ(items.size(), 2u);
  for (const auto& item : items) {
    if (item["name"] == "owners") {
      EXPECT_EQ(item["webhook_secret"], nullptr);
      EXPECT_EQ(item["webhook_url"], nullptr);
    } else {
      EXPECT_EQ(item["webhook_secret"], bobs["webhook_secret"]);
    }
  }
  // The owner still sees everything.
  auto own = client().Get(path);
  ASSERT_TRUE(own);
  EXPECT_EQ(Body(own)["webhook_secret"], mine["webhook_secret"]);

  // Bad credentials are 401, never anonymous.
  auto bad = client().Get("/v1/rooms", ApiKey("not-a-key"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
}

TEST_P(RoomsApiTest, WebhookTestSendsASignedTestEvent) {
  WebhookReceiver receiver;
  json room = CreateRoom(
      {{"name", "hooks"}, {"webhook_url", receiver.url()}, {"webhook_secret", "roomsecret"}});
  const std::string path = "/v1/rooms/" + room["id"].get<std::string>() + "/webhook/test";

  auto res = client().Post(path, "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Body(res), json({{"success", true},
                             {"message", "Webhook test successful"},
                             {"error", ""},
                             {"status_code", 200},
                             {"response_preview", "{\"received\":true}"}}));

  auto received = receiver.received();
  ASSERT_EQ(received.size(), 1u);
  const auto& call = received[0];
  auto header = [&](const std::string& name) {
    auto it = call.headers.find(name);
    return it == call.headers.end() ? std::string() : it->second;
  };
  EXPECT_EQ(header("Content-Type"), "application/json");
  EXPECT_EQ(header("User-Agent"), "Reflector-Webhook/1.0");
  EXPECT_EQ(header("X-Webhook-Event"), "test");
  EXPECT_EQ(header("X-Webhook-Retry"), "0");
  std::smatch m;
  const std::string signature = header("X-Webhook-Signature");
  ASSERT_TRUE(std::regex_match(signature, m, std::regex("t=(\\d+),v1=([0-9a-f]{64})")))
      << signature;
  EXPECT_EQ(m[2].str(), HexEncode(HmacSha256("roomsecret", m[1].str() + "." + call.body)));
  const int64_t t = std::stoll(m[1].str());
  EXPECT_LE(std::abs(t - ToUnixSeconds(std::chrono::system_clock::now())), 60);

  json payload = json::parse(call.body);
  EXPECT_EQ(call.body, nlohmann::ordered_json::parse(call.body).dump()) << "compact JSON";
  EXPECT_EQ(Keys(payload),
            std::set<std::string>({"event", "event_id", "timestamp", "message", "room"}));
  EXPECT_EQ(payload["event"], "test");
  EXPECT_EQ(payload["message"], "This is a test webhook from Reflector");
  EXPECT_EQ(payload["room"], json({{"id", room["id"]}, {"name", "hooks"}}));
  EXPECT_TRUE(ParseIso8601(payload["timestamp"].get<std::string>()).has_value());
  EXPECT_FALSE(payload["event_id"].get<std::string>().empty());

  // A non-2xx answer is reported, not raised.
  receiver.set_status(500);
  auto failed = client().Post(path, "", "application/json");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 200);
  EXPECT_EQ(Body(failed)["success"], false);
  EXPECT_EQ(Body(failed)["status_code"], 500);
  EXPECT_EQ(Body(failed)["message"], "Webhook test failed");
}

TEST_P(RoomsApiTest, WebhookTestReportsMissingRefusedAndUnreachableTargets) {
  json bare = CreateRoom({{"name", "bare"}});
  auto none = client().Post("/v1/rooms/" + bare["id"].get<std::string>() + "/webhook/test", "",
                            "application/json");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 200);
  EXPECT_EQ(Body(none)["success"], false);
  EXPECT_EQ(Body(none)["error"], "No webhook URL configured");

  // "localhost" is not in DOWNLOAD_ALLOWED_HOSTS (only 127.0.0.1 is): a private address.
  json local = CreateRoom({{"name", "local"}, {"webhook_url", "http://localhost:9/hook"}});
  auto refused = client().Post("/v1/rooms/" + local["id"].get<std::string>() + "/webhook/test", "",
                               "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(Body(refused)["success"], false);
  EXPECT_NE(Body(refused)["error"].get<std::string>().find("private address"), std::string::npos)
      << refused->body;

  // Allowed host, nothing listening.
  const int closed_port = UnusedLoopbackPort();
  json down =
      CreateRoom({{"name", "down"},
                  {"webhook_url", "http://127.0.0.1:" + std::to_string(closed_port) + "/hook"}});
  auto unreachable = client().Post("/v1/rooms/" + down["id"].get<std::string>() + "/webhook/test",
                                   "", "application/json");
  ASSERT_TRUE(unreachable);
  EXPECT_EQ(Body(unreachable)["success"], false);
  EXPECT_EQ(
      Body(unreachable)["error"].get<std::string>().rfind("Could not connect to webhook URL: ", 0),
      0u)
      << unreachable->body;

  auto missing = client().Post("/v1/rooms/no-such-id/webhook/test", "", "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

// The calendar routes themselves: tests/e2e/calendar_e2e_test.cpp.
TEST_P(RoomsApiTest, CalendarEndpointsOfARoomWithoutIcs) {
  CreateRoom({{"name", "cal"}});
  auto sync = client().Post("/v1/rooms/cal/ics/sync", "", "application/json");
  ASSERT_TRUE(sync);
  EXPECT_EQ(sync->status, 400);
  EXPECT_EQ(Body(sync), json({{"detail", "ICS not configured for this room"}}));
  auto status = client().Get("/v1/rooms/cal/ics/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
  EXPECT_EQ(Body(status)["status"], "disabled");
  EXPECT_EQ(Body(status)["events_count"], 0);
  for (const std::string path : {"/v1/rooms/cal/meetings", "/v1/rooms/cal/meetings/upcoming"}) {
    auto res = client().Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(Body(res), json::array()) << path;
  }
}

TEST_P(RoomsApiTest, OpenApiDocumentsTheRoomsRoutes) {
  auto res = client().Get("/openapi.json");
  ASSERT_TRUE(res);
  json doc = Body(res);
  const json& paths = doc["paths"];
  EXPECT_TRUE(paths["/v1/rooms"].contains("get"));
  EXPECT_TRUE(paths["/v1/rooms"]["post"].contains("requestBody"));
  EXPECT_TRUE(paths["/v1/rooms"]["post"]["responses"].contains("409"));
  EXPECT_TRUE(paths["/v1/rooms"]["post"]["responses"].contains("422"));
  EXPECT_TRUE(paths["/v1/rooms/{room_id}"]["patch"]["responses"].contains("403"));
  EXPECT_TRUE(paths["/v1/rooms/{room_id}"].contains("delete"));
  EXPECT_TRUE(paths["/v1/rooms/name/{room_name}"].contains("get"));
  EXPECT_TRUE(paths["/v1/rooms/{room_id}/webhook/test"].contains("post"));
  EXPECT_TRUE(paths["/v1/rooms/{room_name}/ics/sync"]["post"]["responses"].contains("403"));
  EXPECT_TRUE(paths["/v1/rooms/{room_name}/meetings/upcoming"].contains("get"));
  EXPECT_EQ(doc["components"]["schemas"]["CreateRoom"]["required"], json({"name"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, RoomsApiTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

// AUTH_BACKEND=jwt: a request without credentials is anonymous.
class RoomsAnonymousTest : public RoomsApiTest {
 protected:
  std::map<std::string, std::string> ExtraEnv() override {
    return {{"AUTH_BACKEND", "jwt"}, {"AUTH_JWT_PUBLIC_KEY", kJwtPublicKey}};
  }
};

TEST_P(RoomsAnonymousTest, RequiredEndpointsAre401AndOptionalOnesHideSecrets) {
  const std::string alice = server_->CreateApiKey("alice");
  ASSERT_FALSE(alice.empty()) << server_->last_command_output();
  json room =
      CreateRoom({{"name", "alices"}, {"webhook_url", "https://example.com/h"}}, ApiKey(alice));
  const std::string path = "/v1/rooms/" + room["id"].get<std::string>();

  struct Call {
    std::string method;
    std::string path;
  };
  for (const Call& c : std::vector<Call>{{"GET", "/v1/rooms"},
                                         {"POST", "/v1/rooms"},
                                         {"PATCH", path},
                                         {"DELETE", path},
                                         {"POST", path + "/webhook/test"}}) {
    auto send = [&]() -> httplib::Result {
      if (c.method == "GET") return client().Get(c.path);
      if (c.method == "POST")
        return client().Post(c.path, R"({"name":"anon"})", "application/json");
      if (c.method == "PATCH") {
        return client().Patch(c.path, R"({"is_locked":true})", "application/json");
      }
      return client().Delete(c.path);
    };
    auto res = send();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << c.method << " " << c.path;
    EXPECT_EQ(Body(res), json({{"detail", "Not authenticated"}})) << c.method << " " << c.path;
  }

  // Optional endpoints: not shared → 403 by id; by name → 200 without the webhook.
  auto by_id = client().Get(path);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->status, 403);
  auto by_name = client().Get("/v1/rooms/name/alices");
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->status, 200);
  EXPECT_EQ(Body(by_name)["webhook_secret"], nullptr);
  EXPECT_EQ(Body(by_name)["webhook_url"], nullptr);
}

INSTANTIATE_TEST_SUITE_P(Backends, RoomsAnonymousTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reflector::testing
