// Reflector's configuration: one typed struct tree, loaded from the process environment and
// then a `.env` file (the environment wins), validated as a whole at start-up.
//
// Names follow the Python Reflector (contract §2); the seeds' names are accepted as aliases.
// An empty variable counts as unset. Loading reports every problem at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace reflector {

struct HttpConfig {
  std::string host = "127.0.0.1";       // HOST: interface to listen on
  uint16_t port = 1250;                 // PORT: TCP port to listen on
  std::string base_url;                 // BASE_URL: public API URL (default http://HOST:PORT)
  std::string ui_base_url;              // UI_BASE_URL: public UI URL (default BASE_URL)
  bool base_url_configured = false;     // BASE_URL was set (else derived from the bound port)
  bool ui_base_url_configured = false;  // UI_BASE_URL was set
  int threads = 0;                      // HTTP_THREADS: request threads (0: one per core, ≥ 2)
  size_t body_limit_bytes = 1 << 20;    // HTTP_BODY_LIMIT_BYTES: larger bodies get 413
  int request_timeout_seconds = 30;     // HTTP_REQUEST_TIMEOUT_SECONDS: time to send a request
  int idle_timeout_seconds = 60;        // HTTP_IDLE_TIMEOUT_SECONDS: keep-alive idle limit
  int shutdown_grace_seconds = 10;      // HTTP_SHUTDOWN_GRACE_SECONDS: drain time on SIGTERM
  std::string cors_origin = "*";        // CORS_ORIGIN: "*", a comma list of origins, or ""
  bool cors_allow_credentials = false;  // CORS_ALLOW_CREDENTIALS
};

struct DatabaseConfig {
  std::string url =
      "sqlite:///./data/reflector.db";  // DATABASE_URL: sqlite:///path | postgresql://…
  int pool_size = 8;                    // DATABASE_POOL_SIZE: pooled connections
};

struct AuthConfig {
  std::string backend = "none";  // AUTH_BACKEND: none | jwt
  std::string jwt_public_key;    // AUTH_JWT_PUBLIC_KEY: PEM text or path to a PEM file
  std::string jwt_audience;      // AUTH_JWT_AUDIENCE: required `aud` claim (empty = unchecked)
  // ADMIN_USER_IDS: users who may read instance-wide state (GET /v1/jobs). With
  // AUTH_BACKEND=none the local owner always may.
  std::vector<std::string> admin_user_ids;
  // PUBLIC_MODE: anonymous callers may search transcripts (reference §5.5); off = 401.
  bool public_mode = false;
};

struct DailyConfig {
  std::string api_key;                              // DAILY_API_KEY
  std::string api_url = "https://api.daily.co/v1";  // DAILY_API_URL
  std::string webhook_secret;    // DAILY_WEBHOOK_SECRET: base64, as Daily expects
  std::string subdomain;         // DAILY_SUBDOMAIN: optional
  std::string storage_bucket;    // DAILYCO_STORAGE_AWS_BUCKET_NAME (alias AWS_DAILY_S3_BUCKET)
  std::string storage_region;    // DAILYCO_STORAGE_AWS_REGION (alias AWS_DAILY_S3_REGION)
  std::string storage_role_arn;  // DAILYCO_STORAGE_AWS_ROLE_ARN (alias AWS_DAILY_ROLE_ARN)
  bool configured() const { return !api_key.empty(); }
};

struct WherebyConfig {
  std::string api_key;                                 // WHEREBY_API_KEY
  std::string api_url = "https://api.whereby.dev/v1";  // WHEREBY_API_URL
  std::string webhook_secret;                          // WHEREBY_WEBHOOK_SECRET: plain secret
  std::string storage_bucket;  // WHEREBY_STORAGE_AWS_BUCKET_NAME (alias AWS_WHEREBY_S3_BUCKET)
  std::string storage_region;  // WHEREBY_STORAGE_AWS_REGION
  std::string
      storage_access_key_id;  // WHEREBY_STORAGE_AWS_ACCESS_KEY_ID (alias AWS_WHEREBY_ACCESS_KEY_ID)
  std::string storage_secret_access_key;  // WHEREBY_STORAGE_AWS_SECRET_ACCESS_KEY (alias
                                          // AWS_WHEREBY_ACCESS_KEY_SECRET)
  bool configured() const { return !api_key.empty(); }
};

struct PlatformSelectionConfig {
  std::string default_platform;          // DEFAULT_VIDEO_PLATFORM (derived when unset)
  bool daily_migration_enabled = false;  // DAILY_MIGRATION_ENABLED
  std::vector<std::string>
      daily_migration_room_ids;     // DAILY_MIGRATION_ROOM_IDS: JSON array or comma list
  std::string mock_webhook_secret;  // MOCK_WEBHOOK_SECRET: signs mock-platform events
};

// Where our own files go (contract §7.4): TRANSCRIPT_STORAGE_*.
struct StorageConfig {
  std::string backend = "local";  // TRANSCRIPT_STORAGE_BACKEND: local (under DATA_DIR) | aws
  std::string bucket;  // TRANSCRIPT_STORAGE_AWS_BUCKET_NAME ("bucket" or "bucket/folder")
  std::string region = "us-east-1";  // TRANSCRIPT_STORAGE_AWS_REGION
  std::string access_key_id;         // TRANSCRIPT_STORAGE_AWS_ACCESS_KEY_ID
  std::string secret_access_key;     // TRANSCRIPT_STORAGE_AWS_SECRET_ACCESS_KEY
  std::string endpoint_url;  // TRANSCRIPT_STORAGE_AWS_ENDPOINT_URL: S3-compatible store, path-style
};

// Recordings intake (contract §7.1, §7.3).
struct RecordingsConfig {
  int64_t max_recording_bytes = int64_t{4} << 30;  // MAX_RECORDING_BYTES: larger downloads fail
  // DAILYCO_STORAGE_AWS_ACCESS_KEY_ID / _SECRET_ACCESS_KEY (else the transcript-storage keys) and
  // DAILYCO_STORAGE_AWS_ENDPOINT_URL: how we read Daily's raw tracks.
  std::string daily_access_key_id;
  std::string daily_secret_access_key;
  std::string daily_endpoint_url;
  std::string whereby_endpoint_url;  // WHEREBY_STORAGE_AWS_ENDPOINT_URL
  std::string sqs_queue_url;         // AWS_PROCESS_RECORDING_QUEUE_URL: Whereby S3 events (SQS)
  int sqs_poll_seconds = 60;         // SQS_POLLING_TIMEOUT_SECONDS: SQS poll interval
  int daily_poll_seconds = 0;  // DAILY_RECORDINGS_POLL_SECONDS: 0 = 180 with a webhook secret,
                               // else 15 (reference §6.1)
};

struct TranscriptConfig {
  std::string backend = "pocketsphinx";  // TRANSCRIPT_BACKEND: pocketsphinx | openai | none
  std::string url;                       // TRANSCRIPT_URL: OpenAI-compatible base URL
  std::string model;                     // TRANSCRIPT_MODEL
  std::string api_key;                   // TRANSCRIPT_API_KEY
  int chunk_seconds = 600;               // TRANSCRIPT_CHUNK_SECONDS: longest piece sent at once
};

struct LogConfig {
  std::string format = "text";  // LOG_FORMAT: text | json
  std::string level = "info";   // LOG_LEVEL: trace | debug | info | warn | error
};

struct Config {
  std::string data_dir = "./data";  // DATA_DIR: local files
  HttpConfig http;
  DatabaseConfig database;
  AuthConfig auth;
  DailyConfig daily;
  WherebyConfig whereby;
  PlatformSelectionConfig platforms;
  StorageConfig storage;
  RecordingsConfig recordings;
  TranscriptConfig transcript;
  LogConfig log;
  int worker_threads = 2;           // WORKER_THREADS: in-process job workers (0 = none)
  int job_lease_seconds = 30;       // JOB_LEASE_SECONDS: a job whose worker stops heartbeating this
                                    // long is run again by another worker
  int job_stop_grace_seconds = 10;  // JOB_STOP_GRACE_SECONDS: running jobs' time to finish on
                                    // SIGTERM (then they run again elsewhere after their lease)
  int webhook_timestamp_tolerance_seconds = 300;    // WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS
  std::vector<std::string> download_allowed_hosts;  // DOWNLOAD_ALLOWED_HOSTS: private hosts allowed

  // Every secret value that is set, for log redaction.
  std::vector<std::string> Secrets() const;
  // Platform names whose credentials are present, e.g. {"mock", "daily"}.
  std::vector<std::string> ConfiguredPlatforms() const;
};

// Variable name → value. Empty values are dropped by the loaders.
using EnvMap = std::map<std::string, std::string>;

// The process environment.
EnvMap ReadProcessEnvironment();

// Parses `.env` text: `KEY=value`, optional `export `, `#` comments, single/double quotes,
// \n escapes inside double quotes. Returns kInvalidArgument naming the first bad line.
Result<EnvMap> ParseDotEnv(const std::string& text);

// Reads `path` if it exists (a missing file is an empty map).
Result<EnvMap> ReadDotEnvFile(const std::string& path);

// Builds and validates the configuration from `env` (already merged: environment over .env).
// On failure the error message lists every problem, one per line.
Result<Config> LoadConfig(const EnvMap& env);

// Merges: values in `primary` win over `fallback`.
EnvMap MergeEnv(const EnvMap& primary, const EnvMap& fallback);

// One documented variable: used to generate help and to check env.example stays complete.
struct ConfigVariable {
  const char* name;
  const char* default_value;
  const char* meaning;
};
const std::vector<ConfigVariable>& ConfigVariables();

}  // namespace reflector
