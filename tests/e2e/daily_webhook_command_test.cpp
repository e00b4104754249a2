// End-to-end: `reflector daily-webhook setup|status` against the fake Daily API, which pings new
// webhooks the way Daily does (a signed {"test":"test"} that must get a 200) — here our own
// running receiver, POST /v1/daily/webhook. So a passing setup proves the whole loop: the
// subscription carries DAILY_WEBHOOK_SECRET as hmac, and the receiver accepts what Daily signs
// with it.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/fake_daily_server.hpp"
#include "support/reflector_server.hpp"

namespace reflector::testing {
namespace {

using nlohmann::json;

// base64 of 32 bytes; a second, different one.
constexpr const char* kSecret = "cmVmbGVjdG9yLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=";
constexpr const char* kOtherSecret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

class DailyWebhookCommandTest : public ::testing::Test {
 protected:
  fakes::FakeDailyServer daily_{fakes::FakeDailyServer::Options{.ping_webhooks = true}};

  std::map<std::string, std::string> Env(const std::string& secret) {
    std::map<std::string, std::string> env = {{"DAILY_API_KEY", daily_.api_key()},
                                              {"DAILY_API_URL", daily_.api_url()}};
    if (!secret.empty()) env["DAILY_WEBHOOK_SECRET"] = secret;
    return env;
  }

  // Subscribes `url` directly on the fake (as an earlier setup or another tool would have).
  void SeedWebhook(const std::string& url, const std::string& hmac) {
    httplib::Client client("127.0.0.1", daily_.port());
    json body = {{"url", url}, {"eventTypes", {"participant.joined"}}, {"hmac", hmac}};
    auto res = client.Post("/v1/webhooks", {{"Authorization", "Bearer " + daily_.api_key()}},
                           body.dump(), "application/json");
    ASSERT_TRUE(res) << "fake Daily unreachable";
    ASSERT_EQ(res->status, 200) << res->body;
  }
};

TEST_F(DailyWebhookCommandTest, SetupReplacesEveryWebhookWithOursAndDailysPingPasses) {
  ReflectorServer server("sqlite", Env(kSecret));
  ASSERT_TRUE(server.started()) << server.error();
  SeedWebhook(server.base_url() + "/v1/daily/webhook?old=1", kSecret);
  SeedWebhook(server.base_url() + "/v1/daily/webhook?old=2", kSecret);
  ASSERT_EQ(daily_.webhooks().size(), 2u);

  // A bare origin gets the receiver's path.
  auto [code, output] = server.RunCommand({"daily-webhook", "setup", "--url", server.base_url()});
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("webhook ready"), std::string::npos) << output;
  EXPECT_NE(output.find("ACTIVE"), std::string::npos) << output;
  EXPECT_EQ(output.find(kSecret), std::string::npos) << "the secret is never printed";

  const auto hooks = daily_.webhooks();
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0]["url"], server.base_url() + "/v1/daily/webhook");
  EXPECT_EQ(hooks[0]["hmac"], kSecret);
  EXPECT_EQ(hooks[0]["eventTypes"], json({"participant.joined", "participant.left",
                                          "recording.started", "recording.ready-to-download",
                                          "recording.error", "meeting.started", "meeting.ended"}));
  EXPECT_EQ(daily_.requests(fakes::kDailyDeleteWebhook).size(), 2u);

  auto [status_code, status_output] = server.RunCommand({"daily-webhook", "status"});
  ASSERT_EQ(status_code, 0) << status_output;
  EXPECT_NE(status_output.find(server.base_url() + "/v1/daily/webhook"), std::string::npos)
      << status_output;
}

TEST_F(DailyWebhookCommandTest, APingOurReceiverRejectsFailsWithTheReason) {
  // The command signs with kSecret, but the receiver at --url verifies with another secret: its
  // 401 makes Daily (the fake) refuse the webhook, as the real Daily does.
  ReflectorServer command_env("sqlite", Env(kSecret));
  ReflectorServer receiver("sqlite", Env(kOtherSecret));
  ASSERT_TRUE(command_env.started() && receiver.started());
  auto [code, output] = command_env.RunCommand(
      {"daily-webhook", "setup", "--url", receiver.base_url() + "/v1/daily/webhook"});
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("Daily refused the webhook"), std::string::npos) << output;
  EXPECT_NE(output.find("401"), std::string::npos) << output;
  EXPECT_TRUE(daily_.webhooks().empty());
}

TEST_F(DailyWebhookCommandTest, UsageErrorsExitTwoWithoutCallingDaily) {
  ReflectorServer no_secret("sqlite", Env(""));
  ASSERT_TRUE(no_secret.started());
  auto [code, output] =
      no_secret.RunCommand({"daily-webhook", "setup", "--url", no_secret.base_url()});
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find("DAILY_WEBHOOK_SECRET"), std::string::npos) << output;

  ReflectorServer server("sqlite", Env(kSecret));
  ASSERT_TRUE(server.started());
  for (const char* url : {"ftp://example.com/hook", "example.com", "https:///nohost"}) {
    auto [bad_code, bad_output] = server.RunCommand({"daily-webhook", "setup", "--url", url});
    EXPECT_EQ(bad_code, 2) << url << ": " << bad_output;
    EXPECT_NE(bad_output.find("--url must be an absolute http(s) URL"), std::string::npos)
        << bad_output;
  }
  EXPECT_EQ(daily_.request_count(), 0u);
}

}  // namespace
}  // namespace reflector::testing
