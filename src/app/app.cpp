#include "app/app.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "api/auth.hpp"
#include "api/auth_backends.hpp"
#include "api/context.hpp"
#include "api/jobs_routes.hpp"
#include "api/meetings_routes.hpp"
#include "api/mock_routes.hpp"
#include "api/recordings_routes.hpp"
#include "api/rooms_routes.hpp"
#include "api/routes.hpp"
#include "api/search_routes.hpp"
#include "api/system_routes.hpp"
#include "api/transcript_edit_routes.hpp"
#include "api/web_routes.hpp"
#include "api/webhook_routes.hpp"
#include "app/database_setup.hpp"
#include "app/job_handlers.hpp"
#include "app/storages.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/time_format.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "jobs/job_runner.hpp"
#include "net/curl_transport.hpp"
#include "net/retrying_transport.hpp"
#include "platforms/registry.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace reflector::app {
namespace {

// Mock recordings arrive in one request body, held in memory while it is read: a browser's
// microphone recording (Opus, ~30 MB an hour) fits well under this.
constexpr size_t kMaxMockRecordingBytes = size_t{100} << 20;

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

}  // namespace

void RemoveFilesOlderThan(const std::string& dir, std::chrono::seconds age) {
  std::error_code ec;
  const auto cutoff = std::filesystem::file_time_type::clock::now() - age;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::error_code entry_ec;
    if (it->is_regular_file(entry_ec) && it->last_write_time(entry_ec) < cutoff && !entry_ec) {
      std::filesystem::remove(it->path(), entry_ec);
      if (!entry_ec)
        spdlog::info("removed {}, a request body left by an earlier run", it->path().string());
    }
  }
}

Result<Config> LoadConfiguration(const std::string& env_file) {
  auto dotenv = ReadDotEnvFile(env_file);
  if (!dotenv) return Err(dotenv.error());
  return LoadConfig(MergeEnv(ReadProcessEnvironment(), *dotenv));
}

int Serve(const Config& given_config) {
  Config config = given_config;
  if (config.platforms.mock_webhook_secret.empty()) {
    // The mock platform signs its own events; without a configured secret a per-run one will do.
    config.platforms.mock_webhook_secret = RandomUrlSafeToken(32);
  }
  InitLogging(config.log, config.Secrets());
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    spdlog::error("cannot create DATA_DIR {}: {}", config.data_dir, ec.message());
    return kExitFailure;
  }

  auto db = OpenDatabase(config, config.database.pool_size, Migrations::kApply);
  if (!db) {
    spdlog::error("{}", db.error().ToString());
    return kExitFailure;
  }

  SystemClock clock;
  net::CurlTransport curl;
  net::RetryingTransport transport(curl, clock);
  platforms::PlatformRegistry platforms(platforms::PlatformContext{config, transport, clock});
  platforms::RegisterBuiltinPlatforms(platforms);

  auto storages = BuildStorages(config);
  if (!storages) {
    spdlog::error("{}", storages.error().message);
    return kExitUsage;
  }
  auto transcriber = BuildTranscriber(config, curl);

  Metrics metrics;
  http::Router router;
  api::ApiRoutes routes(router, "Reflector", REFLECTOR_VERSION);
  api::RegisterSystemRoutes(routes, **db, metrics);

  // --- authentication (one line builds the Authenticator) ---
  auto made_auth = api::MakeAuthenticator(config, **db, clock);
  if (!made_auth) {
    spdlog::error("{}", made_auth.error().message);
    return made_auth.error().code == Code::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::unique_ptr<api::Authenticator> auth = std::move(*made_auth);
  // --- end authentication ---
  [[maybe_unused]] api::ApiContext context{config, **db, platforms, *auth, clock};
  // Set once the job runner exists (before the server runs): routes that enqueue work wake it.
  jobs::JobRunner* runner_for_notify = nullptr;
  auto notify_jobs = [&runner_for_notify] {
    if (runner_for_notify != nullptr) runner_for_notify->Notify();
  };
  // --- routes (one Register line per routes file) ---
  api::RegisterMockRoutes(routes);
  api::RegisterMeetingRoutes(routes, context);
  api::RegisterRoomRoutes(routes, context);
  api::RegisterJobRoutes(routes, context);
  api::RegisterWebhookRoutes(routes, context);
  api::RegisterRecordingRoutes(
      routes, context,
      {config.data_dir, kMaxMockRecordingBytes, notify_jobs, storages->ours.get()});
  api::RegisterTranscriptEditRoutes(routes, context, {notify_jobs, storages->ours.get()});
  api::RegisterMockCallRoutes(routes, context, router);
  api::RegisterWebApiRoutes(routes, context);
  api::RegisterSearchRoutes(routes, context, {.public_mode = config.auth.public_mode});
  api::InstallWebUi(router, api::EmbeddedWebAssets());  // the web UI at / (after every route)
  // --- end routes ---

  http::ServerOptions options;
  options.host = config.http.host;
  options.port = config.http.port;
  // Handlers that wait (webhook events waiting for their group commit) defer their answer instead
  // of holding a thread, so one thread per core is enough (more only add context switches:
  // docs/performance.md).
  options.threads = config.http.threads > 0
                        ? config.http.threads
                        : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  options.body_limit = config.http.body_limit_bytes;
  options.large_body_routes = {{api::kUploadRoute, api::kUploadBodyLimit},
                               {api::kMockRecordingRoute, kMaxMockRecordingBytes}};
  // Their bodies stream to disk beside the files they become (a rename away for the mock).
  // Bodies a crashed process left behind are removed once older than any request may take
  // (other processes may share DATA_DIR and be receiving theirs now).
  options.spool_dir = (std::filesystem::path(config.data_dir) / "spool").string();
  RemoveFilesOlderThan(options.spool_dir, options.large_body_timeout * 2);
  options.header_timeout = std::chrono::seconds(config.http.request_timeout_seconds);
  options.idle_timeout = std::chrono::seconds(config.http.idle_timeout_seconds);
  options.shutdown_grace = std::chrono::seconds(config.http.shutdown_grace_seconds);
  options.cors_origin = config.http.cors_origin;
  options.cors_allow_credentials = config.http.cors_allow_credentials;
  options.handle_signals = true;
  http::Server server(options, router, metrics);
  if (auto listening = server.Listen(); !listening) {
    spdlog::error("{}", listening.error().message);
    return kExitFailure;
  }

  // Derived public URLs follow the port actually bound (PORT=0, --port), so links the platforms
  // hand out (e.g. mock room URLs) point at this server. Clients are built lazily, after this.
  if (!config.http.base_url_configured) {
    config.http.base_url = fmt::format("http://{}:{}", config.http.host, server.port());
    if (!config.http.ui_base_url_configured) config.http.ui_base_url = config.http.base_url;
  }

  // --- background jobs (WORKER_THREADS in-process workers; `reflector worker` runs more) ---
  jobs::RegisterJobMetrics(metrics, **db);
  std::unique_ptr<jobs::JobRunner> job_runner;
  if (config.worker_threads > 0) {
    job_runner = std::make_unique<jobs::JobRunner>(
        **db, clock, JobRunnerOptionsFrom(config, config.worker_threads), &metrics);
    RegisterJobHandlers(*job_runner, JobHandlerDeps{**db, clock, platforms, config, transport,
                                                    *storages, *transcriber});
    runner_for_notify = job_runner.get();
    if (auto started = job_runner->Start(); !started) {
      spdlog::error("{}", started.error().ToString());
      return kExitFailure;
    }
  }
  // --- end background jobs ---

  // The first line tells a person (and the end-to-end tests) where to find us.
  std::printf("reflector %s listening on http://%s:%u\n", REFLECTOR_VERSION,
              config.http.host.c_str(), static_cast<unsigned>(server.port()));
  std::printf("  database:  %s\n", (*db)->Describe().c_str());
  std::vector<std::string> ready;
  for (const auto& name : platforms.Names()) {
    auto client = platforms.Get(name);
    if (client) {
      ready.push_back(name);
    } else {
      std::printf("  %s:%*s%s\n", name.c_str(), static_cast<int>(10 - name.size()), "",
                  client.error().message.c_str());
    }
  }
  std::printf("  platforms: %s (default for new rooms: %s)\n", Join(ready, ", ").c_str(),
              config.platforms.default_platform.c_str());
  std::printf("  auth:      %s\n", config.auth.backend.c_str());
  std::printf("  workers:   %d\n", config.worker_threads);
  std::fflush(stdout);

  server.Run();
  if (job_runner && !job_runner->Stop()) {
    // Handlers still running use what this function owns: end the process here. Their jobs keep
    // their lease and run again elsewhere once it expires.
    std::fflush(nullptr);
    std::_Exit(kExitOk);
  }
  spdlog::info("bye");
  return kExitOk;
}

int Migrate(const Config& config, const std::string& action, std::optional<int> argument) {
  InitLogging(config.log, config.Secrets());
  auto db = OpenDatabase(config, config.database.pool_size, Migrations::kLeave);
  if (!db) {
    std::fprintf(stderr, "error: %s\n", db.error().message.c_str());
    return kExitFailure;
  }
  if (action == "up") {
    auto applied = store::MigrateUp(**db, argument);
    if (!applied) {
      std::fprintf(stderr, "error: %s\n", applied.error().ToString().c_str());
      return kExitFailure;
    }
    std::printf("applied %d migration(s)\n", *applied);
  } else if (action == "down") {
    auto reverted = store::MigrateDown(**db, argument.value_or(1));
    if (!reverted) {
      std::fprintf(stderr, "error: %s\n", reverted.error().ToString().c_str());
      return kExitFailure;
    }
    std::printf("reverted %d migration(s)\n", *reverted);
  } else if (action != "status") {
    std::fprintf(stderr, "error: unknown migrate action '%s' (use status, up or down N)\n",
                 action.c_str());
    return kExitUsage;
  }
  auto status = store::MigrationStatusList(**db);
  if (!status) {
    std::fprintf(stderr, "error: %s\n", status.error().ToString().c_str());
    return kExitFailure;
  }
  std::printf("database: %s\n", (*db)->Describe().c_str());
  for (const auto& m : *status) {
    std::printf("  %04d %-28s %s\n", m.version, m.name.c_str(),
                m.applied
                    ? ("applied " + (m.applied_at ? FormatIso8601(*m.applied_at) : "")).c_str()
                    : "pending");
  }
  return kExitOk;
}

}  // namespace reflector::app
