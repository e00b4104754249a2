#include "core/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/encoding.hpp"

extern char** environ;

namespace reflector {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Collects problems so that every one of them is reported in a single error.
class Problems {
 public:
  void Add(std::string problem) { list_.push_back(std::move(problem)); }
  bool empty() const { return list_.empty(); }
  std::string Join() const {
    std::string out = "invalid configuration:";
    for (const auto& p : list_) out += "\n  - " + p;
    return out;
  }

 private:
  std::vector<std::string> list_;
};

struct Reader {
  const EnvMap& env;
  Problems& problems;

  // Value of the canonical name, else of the first alias that is set.
  std::optional<std::string> Get(const char* name,
                                 std::initializer_list<const char*> aliases = {}) {
    if (auto it = env.find(name); it != env.end() && !it->second.empty()) return it->second;
    for (const char* alias : aliases) {
      if (auto it = env.find(alias); it != env.end() && !it->second.empty()) return it->second;
    }
    return std::nullopt;
  }

  void String(std::string& out, const char* name, std::initializer_list<const char*> aliases = {}) {
    if (auto v = Get(name, aliases)) out = *v;
  }

  void Int(int& out, const char* name, int min, int max) {
    int64_t value = out;
    Int64(value, name, min, max);
    out = static_cast<int>(value);  // Int64 kept it within [min, max] or left it unchanged
  }

  void Int64(int64_t& out, const char* name, int64_t min, int64_t max) {
    auto v = Get(name);
    if (!v) return;
    const std::string t = Trim(*v);
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc() || ptr != t.data() + t.size()) {
      problems.Add(fmt::format("{}={:?} is not an integer", name, *v));
      return;
    }
    if (value < min || value > max) {
      problems.Add(fmt::format("{}={} is out of range [{}, {}]", name, value, min, max));
      return;
    }
    out = value;
  }

  void Bool(bool& out, const char* name) {
    auto v = Get(name);
    if (!v) return;
    const std::string t = Lower(Trim(*v));
    if (t == "true" || t == "1" || t == "yes" || t == "on") {
      out = true;
    } else if (t == "false" || t == "0" || t == "no" || t == "off") {
      out = false;
    } else {
      problems.Add(fmt::format("{}={:?} is not a boolean (use true or false)", name, *v));
    }
  }

  void OneOf(std::string& out, const char* name, std::initializer_list<const char*> allowed) {
    auto v = Get(name);
    if (!v) return;
    const std::string t = Lower(Trim(*v));
    for (const char* a : allowed) {
      if (t == a) {
        out = t;
        return;
      }
    }
    std::string list;
    for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
    problems.Add(fmt::format("{}={:?} must be one of: {}", name, *v, list));
  }

  // JSON array of strings, or a comma-separated list.
  void List(std::vector<std::string>& out, const char* name) {
    auto v = Get(name);
    if (!v) return;
    const std::string t = Trim(*v);
    out.clear();
    if (!t.empty() && t.front() == '[') {
      auto parsed = nlohmann::json::parse(t, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_array()) {
        problems.Add(fmt::format("{} is not a valid JSON array", name));
        return;
      }
      for (const auto& item : parsed) {
        if (item.is_string()) {
          out.push_back(item.get<std::string>());
        } else if (item.is_number_integer()) {
          out.push_back(item.dump());
        } else {
          problems.Add(fmt::format("{} must hold strings", name));
          return;
        }
      }
      return;
    }
    std::stringstream ss(t);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item = Trim(item);
      if (!item.empty()) out.push_back(item);
    }
  }
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

EnvMap ReadProcessEnvironment() {
  EnvMap env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string value(kv.substr(eq + 1));
    if (value.empty()) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::move(value));
  }
  return env;
}

Result<EnvMap> ParseDotEnv(const std::string& text) {
  EnvMap env;
  std::stringstream ss(text);
  std::string line;
  int number = 0;
  while (std::getline(ss, line)) {
    ++number;
    std::string t = Trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (StartsWith(t, "export ")) t = Trim(t.substr(7));
    const size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Err(Code::kInvalidArgument, fmt::format(".env line {}: expected KEY=value", number));
    }
    const std::string key = Trim(t.substr(0, eq));
    for (char c : key) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
        return Err(Code::kInvalidArgument, fmt::format(".env line {}: bad variable name", number));
      }
    }
    std::string value = Trim(t.substr(eq + 1));
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      const char quote = value.front();
      const size_t close = value.find(quote, 1);
      if (close == std::string::npos) {
        return Err(Code::kInvalidArgument,
                   fmt::format(".env line {}: unterminated quoted value", number));
      }
      std::string inner = value.substr(1, close - 1);
      if (quote == '"') {
        std::string unescaped;
        for (size_t i = 0; i < inner.size(); ++i) {
          if (inner[i] == '\\' && i + 1 < inner.size()) {
            const char n = inner[++i];
            unescaped += n == 'n' ? '\n' : n;
          } else {
            unescaped += inner[i];
          }
        }
        inner = std::move(unescaped);
      }
      value = std::move(inner);
    } else {
      // Unquoted: a " #" starts a comment.
      const size_t hash = value.find(" #");
      if (hash != std::string::npos) value = Trim(value.substr(0, hash));
    }
    if (!value.empty()) env[key] = value;
  }
  return env;
}

Result<EnvMap> ReadDotEnvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return EnvMap{};
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = ParseDotEnv(buf.str());
  if (!parsed) return Err(Code::kInvalidArgument, path + ": " + parsed.error().message);
  return parsed;
}

EnvMap MergeEnv(const EnvMap& primary, const EnvMap& fallback) {
  EnvMap out = fallback;
  for (const auto& [k, v] : primary) {
    if (!v.empty()) out[k] = v;
  }
  return out;
}

Result<Config> LoadConfig(const EnvMap& env) {
  Problems problems;
  Reader r{env, problems};
  Config c;

  r.String(c.data_dir, "DATA_DIR");
  r.String(c.http.host, "HOST");
  {
    int port = c.http.port;
    r.Int(port, "PORT", 0, 65535);
    c.http.port = static_cast<uint16_t>(port);
  }
  r.String(c.http.base_url, "BASE_URL");
  r.String(c.http.ui_base_url, "UI_BASE_URL");
  c.http.base_url_configured = !c.http.base_url.empty();
  c.http.ui_base_url_configured = !c.http.ui_base_url.empty();
  r.Int(c.http.threads, "HTTP_THREADS", 0, 256);
  {
    int limit = static_cast<int>(c.http.body_limit_bytes);
    r.Int(limit, "HTTP_BODY_LIMIT_BYTES", 1024, 1 << 30);
    c.http.body_limit_bytes = static_cast<size_t>(limit);
  }
  r.Int(c.http.request_timeout_seconds, "HTTP_REQUEST_TIMEOUT_SECONDS", 1, 3600);
  r.Int(c.http.idle_timeout_seconds, "HTTP_IDLE_TIMEOUT_SECONDS", 1, 3600);
  r.Int(c.http.shutdown_grace_seconds, "HTTP_SHUTDOWN_GRACE_SECONDS", 0, 600);
  if (auto v = r.Get("CORS_ORIGIN")) c.http.cors_origin = Trim(*v);
  r.Bool(c.http.cors_allow_credentials, "CORS_ALLOW_CREDENTIALS");
  if (c.http.cors_allow_credentials && c.http.cors_origin == "*") {
    problems.Add("CORS_ALLOW_CREDENTIALS=true cannot be used with CORS_ORIGIN=* (list origins)");
  }
  if (c.http.base_url.empty()) {
    c.http.base_url = fmt::format("http://{}:{}", c.http.host, c.http.port);
  }
  while (c.http.base_url.size() > 1 && c.http.base_url.back() == '/') c.http.base_url.pop_back();
  if (c.http.ui_base_url.empty()) c.http.ui_base_url = c.http.base_url;
  for (const auto* url : {&c.http.base_url, &c.http.ui_base_url}) {
    if (!StartsWith(*url, "http://") && !StartsWith(*url, "https://")) {
      problems.Add(fmt::format("{} {:?} must start with http:// or https://",
                               url == &c.http.base_url ? "BASE_URL" : "UI_BASE_URL", *url));
    }
  }

  r.String(c.database.url, "DATABASE_URL");
  if (!StartsWith(c.database.url, "sqlite://") && !StartsWith(c.database.url, "postgresql://") &&
      !StartsWith(c.database.url, "postgres://")) {
    problems.Add("DATABASE_URL must start with sqlite:///, postgresql:// or postgres://");
  }
  r.Int(c.database.pool_size, "DATABASE_POOL_SIZE", 1, 256);

  r.OneOf(c.auth.backend, "AUTH_BACKEND", {"none", "jwt"});
  r.Bool(c.auth.public_mode, "PUBLIC_MODE");
  r.String(c.auth.jwt_public_key, "AUTH_JWT_PUBLIC_KEY");
  r.String(c.auth.jwt_audience, "AUTH_JWT_AUDIENCE");
  r.List(c.auth.admin_user_ids, "ADMIN_USER_IDS");
  if (c.auth.backend == "jwt" && c.auth.jwt_public_key.empty()) {
    problems.Add("AUTH_BACKEND=jwt needs AUTH_JWT_PUBLIC_KEY (PEM text or a file path)");
  }

  r.String(c.daily.api_key, "DAILY_API_KEY");
  r.String(c.daily.api_url, "DAILY_API_URL");
  r.String(c.daily.webhook_secret, "DAILY_WEBHOOK_SECRET");
  r.String(c.daily.subdomain, "DAILY_SUBDOMAIN");
  r.String(c.daily.storage_bucket, "DAILYCO_STORAGE_AWS_BUCKET_NAME", {"AWS_DAILY_S3_BUCKET"});
  r.String(c.daily.storage_region, "DAILYCO_STORAGE_AWS_REGION", {"AWS_DAILY_S3_REGION"});
  r.String(c.daily.storage_role_arn, "DAILYCO_STORAGE_AWS_ROLE_ARN", {"AWS_DAILY_ROLE_ARN"});
  if (!c.daily.webhook_secret.empty() && !Base64Decode(c.daily.webhook_secret)) {
    problems.Add("DAILY_WEBHOOK_SECRET is not valid base64 (Daily secrets are base64-encoded)");
  }

  r.String(c.whereby.api_key, "WHEREBY_API_KEY");
  r.String(c.whereby.api_url, "WHEREBY_API_URL");
  r.String(c.whereby.webhook_secret, "WHEREBY_WEBHOOK_SECRET");
  r.String(c.whereby.storage_bucket, "WHEREBY_STORAGE_AWS_BUCKET_NAME", {"AWS_WHEREBY_S3_BUCKET"});
  r.String(c.whereby.storage_region, "WHEREBY_STORAGE_AWS_REGION", {"AWS_WHEREBY_S3_REGION"});
  r.String(c.whereby.storage_access_key_id, "WHEREBY_STORAGE_AWS_ACCESS_KEY_ID",
           {"AWS_WHEREBY_ACCESS_KEY_ID"});
  r.String(c.whereby.storage_secret_access_key, "WHEREBY_STORAGE_AWS_SECRET_ACCESS_KEY",
           {"AWS_WHEREBY_ACCESS_KEY_SECRET"});
  for (const auto* url : {&c.daily.api_url, &c.whereby.api_url}) {
    if (!StartsWith(*url, "http://") && !StartsWith(*url, "https://")) {
      problems.Add(fmt::format("{} {:?} must start with http:// or https://",
                               url == &c.daily.api_url ? "DAILY_API_URL" : "WHEREBY_API_URL",
                               *url));
    }
  }

  r.OneOf(c.platforms.default_platform, "DEFAULT_VIDEO_PLATFORM", {"whereby", "daily", "mock"});
  if (c.platforms.default_platform.empty()) {
    c.platforms.default_platform = c.whereby.configured() ? "whereby"
                                   : c.daily.configured() ? "daily"
                                                          : "mock";
  }
  r.Bool(c.platforms.daily_migration_enabled, "DAILY_MIGRATION_ENABLED");
  r.List(c.platforms.daily_migration_room_ids, "DAILY_MIGRATION_ROOM_IDS");
  r.String(c.platforms.mock_webhook_secret, "MOCK_WEBHOOK_SECRET");

  r.OneOf(c.storage.backend, "TRANSCRIPT_STORAGE_BACKEND", {"local", "aws"});
  r.String(c.storage.bucket, "TRANSCRIPT_STORAGE_AWS_BUCKET_NAME");
  r.String(c.storage.region, "TRANSCRIPT_STORAGE_AWS_REGION");
  r.String(c.storage.access_key_id, "TRANSCRIPT_STORAGE_AWS_ACCESS_KEY_ID");
  r.String(c.storage.secret_access_key, "TRANSCRIPT_STORAGE_AWS_SECRET_ACCESS_KEY");
  r.String(c.storage.endpoint_url, "TRANSCRIPT_STORAGE_AWS_ENDPOINT_URL");
  if (c.storage.backend == "aws" && c.storage.bucket.empty()) {
    problems.Add("TRANSCRIPT_STORAGE_BACKEND=aws needs TRANSCRIPT_STORAGE_AWS_BUCKET_NAME");
  }

  r.Int64(c.recordings.max_recording_bytes, "MAX_RECORDING_BYTES", 1, int64_t{1} << 50);
  r.String(c.recordings.daily_access_key_id, "DAILYCO_STORAGE_AWS_ACCESS_KEY_ID");
  r.String(c.recordings.daily_secret_access_key, "DAILYCO_STORAGE_AWS_SECRET_ACCESS_KEY");
  r.String(c.recordings.daily_endpoint_url, "DAILYCO_STORAGE_AWS_ENDPOINT_URL");
  r.String(c.recordings.whereby_endpoint_url, "WHEREBY_STORAGE_AWS_ENDPOINT_URL");
  r.String(c.recordings.sqs_queue_url, "AWS_PROCESS_RECORDING_QUEUE_URL");
  r.Int(c.recordings.sqs_poll_seconds, "SQS_POLLING_TIMEOUT_SECONDS", 1, 86400);
  r.Int(c.recordings.daily_poll_seconds, "DAILY_RECORDINGS_POLL_SECONDS", 0, 86400);
  for (const auto& [url, name] :
       {std::pair{&c.storage.endpoint_url, "TRANSCRIPT_STORAGE_AWS_ENDPOINT_URL"},
        std::pair{&c.recordings.daily_endpoint_url, "DAILYCO_STORAGE_AWS_ENDPOINT_URL"},
        std::pair{&c.recordings.whereby_endpoint_url, "WHEREBY_STORAGE_AWS_ENDPOINT_URL"},
        std::pair{&c.recordings.sqs_queue_url, "AWS_PROCESS_RECORDING_QUEUE_URL"}}) {
    if (!url->empty() && !StartsWith(*url, "http://") && !StartsWith(*url, "https://")) {
      problems.Add(fmt::format("{} {:?} must start with http:// or https://", name, *url));
    }
  }

  r.OneOf(c.transcript.backend, "TRANSCRIPT_BACKEND", {"pocketsphinx", "openai", "none"});
  r.String(c.transcript.url, "TRANSCRIPT_URL");
  r.String(c.transcript.model, "TRANSCRIPT_MODEL");
  r.String(c.transcript.api_key, "TRANSCRIPT_API_KEY");
  r.Int(c.transcript.chunk_seconds, "TRANSCRIPT_CHUNK_SECONDS", 30, 3600);
  if (c.transcript.backend == "openai" && c.transcript.url.empty()) {
    problems.Add("TRANSCRIPT_BACKEND=openai needs TRANSCRIPT_URL");
  }

  r.OneOf(c.log.format, "LOG_FORMAT", {"text", "json"});
  r.OneOf(c.log.level, "LOG_LEVEL", {"trace", "debug", "info", "warn", "error"});
  r.Int(c.worker_threads, "WORKER_THREADS", 0, 64);
  r.Int(c.job_lease_seconds, "JOB_LEASE_SECONDS", 1, 86400);
  r.Int(c.job_stop_grace_seconds, "JOB_STOP_GRACE_SECONDS", 0, 3600);
  r.Int(c.webhook_timestamp_tolerance_seconds, "WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", 1, 86400);
  r.List(c.download_allowed_hosts, "DOWNLOAD_ALLOWED_HOSTS");

  if (!problems.empty()) return Err(Code::kInvalidArgument, problems.Join());
  return c;
}

std::vector<std::string> Config::Secrets() const {
  std::vector<std::string> out;
  for (const std::string* s :
       {&daily.api_key, &daily.webhook_secret, &whereby.api_key, &whereby.webhook_secret,
        &whereby.storage_secret_access_key, &storage.secret_access_key,
        &recordings.daily_secret_access_key, &transcript.api_key, &platforms.mock_webhook_secret}) {
    if (!s->empty()) out.push_back(*s);
  }
  // The password inside a database URL (scheme://user:password@host/...).
  const std::string& url = database.url;
  const size_t scheme = url.find("://");
  const size_t at = url.find('@');
  if (scheme != std::string::npos && at != std::string::npos && at > scheme) {
    const std::string userinfo = url.substr(scheme + 3, at - scheme - 3);
    const size_t colon = userinfo.find(':');
    if (colon != std::string::npos && colon + 1 < userinfo.size()) {
      out.push_back(userinfo.substr(colon + 1));
    }
  }
  return out;
}

std::vector<std::string> Config::ConfiguredPlatforms() const {
  std::vector<std::string> out = {"mock"};
  if (whereby.configured()) out.push_back("whereby");
  if (daily.configured()) out.push_back("daily");
  return out;
}

const std::vector<ConfigVariable>& ConfigVariables() {
  static const std::vector<ConfigVariable> kVars = {
      {"DATABASE_URL", "sqlite:///./data/reflector.db",
       "sqlite:///path or postgresql://user:pass@host:port/db"},
      {"DATABASE_POOL_SIZE", "8", "pooled database connections"},
      {"HOST", "127.0.0.1", "interface to listen on"},
      {"PORT", "1250", "TCP port to listen on (0 = any free port)"},
      {"BASE_URL", "http://HOST:PORT", "public URL of the API"},
      {"UI_BASE_URL", "BASE_URL", "public URL of the web UI"},
      {"DATA_DIR", "./data", "local files"},
      {"HTTP_THREADS", "0", "request-handling threads (0: one per CPU core, at least 2)"},
      {"HTTP_BODY_LIMIT_BYTES", "1048576", "larger request bodies are answered 413"},
      {"HTTP_REQUEST_TIMEOUT_SECONDS", "30", "time a client has to send a whole request"},
      {"HTTP_IDLE_TIMEOUT_SECONDS", "60", "idle keep-alive connections are closed after this"},
      {"HTTP_SHUTDOWN_GRACE_SECONDS", "10", "time in-flight requests get to finish on SIGTERM"},
      {"CORS_ORIGIN", "*", "allowed origins: *, a comma list, or empty for no CORS headers"},
      {"CORS_ALLOW_CREDENTIALS", "false", "send Access-Control-Allow-Credentials"},
      {"AUTH_BACKEND", "none", "none (single-user) or jwt (RS256 bearer tokens)"},
      {"AUTH_JWT_PUBLIC_KEY", "", "PEM public key (text or file path) for AUTH_BACKEND=jwt"},
      {"AUTH_JWT_AUDIENCE", "", "required JWT audience"},
      {"ADMIN_USER_IDS", "", "comma list of users who may read GET /v1/jobs"},
      {"PUBLIC_MODE", "false", "anonymous callers may search transcripts (else 401)"},
      {"DEFAULT_VIDEO_PLATFORM", "whereby|daily|mock",
       "platform of new rooms; default by configured keys"},
      {"DAILY_MIGRATION_ENABLED", "false", "route listed rooms' new meetings to Daily"},
      {"DAILY_MIGRATION_ROOM_IDS", "[]", "JSON array or comma list of room ids or names"},
      {"DAILY_API_KEY", "", "Daily.co REST API key"},
      {"DAILY_API_URL", "https://api.daily.co/v1", "Daily.co REST base URL"},
      {"DAILY_WEBHOOK_SECRET", "", "base64 webhook secret, as Daily expects"},
      {"DAILY_SUBDOMAIN", "", "Daily.co subdomain (optional)"},
      {"DAILYCO_STORAGE_AWS_BUCKET_NAME", "",
       "Daily recordings bucket (alias AWS_DAILY_S3_BUCKET)"},
      {"DAILYCO_STORAGE_AWS_REGION", "", "its region (alias AWS_DAILY_S3_REGION)"},
      {"DAILYCO_STORAGE_AWS_ROLE_ARN", "",
       "role Daily assumes to write (alias AWS_DAILY_ROLE_ARN)"},
      {"WHEREBY_API_KEY", "", "Whereby REST API key"},
      {"WHEREBY_API_URL", "https://api.whereby.dev/v1", "Whereby REST base URL"},
      {"WHEREBY_WEBHOOK_SECRET", "", "Whereby webhook secret (plain text)"},
      {"WHEREBY_STORAGE_AWS_BUCKET_NAME", "",
       "Whereby recordings bucket (alias AWS_WHEREBY_S3_BUCKET)"},
      {"WHEREBY_STORAGE_AWS_REGION", "", "its region (alias AWS_WHEREBY_S3_REGION)"},
      {"WHEREBY_STORAGE_AWS_ACCESS_KEY_ID", "",
       "key id handed to Whereby (alias AWS_WHEREBY_ACCESS_KEY_ID)"},
      {"WHEREBY_STORAGE_AWS_SECRET_ACCESS_KEY", "",
       "its secret (alias AWS_WHEREBY_ACCESS_KEY_SECRET)"},
      {"MOCK_WEBHOOK_SECRET", "",
       "signs mock-platform webhook events (generated per run if unset)"},
      {"WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", "300", "webhook replay window, both directions"},
      {"TRANSCRIPT_STORAGE_BACKEND", "local", "where our audio goes: local (DATA_DIR) or aws (S3)"},
      {"TRANSCRIPT_STORAGE_AWS_BUCKET_NAME", "", "S3 bucket (bucket or bucket/folder)"},
      {"TRANSCRIPT_STORAGE_AWS_REGION", "us-east-1", "its region"},
      {"TRANSCRIPT_STORAGE_AWS_ACCESS_KEY_ID", "", "S3 access key id (also used for SQS)"},
      {"TRANSCRIPT_STORAGE_AWS_SECRET_ACCESS_KEY", "", "its secret"},
      {"TRANSCRIPT_STORAGE_AWS_ENDPOINT_URL", "",
       "S3-compatible endpoint (path-style addressing); empty = AWS"},
      {"MAX_RECORDING_BYTES", "4294967296", "larger recordings fail instead of downloading"},
      {"DAILYCO_STORAGE_AWS_ACCESS_KEY_ID", "",
       "key id to read Daily raw tracks (else the transcript-storage key)"},
      {"DAILYCO_STORAGE_AWS_SECRET_ACCESS_KEY", "", "its secret"},
      {"DAILYCO_STORAGE_AWS_ENDPOINT_URL", "", "S3-compatible endpoint of the Daily bucket"},
      {"WHEREBY_STORAGE_AWS_ENDPOINT_URL", "", "S3-compatible endpoint of the Whereby bucket"},
      {"AWS_PROCESS_RECORDING_QUEUE_URL", "", "SQS queue of the Whereby bucket's S3 events"},
      {"SQS_POLLING_TIMEOUT_SECONDS", "60", "how often the SQS queue is polled"},
      {"DAILY_RECORDINGS_POLL_SECONDS", "0",
       "Daily recordings discovery poll interval (0: 180 with a webhook secret, else 15)"},
      {"TRANSCRIPT_BACKEND", "pocketsphinx", "pocketsphinx, openai or none"},
      {"TRANSCRIPT_URL", "", "OpenAI-compatible API base URL (TRANSCRIPT_BACKEND=openai)"},
      {"TRANSCRIPT_MODEL", "", "transcription model name"},
      {"TRANSCRIPT_API_KEY", "", "transcription API key"},
      {"TRANSCRIPT_CHUNK_SECONDS", "600", "longest audio piece sent to the openai backend"},
      {"WORKER_THREADS", "2", "in-process background workers (0 = none)"},
      {"JOB_LEASE_SECONDS", "30", "a job whose worker stopped heartbeating this long runs again"},
      {"JOB_STOP_GRACE_SECONDS", "10", "time running jobs get to finish on SIGTERM"},
      {"DOWNLOAD_ALLOWED_HOSTS", "", "hosts allowed despite private addresses (tests)"},
      {"LOG_FORMAT", "text", "text or json"},
      {"LOG_LEVEL", "info", "trace, debug, info, warn or error"},
  };
  return kVars;
}

}  // namespace reflector
