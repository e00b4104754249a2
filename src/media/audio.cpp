#include "media/audio.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace reflector::media {
namespace {

// Samples moved per step by Pump and Mix: 4096 floats (256 ms), so memory stays fixed.
constexpr size_t kChunk = 4096;

// Silence, then the track (or the track without its first samples when the offset is negative).
class PlacedSource final : public AudioSource {
 public:
  PlacedSource(std::unique_ptr<AudioSource> track, int64_t offset_samples)
      : track_(std::move(track)),
        silence_(std::max<int64_t>(0, offset_samples)),
        skip_(std::max<int64_t>(0, -offset_samples)) {}

  Result<size_t> Read(std::span<float> out) override {
    if (out.empty()) return 0;
    if (silence_ > 0) {
      const size_t n = static_cast<size_t>(std::min<int64_t>(silence_, std::ssize(out)));
      std::fill_n(out.data(), n, 0.0f);
      silence_ -= static_cast<int64_t>(n);
      return n;
    }
    while (skip_ > 0) {
      const size_t want = static_cast<size_t>(std::min<int64_t>(skip_, std::ssize(out)));
      auto n = track_->Read(out.first(want));
      if (!n) return n;
      if (*n == 0) return 0;
      skip_ -= static_cast<int64_t>(*n);
    }
    return track_->Read(out);
  }
  bool truncated() const override { return track_->truncated(); }
  std::string warning() const override { return track_->warning(); }

 private:
  std::unique_ptr<AudioSource> track_;
  int64_t silence_;
  int64_t skip_;
};

class MixSource final : public AudioSource {
 public:
  explicit MixSource(std::vector<PlacedTrack> tracks) {
    for (auto& track : tracks) {
      if (track.source) inputs_.push_back(Place(std::move(track.source), track.offset_ms));
    }
    done_.assign(inputs_.size(), false);
  }

  Result<size_t> Read(std::span<float> out) override {
    const size_t want = std::min(out.size(), kChunk);
    std::fill_n(out.data(), want, 0.0f);
    size_t longest = 0;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (done_[i]) continue;
      // Fill the whole chunk from this track, so all tracks advance together.
      size_t got = 0;
      while (got < want) {
        auto n = inputs_[i]->Read(std::span<float>(scratch_.data() + got, want - got));
        if (!n) return Err(std::move(n.error()));
        if (*n == 0) {
          done_[i] = true;
          break;
        }
        got += *n;
      }
      for (size_t k = 0; k < got; ++k) out[k] += scratch_[k];
      longest = std::max(longest, got);
    }
    for (size_t k = 0; k < longest; ++k) out[k] = std::clamp(out[k], -1.0f, 1.0f);
    return longest;
  }

  bool truncated() const override {
    return std::any_of(inputs_.begin(), inputs_.end(),
                       [](const auto& s) { return s->truncated(); });
  }
  std::string warning() const override {
    std::string joined;
    for (const auto& input : inputs_) {
      std::string w = input->warning();
      if (w.empty()) continue;
      if (!joined.empty()) joined += "; ";
      joined += w;
    }
    return joined;
  }

 private:
  std::vector<std::unique_ptr<AudioSource>> inputs_;
  std::vector<bool> done_;
  std::array<float, kChunk> scratch_{};
};

class PcmWriter final : public AudioSink {
 public:
  PcmWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  ~PcmWriter() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  Status Write(std::span<const float> samples) override {
    if (file_ == nullptr) return Err(Code::kInternal, "PCM writer is closed", path_);
    std::array<unsigned char, 2 * kChunk> bytes;
    while (!samples.empty()) {
      const size_t n = std::min(samples.size(), kChunk);
      for (size_t i = 0; i < n; ++i) {
        const float clipped = std::clamp(samples[i], -1.0f, 1.0f);
        const auto value = static_cast<int16_t>(std::lrintf(clipped * 32767.0f));
        const auto bits = static_cast<uint16_t>(value);
        bytes[2 * i] = static_cast<unsigned char>(bits & 0xff);
        bytes[2 * i + 1] = static_cast<unsigned char>(bits >> 8);
      }
      if (std::fwrite(bytes.data(), 1, 2 * n, file_) != 2 * n) {
        return Err(Code::kInternal, "cannot write audio file",
                   fmt::format("{}: {}", path_, std::strerror(errno)));
      }
      samples = samples.subspan(n);
    }
    return Ok();
  }

  Status Finish() override {
    if (file_ == nullptr) return Ok();
    const int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) {
      return Err(Code::kInternal, "cannot write audio file",
                 fmt::format("{}: {}", path_, std::strerror(errno)));
    }
    return Ok();
  }

 private:
  std::string path_;
  std::FILE* file_;
};

}  // namespace

int64_t MsToSamples(int64_t ms) { return ms * (kSampleRate / 1000); }

Result<int64_t> Pump(AudioSource& source, std::span<AudioSink* const> sinks) {
  std::array<float, kChunk> buffer;
  int64_t total = 0;
  while (true) {
    auto n = source.Read(buffer);
    if (!n) return Err(std::move(n.error()));
    if (*n == 0) break;
    total += static_cast<int64_t>(*n);
    for (AudioSink* sink : sinks) {
      REFLECTOR_RETURN_IF_ERROR(sink->Write(std::span<const float>(buffer.data(), *n)));
    }
  }
  for (AudioSink* sink : sinks) REFLECTOR_RETURN_IF_ERROR(sink->Finish());
  return total;
}

std::unique_ptr<AudioSource> Place(std::unique_ptr<AudioSource> track, int64_t offset_ms) {
  return std::make_unique<PlacedSource>(std::move(track), MsToSamples(offset_ms));
}

std::unique_ptr<AudioSource> Mix(std::vector<PlacedTrack> tracks) {
  return std::make_unique<MixSource>(std::move(tracks));
}

Result<std::unique_ptr<AudioSink>> OpenPcmWriter(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return Err(Code::kInternal, "cannot create audio file",
               fmt::format("{}: {}", path, std::strerror(errno)));
  }
  return std::unique_ptr<AudioSink>(std::make_unique<PcmWriter>(path, file));
}

WaveformBuilder::WaveformBuilder(size_t buckets)
    : buckets_(std::max<size_t>(buckets, 1)), capacity_(std::max<size_t>(buckets_ * 16, 1024)) {
  fine_.reserve(capacity_);
}

void WaveformBuilder::Fold() {
  // Pairs of fine buckets become one covering twice the samples.
  const size_t half = (fine_.size() + 1) / 2;
  for (size_t i = 0; i < half; ++i) {
    const float a = fine_[2 * i];
    const float b = 2 * i + 1 < fine_.size() ? fine_[2 * i + 1] : 0.0f;
    fine_[i] = std::max(a, b);
  }
  fine_.resize(half);
  span_ *= 2;
}

Status WaveformBuilder::Write(std::span<const float> samples) {
  for (float sample : samples) {
    const float peak = std::min(std::fabs(sample), 1.0f);
    auto index = static_cast<size_t>(samples_ / span_);
    if (index >= fine_.size()) {
      if (fine_.size() == capacity_) {
        Fold();
        index = static_cast<size_t>(samples_ / span_);
      }
      if (index >= fine_.size()) fine_.push_back(0.0f);
    }
    float& slot = fine_[index];
    slot = std::max(slot, peak);
    ++samples_;
  }
  return Ok();
}

std::vector<float> WaveformBuilder::Peaks() const {
  std::vector<float> peaks(buckets_, 0.0f);
  if (samples_ == 0) return peaks;
  const auto n = static_cast<int64_t>(buckets_);
  for (int64_t i = 0; i < n; ++i) {
    // Bucket i covers samples [begin, end), at least one sample.
    const int64_t begin = i * samples_ / n;
    const int64_t end = std::max(begin + 1, (i + 1) * samples_ / n);
    const auto first = static_cast<size_t>(std::min<int64_t>(begin, samples_ - 1) / span_);
    const auto last = static_cast<size_t>((std::min(end, samples_) - 1) / span_);
    float peak = 0.0f;
    for (size_t k = first; k <= last && k < fine_.size(); ++k) peak = std::max(peak, fine_[k]);
    peaks[static_cast<size_t>(i)] = peak;
  }
  return peaks;
}

}  // namespace reflector::media
