// The loopback fake Daily and Whereby APIs (tests/fakes/) as one process, for the web UI's
// end-to-end suite (web/e2e/run.mjs): prints one line
//   <DAILY_API_URL> <DAILY_API_KEY> <WHEREBY_API_URL> <WHEREBY_API_KEY>
// on stdout and serves until SIGTERM/SIGINT.
#include <signal.h>

#include <cstdio>

#include "fakes/fake_daily_server.hpp"
#include "fakes/fake_whereby_server.hpp"

int main() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  // Blocked before the servers' threads start, so they inherit the mask and sigwait gets them.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  reflector::fakes::FakeDailyServer daily;
  reflector::fakes::FakeWherebyServer whereby;
  std::printf("%s %s %s %s\n", daily.api_url().c_str(), daily.api_key().c_str(),
              whereby.api_url().c_str(), whereby.api_key().c_str());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  return 0;
}
