// reflector: command-line entry point. Parses flags and hands over to app/.
#include <CLI/CLI.hpp>
#include <cstdio>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <optional>
#include <string>

#include "app/apikey_command.hpp"
#include "app/app.hpp"
#include "app/daily_webhook_command.hpp"
#include "app/demo_command.hpp"

namespace {

constexpr const char* kDescription =
    "Reflector: hold meetings on Whereby, Daily.co or a built-in mock behind one API, follow\n"
    "who joins through the providers' signed webhooks, and turn recordings into transcripts.\n"
    "Configuration comes from the environment, then a .env file (see env.example).";

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // A request thread's arena keeps up to 8 MiB of freed memory instead of 128 KiB, and blocks
  // up to 4 MiB come from it, not from mmap. With the defaults, the arena gave back a search
  // page's megabytes (its captions, as the database sent them) after each request (madvise),
  // and the next request faulted them in again, zeroed: 22% of the server's CPU for a common
  // word on PostgreSQL (perf), 1 ms of its 4. Setting one threshold stops glibc from raising
  // the mmap threshold by itself, hence both.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
  CLI::App cli(kDescription, "reflector");
  cli.set_version_flag("--version", std::string("reflector ") + REFLECTOR_VERSION);
  cli.require_subcommand(1);
  std::string env_file = ".env";
  cli.add_option("--env-file", env_file, "Read configuration from this file after the environment")
      ->capture_default_str();

  auto* serve = cli.add_subcommand(
      "serve",
      "Serve the HTTP API and WORKER_THREADS job workers (migrates first; stops on SIGTERM)");
  std::optional<std::string> host;
  std::optional<int> port;
  serve->add_option("--host", host, "Interface to listen on (overrides HOST)");
  serve->add_option("--port", port, "TCP port, 0 for any free port (overrides PORT)")
      ->check(CLI::Range(0, 65535));

  auto* demo = cli.add_subcommand(
      "demo", "Run a whole meeting on the embedded defaults and print each step with its time");
  reflector::app::DemoOptions demo_options;
  demo->add_option("--script", demo_options.script, "What espeak-ng says in the recording")
      ->default_str(reflector::app::DefaultDemoScript());
  demo->add_option("--voice", demo_options.voice, "espeak-ng voice")->capture_default_str();
  demo->add_option("--timeout", demo_options.timeout_seconds, "Seconds for the whole run")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600));
  demo->add_flag("--keep", demo_options.keep, "Keep the temporary DATA_DIR afterwards");
  demo->footer(
      "Starts `reflector serve` on a temporary DATA_DIR with the embedded defaults (SQLite, the\n"
      "mock platform, the embedded pocketsphinx recogniser; your environment and .env are not\n"
      "used), then: a room, its mock meeting, signed join/leave events, a sentence spoken by\n"
      "espeak-ng posted as the meeting's recording, its processing, the transcription with a\n"
      "progress line, and a search that finds a spoken word. Exits 1 if any step fails, with the\n"
      "server's last log lines. Needs espeak-ng (scripts/install-deps installs it).");

  auto* worker = cli.add_subcommand(
      "worker", "Run background jobs until SIGTERM/SIGINT, without the HTTP server");
  worker->footer(
      "Jobs are durable rows in the database (GET /v1/jobs lists them). `worker` applies pending\n"
      "migrations, then runs jobs on WORKER_THREADS threads (0 counts as 1). Any number of\n"
      "workers (and `serve` processes, which run WORKER_THREADS in-process workers) may share\n"
      "one database: a job runs on one worker at a time, failed jobs are retried with backoff,\n"
      "and the job of a worker that dies runs again elsewhere after JOB_LEASE_SECONDS. On\n"
      "SIGTERM/SIGINT running jobs get JOB_STOP_GRACE_SECONDS to finish (then they run again\n"
      "elsewhere once their lease expires) and the worker exits 0. To run jobs only in\n"
      "workers, start `serve` with WORKER_THREADS=0.");

  auto* migrate = cli.add_subcommand("migrate", "Show or change the database schema version");
  std::string action = "status";
  std::optional<int> argument;
  migrate->add_option("action", action, "status | up [VERSION] | down [N]")
      ->check(CLI::IsMember({"status", "up", "down"}))
      ->capture_default_str();
  migrate->add_option("n", argument, "up: target version (default latest); down: steps (default 1)")
      ->check(CLI::PositiveNumber);

  auto* apikey = cli.add_subcommand("apikey", "Create, list or revoke API keys (X-API-Key)");
  apikey->require_subcommand(1);
  std::optional<std::string> key_user;
  std::string key_name;
  auto* apikey_create = apikey->add_subcommand(
      "create", "Create a key and print it once (only its SHA-256 and prefix are stored)");
  apikey_create->add_option("--user", key_user,
                            "User the key acts as (default with AUTH_BACKEND=none: local-owner)");
  apikey_create->add_option("--name", key_name, "A label to recognise the key by");
  auto* apikey_list = apikey->add_subcommand("list", "List keys (never the keys themselves)");
  apikey_list->add_option("--user", key_user, "Only this user's keys (default: all)");
  auto* apikey_revoke = apikey->add_subcommand("revoke", "Revoke a key, effective immediately");
  std::string key_id_or_prefix;
  apikey_revoke->add_option("id_or_prefix", key_id_or_prefix, "The key's id or 8-character prefix")
      ->required();

  auto* daily_webhook = cli.add_subcommand(
      "daily-webhook", "Point the Daily.co account's webhook at this deployment, or show it");
  daily_webhook->require_subcommand(1);
  std::string webhook_url;
  auto* daily_webhook_setup = daily_webhook->add_subcommand(
      "setup",
      "Replace the account's webhooks with one for --url (signed with DAILY_WEBHOOK_SECRET). "
      "Daily pings the URL first, so `reflector serve` must be reachable there");
  daily_webhook_setup
      ->add_option("--url", webhook_url,
                   "Public URL of POST /v1/daily/webhook (a bare https://host gets that path)")
      ->required();
  auto* daily_webhook_status =
      daily_webhook->add_subcommand("status", "Show the account's webhooks and their state");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return reflector::app::kExitUsage;
  }

  // The demo runs on the embedded defaults, whatever the environment or .env say.
  if (*demo) return reflector::app::Demo(demo_options);

  auto config = reflector::app::LoadConfiguration(env_file);
  if (!config) {
    std::fprintf(stderr, "reflector: %s\n", config.error().message.c_str());
    return reflector::app::kExitUsage;
  }
  if (host) config->http.host = *host;
  if (port) config->http.port = static_cast<uint16_t>(*port);

  if (*serve) return reflector::app::Serve(*config);
  if (*worker) return reflector::app::Worker(*config);
  if (*migrate) return reflector::app::Migrate(*config, action, argument);
  if (*apikey_create) return reflector::app::ApiKeyCreate(*config, key_user, key_name);
  if (*apikey_list) return reflector::app::ApiKeyList(*config, key_user);
  if (*apikey_revoke) return reflector::app::ApiKeyRevoke(*config, key_id_or_prefix);
  if (*daily_webhook_setup) return reflector::app::DailyWebhookSetup(*config, webhook_url);
  if (*daily_webhook_status) return reflector::app::DailyWebhookStatus(*config);
  return reflector::app::kExitUsage;
}
