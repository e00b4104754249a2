#include "api/auth_backends.hpp"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/crypto.hpp"
#include "store/api_keys.hpp"

namespace reflector::api {
namespace {

// Far above any real key or token; longer values are rejected before hashing or parsing.
constexpr size_t kMaxApiKeyLength = 512;
constexpr size_t kMaxTokenLength = 16384;
// last_used_at is informational: writing it on every request would put a write on the hot path.
constexpr auto kMarkUsedInterval = std::chrono::minutes(1);

constexpr const char* kInvalidApiKey = "Invalid API key";
constexpr const char* kInvalidToken = "Invalid token";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    char b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

// The credentials of `Authorization: Bearer <token>` (scheme case-insensitive; the token may be
// empty, which the verifier rejects); nullopt without the header or with another scheme.
std::optional<std::string_view> BearerToken(const http::Request& request) {
  auto header = request.GetHeader("Authorization");
  if (!header) return std::nullopt;
  const std::string_view value = Trim(*header);
  constexpr std::string_view kScheme = "bearer";
  if (!StartsWithIgnoreCase(value, kScheme)) return std::nullopt;
  if (value.size() > kScheme.size() && value[kScheme.size()] != ' ' &&
      value[kScheme.size()] != '\t') {
    return std::nullopt;  // another scheme that merely starts with "bearer"
  }
  return Trim(value.substr(kScheme.size()));
}

// --- API keys ---

class ApiKeyVerifier {
 public:
  ApiKeyVerifier(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // kUnauthenticated "Invalid API key"; kUnavailable (and other store errors) passed on.
  // Thread-safe.
  Result<Principal> Verify(std::string_view key) {
    if (key.size() > kMaxApiKeyLength) {
      return Err(Code::kUnauthenticated, kInvalidApiKey, "API key too long");
    }
    // Looked up by its SHA-256: the database compares digests, never the key, so response
    // times tell an attacker nothing about how much of a guessed key was right.
    const std::string hash = Sha256Hex(key);
    auto session = db_.Acquire();
    auto found = store::ApiKeys::FindActiveByHash(session, hash);
    if (!found) {
      if (found.error().code == Code::kNotFound) {
        return Err(Code::kUnauthenticated, kInvalidApiKey, "unknown or revoked API key");
      }
      return Err(found.error());
    }
    if (!ConstantTimeEquals(found->key_hash, hash)) {  // defence in depth; cannot differ
      return Err(Code::kUnauthenticated, kInvalidApiKey, "API key hash mismatch");
    }
    const TimePoint now = clock_.Now();
    if (ShouldMarkUsed(found->id, now)) {
      // Best effort: a failed bookkeeping write must not fail the caller's request.
      if (auto marked = store::ApiKeys::MarkUsed(session, found->id, now); !marked) {
        spdlog::warn("API key {}: recording last use failed: {}", found->key_prefix,
                     marked.error().ToString());
      }
    }
    return Principal{found->user_id, "api_key"};
  }

 private:
  bool ShouldMarkUsed(const std::string& id, TimePoint now) {
    std::lock_guard lock(mu_);
    auto [it, inserted] = last_marked_.try_emplace(id, now);
    if (inserted) return true;
    if (now - it->second < kMarkUsedInterval) return false;
    it->second = now;
    return true;
  }

  store::Database& db_;
  const Clock& clock_;
  std::mutex mu_;
  // Key id → when last_used_at was last written by this process. Only valid keys get here, so
  // it is bounded by the number of keys.
  std::unordered_map<std::string, TimePoint> last_marked_;  // GUARDED_BY(mu_)
};

// --- JWT ---

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }  // NOLINT(cppcoreguidelines-no-malloc)
};

class JwtVerifier {
 public:
  JwtVerifier(std::string public_key_pem, std::string audience, const Clock& clock)
      : key_(std::move(public_key_pem)), audience_(std::move(audience)), clock_(clock) {}

  // kUnauthenticated "Invalid token", detail naming the failed check. Thread-safe (libjwt keeps
  // no shared state; each call parses the key afresh).
  Result<Principal> Verify(std::string_view token) const {
    auto invalid = [](std::string detail) {
      return Err(Code::kUnauthenticated, kInvalidToken, std::move(detail));
    };
    if (token.empty()) return invalid("empty bearer token");
    if (token.size() > kMaxTokenLength) return invalid("bearer token too long");

    const std::string token_text(token);
    jwt_t* raw = nullptr;
    const int rc =
        jwt_decode(&raw, token_text.c_str(), reinterpret_cast<const unsigned char*>(key_.data()),
                   static_cast<int>(key_.size()));
    JwtPtr jwt(raw);
    if (rc != 0 || jwt == nullptr) {
      return invalid("malformed token or bad signature (libjwt error " + std::to_string(rc) + ")");
    }
    // libjwt verifies with whatever algorithm the token names: an HS256 token "signed" with our
    // public key as the HMAC secret passes jwt_decode. Only RS256 is ours.
    if (jwt_get_alg(jwt.get()) != JWT_ALG_RS256) {
      const char* alg = jwt_alg_str(jwt_get_alg(jwt.get()));
      return invalid(std::string("algorithm ") + (alg != nullptr ? alg : "?") + " is not RS256");
    }

    std::unique_ptr<char, FreeDeleter> grants(jwt_get_grants_json(jwt.get(), nullptr));
    if (grants == nullptr) return invalid("no claims");
    const auto claims = nlohmann::json::parse(grants.get(), nullptr, /*allow_exceptions=*/false);
    if (!claims.is_object()) return invalid("claims are not a JSON object");

    // libjwt 1.10 checks neither exp nor nbf.
    const double now = std::chrono::duration<double>(clock_.Now().time_since_epoch()).count();
    if (auto exp = claims.find("exp"); exp != claims.end()) {
      if (!exp->is_number()) return invalid("exp is not a number");
      if (now >= exp->get<double>()) return invalid("token expired");
    }
    if (auto nbf = claims.find("nbf"); nbf != claims.end()) {
      if (!nbf->is_number()) return invalid("nbf is not a number");
      if (now < nbf->get<double>()) return invalid("token not yet valid (nbf)");
    }
    if (!audience_.empty() && !AudienceMatches(claims)) return invalid("audience mismatch");

    auto sub = claims.find("sub");
    if (sub == claims.end() || !sub->is_string() || sub->get<std::string>().empty()) {
      return invalid("sub claim missing");
    }
    return Principal{sub->get<std::string>(), "jwt"};
  }

 private:
  // `aud` is a string or an array of strings (RFC 7519 §4.1.3).
  bool AudienceMatches(const nlohmann::json& claims) const {
    auto aud = claims.find("aud");
    if (aud == claims.end()) return false;
    if (aud->is_string()) return aud->get<std::string>() == audience_;
    if (aud->is_array()) {
      for (const auto& item : *aud) {
        if (item.is_string() && item.get<std::string>() == audience_) return true;
      }
    }
    return false;
  }

  const std::string key_;
  const std::string audience_;
  const Clock& clock_;
};

// AUTH_JWT_PUBLIC_KEY holds the PEM itself or names a file with it. kInvalidArgument.
Result<std::string> LoadPublicKeyPem(const std::string& value) {
  if (value.empty()) {
    return Err(Code::kInvalidArgument, "AUTH_BACKEND=jwt needs AUTH_JWT_PUBLIC_KEY (PEM or path)");
  }
  std::string pem;
  if (value.find("-----BEGIN") != std::string::npos) {
    pem = value;
  } else {
    std::ifstream in(value, std::ios::binary);
    if (!in) {
      return Err(Code::kInvalidArgument, "AUTH_JWT_PUBLIC_KEY: cannot read file '" + value +
                                             "' (expected PEM text or "
                                             "the path of a PEM file)");
    }
    std::ostringstream text;
    text << in.rdbuf();
    pem = text.str();
  }
  // Parse it the way libjwt will (PEM_read_bio_PUBKEY), so a bad key fails at start-up, not on
  // every request.
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return Err(Code::kInternal, "out of memory reading AUTH_JWT_PUBLIC_KEY");
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) {
    return Err(Code::kInvalidArgument,
               "AUTH_JWT_PUBLIC_KEY is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }
  const bool rsa = EVP_PKEY_base_id(key) == EVP_PKEY_RSA;
  EVP_PKEY_free(key);
  if (!rsa) return Err(Code::kInvalidArgument, "AUTH_JWT_PUBLIC_KEY is not an RSA key (RS256)");
  return pem;
}

// --- the Authenticator ---

class BackendAuthenticator final : public Authenticator {
 public:
  BackendAuthenticator(store::Database& db, const Clock& clock, std::optional<JwtVerifier> jwt)
      : api_keys_(db, clock), jwt_(std::move(jwt)) {}

  Result<std::optional<Principal>> Authenticate(const http::Request& request) override {
    std::optional<Principal> from_key;
    if (auto header = request.GetHeader("X-API-Key"); header && !Trim(*header).empty()) {
      auto principal = api_keys_.Verify(Trim(*header));
      if (!principal) return Err(principal.error());
      from_key = std::move(*principal);
    }

    std::optional<Principal> from_token;
    if (auto token = BearerToken(request); jwt_ && token) {
      auto principal = jwt_->Verify(*token);
      if (!principal) return Err(principal.error());
      from_token = std::move(*principal);
    }

    if (from_key && from_token && from_key->user_id != from_token->user_id) {
      return Err(Code::kUnauthenticated, "Invalid authentication",
                 "X-API-Key and bearer token name different users");
    }
    if (from_token) return from_token;
    if (from_key) return from_key;
    if (!jwt_) return Principal{kLocalOwnerId, "none"};  // AUTH_BACKEND=none
    return std::optional<Principal>();
  }

 private:
  ApiKeyVerifier api_keys_;
  const std::optional<JwtVerifier> jwt_;  // set for AUTH_BACKEND=jwt
};

}  // namespace

Result<std::unique_ptr<Authenticator>> MakeAuthenticator(const Config& config, store::Database& db,
                                                         const Clock& clock) {
  const AuthConfig& auth = config.auth;
  if (auth.backend == "none") {
    return std::unique_ptr<Authenticator>(
        std::make_unique<BackendAuthenticator>(db, clock, std::nullopt));
  }
  if (auth.backend != "jwt") {
    return Err(Code::kInvalidArgument,
               "AUTH_BACKEND must be none or jwt, not '" + auth.backend + "'");
  }
  auto pem = LoadPublicKeyPem(auth.jwt_public_key);
  if (!pem) return Err(pem.error());
  return std::unique_ptr<Authenticator>(std::make_unique<BackendAuthenticator>(
      db, clock, JwtVerifier(std::move(*pem), auth.jwt_audience, clock)));
}

Result<Principal> RequireUser(Authenticator& auth, const http::Request& request) {
  auto principal = auth.Authenticate(request);
  if (!principal) return Err(principal.error());
  if (!*principal) return Err(Code::kUnauthenticated, "Not authenticated");
  return std::move(**principal);
}

Result<std::optional<Principal>> OptionalUser(Authenticator& auth, const http::Request& request) {
  return auth.Authenticate(request);
}

}  // namespace reflector::api
