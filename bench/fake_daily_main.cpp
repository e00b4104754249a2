// The loopback fake Daily API (tests/fakes/fake_daily_server.hpp) as a process, for benchmark
// scripts that need a Daily account to create meetings against (bench/webhook.sh). Prints the
// DAILY_API_URL and API key on stdout, serves until SIGTERM/SIGINT.
// Usage: fake_daily_api [PRESENCE_DELAY_MS] [RECORDING_ID=DOWNLOAD_URL ...]
//   PRESENCE_DELAY_MS: GET presence answers after that long (a slow Daily);
//   RECORDING_ID=DOWNLOAD_URL: a finished cloud recording whose access link answers that URL
//   (bench/ingest_rss.sh download).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fakes/fake_daily_server.hpp"

int main(int argc, char** argv) {
  reflector::fakes::FakeDailyServer::Options options;
  if (argc > 1) options.presence_delay = std::chrono::milliseconds(std::atol(argv[1]));
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  // Blocked before the server's threads start, so they inherit the mask and sigwait gets them.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  reflector::fakes::FakeDailyServer daily(options);
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "fake_daily_api: expected RECORDING_ID=DOWNLOAD_URL, got %s\n", argv[i]);
      return 2;
    }
    daily.AddRecording({{"id", arg.substr(0, eq)},
                        {"status", "finished"},
                        {"duration", 1},
                        {"test_download_link", arg.substr(eq + 1)}});
  }
  std::printf("%s %s\n", daily.api_url().c_str(), daily.api_key().c_str());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  return 0;
}
