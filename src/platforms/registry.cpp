#include "platforms/registry.hpp"

namespace reflector::platforms {

void PlatformRegistry::Register(std::string name, PlatformFactory factory) {
  Slot& slot = slots_[std::move(name)];
  slot.factory = std::move(factory);
  slot.owner.reset();
  slot.client.store(nullptr, std::memory_order_release);
}

std::vector<std::string> PlatformRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : slots_) names.push_back(name);
  return names;
}

bool PlatformRegistry::Has(const std::string& name) const { return slots_.count(name) > 0; }

Result<VideoPlatformClient*> PlatformRegistry::Get(std::string_view name) {
  auto it = slots_.find(name);
  if (it == slots_.end()) {
    return Err(Code::kInvalidArgument, "Unknown video platform: " + std::string(name));
  }
  Slot& slot = it->second;
  if (VideoPlatformClient* client = slot.client.load(std::memory_order_acquire)) return client;
  std::lock_guard lock(build_mu_);
  if (!slot.owner) {
    auto built = slot.factory(context_);
    if (!built) return tl::unexpected(built.error());
    slot.owner = std::move(*built);
    slot.client.store(slot.owner.get(), std::memory_order_release);
  }
  return slot.owner.get();
}

}  // namespace reflector::platforms
