#include "api/auth_backends.hpp"

#include <openssl/err.h>
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

#include "api/token_cache.hpp"
#include "core/crypto.hpp"
#include "core/encoding.hpp"
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

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::shared_ptr<EVP_PKEY>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
using MdPtr = std::shared_ptr<EVP_MD>;

// Verified tokens remembered (api/token_cache.hpp); a few KB per thousand tokens.
constexpr size_t kTokenCacheCapacity = 4096;

// base64url without padding (RFC 7515 §2); nullopt for any other character, padding included.
std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;
    }
  }
  return Base64Decode(standard);
}

// RS256 verification (RFC 7518 §3.3) with the public key parsed once, at start-up. Thread-safe:
// the key and digest are only read (OpenSSL 3 allows concurrent use of a const EVP_PKEY); each
// call has its own context.
class JwtVerifier {
 public:
  JwtVerifier(PkeyPtr key, MdPtr sha256, std::string audience, const Clock& clock)
      : key_(std::move(key)),
        sha256_(std::move(sha256)),
        audience_(std::move(audience)),
        clock_(clock),
        cache_(std::make_shared<VerifiedTokenCache>(kTokenCacheCapacity)) {}

  // kUnauthenticated "Invalid token", detail naming the failed check. Thread-safe.
  Result<Principal> Verify(std::string_view token) const {
    auto invalid = [](std::string detail) {
      return Err(Code::kUnauthenticated, kInvalidToken, std::move(detail));
    };
    if (token.empty()) return invalid("empty bearer token");
    if (token.size() > kMaxTokenLength) return invalid("bearer token too long");

    const double now = std::chrono::duration<double>(clock_.Now().time_since_epoch()).count();
    if (auto cached = cache_->Lookup(token, now)) return std::move(*cached);

    // header.payload.signature, each base64url.
    const size_t dot1 = token.find('.');
    const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
      return invalid("malformed token (not three dot-separated parts)");
    }
    const auto header_text = Base64UrlDecode(token.substr(0, dot1));
    const auto payload_text = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = Base64UrlDecode(token.substr(dot2 + 1));
    if (!header_text || !payload_text || !signature) {
      return invalid("malformed token (a part is not base64url)");
    }
    const auto header = nlohmann::json::parse(*header_text, nullptr, /*allow_exceptions=*/false);
    if (!header.is_object()) return invalid("malformed token (header is not a JSON object)");
    // The algorithm is ours to choose, never the token's: an HS256 token "signed" with our public
    // key as the HMAC secret, or alg none, must not pass.
    auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string() || alg->get<std::string>() != "RS256") {
      const std::string named =
          alg != header.end() && alg->is_string() ? alg->get<std::string>() : std::string("?");
      return invalid("algorithm " + named + " is not RS256");
    }
    if (!SignatureMatches(token.substr(0, dot2), *signature)) {
      return invalid("bad signature");
    }

    const auto claims = nlohmann::json::parse(*payload_text, nullptr, /*allow_exceptions=*/false);
    if (!claims.is_object()) return invalid("claims are not a JSON object");

    std::optional<double> exp_at;
    std::optional<double> nbf_at;
    if (auto exp = claims.find("exp"); exp != claims.end()) {
      if (!exp->is_number()) return invalid("exp is not a number");
      exp_at = exp->get<double>();
      if (now >= *exp_at) return invalid("token expired");
    }
    if (auto nbf = claims.find("nbf"); nbf != claims.end()) {
      if (!nbf->is_number()) return invalid("nbf is not a number");
      nbf_at = nbf->get<double>();
      if (now < *nbf_at) return invalid("token not yet valid (nbf)");
    }
    if (!audience_.empty() && !AudienceMatches(claims)) return invalid("audience mismatch");

    auto sub = claims.find("sub");
    if (sub == claims.end() || !sub->is_string() || sub->get<std::string>().empty()) {
      return invalid("sub claim missing");
    }
    Principal principal{sub->get<std::string>(), "jwt"};
    cache_->Insert(token, principal, exp_at, nbf_at, now);
    return principal;
  }

 private:
  // RSASSA-PKCS1-v1_5 with SHA-256 over "header.payload".
  bool SignatureMatches(std::string_view signing_input, const std::string& signature) const {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (ctx == nullptr) return false;
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, sha256_.get(), nullptr, key_.get()) != 1) {
      ERR_clear_error();
      return false;
    }
    const bool valid =
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                         signature.size(),
                         reinterpret_cast<const unsigned char*>(signing_input.data()),
                         signing_input.size()) == 1;
    // A bad signature leaves entries on this thread's OpenSSL error queue; other OpenSSL users on
    // the thread (libcurl) must not find them.
    if (!valid) ERR_clear_error();
    return valid;
  }

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

  const PkeyPtr key_;
  const MdPtr sha256_;
  const std::string audience_;
  const Clock& clock_;
  const std::shared_ptr<VerifiedTokenCache> cache_;  // shared: JwtVerifier is copied into place
};

// AUTH_JWT_PUBLIC_KEY holds the PEM itself or names a file with it; parsed here, once.
// kInvalidArgument.
Result<PkeyPtr> LoadPublicKey(const std::string& value) {
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
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return Err(Code::kInternal, "out of memory reading AUTH_JWT_PUBLIC_KEY");
  PkeyPtr key(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr), PkeyDeleter());
  BIO_free(bio);
  if (key == nullptr) {
    return Err(Code::kInvalidArgument,
               "AUTH_JWT_PUBLIC_KEY is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    return Err(Code::kInvalidArgument, "AUTH_JWT_PUBLIC_KEY is not an RSA key (RS256)");
  }
  return key;
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
  auto key = LoadPublicKey(auth.jwt_public_key);
  if (!key) return Err(key.error());
  // Fetched once: EVP_sha256() would look the implementation up again on every verification.
  MdPtr sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr), MdDeleter());
  if (sha256 == nullptr) return Err(Code::kInternal, "OpenSSL has no SHA256 digest");
  return std::unique_ptr<Authenticator>(std::make_unique<BackendAuthenticator>(
      db, clock, JwtVerifier(std::move(*key), std::move(sha256), auth.jwt_audience, clock)));
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
