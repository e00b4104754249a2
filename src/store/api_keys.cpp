#include "store/api_keys.hpp"

#include <string>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

#define REFLECTOR_USER_COLUMNS "id, email, name, created_at"
#define REFLECTOR_API_KEY_COLUMNS \
  "id, user_id, name, key_prefix, key_hash, created_at, last_used_at, revoked_at"

constexpr size_t kUserColumnCount = CountColumns(REFLECTOR_USER_COLUMNS);
constexpr size_t kApiKeyColumnCount = CountColumns(REFLECTOR_API_KEY_COLUMNS);

constexpr std::string_view kUpsertUser =
    "INSERT INTO app_user (" REFLECTOR_USER_COLUMNS
    ") VALUES (:id, :email, :name, :created_at) "
    "ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name "
    "RETURNING " REFLECTOR_USER_COLUMNS;
constexpr std::string_view kSelectUser =
    "SELECT " REFLECTOR_USER_COLUMNS " FROM app_user WHERE id = :id";

constexpr std::string_view kInsertApiKey =
    "INSERT INTO api_key (" REFLECTOR_API_KEY_COLUMNS
    ") VALUES (:id, :user_id, :name, "
    ":key_prefix, :key_hash, :created_at, NULL, NULL) RETURNING " REFLECTOR_API_KEY_COLUMNS;
constexpr std::string_view kSelectActiveApiKeyByHash =
    "SELECT " REFLECTOR_API_KEY_COLUMNS
    " FROM api_key "
    "WHERE key_hash = :key_hash AND revoked_at IS NULL";
constexpr std::string_view kSelectApiKeys =
    "SELECT " REFLECTOR_API_KEY_COLUMNS " FROM api_key ORDER BY created_at DESC, id";
constexpr std::string_view kSelectApiKeysOfUser = "SELECT " REFLECTOR_API_KEY_COLUMNS
                                                  " FROM api_key WHERE user_id = :user_id "
                                                  "ORDER BY created_at DESC, id";
constexpr std::string_view kSelectApiKeysByIdOrPrefix =
    "SELECT " REFLECTOR_API_KEY_COLUMNS " FROM api_key WHERE id = :id OR key_prefix = :prefix";
constexpr std::string_view kRevokeApiKey =
    "UPDATE api_key SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL";
constexpr std::string_view kSelectApiKeyById =
    "SELECT " REFLECTOR_API_KEY_COLUMNS " FROM api_key WHERE id = :id";
constexpr std::string_view kMarkApiKeyUsed =
    "UPDATE api_key SET last_used_at = :now WHERE id = :id";

#undef REFLECTOR_USER_COLUMNS
#undef REFLECTOR_API_KEY_COLUMNS

Result<User> ReadUser(const SqlRow& row) {
  RowReader r(row);
  User user;
  user.id = r.Text();
  user.email = r.OptText();
  user.name = r.OptText();
  user.created_at = r.Time();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return user;
}

Result<ApiKey> ReadApiKey(const SqlRow& row) {
  RowReader r(row);
  ApiKey key;
  key.id = r.Text();
  key.user_id = r.Text();
  key.name = r.Text();
  key.key_prefix = r.Text();
  key.key_hash = r.Text();
  key.created_at = r.Time();
  key.last_used_at = r.OptTime();
  key.revoked_at = r.OptTime();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return key;
}

Result<std::vector<ApiKey>> ReadApiKeys(const std::vector<SqlRow>& rows) {
  std::vector<ApiKey> keys;
  keys.reserve(rows.size());
  for (const auto& row : rows) {
    auto key = ReadApiKey(row);
    if (!key) return Err(key.error());
    keys.push_back(std::move(*key));
  }
  return keys;
}

}  // namespace

Result<User> Users::Ensure(Session& session, std::string_view id,
                           const std::optional<std::string>& email,
                           const std::optional<std::string>& name, TimePoint now) {
  auto rows = Query(session, kUpsertUser,
                    SqlParams()
                        .Text("id", std::string(id))
                        .OptText("email", email)
                        .OptText("name", name)
                        .Time("created_at", now),
                    kUserColumnCount);
  if (!rows) return Err(rows.error());
  return ReadUser(rows->front());
}

Result<User> Users::Get(Session& session, std::string_view id) {
  auto row = QueryOptional(session, kSelectUser, SqlParams().Text("id", std::string(id)),
                           kUserColumnCount);
  if (!row) return Err(row.error());
  if (!*row) return Err(Code::kNotFound, "User not found");
  return ReadUser(**row);
}

Result<ApiKey> ApiKeys::Create(Session& session, std::string_view user_id, std::string_view name,
                               std::string_view key_hash, std::string_view key_prefix,
                               TimePoint now) {
  auto rows = Query(session, kInsertApiKey,
                    SqlParams()
                        .Text("id", NewUuid4())
                        .Text("user_id", std::string(user_id))
                        .Text("name", std::string(name))
                        .Text("key_prefix", std::string(key_prefix))
                        .Text("key_hash", std::string(key_hash))
                        .Time("created_at", now),
                    kApiKeyColumnCount);
  if (!rows) {
    Error error = rows.error();
    if (error.code == Code::kFailedPrecondition) error.message = "User does not exist";
    if (error.code == Code::kAlreadyExists) error.message = "API key already exists";
    return Err(std::move(error));
  }
  return ReadApiKey(rows->front());
}

Result<ApiKey> ApiKeys::FindActiveByHash(Session& session, std::string_view key_hash) {
  auto row = QueryOptional(session, kSelectActiveApiKeyByHash,
                           SqlParams().Text("key_hash", std::string(key_hash)), kApiKeyColumnCount);
  if (!row) return Err(row.error());
  if (!*row) return Err(Code::kNotFound, "API key not found");
  return ReadApiKey(**row);
}

Result<std::vector<ApiKey>> ApiKeys::List(Session& session,
                                          const std::optional<std::string>& user_id) {
  auto rows = user_id ? Query(session, kSelectApiKeysOfUser, SqlParams().Text("user_id", *user_id),
                              kApiKeyColumnCount)
                      : Query(session, kSelectApiKeys, {}, kApiKeyColumnCount);
  if (!rows) return Err(rows.error());
  return ReadApiKeys(*rows);
}

Result<ApiKey> ApiKeys::Revoke(Session& session, std::string_view id_or_prefix, TimePoint now) {
  if (id_or_prefix.empty()) return Err(Code::kInvalidArgument, "API key id or prefix is empty");
  auto rows = Query(
      session, kSelectApiKeysByIdOrPrefix,
      SqlParams().Text("id", std::string(id_or_prefix)).Text("prefix", std::string(id_or_prefix)),
      kApiKeyColumnCount);
  if (!rows) return Err(rows.error());
  auto candidates = ReadApiKeys(*rows);
  if (!candidates) return Err(candidates.error());
  const ApiKey* target = nullptr;
  for (const auto& key : *candidates) {
    if (key.id == id_or_prefix) target = &key;  // an exact id wins over prefixes
  }
  if (target == nullptr) {
    if (candidates->empty()) return Err(Code::kNotFound, "API key not found");
    if (candidates->size() > 1) {
      return Err(Code::kInvalidArgument,
                 "API key prefix matches several keys; revoke by id instead");
    }
    target = &candidates->front();
  }
  const std::string id = target->id;
  auto changed = Exec(session, kRevokeApiKey, SqlParams().Time("now", now).Text("id", id));
  if (!changed) return Err(changed.error());
  auto row =
      QueryOptional(session, kSelectApiKeyById, SqlParams().Text("id", id), kApiKeyColumnCount);
  if (!row) return Err(row.error());
  if (!*row) return Err(Code::kNotFound, "API key not found");
  return ReadApiKey(**row);
}

Status ApiKeys::MarkUsed(Session& session, std::string_view id, TimePoint now) {
  auto changed =
      Exec(session, kMarkApiKeyUsed, SqlParams().Time("now", now).Text("id", std::string(id)));
  if (!changed) return Err(changed.error());
  if (*changed == 0) return Err(Code::kNotFound, "API key not found");
  return Ok();
}

}  // namespace reflector::store
