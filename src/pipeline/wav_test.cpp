#include "pipeline/wav.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace reflector::pipeline {
namespace {

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(WavTest, HeaderMatchesTheCanonicalLayout) {
  // 16 kHz mono 16-bit, 4 bytes of data: every field checked byte by byte.
  const std::string expected = "RIFF" + Bytes({40, 0, 0, 0}) + "WAVE" + "fmt " +
                               Bytes({16, 0, 0, 0, 1, 0, 1, 0}) +
                               Bytes({0x80, 0x3e, 0, 0}) +  // 16000
                               Bytes({0x00, 0x7d, 0, 0}) +  // 32000 bytes/s
                               Bytes({2, 0, 16, 0}) + "data" + Bytes({4, 0, 0, 0});
  EXPECT_EQ(WavHeader(4, 16000, 1), expected);
  EXPECT_EQ(WavHeader(4, 16000, 1).size(), kWavHeaderBytes);
}

TEST(WavTest, StereoHeaderHasDoubleBlockAlign) {
  std::string header = WavHeader(0, 48000, 2);
  EXPECT_EQ(header.substr(22, 2), Bytes({2, 0}));
  EXPECT_EQ(header.substr(32, 2), Bytes({4, 0}));
  EXPECT_EQ(header.substr(28, 4), Bytes({0x00, 0xee, 0x02, 0}));  // 192000 bytes/s
}

TEST(WavTest, SamplesAreLittleEndianAfterTheHeader) {
  std::vector<std::int16_t> samples = {0, 1, -1, 32767, -32768, 0x1234};
  std::string wav = MakeWav(samples, 16000);
  ASSERT_EQ(wav.size(), kWavHeaderBytes + 12);
  EXPECT_EQ(wav.substr(kWavHeaderBytes),
            Bytes({0, 0, 1, 0, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x80, 0x34, 0x12}));
  EXPECT_EQ(wav.substr(4, 4), Bytes({48, 0, 0, 0}));  // 36 + 12
}

// ffmpeg reads our WAV back as 16 kHz mono with exactly our samples.
TEST(WavTest, FfmpegDecodesItToTheSameSamples) {
  std::vector<std::int16_t> samples(16000);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i] = static_cast<std::int16_t>((i * 37) % 20000 - 10000);
  }
  auto dir = std::filesystem::temp_directory_path() / ("wav_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto wav_path = dir / "x.wav";
  const auto raw_path = dir / "x.raw";
  {
    std::ofstream out(wav_path, std::ios::binary);
    std::string wav = MakeWav(samples, 16000);
    out.write(wav.data(), static_cast<std::streamsize>(wav.size()));
  }
  const std::string command = "ffmpeg -nostdin -loglevel error -y -i '" + wav_path.string() +
                              "' -f s16le -acodec pcm_s16le '" + raw_path.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(raw_path, std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(raw.size(), samples.size() * 2);
  EXPECT_EQ(raw, MakeWav(samples, 16000).substr(kWavHeaderBytes));
  std::string probe_cmd =
      "ffprobe -v error -show_entries stream=sample_rate,channels -of csv=p=0 '" +
      wav_path.string() + "' > '" + (dir / "probe").string() + "'";
  ASSERT_EQ(std::system(probe_cmd.c_str()), 0);
  std::ifstream probe(dir / "probe");
  std::string line;
  std::getline(probe, line);
  EXPECT_EQ(line, "16000,1");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace reflector::pipeline
