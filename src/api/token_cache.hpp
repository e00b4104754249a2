// A small bounded cache of bearer tokens that passed full verification (api/auth_backends.cpp),
// so a client that sends the same JWT on every request pays for the RSA signature check and the
// claim parsing once, not on every request.
//
// Keyed by the SHA-256 of the token (the token itself is not kept). An entry remembers the
// principal and the token's time bounds (exp, nbf in Unix seconds): a lookup at a time outside
// them is a miss and drops the entry, so the caller verifies again and rejects the token with
// the usual reason ("token expired"). Only tokens that verified are inserted: a bad token is
// never answered from here. The signing key and audience are fixed for the process, so a token
// that verified once verifies again as long as its time bounds hold.
//
// Bounded: at `capacity` entries an insert first drops the entries no longer valid, then (still
// full) an arbitrary one. Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/auth.hpp"

namespace reflector::api {

class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(size_t capacity) : capacity_(capacity) {}

  // The principal of a cached `token` still valid at `now` (Unix seconds), or nullopt.
  std::optional<Principal> Lookup(std::string_view token, double now);

  // Remembers a token that verified at `now`, with its claims' exp and nbf when present.
  void Insert(std::string_view token, const Principal& principal, std::optional<double> exp,
              std::optional<double> nbf, double now);

  size_t size() const;

 private:
  struct Entry {
    Principal principal;
    std::optional<double> exp;
    std::optional<double> nbf;
  };
  static bool ValidAt(const Entry& entry, double now);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_); key: SHA-256 hex of token
};

}  // namespace reflector::api
