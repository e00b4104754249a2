// Which platform a room's next meeting uses (contract §3.3).
#pragma once

#include <string>

#include "core/config.hpp"

namespace reflector::platforms {

// The platform of a new room created without one: DEFAULT_VIDEO_PLATFORM (already resolved by
// the config loader to whereby / daily / mock by configured keys).
std::string DefaultPlatformForNewRoom(const PlatformSelectionConfig& config);

// The platform for a new meeting of the room (`room_id`, `room_name`, stored `room_platform`):
// `daily` when DAILY_MIGRATION_ENABLED and the room's id or name is listed in
// DAILY_MIGRATION_ROOM_IDS; otherwise the room's own platform (empty → "whereby", the
// zero-data-migration reading of rows from before the column). Existing meetings keep theirs.
std::string PlatformForNewMeeting(const std::string& room_id, const std::string& room_name,
                                  const std::string& room_platform,
                                  const PlatformSelectionConfig& config);

}  // namespace reflector::platforms
