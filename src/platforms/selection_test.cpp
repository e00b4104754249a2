#include "platforms/selection.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace reflector::platforms {
namespace {

struct Case {
  const char* label;
  const char* room_platform;  // stored on the room ("" = row from before the column)
  bool flag;
  std::vector<std::string> listed;
  const char* expected;
};

class SelectionTest : public ::testing::TestWithParam<Case> {};

TEST_P(SelectionTest, PicksPlatformForNewMeeting) {
  const Case& c = GetParam();
  PlatformSelectionConfig config;
  config.default_platform = "mock";
  config.daily_migration_enabled = c.flag;
  config.daily_migration_room_ids = c.listed;
  EXPECT_EQ(PlatformForNewMeeting("room-id-1", "standup", c.room_platform, config), c.expected)
      << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SelectionTest,
    ::testing::Values(
        Case{"whereby room, flag off", "whereby", false, {}, "whereby"},
        Case{"daily room, flag off", "daily", false, {}, "daily"},
        Case{"mock room, flag off", "mock", false, {}, "mock"},
        Case{"legacy row reads whereby", "", false, {}, "whereby"},
        Case{"flag off ignores the list", "whereby", false, {"room-id-1"}, "whereby"},
        Case{"flag on, listed by id", "whereby", true, {"room-id-1"}, "daily"},
        Case{"flag on, listed by name", "whereby", true, {"other", "standup"}, "daily"},
        Case{"flag on, not listed", "whereby", true, {"other"}, "whereby"},
        Case{"flag on, empty list", "mock", true, {}, "mock"},
        Case{"flag on, legacy row listed", "", true, {"standup"}, "daily"},
        Case{"flag on, mock room listed", "mock", true, {"room-id-1"}, "daily"},
        Case{"flag on, daily room listed", "daily", true, {"standup"}, "daily"},
        Case{"name match is exact", "whereby", true, {"standup2", "Standup"}, "whereby"}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string name = info.param.label;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(SelectionTest, DefaultForNewRoomComesFromConfig) {
  PlatformSelectionConfig config;
  config.default_platform = "daily";
  EXPECT_EQ(DefaultPlatformForNewRoom(config), "daily");
  config.default_platform = "";
  EXPECT_EQ(DefaultPlatformForNewRoom(config), "mock");
}

}  // namespace
}  // namespace reflector::platforms
