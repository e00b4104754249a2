#include "platforms/selection.hpp"

#include <algorithm>

#include "platforms/video_platform.hpp"

namespace reflector::platforms {

std::string DefaultPlatformForNewRoom(const PlatformSelectionConfig& config) {
  return config.default_platform.empty() ? std::string(kMock) : config.default_platform;
}

std::string PlatformForNewMeeting(const std::string& room_id, const std::string& room_name,
                                  const std::string& room_platform,
                                  const PlatformSelectionConfig& config) {
  if (config.daily_migration_enabled) {
    const auto& ids = config.daily_migration_room_ids;
    const bool listed = std::any_of(ids.begin(), ids.end(), [&](const std::string& entry) {
      return (!room_id.empty() && entry == room_id) || (!room_name.empty() && entry == room_name);
    });
    if (listed) return std::string(kDaily);
  }
  return room_platform.empty() ? std::string(kWhereby) : room_platform;
}

}  // namespace reflector::platforms
