// Loopback throughput of S3Storage against FakeS3Server, next to the curl CLI moving the same
// file through the same fake (so the fake's own cost is in both figures).
//   build/bench/storage_bench [size_mb=200] [rounds=3]
// Prints MB/s for upload and download, ours and curl's (best of `rounds`).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "core/ids.hpp"
#include "fakes/fake_s3_server.hpp"
#include "storage/s3_storage.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int Run(const std::string& command) { return std::system(command.c_str()); }

}  // namespace

int main(int argc, char** argv) {
  const long size_mb = argc > 1 ? std::atol(argv[1]) : 200;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  const fs::path dir = fs::temp_directory_path() / ("storage-bench-" + reflector::NewUuid4());
  fs::create_directories(dir);
  const fs::path input = dir / "in.bin";
  {
    std::ofstream out(input, std::ios::binary);
    std::mt19937_64 rng(1);
    std::string block(1 << 20, '\0');
    for (long i = 0; i < size_mb; ++i) {
      for (size_t j = 0; j + 8 <= block.size(); j += 8) {
        const uint64_t v = rng();
        std::memcpy(block.data() + j, &v, 8);
      }
      out.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
  }

  reflector::fakes::FakeS3Server server;
  reflector::storage::S3Config config;
  config.bucket = "test-bucket";
  config.region = server.options().region;
  config.access_key_id = server.options().access_key_id;
  config.secret_access_key = server.options().secret_access_key;
  config.endpoint_url = server.endpoint();
  auto storage = reflector::storage::S3Storage::Create(config);
  if (!storage) {
    std::fprintf(stderr, "%s\n", storage.error().ToString().c_str());
    return 1;
  }
  const std::string auth = "--user '" + config.access_key_id + ":" + config.secret_access_key +
                           "' --aws-sigv4 'aws:amz:" + config.region + ":s3' -H " +
                           "'x-amz-content-sha256: UNSIGNED-PAYLOAD' -sS -f ";
  double best[4] = {1e9, 1e9, 1e9, 1e9};
  for (int round = 0; round < rounds; ++round) {
    auto start = Clock::now();
    if (!(*storage)->PutFile("ours.bin", input.string(), "application/octet-stream")) return 1;
    best[0] = std::min(best[0], Seconds(start));
    start = Clock::now();
    if (!(*storage)->GetToFile("ours.bin", (dir / "ours.out").string())) return 1;
    best[1] = std::min(best[1], Seconds(start));
    start = Clock::now();
    if (Run("curl " + auth + "-T " + input.string() + " " + server.endpoint() +
            "/test-bucket/curl.bin -o /dev/null") != 0) {
      return 1;
    }
    best[2] = std::min(best[2], Seconds(start));
    start = Clock::now();
    if (Run("curl " + auth + server.endpoint() + "/test-bucket/curl.bin -o " +
            (dir / "curl.out").string()) != 0) {
      return 1;
    }
    best[3] = std::min(best[3], Seconds(start));
  }
  const double mb = static_cast<double>(size_mb);
  std::printf("file %ld MB, best of %d rounds (loopback, FakeS3Server in memory)\n", size_mb,
              rounds);
  std::printf("upload   S3Storage %7.1f MB/s   curl CLI %7.1f MB/s\n", mb / best[0], mb / best[2]);
  std::printf("download S3Storage %7.1f MB/s   curl CLI %7.1f MB/s\n", mb / best[1], mb / best[3]);
  fs::remove_all(dir);
  return 0;
}
