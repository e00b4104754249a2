#include "app/apikey_command.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include "api/auth.hpp"
#include "app/app.hpp"
#include "app/database_setup.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/time_format.hpp"
#include "store/api_keys.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace reflector::app {
namespace {

constexpr const char* kKeyPrefix = "rfk_";
constexpr size_t kPrefixLength = 8;  // stored key_prefix: the key's first characters

void PrintError(const Error& error) {
  std::fprintf(stderr, "error: %s\n", error.message.c_str());
  if (!error.detail.empty()) std::fprintf(stderr, "  (%s)\n", error.detail.c_str());
}

int ExitCodeFor(const Error& error) {
  return error.code == Code::kInvalidArgument ? kExitUsage : kExitFailure;
}

// Opens the database and applies pending migrations, like `serve` does.
Result<std::unique_ptr<store::Database>> OpenMigrated(const Config& config) {
  InitLogging(config.log, config.Secrets());
  return OpenDatabase(config, 1, Migrations::kApply);
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }
std::string OrDash(const std::optional<TimePoint>& t) { return t ? FormatIso8601(*t) : "-"; }

}  // namespace

int ApiKeyCreate(const Config& config, const std::optional<std::string>& given_user,
                 const std::string& name) {
  std::string user_id;
  if (given_user) {
    user_id = *given_user;
  } else if (config.auth.backend == "none") {
    user_id = api::kLocalOwnerId;
  } else {
    std::fprintf(stderr,
                 "error: --user is required with AUTH_BACKEND=%s (the JWT `sub` of the user the "
                 "key acts as)\n",
                 config.auth.backend.c_str());
    return kExitUsage;
  }
  if (user_id.empty()) {
    std::fprintf(stderr, "error: --user must not be empty\n");
    return kExitUsage;
  }

  auto db = OpenMigrated(config);
  if (!db) {
    PrintError(db.error());
    return kExitFailure;
  }
  SystemClock clock;
  const TimePoint now = clock.Now();
  auto session = (*db)->Acquire();
  auto tx = session.Begin(store::TxMode::kWrite);
  if (!tx) {
    PrintError(tx.error());
    return kExitFailure;
  }
  // Ensure() would overwrite an existing user's email and name; only insert a missing one.
  if (auto user = store::Users::Get(session, user_id); !user) {
    if (user.error().code != Code::kNotFound) {
      PrintError(user.error());
      return kExitFailure;
    }
    if (auto ensured = store::Users::Ensure(session, user_id, std::nullopt, std::nullopt, now);
        !ensured) {
      PrintError(ensured.error());
      return kExitFailure;
    }
  }
  const std::string key = kKeyPrefix + RandomUrlSafeToken(32);
  auto created = store::ApiKeys::Create(session, user_id, name, Sha256Hex(key),
                                        key.substr(0, kPrefixLength), now);
  if (!created) {
    PrintError(created.error());
    return kExitFailure;
  }
  if (auto committed = tx->Commit(); !committed) {
    PrintError(committed.error());
    return kExitFailure;
  }
  // The key alone on stdout (KEY=$(reflector apikey create ...)); the rest on stderr.
  std::printf("%s\n", key.c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "created API key %s (prefix %s) for user %s.\n"
               "Store it now: it is not shown again. Send it as the X-API-Key header.\n",
               created->id.c_str(), created->key_prefix.c_str(), user_id.c_str());
  return kExitOk;
}

int ApiKeyList(const Config& config, const std::optional<std::string>& user) {
  auto db = OpenMigrated(config);
  if (!db) {
    PrintError(db.error());
    return kExitFailure;
  }
  auto session = (*db)->Acquire();
  auto keys = store::ApiKeys::List(session, user);
  if (!keys) {
    PrintError(keys.error());
    return kExitFailure;
  }
  if (keys->empty()) {
    std::printf("no API keys%s\n", user ? (" for user " + *user).c_str() : "");
    return kExitOk;
  }
  std::printf("%-36s  %-8s  %-20s  %-20s  %-27s  %-27s  %s\n", "ID", "PREFIX", "NAME", "USER",
              "CREATED", "LAST USED", "REVOKED");
  for (const auto& k : *keys) {
    std::printf("%-36s  %-8s  %-20s  %-20s  %-27s  %-27s  %s\n", k.id.c_str(), k.key_prefix.c_str(),
                OrDash(k.name).c_str(), k.user_id.c_str(), FormatIso8601(k.created_at).c_str(),
                OrDash(k.last_used_at).c_str(), OrDash(k.revoked_at).c_str());
  }
  return kExitOk;
}

int ApiKeyRevoke(const Config& config, const std::string& id_or_prefix) {
  if (id_or_prefix.empty()) {
    std::fprintf(stderr, "error: give the key's id or prefix\n");
    return kExitUsage;
  }
  auto db = OpenMigrated(config);
  if (!db) {
    PrintError(db.error());
    return kExitFailure;
  }
  SystemClock clock;
  auto session = (*db)->Acquire();
  auto revoked = store::ApiKeys::Revoke(session, id_or_prefix, clock.Now());
  if (!revoked) {
    PrintError(revoked.error());
    return ExitCodeFor(revoked.error());
  }
  std::printf("revoked API key %s (prefix %s, user %s)\n", revoked->id.c_str(),
              revoked->key_prefix.c_str(), revoked->user_id.c_str());
  return kExitOk;
}

}  // namespace reflector::app
