// libFuzzer target: the media layer (media/ffmpeg.hpp) on arbitrary file contents — what a broken
// or hostile recording can contain. Contract §7.3: empty, truncated or garbage files fail with a
// reason, never a crash, hang or leak.
//
// The input is written to a temporary file (Probe and OpenDecoded take paths, like the pipeline),
// probed, then decoded to the end through Place and the waveform. Invariants checked (violations
// trap, which libFuzzer reports): failures are kInvalidArgument with a non-empty message (the
// file exists, so never kNotFound); Probe and OpenDecoded agree on whether the file has audio;
// decoded samples are finite and within [-1, 1]; truncated() always comes with a warning.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "media/audio.hpp"
#include "media/ffmpeg.hpp"

namespace {

const std::string& InputPath() {
  static const std::string path = [] {
    char pattern[] = "/tmp/media_probe_fuzz_XXXXXX";
    const int fd = ::mkstemp(pattern);
    if (fd < 0) std::abort();
    ::close(fd);
    std::atexit([] { std::remove(InputPath().c_str()); });
    return std::string(pattern);
  }();
  return path;
}

// Reading more than this (about 17 minutes of audio) from a small input is a legitimate long
// silence or gap; stop there to keep runs fast.
constexpr int64_t kMaxSamples = 16'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using reflector::Code;
  namespace media = reflector::media;
  const std::string& path = InputPath();
  {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) std::abort();
    if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
    std::fclose(file);
  }

  auto info = media::Probe(path, "fuzz input");
  if (!info) {
    if (info.error().code != Code::kInvalidArgument || info.error().message.empty())
      __builtin_trap();
  }
  auto source = media::OpenDecoded(path, "fuzz input");
  if (!source) {
    if (source.error().code != Code::kInvalidArgument || source.error().message.empty()) {
      __builtin_trap();
    }
    return 0;
  }
  if (!info) __builtin_trap();  // decodable but not probeable

  auto placed = media::Place(std::move(*source), 10);
  media::WaveformBuilder waveform(16);
  std::vector<float> buffer(8192);
  int64_t total = 0;
  while (total < kMaxSamples) {
    auto n = placed->Read(buffer);
    if (!n) {
      if (n.error().message.empty()) __builtin_trap();
      break;
    }
    if (*n == 0) break;
    if (*n > buffer.size()) __builtin_trap();
    for (size_t i = 0; i < *n; ++i) {
      if (!(buffer[i] >= -1.0f && buffer[i] <= 1.0f)) __builtin_trap();  // NaN fails too
    }
    (void)waveform.Write(std::span<const float>(buffer.data(), *n));
    total += static_cast<int64_t>(*n);
  }
  if (placed->truncated() && placed->warning().empty()) __builtin_trap();
  if (waveform.Peaks().size() != 16) __builtin_trap();
  return 0;
}
