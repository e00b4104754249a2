// Reading the raw PCM files the transcribers take (16 kHz mono s16le, no header) in pieces, so a
// long recording never has to fit in memory.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "core/status.hpp"

namespace reflector::pipeline {

class PcmFile {
 public:
  // Opens `path`. Errors: kFailedPrecondition – missing or unreadable file; kInvalidArgument – an
  // odd byte count (not whole 16-bit samples).
  static Result<PcmFile> Open(const std::string& path);

  std::int64_t sample_count() const { return sample_count_; }
  double duration_seconds() const;

  // Reads up to out.size() samples starting at sample `first` into `out`; returns how many were
  // read (fewer only at the end of the file). Errors: kUnavailable – the read failed.
  Result<std::size_t> Read(std::int64_t first, std::span<std::int16_t> out);

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  PcmFile(std::unique_ptr<std::FILE, Closer> file, std::string path, std::int64_t samples)
      : file_(std::move(file)), path_(std::move(path)), sample_count_(samples) {}

  std::unique_ptr<std::FILE, Closer> file_;
  std::string path_;
  std::int64_t sample_count_ = 0;
  std::int64_t position_ = 0;  // next sample the stream is at
};

}  // namespace reflector::pipeline
