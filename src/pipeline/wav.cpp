#include "pipeline/wav.hpp"

namespace reflector::pipeline {
namespace {

void PutU16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}

void PutU32(std::string& out, std::uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace

std::string WavHeader(std::uint32_t data_bytes, int sample_rate, int channels) {
  constexpr std::uint16_t kBitsPerSample = 16;
  const auto block_align = static_cast<std::uint16_t>(channels * kBitsPerSample / 8);
  std::string out;
  out.reserve(kWavHeaderBytes);
  out += "RIFF";
  PutU32(out, 36 + data_bytes);  // size of everything after this field
  out += "WAVE";
  out += "fmt ";
  PutU32(out, 16);  // fmt chunk size for PCM
  PutU16(out, 1);   // format: integer PCM
  PutU16(out, static_cast<std::uint16_t>(channels));
  PutU32(out, static_cast<std::uint32_t>(sample_rate));
  PutU32(out, static_cast<std::uint32_t>(sample_rate) * block_align);  // byte rate
  PutU16(out, block_align);
  PutU16(out, kBitsPerSample);
  out += "data";
  PutU32(out, data_bytes);
  return out;
}

std::string MakeWav(std::span<const std::int16_t> samples, int sample_rate) {
  const auto data_bytes = static_cast<std::uint32_t>(samples.size() * 2);
  std::string out = WavHeader(data_bytes, sample_rate, 1);
  out.reserve(kWavHeaderBytes + data_bytes);
  for (std::int16_t s : samples) PutU16(out, static_cast<std::uint16_t>(s));
  return out;
}

}  // namespace reflector::pipeline
