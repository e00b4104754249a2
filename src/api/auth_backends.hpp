// The concrete Authenticators behind AUTH_BACKEND (contract §2) and the two helpers handlers use
// to ask "who is calling" (reference §5: "required" vs "optional" authentication).
//
//   X-API-Key: <key>               both backends. The key is hashed (SHA-256 hex) and looked up
//                                  by hash, so the comparison never runs over the key itself;
//                                  unknown or revoked → kUnauthenticated "Invalid API key".
//                                  Revocation takes effect on the next request (no cache).
//   Authorization: Bearer <JWT>    AUTH_BACKEND=jwt only: RS256 under AUTH_JWT_PUBLIC_KEY, exp/nbf
//                                  against the injected clock, `aud` when AUTH_JWT_AUDIENCE is
//                                  set, `sub` required → kUnauthenticated "Invalid token"
//                                  otherwise (Error::detail names the failed check, for logs).
//                                  The key is parsed once, here; tokens that verified are
//                                  remembered until their exp (api/token_cache.hpp).
//   nothing                        none → the local owner; jwt → anonymous (nullopt).
//
// When both headers are present both must be valid and name the same user.
#pragma once

#include <memory>
#include <optional>

#include "api/auth.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/status.hpp"
#include "http/message.hpp"
#include "store/database.hpp"

namespace reflector::api {

// Builds the Authenticator for `config.auth`. The references must outlive it.
// kInvalidArgument for an unknown AUTH_BACKEND, or for AUTH_BACKEND=jwt when AUTH_JWT_PUBLIC_KEY
// (PEM text or the path of a PEM file) is missing, unreadable or not an RSA public key.
Result<std::unique_ptr<Authenticator>> MakeAuthenticator(const Config& config, store::Database& db,
                                                         const Clock& clock);

// For "required" endpoints: the caller, or kUnauthenticated "Not authenticated" when anonymous.
// Passes on the Authenticator's errors (kUnauthenticated for bad credentials, kUnavailable).
Result<Principal> RequireUser(Authenticator& auth, const http::Request& request);

// For "optional" endpoints: the caller or nullopt. Bad credentials are still an error.
Result<std::optional<Principal>> OptionalUser(Authenticator& auth, const http::Request& request);

}  // namespace reflector::api
