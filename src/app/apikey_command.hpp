// `reflector apikey create|list|revoke`: manage the API keys callers send as `X-API-Key`
// (contract §1, §2). A key is shown once, at creation; the database keeps its SHA-256 and its
// first 8 characters (the prefix that identifies it in listings and on revocation).
#pragma once

#include <optional>
#include <string>

#include "core/config.hpp"

namespace reflector::app {

// `apikey create --user USER [--name NAME]`: creates the user row if missing, prints the new key
// (`rfk_` + 43 URL-safe characters) on stdout. Without --user: the local owner when
// AUTH_BACKEND=none, a usage error otherwise. Returns an exit code (app.hpp).
int ApiKeyCreate(const Config& config, const std::optional<std::string>& user,
                 const std::string& name);

// `apikey list [--user USER]`: every key (all users' without --user), newest first — id, prefix,
// name, user, created, last used, revoked. Never the key.
int ApiKeyList(const Config& config, const std::optional<std::string>& user);

// `apikey revoke ID_OR_PREFIX`: revokes at once (the next request with the key gets 401).
// Revoking a revoked key succeeds. Exit 1 when no key matches, 2 when a prefix is ambiguous.
int ApiKeyRevoke(const Config& config, const std::string& id_or_prefix);

}  // namespace reflector::app
