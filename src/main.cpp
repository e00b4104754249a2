// reflector: command-line entry point. Parses flags and hands over to app/.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "app/app.hpp"

namespace {

constexpr const char* kDescription =
    "Reflector: hold meetings on Whereby, Daily.co or a built-in mock behind one API, follow\n"
    "who joins through the providers' signed webhooks, and turn recordings into transcripts.\n"
    "Configuration comes from the environment, then a .env file (see env.example).";

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli(kDescription, "reflector");
  cli.set_version_flag("--version", std::string("reflector ") + REFLECTOR_VERSION);
  cli.require_subcommand(1);
  std::string env_file = ".env";
  cli.add_option("--env-file", env_file, "Read configuration from this file after the environment")
      ->capture_default_str();

  auto* serve = cli.add_subcommand(
      "serve", "Serve the HTTP API (applies pending migrations first; stops on SIGTERM/SIGINT)");
  std::optional<std::string> host;
  std::optional<int> port;
  serve->add_option("--host", host, "Interface to listen on (overrides HOST)");
  serve->add_option("--port", port, "TCP port, 0 for any free port (overrides PORT)")
      ->check(CLI::Range(0, 65535));

  auto* migrate = cli.add_subcommand("migrate", "Show or change the database schema version");
  std::string action = "status";
  std::optional<int> argument;
  migrate->add_option("action", action, "status | up [VERSION] | down [N]")
      ->check(CLI::IsMember({"status", "up", "down"}))
      ->capture_default_str();
  migrate->add_option("n", argument, "up: target version (default latest); down: steps (default 1)")
      ->check(CLI::PositiveNumber);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return reflector::app::kExitUsage;
  }

  auto config = reflector::app::LoadConfiguration(env_file);
  if (!config) {
    std::fprintf(stderr, "reflector: %s\n", config.error().message.c_str());
    return reflector::app::kExitUsage;
  }
  if (host) config->http.host = *host;
  if (port) config->http.port = static_cast<uint16_t>(*port);

  if (*serve) return reflector::app::Serve(*config);
  if (*migrate) return reflector::app::Migrate(*config, action, argument);
  return reflector::app::kExitUsage;
}
