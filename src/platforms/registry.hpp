// Maps platform names to factories and keeps one client per configured platform.
//
// Adding a provider = one folder implementing VideoPlatformClient plus one Register line in
// builtin.cpp. Nothing else names the concrete clients.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "net/http_transport.hpp"
#include "platforms/video_platform.hpp"

namespace reflector::platforms {

// Everything a factory may use. All references outlive the registry.
struct PlatformContext {
  const Config& config;
  net::HttpTransport& transport;  // outbound HTTP (already wrapped with retries)
  const Clock& clock;
};

// Builds a client, or returns kFailedPrecondition naming the missing variables
// (e.g. "Daily.co is not configured: set DAILY_API_KEY").
using PlatformFactory =
    std::function<Result<std::unique_ptr<VideoPlatformClient>>(const PlatformContext&)>;

class PlatformRegistry {
 public:
  explicit PlatformRegistry(PlatformContext context) : context_(context) {}

  // Start-up only (before any Get). A second registration of the same name replaces the first.
  void Register(std::string name, PlatformFactory factory);

  // Registered names, sorted.
  std::vector<std::string> Names() const;
  bool Has(const std::string& name) const;

  // The client for `name`, built on first use and kept (clients are thread-safe).
  // kInvalidArgument "Unknown video platform: x" for an unregistered name; the factory's error
  // (kFailedPrecondition) when the provider is not configured — retried on every call, so a
  // configuration fix plus restart is all it takes. Thread-safe.
  // The fast path (client already built) is one map lookup and one atomic load.
  Result<VideoPlatformClient*> Get(std::string_view name);

  // For code that needs a provider's extras (Daily presence, …): Get + dynamic_cast.
  template <typename T>
  Result<T*> GetAs(std::string_view name) {
    auto client = Get(name);
    if (!client) return tl::unexpected(client.error());
    auto* typed = dynamic_cast<T*>(*client);
    if (typed == nullptr) {
      return Err(Code::kInternal, "platform " + std::string(name) + " has another type");
    }
    return typed;
  }

 private:
  struct Slot {
    PlatformFactory factory;
    std::atomic<VideoPlatformClient*> client{nullptr};  // published once built
    std::unique_ptr<VideoPlatformClient> owner;         // GUARDED_BY(build_mu_)
  };

  PlatformContext context_;
  // Fixed after start-up registration; only the slots' contents change afterwards.
  std::map<std::string, Slot, std::less<>> slots_;
  std::mutex build_mu_;  // serialises factory calls
};

// Registers whereby, daily and mock (builtin.cpp).
void RegisterBuiltinPlatforms(PlatformRegistry& registry);

}  // namespace reflector::platforms
