// The safe downloader (net/safe_download.hpp: streamed to disk, connect-time address check,
// size cap, read timeout, Range resume) as a command, so bench/download.sh can time it against
// `curl -o` on the same loopback file and measure its peak RSS with /usr/bin/time -v.
//
//   bench_download URL OUTPUT_PATH      (127.0.0.1 is allowed, as DOWNLOAD_ALLOWED_HOSTS would)
#include <cstdio>
#include <string>

#include "net/safe_download.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bench_download URL OUTPUT_PATH\n");
    return 2;
  }
  reflector::net::DownloadOptions options;
  options.allowed_hosts = {"127.0.0.1"};
  options.max_bytes = int64_t{8} << 30;
  auto done = reflector::net::DownloadToFile(argv[1], argv[2], options);
  if (!done) {
    std::fprintf(stderr, "bench_download: %s\n", done.error().ToString().c_str());
    return 1;
  }
  std::printf("%lld bytes in %d attempt(s)\n", static_cast<long long>(done->bytes), done->attempts);
  return 0;
}
