#include "platforms/registry.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_transport.hpp"
#include "platforms/mock/mock_client.hpp"

namespace reflector::platforms {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  Config config_ = *LoadConfig({{"MOCK_WEBHOOK_SECRET", "mock-secret"}});
  reflector::fakes::FakeTransport transport_;
  SystemClock clock_;
  PlatformRegistry registry_{PlatformContext{config_, transport_, clock_}};
  void SetUp() override { RegisterBuiltinPlatforms(registry_); }
};

TEST_F(RegistryTest, BuiltinsAreRegistered) {
  EXPECT_EQ(registry_.Names(), (std::vector<std::string>{"daily", "mock", "whereby"}));
}

TEST_F(RegistryTest, UnknownPlatformIsInvalidArgument) {
  auto client = registry_.Get("zoom");
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, Code::kInvalidArgument);
  EXPECT_EQ(client.error().message, "Unknown video platform: zoom");
}

TEST_F(RegistryTest, UnconfiguredProvidersNameTheMissingVariable) {
  auto daily = registry_.Get("daily");
  ASSERT_FALSE(daily);
  EXPECT_EQ(daily.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(daily.error().message, "Daily.co is not configured: set DAILY_API_KEY");
  auto whereby = registry_.Get("whereby");
  ASSERT_FALSE(whereby);
  EXPECT_EQ(whereby.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(whereby.error().message, "Whereby is not configured: set WHEREBY_API_KEY");
}

TEST_F(RegistryTest, ClientIsBuiltOnceAndShared) {
  auto a = registry_.Get("mock");
  auto b = registry_.Get("mock");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ((*a)->Name(), "mock");
  auto typed = registry_.GetAs<MockClient>("mock");
  ASSERT_TRUE(typed);
}

// A fourth provider is one factory and one Register line; nothing else changes.
class EchoClient final : public VideoPlatformClient {
 public:
  std::string_view Name() const override { return "echo"; }
  Result<MeetingData> CreateMeeting(const RoomSettings& room, TimePoint) override {
    return MeetingData{"echo", "e-1", room.name, "https://echo/" + room.name, ""};
  }
  Result<std::vector<SessionData>> GetRoomSessions(const std::string&) override { return {}; }
  Status DeleteRoom(const std::string&) override { return Ok(); }
  Result<bool> UploadLogo(const std::string&, const std::string&) override { return false; }
  WebhookVerdict VerifyWebhook(std::string_view, const HeaderLookup&, TimePoint) const override {
    return {false, "unsupported"};
  }
};

TEST_F(RegistryTest, AFourthProviderIsOneRegistration) {
  registry_.Register("echo",
                     [](const PlatformContext&) -> Result<std::unique_ptr<VideoPlatformClient>> {
                       return std::make_unique<EchoClient>();
                     });
  auto client = registry_.Get("echo");
  ASSERT_TRUE(client);
  RoomSettings room;
  room.name = "standup";
  auto meeting = (*client)->CreateMeeting(room, clock_.Now());
  ASSERT_TRUE(meeting);
  EXPECT_EQ(meeting->room_url, "https://echo/standup");
}

}  // namespace
}  // namespace reflector::platforms
