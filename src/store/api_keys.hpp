// Users and their API keys (`X-API-Key`). Stateless; every call takes the Session to run on.
// Keys are stored as SHA-256 hex digests; `key_prefix` (first 8 characters of the key) identifies
// a key in listings and on revocation without revealing it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"
#include "store/models.hpp"

namespace reflector::store {

class Users {
 public:
  // Inserts the user, or updates email and name of an existing one (created_at is kept).
  // Returns the stored row.
  static Result<User> Ensure(Session& session, std::string_view id,
                             const std::optional<std::string>& email,
                             const std::optional<std::string>& name, TimePoint now);

  // kNotFound "User not found".
  static Result<User> Get(Session& session, std::string_view id);
};

class ApiKeys {
 public:
  // Stores a new key (uuid4 id, created_at = now). kFailedPrecondition "User does not exist";
  // kAlreadyExists when the hash is already stored.
  static Result<ApiKey> Create(Session& session, std::string_view user_id, std::string_view name,
                               std::string_view key_hash, std::string_view key_prefix,
                               TimePoint now);

  // The key with this hash unless revoked. kNotFound "API key not found" otherwise.
  static Result<ApiKey> FindActiveByHash(Session& session, std::string_view key_hash);

  // Keys of `user_id` (all users' when unset), revoked ones included, newest first.
  static Result<std::vector<ApiKey>> List(Session& session,
                                          const std::optional<std::string>& user_id);

  // Revokes the key whose id or key_prefix is `id_or_prefix` and returns it. Revoking a revoked
  // key is OK (its revoked_at is kept). kNotFound; kInvalidArgument when a prefix matches
  // several keys.
  static Result<ApiKey> Revoke(Session& session, std::string_view id_or_prefix, TimePoint now);

  // Records a use of the key. kNotFound.
  static Status MarkUsed(Session& session, std::string_view id, TimePoint now);
};

}  // namespace reflector::store
