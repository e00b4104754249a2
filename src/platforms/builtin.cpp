// The registry lines: one per provider. Adding a provider = its folder + one line here.
#include "platforms/daily/daily_client.hpp"
#include "platforms/mock/mock_client.hpp"
#include "platforms/registry.hpp"
#include "platforms/whereby/whereby_client.hpp"

namespace reflector::platforms {

void RegisterBuiltinPlatforms(PlatformRegistry& registry) {
  registry.Register(std::string(kWhereby), MakeWherebyClient);
  registry.Register(std::string(kDaily), MakeDailyClient);
  registry.Register(std::string(kMock), MakeMockClient);
}

}  // namespace reflector::platforms
