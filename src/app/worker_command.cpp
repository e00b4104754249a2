// `reflector worker`: runs background jobs until SIGTERM/SIGINT, without the HTTP server.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "app/app.hpp"
#include "app/database_setup.hpp"
#include "app/job_handlers.hpp"
#include "app/storages.hpp"
#include "core/log.hpp"
#include "jobs/job_runner.hpp"
#include "net/curl_transport.hpp"
#include "net/retrying_transport.hpp"
#include "platforms/registry.hpp"

namespace reflector::app {

int Worker(const Config& config) {
  InitLogging(config.log, config.Secrets());
  const int threads = config.worker_threads > 0 ? config.worker_threads : 1;

  // Block the stop signals before any thread starts (threads inherit the mask), then wait for
  // them synchronously below: no handler, no global flag.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // One connection per worker thread, one for the heartbeat, one spare.
  auto db = OpenDatabase(config, threads + 2, Migrations::kApply);
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
  jobs::JobRunner runner(**db, clock, JobRunnerOptionsFrom(config, threads));
  RegisterJobHandlers(
      runner, JobHandlerDeps{**db, clock, platforms, config, transport, *storages, *transcriber});
  if (auto started = runner.Start(); !started) {
    spdlog::error("{}", started.error().ToString());
    return kExitFailure;
  }
  std::printf("reflector %s worker %s: %d thread(s), lease %d s\n", REFLECTOR_VERSION,
              runner.worker_id().c_str(), threads, config.job_lease_seconds);
  std::printf("  database:  %s\n", (*db)->Describe().c_str());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info("signal {}: stopping the job runner", signal);
  if (!runner.Stop()) {
    // Handlers still running use the database and the runner: end the process here. Their jobs
    // keep their lease and run again elsewhere once it expires.
    std::fflush(nullptr);
    std::_Exit(kExitOk);
  }
  spdlog::info("bye");
  return kExitOk;
}

}  // namespace reflector::app
