#include "pipeline/pcm_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "pipeline/transcriber.hpp"

namespace reflector::pipeline {

Result<PcmFile> PcmFile::Open(const std::string& path) {
  std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    return Err(Code::kFailedPrecondition, "audio for transcription is missing",
               "cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fileno(file.get()), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Err(Code::kFailedPrecondition, "audio for transcription is not a regular file", path);
  }
  if (st.st_size % kPcmBytesPerSample != 0) {
    return Err(Code::kInvalidArgument, "audio for transcription is not 16-bit PCM (odd byte count)",
               path);
  }
  return PcmFile(std::move(file), path, st.st_size / kPcmBytesPerSample);
}

double PcmFile::duration_seconds() const {
  return static_cast<double>(sample_count_) / kPcmSampleRate;
}

Result<std::size_t> PcmFile::Read(std::int64_t first, std::span<std::int16_t> out) {
  if (first < 0 || first >= sample_count_ || out.empty()) return std::size_t{0};
  if (first != position_) {
    if (fseeko(file_.get(), static_cast<off_t>(first) * kPcmBytesPerSample, SEEK_SET) != 0) {
      return Err(Code::kUnavailable, "could not read the audio for transcription",
                 "seek in " + path_ + ": " + std::strerror(errno));
    }
    position_ = first;
  }
  std::vector<unsigned char> bytes(out.size() * kPcmBytesPerSample);
  std::size_t got = std::fread(bytes.data(), 1, bytes.size(), file_.get());
  if (got < bytes.size() && std::ferror(file_.get())) {
    return Err(Code::kUnavailable, "could not read the audio for transcription",
               "read " + path_ + ": " + std::strerror(errno));
  }
  std::size_t samples = got / kPcmBytesPerSample;
  for (std::size_t i = 0; i < samples; ++i) {
    // Little-endian on disk whatever the host's byte order.
    auto value = static_cast<std::uint16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
    out[i] = static_cast<std::int16_t>(value);
  }
  position_ += static_cast<std::int64_t>(samples);
  return samples;
}

}  // namespace reflector::pipeline
