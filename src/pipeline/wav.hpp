// WAV (RIFF, PCM format 1) files made from 16-bit PCM samples in memory — what the openai backend
// uploads for each piece of audio. No FFmpeg involved.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace reflector::pipeline {

inline constexpr std::size_t kWavHeaderBytes = 44;

// The 44-byte canonical header for `data_bytes` bytes of 16-bit little-endian PCM.
std::string WavHeader(std::uint32_t data_bytes, int sample_rate, int channels);

// A whole WAV file: header + samples (little-endian), mono.
std::string MakeWav(std::span<const std::int16_t> samples, int sample_rate);

}  // namespace reflector::pipeline
