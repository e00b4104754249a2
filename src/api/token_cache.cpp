#include "api/token_cache.hpp"

#include <unordered_map>

#include "core/crypto.hpp"

namespace reflector::api {

bool VerifiedTokenCache::ValidAt(const Entry& entry, double now) {
  // The same comparisons as the full verification: expired at exp, valid from nbf.
  if (entry.exp && now >= *entry.exp) return false;
  if (entry.nbf && now < *entry.nbf) return false;
  return true;
}

std::optional<Principal> VerifiedTokenCache::Lookup(std::string_view token, double now) {
  if (capacity_ == 0) return std::nullopt;
  const std::string key = Sha256Hex(token);
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (!ValidAt(it->second, now)) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.principal;
}

void VerifiedTokenCache::Insert(std::string_view token, const Principal& principal,
                                std::optional<double> exp, std::optional<double> nbf, double now) {
  if (capacity_ == 0) return;
  std::string key = Sha256Hex(token);
  std::lock_guard lock(mu_);
  if (entries_.size() >= capacity_ && entries_.find(key) == entries_.end()) {
    // Entries no longer valid go first (they would be dropped on their next lookup anyway);
    // still full, an arbitrary one makes room.
    std::erase_if(entries_, [now](const auto& item) { return !ValidAt(item.second, now); });
    if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  }
  entries_.insert_or_assign(std::move(key), Entry{principal, exp, nbf});
}

size_t VerifiedTokenCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace reflector::api
