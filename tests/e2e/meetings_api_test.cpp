// End-to-end: the meetings part of /v1 (reference §5.2 meeting rows, §5.3; contract §3.3, §4)
// against the real binary, on SQLite and PostgreSQL, with Daily and Whereby replaced by their
// loopback fakes.
//
// Callers: the server runs AUTH_BACKEND=jwt (with a public key nobody signs for), so a request
// without credentials is anonymous; the room owner and another user authenticate with API keys
// created through `reflector apikey create`.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fake_daily_server.hpp"
#include "fakes/fake_whereby_server.hpp"
#include "support/child_process.hpp"
#include "support/reflector_server.hpp"
#include "support/test_keys.hpp"

namespace reflector::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kOwner = "owner-user";
constexpr const char* kOther = "other-user";

struct Reply {
  int status = 0;
  json body;
};

class MeetingsApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { REFLECTOR_SKIP_IF_NO_BACKEND(GetParam()); }

  std::map<std::string, std::string> Env(bool daily = true, bool whereby = true) {
    std::map<std::string, std::string> env = {{"AUTH_BACKEND", "jwt"},
                                              {"AUTH_JWT_PUBLIC_KEY", kTestJwtPublicKey}};
    if (daily) {
      env["DAILY_API_KEY"] = daily_.api_key();
      env["DAILY_API_URL"] = daily_.api_url();
    }
    if (whereby) {
      env["WHEREBY_API_KEY"] = whereby_.api_key();
      env["WHEREBY_API_URL"] = whereby_.api_url();
    }
    return env;
  }

  // Starts a server and creates API keys for the owner and the other user.
  std::unique_ptr<ReflectorServer> Start(std::map<std::string, std::string> env) {
    auto server = std::make_unique<ReflectorServer>(GetParam(), env);
    if (!server->started()) {
      ADD_FAILURE() << server->error() << "\n" << server->Output();
      return nullptr;
    }
    if (owner_key_.empty()) {
      owner_key_ = CreateKey(*server, env, kOwner);
      other_key_ = CreateKey(*server, env, kOther);
    }
    return server;
  }

  static std::string CreateKey(ReflectorServer& server, std::map<std::string, std::string> env,
                               const std::string& user) {
    env["PATH"] = "/usr/bin:/bin";
    env["DATABASE_URL"] = server.database_url();
    env["LOG_LEVEL"] = "error";
    TempDir cwd;
    auto [code, output] = RunToCompletion({REFLECTOR_BINARY, "apikey", "create", "--user", user},
                                          env, cwd.path(), 30s);
    std::smatch m;
    if (code != 0 || !std::regex_search(output, m, std::regex("rfk_[A-Za-z0-9_-]+"))) {
      ADD_FAILURE() << "apikey create failed (" << code << "): " << output;
      return "";
    }
    return m[0];
  }

  httplib::Headers As(const std::string& who) const {
    if (who == kOwner) return {{"X-API-Key", owner_key_}};
    if (who == kOther) return {{"X-API-Key", other_key_}};
    return {};
  }

  static Reply Parse(const httplib::Result& res) {
    if (!res) return {0, nullptr};
    return {res->status, json::parse(res->body, nullptr, false)};
  }

  Reply Post(ReflectorServer& s, const std::string& path, const std::string& body,
             const std::string& who = kOwner) {
    return Parse(s.client().Post(path, As(who), body, "application/json"));
  }
  Reply Get(ReflectorServer& s, const std::string& path, const std::string& who = kOwner) {
    return Parse(s.client().Get(path, As(who)));
  }
  Reply Patch(ReflectorServer& s, const std::string& path, const std::string& body,
              const std::string& who = kOwner) {
    return Parse(s.client().Patch(path, As(who), body, "application/json"));
  }

  // Creates a room owned by kOwner; returns its JSON.
  json CreateRoom(ReflectorServer& s, const std::string& name, const std::string& platform,
                  json extra = json::object()) {
    json body = {{"name", name}, {"platform", platform}, {"recording_type", "none"}};
    body.update(extra);
    auto r = Post(s, "/v1/rooms", body.dump());
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body;
  }

  Reply CreateMeeting(ReflectorServer& s, const std::string& room, const std::string& body = "{}",
                      const std::string& who = kOwner) {
    return Post(s, "/v1/rooms/" + room + "/meeting", body, who);
  }

  fakes::FakeDailyServer daily_;
  fakes::FakeWherebyServer whereby_;
  std::string owner_key_;
  std::string other_key_;
};

TEST_P(MeetingsApiTest, ReuseUntilSettingsChangeOrDuplicatesAllowed) {
  auto s = Start(Env());
  ASSERT_TRUE(s);
  json room = CreateRoom(*s, "mockroom", "mock");

  auto first = CreateMeeting(*s, "mockroom", "");  // an empty body is accepted
  ASSERT_EQ(first.status, 200) << first.body.dump();
  EXPECT_EQ(first.body["platform"], "mock");
  EXPECT_EQ(first.body["room_id"], room["id"]);
  EXPECT_EQ(first.body["is_active"], true);
  EXPECT_EQ(first.body["user_id"], nullptr);
  EXPECT_EQ(first.body["room_mode"], "normal");

  auto again = CreateMeeting(*s, "mockroom");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body["id"], first.body["id"]);

  auto duplicate = CreateMeeting(*s, "mockroom", R"({"allow_duplicated": true})");
  ASSERT_EQ(duplicate.status, 200);
  EXPECT_NE(duplicate.body["id"], first.body["id"]);

  // A settings change makes the next call create a meeting with the new settings.
  auto patched =
      Patch(*s, "/v1/rooms/" + room["id"].get<std::string>(), R"({"room_mode": "group"})");
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  auto changed = CreateMeeting(*s, "mockroom");
  ASSERT_EQ(changed.status, 200);
  EXPECT_NE(changed.body["id"], first.body["id"]);
  EXPECT_NE(changed.body["id"], duplicate.body["id"]);
  EXPECT_EQ(changed.body["room_mode"], "group");

  auto active = Get(*s, "/v1/rooms/mockroom/meetings/active");
  ASSERT_EQ(active.status, 200);
  EXPECT_EQ(active.body.size(), 3u);

  auto one = Get(*s, "/v1/rooms/mockroom/meetings/" + first.body["id"].get<std::string>());
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body["id"], first.body["id"]);

  // Validation and unknowns.
  EXPECT_EQ(CreateMeeting(*s, "mockroom", R"({"allow_duplicated": "maybe"})").status, 422);
  auto missing = CreateMeeting(*s, "nosuchroom");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, json({{"detail", "Room not found"}}));
  EXPECT_EQ(Get(*s, "/v1/rooms/nosuchroom/meetings/active").status, 404);
  auto unknown = Get(*s, "/v1/rooms/mockroom/meetings/00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, json({{"detail", "Meeting not found"}}));
  // A meeting of another room is not found through this room.
  CreateRoom(*s, "otherroom", "mock");
  EXPECT_EQ(Get(*s, "/v1/rooms/otherroom/meetings/" + first.body["id"].get<std::string>()).status,
            404);
}

TEST_P(MeetingsApiTest, DailyAndWherebyMeetingsAndHostUrlForOwnerOnly) {
  auto s = Start(Env());
  ASSERT_TRUE(s);
  CreateRoom(*s, "dailyroom", "daily");
  CreateRoom(*s, "wherebyroom", "whereby");

  auto d = CreateMeeting(*s, "dailyroom");
  ASSERT_EQ(d.status, 200) << d.body.dump();
  EXPECT_EQ(d.body["platform"], "daily");
  ASSERT_EQ(daily_.requests(fakes::kDailyCreateRoom).size(), 1u);
  const std::string daily_name = d.body["room_name"];
  EXPECT_EQ(daily_name.rfind("dailyroom-", 0), 0u) << daily_name;
  EXPECT_TRUE(daily_.room(daily_name).has_value());
  EXPECT_EQ(d.body["room_url"], "https://reflector-test.daily.co/" + daily_name);

  auto w = CreateMeeting(*s, "wherebyroom", "{}", kOther);
  ASSERT_EQ(w.status, 200) << w.body.dump();
  EXPECT_EQ(w.body["platform"], "whereby");
  EXPECT_EQ(whereby_.requests(fakes::kWherebyCreateMeeting).size(), 1u);
  EXPECT_EQ(w.body["host_room_url"], "");  // not the owner
  const std::string id = w.body["id"];

  // The owner sees the host URL; others and anonymous callers do not, on every endpoint.
  auto owner_view = CreateMeeting(*s, "wherebyroom");
  ASSERT_EQ(owner_view.status, 200);
  EXPECT_EQ(owner_view.body["id"], id);
  EXPECT_NE(owner_view.body["host_room_url"], "");
  for (const std::string& who : {std::string(kOther), std::string("anonymous")}) {
    auto active = Get(*s, "/v1/rooms/wherebyroom/meetings/active", who);
    ASSERT_EQ(active.status, 200);
    ASSERT_EQ(active.body.size(), 1u);
    EXPECT_EQ(active.body[0]["host_room_url"], "") << who;
    EXPECT_EQ(Get(*s, "/v1/rooms/wherebyroom/meetings/" + id, who).body["host_room_url"], "");
    auto join = Post(*s, "/v1/rooms/wherebyroom/meetings/" + id + "/join", "", who);
    ASSERT_EQ(join.status, 200);
    EXPECT_EQ(join.body["host_room_url"], "") << who;
    EXPECT_EQ(join.body["room_url"], owner_view.body["room_url"]);  // Whereby: unchanged
  }
  EXPECT_NE(Get(*s, "/v1/rooms/wherebyroom/meetings/active").body[0]["host_room_url"], "");
}

TEST_P(MeetingsApiTest, ConcurrentCreatesMakeOneMeetingAndOneProviderCall) {
  auto s = Start(Env());
  ASSERT_TRUE(s);
  CreateRoom(*s, "busyroom", "daily");
  constexpr int kCalls = 8;
  std::vector<Reply> replies(kCalls);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", s->port());
      client.set_read_timeout(30, 0);
      replies[i] =
          Parse(client.Post("/v1/rooms/busyroom/meeting", As(kOwner), "{}", "application/json"));
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> ids;
  for (const auto& r : replies) {
    ASSERT_EQ(r.status, 200) << r.body.dump();
    ids.insert(r.body["id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(daily_.requests(fakes::kDailyCreateRoom).size(), 1u);
  EXPECT_EQ(Get(*s, "/v1/rooms/busyroom/meetings/active").body.size(), 1u);
}

// Contract §3.3: DAILY_MIGRATION_ENABLED moves a listed room's new meetings to Daily and turning it
// off moves them back, with nothing but a config change and a restart; each meeting keeps its
// platform.
TEST_P(MeetingsApiTest, DailyMigrationFlagFlipsNewMeetingsAndBack) {
  auto env = Env();
  auto first = Start(env);
  ASSERT_TRUE(first);
  CreateRoom(*first, "migrating", "whereby");
  auto w1 = CreateMeeting(*first, "migrating");
  ASSERT_EQ(w1.status, 200) << w1.body.dump();
  EXPECT_EQ(w1.body["platform"], "whereby");
  ASSERT_TRUE(first->Stop().has_value());

  auto migrated_env = env;
  migrated_env["DATABASE_URL"] = first->database_url();
  migrated_env["DAILY_MIGRATION_ENABLED"] = "true";
  migrated_env["DAILY_MIGRATION_ROOM_IDS"] = R"(["migrating"])";
  std::string daily_id;
  {
    auto second = Start(migrated_env);
    ASSERT_TRUE(second);
    auto d = CreateMeeting(*second, "migrating");
    ASSERT_EQ(d.status, 200) << d.body.dump();
    EXPECT_EQ(d.body["platform"], "daily");
    EXPECT_NE(d.body["id"], w1.body["id"]);
    daily_id = d.body["id"];
    EXPECT_EQ(daily_.requests(fakes::kDailyCreateRoom).size(), 1u);
    // Reused while the flag stays on.
    EXPECT_EQ(CreateMeeting(*second, "migrating").body["id"], daily_id);
    // Each meeting reports its own platform, not the room's.
    auto active = Get(*second, "/v1/rooms/migrating/meetings/active");
    ASSERT_EQ(active.status, 200);
    std::set<std::string> platforms;
    for (const auto& m : active.body) platforms.insert(m["platform"].get<std::string>());
    EXPECT_EQ(platforms, (std::set<std::string>{"daily", "whereby"}));
    ASSERT_TRUE(second->Stop().has_value());
  }

  auto rollback_env = env;
  rollback_env["DATABASE_URL"] = first->database_url();
  auto third = Start(rollback_env);
  ASSERT_TRUE(third);
  auto back = CreateMeeting(*third, "migrating");
  ASSERT_EQ(back.status, 200) << back.body.dump();
  EXPECT_EQ(back.body["platform"], "whereby");
  EXPECT_NE(back.body["id"], daily_id);
  EXPECT_EQ(daily_.requests(fakes::kDailyCreateRoom).size(), 1u);
}

TEST_P(MeetingsApiTest, ProviderNotConfiguredIs503AndProviderErrorIs502) {
  auto s = Start(Env(/*daily=*/false, /*whereby=*/true));
  ASSERT_TRUE(s);
  CreateRoom(*s, "dailyroom", "daily");
  auto unconfigured = CreateMeeting(*s, "dailyroom");
  EXPECT_EQ(unconfigured.status, 503);
  EXPECT_EQ(unconfigured.body, json({{"detail", "Daily.co is not configured: set DAILY_API_KEY"}}));

  CreateRoom(*s, "wherebyroom", "whereby");
  whereby_.Script(fakes::kWherebyCreateMeeting,
                  fakes::FakeWherebyServer::Error(500, "Internal server error"), 4);
  auto failed = CreateMeeting(*s, "wherebyroom");
  EXPECT_EQ(failed.status, 502) << failed.body.dump();
  ASSERT_TRUE(failed.body["detail"].is_string());
  EXPECT_NE(failed.body["detail"].get<std::string>().find("500"), std::string::npos)
      << failed.body.dump();
  EXPECT_EQ(Get(*s, "/v1/rooms/wherebyroom/meetings/active").body.size(), 0u);
  // Once the provider recovers, the next call works.
  EXPECT_EQ(CreateMeeting(*s, "wherebyroom").status, 200);
}

TEST_P(MeetingsApiTest, JoinAddsADailyTokenForAuthenticatedCallers) {
  auto s = Start(Env());
  ASSERT_TRUE(s);
  CreateRoom(*s, "dailyroom", "daily", {{"recording_type", "local"}});
  auto m = CreateMeeting(*s, "dailyroom");
  ASSERT_EQ(m.status, 200) << m.body.dump();
  const std::string id = m.body["id"];
  const std::string url = m.body["room_url"];
  const std::string join_path = "/v1/rooms/dailyroom/meetings/" + id + "/join";

  auto owner = Post(*s, join_path, "");
  ASSERT_EQ(owner.status, 200) << owner.body.dump();
  EXPECT_EQ(owner.body["room_url"].get<std::string>().rfind(url + "?t=", 0), 0u)
      << owner.body["room_url"];
  auto tokens = daily_.requests(fakes::kDailyCreateToken);
  ASSERT_EQ(tokens.size(), 1u);
  const json props = tokens[0].json["properties"];
  EXPECT_EQ(props["room_name"], m.body["room_name"]);
  EXPECT_EQ(props["user_id"], kOwner);
  EXPECT_EQ(props["is_owner"], true);
  EXPECT_EQ(props["enable_recording_ui"], true);  // local recording

  auto other = Post(*s, join_path, "", kOther);
  ASSERT_EQ(other.status, 200);
  EXPECT_NE(other.body["room_url"].get<std::string>().find("?t="), std::string::npos);
  tokens = daily_.requests(fakes::kDailyCreateToken);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[1].json["properties"]["is_owner"], false);
  EXPECT_EQ(tokens[1].json["properties"]["user_id"], kOther);

  auto anonymous = Post(*s, join_path, "", "anonymous");
  ASSERT_EQ(anonymous.status, 200);
  EXPECT_EQ(anonymous.body["room_url"], url);
  EXPECT_EQ(daily_.requests(fakes::kDailyCreateToken).size(), 2u);

  EXPECT_EQ(Post(*s, "/v1/rooms/dailyroom/meetings/nope/join", "").status, 404);
  ASSERT_EQ(Patch(*s, "/v1/meetings/" + id + "/deactivate", "").status, 200);
  auto inactive = Post(*s, join_path, "");
  EXPECT_EQ(inactive.status, 400);
  EXPECT_EQ(inactive.body, json({{"detail", "Meeting is not active"}}));
}

TEST_P(MeetingsApiTest, OnlyTheOwnerDeactivates) {
  auto s = Start(Env());
  ASSERT_TRUE(s);
  CreateRoom(*s, "ownedroom", "mock");
  auto m = CreateMeeting(*s, "ownedroom");
  ASSERT_EQ(m.status, 200);
  const std::string path = "/v1/meetings/" + m.body["id"].get<std::string>() + "/deactivate";

  auto anonymous = Patch(*s, path, "", "anonymous");
  EXPECT_EQ(anonymous.status, 401);
  auto other = Patch(*s, path, "", kOther);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.body, json({{"detail", "Only the room owner can deactivate meetings"}}));
  EXPECT_EQ(Get(*s, "/v1/rooms/ownedroom/meetings/active").body.size(), 1u);

  auto owner = Patch(*s, path, "");
  EXPECT_EQ(owner.status, 200);
  EXPECT_EQ(owner.body, json({{"status", "success"}, {"meeting_id", m.body["id"]}}));
  EXPECT_EQ(Get(*s, "/v1/rooms/ownedroom/meetings/active").body.size(), 0u);
  EXPECT_EQ(Patch(*s, path, "").status, 200);  // already inactive: success

  auto unknown = Patch(*s, "/v1/meetings/nope/deactivate", "");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, json({{"detail", "Meeting not found"}}));

  // The deactivated meeting is not reused.
  auto next = CreateMeeting(*s, "ownedroom");
  ASSERT_EQ(next.status, 200);
  EXPECT_NE(next.body["id"], m.body["id"]);
}

TEST_P(MeetingsApiTest, ConsentUpsert) {
  auto s = Start(Env());
  ASSERT_TRUE(s);
  CreateRoom(*s, "consentroom", "mock");
  auto m = CreateMeeting(*s, "consentroom");
  ASSERT_EQ(m.status, 200);
  const std::string path = "/v1/meetings/" + m.body["id"].get<std::string>() + "/consent";

  auto yes = Post(*s, path, R"({"consent_given": true})");
  ASSERT_EQ(yes.status, 200) << yes.body.dump();
  EXPECT_EQ(yes.body["status"], "success");
  auto no = Post(*s, path, R"({"consent_given": false})");
  ASSERT_EQ(no.status, 200);
  EXPECT_EQ(no.body["consent_id"], yes.body["consent_id"]);  // same user: updated in place
  auto other = Post(*s, path, R"({"consent_given": true})", kOther);
  EXPECT_NE(other.body["consent_id"], yes.body["consent_id"]);
  auto anon1 = Post(*s, path, R"({"consent_given": true})", "anonymous");
  auto anon2 = Post(*s, path, R"({"consent_given": true})", "anonymous");
  ASSERT_EQ(anon1.status, 200);
  ASSERT_EQ(anon2.status, 200);
  EXPECT_NE(anon1.body["consent_id"], anon2.body["consent_id"]);

  EXPECT_EQ(Post(*s, path, R"({})").status, 422);
  EXPECT_EQ(Post(*s, path, R"({"consent_given": "yes"})").status, 422);
  auto unknown = Post(*s, "/v1/meetings/nope/consent", R"({"consent_given": true})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, json({{"detail", "Meeting not found"}}));
}

TEST_P(MeetingsApiTest, RecordingStartProxyAlreadyActiveAndRateLimit) {
  auto s = Start(Env());
  ASSERT_TRUE(s);
  CreateRoom(*s, "recroom", "daily", {{"recording_type", "cloud"}});
  auto m = CreateMeeting(*s, "recroom");
  ASSERT_EQ(m.status, 200) << m.body.dump();
  const std::string id = m.body["id"];
  const std::string path = "/v1/meetings/" + id + "/recordings/start";
  const std::string cloud = json({{"type", "cloud"}, {"instanceId", id}}).dump();

  auto started = Post(*s, path, cloud, "anonymous");
  ASSERT_EQ(started.status, 200) << started.body.dump();
  EXPECT_EQ(started.body["status"], "ok");
  EXPECT_TRUE(started.body["result"].contains("recordingId")) << started.body.dump();
  auto starts = daily_.requests(fakes::kDailyStartRecording);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].path,
            "/v1/rooms/" + m.body["room_name"].get<std::string>() + "/recordings/start");
  EXPECT_EQ(starts[0].json, json({{"type", "cloud"}, {"instanceId", id}}));

  auto again = Post(*s, path, cloud, "anonymous");
  ASSERT_EQ(again.status, 200) << again.body.dump();
  EXPECT_EQ(again.body, json({{"status", "already_active"}, {"instanceId", id}}));

  // Validation comes before anything else and does not use up the rate limit.
  EXPECT_EQ(Post(*s, path, R"({"type": "audio", "instanceId": ")" + id + "\"}").status, 422);
  EXPECT_EQ(Post(*s, path, R"({"type": "cloud", "instanceId": "not-a-uuid"})").status, 422);
  EXPECT_EQ(Post(*s, path, R"({"type": "cloud"})").status, 422);
  EXPECT_EQ(Post(*s, "/v1/meetings/nope/recordings/start", cloud).status, 404);

  // 5 per 10 s per meeting: two used above, three more pass, then 429.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Post(*s, path, cloud, "anonymous").status, 200) << i;
  auto limited = Post(*s, path, cloud, "anonymous");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body, json({{"detail", "Too many recording start requests for this meeting"}}));

  // Another meeting has its own budget; a non-Daily meeting is refused clearly.
  CreateRoom(*s, "mockrec", "mock");
  auto mock = CreateMeeting(*s, "mockrec");
  ASSERT_EQ(mock.status, 200);
  const std::string mock_id = mock.body["id"];
  auto refused = Post(*s, "/v1/meetings/" + mock_id + "/recordings/start",
                      json({{"type", "cloud"}, {"instanceId", mock_id}}).dump());
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body["detail"],
            "Recording start is only available for Daily.co meetings (this meeting uses mock)");

  // A Daily error other than "already active" is a 502 naming Daily's status.
  CreateRoom(*s, "recroom2", "daily", {{"recording_type", "cloud"}});
  auto m2 = CreateMeeting(*s, "recroom2");
  ASSERT_EQ(m2.status, 200);
  daily_.Script(fakes::kDailyStartRecording,
                {400,
                 R"({"error":"invalid-request-error","info":"does not seem to be hosting a call"})",
                 {}});
  auto failed = Post(*s, "/v1/meetings/" + m2.body["id"].get<std::string>() + "/recordings/start",
                     json({{"type", "raw-tracks"}, {"instanceId", m2.body["id"]}}).dump());
  EXPECT_EQ(failed.status, 502);
  const std::string detail = failed.body.value("detail", "");
  EXPECT_EQ(detail.rfind("Failed to start recording: ", 0), 0u) << detail;
  EXPECT_NE(detail.find("400"), std::string::npos) << detail;
  EXPECT_NE(detail.find("does not seem to be hosting a call"), std::string::npos) << detail;
}

INSTANTIATE_TEST_SUITE_P(Backends, MeetingsApiTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reflector::testing
