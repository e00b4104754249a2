// Test-only helpers: speech fixtures generated at test time with espeak-ng and the ffmpeg CLI
// (never downloaded), as 16 kHz mono s16le PCM.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace reflector::pipeline::testing {

// A scratch directory removed on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            (tag + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Samples of `text` spoken by espeak-ng voice `voice` at `wpm`, resampled to 16 kHz mono;
// empty on failure (the caller asserts).
inline std::vector<std::int16_t> Speak(const TempDir& dir, const std::string& text,
                                       const std::string& voice = "en-us", int wpm = 140) {
  const std::string wav = dir.file("speech.wav");
  const std::string pcm = dir.file("speech.pcm");
  const std::string command = "espeak-ng -v '" + voice + "' -s " + std::to_string(wpm) + " -w '" +
                              wav + "' '" + text + "' && ffmpeg -nostdin -loglevel error -y -i '" +
                              wav + "' -ar 16000 -ac 1 -f s16le '" + pcm + "'";
  if (std::system(command.c_str()) != 0) return {};
  std::ifstream in(pcm, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::int16_t> samples(bytes.size() / 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i] = static_cast<std::int16_t>(
        static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[2 * i]) |
                                   (static_cast<unsigned char>(bytes[2 * i + 1]) << 8)));
  }
  return samples;
}

inline void Append(std::vector<std::int16_t>& to, const std::vector<std::int16_t>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

inline void AppendSilence(std::vector<std::int16_t>& to, double seconds) {
  to.insert(to.end(), static_cast<std::size_t>(seconds * 16000), std::int16_t{0});
}

inline std::string WritePcm(const TempDir& dir, const std::string& name,
                            const std::vector<std::int16_t>& samples) {
  const std::string path = dir.file(name);
  std::ofstream out(path, std::ios::binary);
  for (std::int16_t s : samples) {
    const auto u = static_cast<std::uint16_t>(s);
    const char bytes[2] = {static_cast<char>(u & 0xff), static_cast<char>(u >> 8)};
    out.write(bytes, 2);
  }
  return path;
}

}  // namespace reflector::pipeline::testing
