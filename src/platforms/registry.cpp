#include "platforms/registry.hpp"

namespace reflector::platforms {

void PlatformRegistry::Register(std::string name, PlatformFactory factory) {
  factories_[std::move(name)] = std::move(factory);
}

std::vector<std::string> PlatformRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : factories_) names.push_back(name);
  return names;
}

bool PlatformRegistry::Has(const std::string& name) const { return factories_.count(name) > 0; }

Result<VideoPlatformClient*> PlatformRegistry::Get(const std::string& name) {
  auto factory = factories_.find(name);
  if (factory == factories_.end()) {
    return Err(Code::kInvalidArgument, "Unknown video platform: " + name);
  }
  std::lock_guard lock(mu_);
  auto& slot = clients_[name];
  if (!slot) {
    auto built = factory->second(context_);
    if (!built) return tl::unexpected(built.error());
    slot = std::move(*built);
  }
  return slot.get();
}

}  // namespace reflector::platforms
