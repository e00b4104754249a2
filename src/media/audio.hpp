// Audio as a pull stream of 16 kHz mono float samples, and the pieces that move it around
// without FFmpeg: sources (placement in meeting time, mixing), sinks (raw PCM file, waveform
// peaks) and the pump that drives one source into several sinks in a single pass.
//
// Everything here works in fixed memory whatever the recording's length: sources yield samples on
// demand and sinks consume them in chunks. Objects are not thread-safe; one pipeline stage drives
// a source and its sinks from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace reflector::media {

// Everything downstream of decoding is 16 kHz mono float in [-1, 1].
inline constexpr int kSampleRate = 16000;

// A finite stream of 16 kHz mono samples.
class AudioSource {
 public:
  virtual ~AudioSource() = default;
  // Writes up to out.size() (> 0) samples into `out` and returns how many; 0 means the end of the
  // stream (every later call returns 0 too). A short read does not mean the end. Errors carry
  // the role of the file in their message.
  virtual Result<size_t> Read(std::span<float> out) = 0;
  // True when decoding stopped at damage (a truncated or corrupt file) instead of its end; the
  // samples before the damage were delivered. warning() then says what happened, for a log line.
  virtual bool truncated() const { return false; }
  virtual std::string warning() const { return {}; }
};

// A consumer of samples. Write may be called any number of times, then Finish once.
class AudioSink {
 public:
  virtual ~AudioSink() = default;
  virtual Status Write(std::span<const float> samples) = 0;
  // Flushes and closes; the output is complete only after Finish returned ok.
  virtual Status Finish() = 0;
};

// Drives `source` to its end into every sink (each sees the same samples in order), then calls
// Finish on each. Returns the number of samples (duration = samples / kSampleRate). The first
// error of the source or of a sink stops the pass and is returned as is.
Result<int64_t> Pump(AudioSource& source, std::span<AudioSink* const> sinks);

// `track` preceded by offset_ms of silence (negative offsets cut the track's beginning instead).
// Used to transcribe each speaker of a multitrack recording in meeting time. Forwards
// truncated()/warning() of the track.
std::unique_ptr<AudioSource> Place(std::unique_ptr<AudioSource> track, int64_t offset_ms);

// Multitrack placement (contract §7.3): each track starts at offset_ms of meeting time, silence
// fills the gaps, and the output is the sum of all tracks clipped to [-1, 1]. It ends when the
// last track ends. truncated() is true if any track was; warning() joins their warnings.
struct PlacedTrack {
  std::unique_ptr<AudioSource> source;
  int64_t offset_ms = 0;
};
std::unique_ptr<AudioSource> Mix(std::vector<PlacedTrack> tracks);

// The number of samples in `ms` milliseconds at kSampleRate (16 per millisecond).
int64_t MsToSamples(int64_t ms);

// Writes raw signed 16-bit little-endian 16 kHz mono (what the transcriber reads), clipping to
// [-1, 1]. Errors: kInternal when the file cannot be created or written (message names the path).
Result<std::unique_ptr<AudioSink>> OpenPcmWriter(const std::string& path);

// Peaks for the player's waveform: `buckets` values over the whole length, each the largest
// |sample| of its stretch, 0..1. Works in fixed memory without knowing the length in advance: it
// keeps fine buckets and merges them pairwise (each then covering twice the samples) when full.
// With fewer samples than buckets, each sample gets at least one bucket.
class WaveformBuilder : public AudioSink {
 public:
  explicit WaveformBuilder(size_t buckets = 255);
  Status Write(std::span<const float> samples) override;
  Status Finish() override { return Ok(); }
  // Exactly `buckets` values (all 0 when no samples were written).
  std::vector<float> Peaks() const;
  int64_t samples() const { return samples_; }

 private:
  void Fold();

  size_t buckets_;
  std::vector<float> fine_;  // fine_[i] = peak of samples [i * span_, (i + 1) * span_)
  size_t capacity_;
  int64_t span_ = 1;
  int64_t samples_ = 0;
};

}  // namespace reflector::media
