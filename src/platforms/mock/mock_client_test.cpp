#include "platforms/mock/mock_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "core/time_format.hpp"
#include "fakes/fake_clock.hpp"

namespace reflector::platforms {
namespace {

using std::chrono::seconds;

class MockClientTest : public ::testing::Test {
 protected:
  reflector::fakes::FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  MockClient client_{"http://127.0.0.1:1250", "mock-secret", seconds(300), clock_};

  HeaderLookup Headers(std::map<std::string, std::string> h) {
    return [h = std::move(h)](std::string_view name) -> std::optional<std::string_view> {
      for (const auto& [k, v] : h) {
        if (k.size() == name.size() &&
            std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
              return std::tolower(static_cast<unsigned char>(a)) ==
                     std::tolower(static_cast<unsigned char>(b));
            })) {
          return std::string_view(v);
        }
      }
      return std::nullopt;
    };
  }
};

TEST_F(MockClientTest, CreatesDeterministicallyShapedUrlsOnOurServer) {
  RoomSettings room;
  room.name = "standup";
  auto m = client_.CreateMeeting(room, clock_.Now() + std::chrono::hours(8));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->platform, "mock");
  EXPECT_EQ(m->room_name, "standup-" + m->provider_meeting_id.substr(0, 8));
  EXPECT_EQ(m->room_url, "http://127.0.0.1:1250/mock/" + m->room_name);
  EXPECT_EQ(m->host_room_url, m->room_url + "?host=true");
}

TEST_F(MockClientTest, SessionsFollowJoinsAndLeaves) {
  RoomSettings room;
  room.name = "r";
  auto m = client_.CreateMeeting(room, clock_.Now());
  ASSERT_TRUE(m);
  EXPECT_TRUE(client_.GetRoomSessions(m->room_name)->empty());
  ASSERT_TRUE(client_.Join(m->room_name, "p1"));
  clock_.Advance(seconds(10));
  ASSERT_TRUE(client_.Leave(m->room_name, "p1"));
  auto sessions = client_.GetRoomSessions(m->room_name);
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ((*sessions)[0].session_id, "p1");
  EXPECT_EQ((*sessions)[0].started_at, FromUnixSeconds(1'800'000'000));
  EXPECT_EQ((*sessions)[0].ended_at, FromUnixSeconds(1'800'000'010));
  EXPECT_EQ(client_.Join("nope", "p").error().code, Code::kNotFound);
  EXPECT_TRUE(client_.GetRoomSessions("unknown")->empty());
  EXPECT_TRUE(client_.DeleteRoom(m->room_name));
  EXPECT_TRUE(client_.DeleteRoom(m->room_name));  // idempotent
  EXPECT_EQ(client_.UploadLogo(m->room_name, "x.png").value(), false);
}

TEST_F(MockClientTest, VerifiesItsOwnSignatures) {
  const std::string body = R"({"type":"participant.joined"})";
  auto [ts, sig] = client_.Sign(body, 1'800'000'000);
  const auto now = clock_.Now();
  EXPECT_TRUE(
      client_
          .VerifyWebhook(body, Headers({{"X-Mock-Timestamp", ts}, {"x-mock-signature", sig}}), now)
          .ok);
  EXPECT_EQ(client_
                .VerifyWebhook(body + " ",
                               Headers({{"X-Mock-Timestamp", ts}, {"X-Mock-Signature", sig}}), now)
                .reason,
            "bad_signature");
  EXPECT_EQ(client_.VerifyWebhook(body, Headers({{"X-Mock-Timestamp", ts}}), now).reason,
            "missing_signature");
  EXPECT_EQ(client_.VerifyWebhook(body, Headers({{"X-Mock-Signature", sig}}), now).reason,
            "missing_timestamp");
  EXPECT_EQ(client_
                .VerifyWebhook(
                    body, Headers({{"X-Mock-Timestamp", "12a"}, {"X-Mock-Signature", sig}}), now)
                .reason,
            "bad_timestamp");
  EXPECT_EQ(client_
                .VerifyWebhook(body, Headers({{"X-Mock-Timestamp", ts}, {"X-Mock-Signature", sig}}),
                               now + seconds(301))
                .reason,
            "stale_timestamp");
  EXPECT_EQ(client_
                .VerifyWebhook(body, Headers({{"X-Mock-Timestamp", ts}, {"X-Mock-Signature", sig}}),
                               now - seconds(301))
                .reason,
            "future_timestamp");
  EXPECT_TRUE(client_
                  .VerifyWebhook(body,
                                 Headers({{"X-Mock-Timestamp", ts}, {"X-Mock-Signature", sig}}),
                                 now + seconds(300))
                  .ok);
  auto [ms_ts, ms_sig] = client_.Sign(body, 1'800'000'000'123);
  EXPECT_TRUE(
      client_
          .VerifyWebhook(body, Headers({{"X-Mock-Timestamp", ms_ts}, {"X-Mock-Signature", ms_sig}}),
                         now)
          .ok);
  MockClient unconfigured("http://x", "", seconds(300), clock_);
  EXPECT_EQ(
      unconfigured
          .VerifyWebhook(body, Headers({{"X-Mock-Timestamp", ts}, {"X-Mock-Signature", sig}}), now)
          .reason,
      "secret_not_configured");
}

}  // namespace
}  // namespace reflector::platforms
