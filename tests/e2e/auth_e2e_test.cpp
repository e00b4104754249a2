// End-to-end: authentication through the real binary — `reflector apikey create|list|revoke`, API
// keys and RS256 bearer tokens on a running `reflector serve`, and a revocation by another
// process taking effect on the server's very next request.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "support/child_process.hpp"

namespace reflector::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::map<std::string, std::string> BaseEnv(const TempDir& dir) {
  return {{"PATH", "/usr/bin:/bin"},
          {"DATABASE_URL", "sqlite:///" + dir.path() + "/reflector.db"},
          {"DATA_DIR", dir.path() + "/data"},
          {"HOST", "127.0.0.1"},
          {"PORT", "0"},
          {"LOG_LEVEL", "debug"}};
}

std::pair<int, std::string> RunReflector(const std::vector<std::string>& args,
                                         const std::map<std::string, std::string>& env,
                                         const TempDir& dir) {
  std::vector<std::string> argv = {REFLECTOR_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunToCompletion(argv, env, dir.path(), 30s);
}

// The key printed by `apikey create`, empty if none.
std::string KeyIn(const std::string& output) {
  std::smatch m;
  if (std::regex_search(output, m, std::regex("rfk_[A-Za-z0-9_-]{43}"))) return m.str();
  return {};
}

// The `apikey list` line of the key with this prefix.
std::string ListLine(const std::string& listing, const std::string& prefix) {
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    if (line.find("  " + prefix + "  ") != std::string::npos) return line;
  }
  return {};
}

class Server {
 public:
  Server(std::map<std::string, std::string> env, const std::string& cwd)
      : process_({REFLECTOR_BINARY, "serve"}, std::move(env), cwd) {
    auto m = process_.WaitForOutput(std::regex("listening on http://127\\.0\\.0\\.1:(\\d+)"), 30s);
    if (!m) {
      ADD_FAILURE() << "server did not start:\n" << process_.Output();
      return;
    }
    client_ = std::make_unique<httplib::Client>("127.0.0.1", std::stoi((*m)[1]));
    client_->set_read_timeout(10, 0);
  }
  ~Server() {
    process_.Signal(SIGTERM);
    process_.WaitForExit(15s);
  }
  httplib::Client& client() { return *client_; }
  bool started() const { return client_ != nullptr; }
  std::string Output() const { return process_.Output(); }

 private:
  ChildProcess process_;
  std::unique_ptr<httplib::Client> client_;
};

std::string Detail(const httplib::Result& res) {
  auto body = json::parse(res->body, nullptr, false);
  return body.is_object() && body.contains("detail") && body["detail"].is_string()
             ? body["detail"].get<std::string>()
             : res->body;
}

// --- RS256 tokens, built with OpenSSL directly (independently of the server's libjwt) ---

struct RsaKey {
  RsaKey() : key(EVP_RSA_gen(2048)) {}
  ~RsaKey() { EVP_PKEY_free(key); }
  RsaKey(const RsaKey&) = delete;
  RsaKey& operator=(const RsaKey&) = delete;

  std::string PublicPem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(len));
    BIO_free(bio);
    return pem;
  }

  EVP_PKEY* key;
};

std::string Base64Url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string SignRs256(const RsaKey& rsa, const json& claims) {
  const std::string input =
      Base64Url(json({{"alg", "RS256"}, {"typ", "JWT"}}).dump()) + "." + Base64Url(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string sig;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, rsa.key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) == 1) {
    sig.resize(len);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  return input + "." + Base64Url(sig);
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- the CLI ---

TEST(AuthE2E, ApiKeyCreateListRevoke) {
  TempDir dir;
  const auto env = BaseEnv(dir);

  auto [code, out] = RunReflector({"apikey", "create", "--name", "laptop"}, env, dir);
  ASSERT_EQ(code, 0) << out;
  const std::string owner_key = KeyIn(out);
  ASSERT_FALSE(owner_key.empty()) << out;

  auto [code2, out2] =
      RunReflector({"apikey", "create", "--user", "alice", "--name", "ci"}, env, dir);
  ASSERT_EQ(code2, 0) << out2;
  const std::string alice_key = KeyIn(out2);
  ASSERT_FALSE(alice_key.empty()) << out2;
  EXPECT_NE(alice_key, owner_key);
  const std::string alice_prefix = alice_key.substr(0, 8);

  auto [list_code, listing] = RunReflector({"apikey", "list"}, env, dir);
  ASSERT_EQ(list_code, 0) << listing;
  EXPECT_EQ(listing.find(owner_key), std::string::npos) << "a key is never listed";
  EXPECT_EQ(listing.find(alice_key), std::string::npos) << "a key is never listed";
  const std::string owner_line = ListLine(listing, owner_key.substr(0, 8));
  EXPECT_NE(owner_line.find("local-owner"), std::string::npos) << listing;
  EXPECT_NE(owner_line.find("laptop"), std::string::npos) << listing;
  const std::string alice_line = ListLine(listing, alice_prefix);
  EXPECT_NE(alice_line.find("alice"), std::string::npos) << listing;
  EXPECT_NE(alice_line.find("ci"), std::string::npos) << listing;
  EXPECT_EQ(alice_line.back(), '-') << "not revoked yet: " << alice_line;

  auto [user_code, alice_only] = RunReflector({"apikey", "list", "--user", "alice"}, env, dir);
  ASSERT_EQ(user_code, 0) << alice_only;
  EXPECT_FALSE(ListLine(alice_only, alice_prefix).empty()) << alice_only;
  EXPECT_TRUE(ListLine(alice_only, owner_key.substr(0, 8)).empty()) << alice_only;

  auto [revoke_code, revoked] = RunReflector({"apikey", "revoke", alice_prefix}, env, dir);
  ASSERT_EQ(revoke_code, 0) << revoked;
  EXPECT_NE(revoked.find("revoked API key"), std::string::npos) << revoked;
  auto [again_code, again] = RunReflector({"apikey", "revoke", alice_prefix}, env, dir);
  EXPECT_EQ(again_code, 0) << "revoking twice is fine: " << again;

  auto [after_code, after] = RunReflector({"apikey", "list"}, env, dir);
  ASSERT_EQ(after_code, 0) << after;
  const std::string revoked_line = ListLine(after, alice_prefix);
  EXPECT_TRUE(std::regex_search(revoked_line, std::regex("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z$")))
      << "revoked_at shown: " << revoked_line;

  auto [missing_code, missing] = RunReflector({"apikey", "revoke", "rfk_none"}, env, dir);
  EXPECT_EQ(missing_code, 1) << missing;
  EXPECT_NE(missing.find("API key not found"), std::string::npos) << missing;
}

TEST(AuthE2E, ApiKeyBadUsageExitsTwo) {
  TempDir dir;
  auto env = BaseEnv(dir);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"apikey"}, {"apikey", "revoke"}, {"apikey", "create", "--bogus"}, {"apikey", "nope"}}) {
    auto [code, out] = RunReflector(args, env, dir);
    EXPECT_EQ(code, 2) << args.back() << ": " << out;
  }

  // With AUTH_BACKEND=jwt there is no default user to create a key for.
  RsaKey rsa;
  const std::string pem_path = dir.path() + "/jwt.pem";
  std::ofstream(pem_path) << rsa.PublicPem();
  env["AUTH_BACKEND"] = "jwt";
  env["AUTH_JWT_PUBLIC_KEY"] = pem_path;
  auto [code, out] = RunReflector({"apikey", "create"}, env, dir);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("--user"), std::string::npos) << out;
  EXPECT_TRUE(KeyIn(out).empty()) << out;
}

// --- the server ---

TEST(AuthE2E, ApiKeyRevokedByAnotherProcessIsRejectedAtOnce) {
  TempDir dir;
  const auto env = BaseEnv(dir);
  auto [code, out] = RunReflector({"apikey", "create", "--user", "bob"}, env, dir);
  ASSERT_EQ(code, 0) << out;
  const std::string key = KeyIn(out);
  ASSERT_FALSE(key.empty()) << out;

  Server server(env, dir.path());
  ASSERT_TRUE(server.started());
  auto ok = server.client().Get("/v1/rooms", {{"X-API-Key", key}});
  ASSERT_TRUE(ok);
  if (ok->status == 404 && Detail(ok) == "Not Found") GTEST_SKIP() << "GET /v1/rooms not served";
  EXPECT_EQ(ok->status, 200) << ok->body;

  auto unknown = server.client().Get("/v1/rooms", {{"X-API-Key", key + "x"}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(Detail(unknown), "Invalid API key");

  auto [revoke_code, revoked] = RunReflector({"apikey", "revoke", key.substr(0, 8)}, env, dir);
  ASSERT_EQ(revoke_code, 0) << revoked;
  auto rejected = server.client().Get("/v1/rooms", {{"X-API-Key", key}});
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, 401) << rejected->body;
  EXPECT_EQ(Detail(rejected), "Invalid API key");

  // last_used_at was recorded by the server.
  auto [list_code, listing] = RunReflector({"apikey", "list"}, env, dir);
  ASSERT_EQ(list_code, 0) << listing;
  EXPECT_TRUE(std::regex_search(ListLine(listing, key.substr(0, 8)),
                                std::regex("Z  +\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z  +\\d{4}")))
      << listing;
}

TEST(AuthE2E, JwtBackendAcceptsValidTokensOnly) {
  TempDir dir;
  RsaKey rsa;
  RsaKey other;
  const std::string pem_path = dir.path() + "/jwt.pem";
  std::ofstream(pem_path) << rsa.PublicPem();
  auto env = BaseEnv(dir);
  env["AUTH_BACKEND"] = "jwt";
  env["AUTH_JWT_PUBLIC_KEY"] = pem_path;
  env["AUTH_JWT_AUDIENCE"] = "reflector";

  Server server(env, dir.path());
  ASSERT_TRUE(server.started());
  EXPECT_NE(server.Output().find("auth:      jwt"), std::string::npos) << server.Output();

  const json claims = {{"sub", "carol"}, {"aud", "reflector"}, {"exp", UnixNow() + 300}};
  auto bearer = [](const std::string& token) {
    return httplib::Headers{{"Authorization", "Bearer " + token}};
  };
  auto ok = server.client().Get("/v1/rooms", bearer(SignRs256(rsa, claims)));
  ASSERT_TRUE(ok);
  if (ok->status == 404 && Detail(ok) == "Not Found") GTEST_SKIP() << "GET /v1/rooms not served";
  EXPECT_EQ(ok->status, 200) << ok->body;

  json expired = claims;
  expired["exp"] = UnixNow() - 10;
  json wrong_aud = claims;
  wrong_aud["aud"] = "someone-else";
  for (const auto& [name, token] : std::vector<std::pair<std::string, std::string>>{
           {"expired", SignRs256(rsa, expired)},
           {"wrong audience", SignRs256(rsa, wrong_aud)},
           {"other key", SignRs256(other, claims)},
           {"garbage", "a.b.c"}}) {
    auto res = server.client().Get("/v1/rooms", bearer(token));
    ASSERT_TRUE(res) << name;
    EXPECT_EQ(res->status, 401) << name << ": " << res->body;
    EXPECT_EQ(Detail(res), "Invalid token") << name;
  }

  // A required endpoint without credentials.
  auto anonymous = server.client().Post("/v1/rooms", R"({"name":"x"})", "application/json");
  ASSERT_TRUE(anonymous);
  if (anonymous->status != 404 && anonymous->status != 405) {
    EXPECT_EQ(anonymous->status, 401) << anonymous->body;
    EXPECT_EQ(Detail(anonymous), "Not authenticated");
  }
}

TEST(AuthE2E, ServeRefusesAnUnreadableJwtKey) {
  TempDir dir;
  auto env = BaseEnv(dir);
  env["AUTH_BACKEND"] = "jwt";
  env["AUTH_JWT_PUBLIC_KEY"] = dir.path() + "/missing.pem";
  auto [code, out] = RunReflector({"serve"}, env, dir);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("AUTH_JWT_PUBLIC_KEY"), std::string::npos) << out;
}

}  // namespace
}  // namespace reflector::testing
