// Who is calling. Reference §5: endpoints either require authentication (401 "Not authenticated"
// without it) or accept anonymous callers.
//
// Backends (contract §2): AUTH_BACKEND=none — single-user mode, every request acts as the local
// owner; AUTH_BACKEND=jwt — `Authorization: Bearer <RS256 JWT>`, `sub` is the user id, audience
// checked when configured. API keys (`X-API-Key`, stored hashed) work with both.
#pragma once

#include <optional>
#include <string>

#include "core/status.hpp"
#include "http/message.hpp"

namespace reflector::api {

// The user id of the single user in AUTH_BACKEND=none mode.
inline constexpr const char* kLocalOwnerId = "local-owner";

struct Principal {
  std::string user_id;
  std::string via;  // "none" | "jwt" | "api_key"
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The caller, nullopt for an anonymous request, or kUnauthenticated when credentials were
  // presented but are invalid (bad signature, expired, wrong audience, unknown/revoked key) —
  // presented-but-bad credentials are never treated as anonymous. kUnavailable if the key store
  // is unreachable. Thread-safe.
  virtual Result<std::optional<Principal>> Authenticate(const http::Request& request) = 0;
};

}  // namespace reflector::api

namespace reflector::api {

// AUTH_BACKEND=none without API keys: every request acts as the local owner.
class LocalOwnerAuthenticator final : public Authenticator {
 public:
  Result<std::optional<Principal>> Authenticate(const http::Request&) override {
    return Principal{kLocalOwnerId, "none"};
  }
};

}  // namespace reflector::api
