// Sources, sinks and the pump without FFmpeg: placement, mixing, PCM output and waveform peaks
// on signals built in memory.
#include "media/audio.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace reflector::media {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::FloatEq;

// Yields `samples` in reads of at most `step` samples (uneven steps exercise callers' loops).
class VectorSource : public AudioSource {
 public:
  explicit VectorSource(std::vector<float> samples, size_t step = 1000)
      : samples_(std::move(samples)), step_(step) {}
  Result<size_t> Read(std::span<float> out) override {
    const size_t n = std::min({out.size(), step_, samples_.size() - pos_});
    std::copy_n(samples_.begin() + static_cast<long>(pos_), n, out.begin());
    pos_ += n;
    return n;
  }
  bool truncated() const override { return truncated_; }
  std::string warning() const override { return truncated_ ? "cut" : ""; }
  bool truncated_ = false;

 private:
  std::vector<float> samples_;
  size_t step_;
  size_t pos_ = 0;
};

class FailingSource : public AudioSource {
 public:
  Result<size_t> Read(std::span<float>) override {
    return Err(Code::kInvalidArgument, "track 1: cannot decode audio");
  }
};

// Collects everything written.
class CollectSink : public AudioSink {
 public:
  Status Write(std::span<const float> s) override {
    samples.insert(samples.end(), s.begin(), s.end());
    return Ok();
  }
  Status Finish() override {
    ++finished;
    return Ok();
  }
  std::vector<float> samples;
  int finished = 0;
};

std::vector<float> Constant(size_t n, float value) { return std::vector<float>(n, value); }

std::vector<float> ReadAll(AudioSource& source) {
  CollectSink sink;
  AudioSink* sinks[] = {&sink};
  auto n = Pump(source, sinks);
  EXPECT_TRUE(n.has_value()) << (n ? "" : n.error().ToString());
  return sink.samples;
}

TEST(PumpTest, FeedsEverySinkTheSameSamplesAndFinishesThem) {
  std::vector<float> signal(10'000);
  for (size_t i = 0; i < signal.size(); ++i) signal[i] = static_cast<float>(i) / 10'000.0f;
  VectorSource source(signal, 777);
  CollectSink a, b;
  AudioSink* sinks[] = {&a, &b};
  auto n = Pump(source, sinks);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 10'000);
  EXPECT_EQ(a.samples, signal);
  EXPECT_EQ(b.samples, signal);
  EXPECT_EQ(a.finished, 1);
  EXPECT_EQ(b.finished, 1);
}

TEST(PumpTest, ReturnsTheSourceErrorAndDoesNotFinishSinks) {
  FailingSource source;
  CollectSink sink;
  AudioSink* sinks[] = {&sink};
  auto n = Pump(source, sinks);
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Code::kInvalidArgument);
  EXPECT_EQ(n.error().message, "track 1: cannot decode audio");
  EXPECT_EQ(sink.finished, 0);
}

TEST(PlaceTest, PutsSilenceBeforeTheTrack) {
  auto placed = Place(std::make_unique<VectorSource>(Constant(100, 0.5f)), 250);
  auto out = ReadAll(*placed);
  ASSERT_EQ(out.size(), 4000u + 100u);  // 250 ms at 16 kHz, then the track
  EXPECT_THAT(std::vector<float>(out.begin(), out.begin() + 4000), Each(FloatEq(0.0f)));
  EXPECT_THAT(std::vector<float>(out.begin() + 4000, out.end()), Each(FloatEq(0.5f)));
}

TEST(PlaceTest, NegativeOffsetCutsTheTrackBeginning) {
  std::vector<float> track(3200);
  for (size_t i = 0; i < track.size(); ++i) track[i] = i < 1600 ? 0.25f : 0.75f;
  auto placed = Place(std::make_unique<VectorSource>(track, 333), -100);
  auto out = ReadAll(*placed);
  ASSERT_EQ(out.size(), 1600u);
  EXPECT_THAT(out, Each(FloatEq(0.75f)));
}

TEST(PlaceTest, ForwardsTruncation) {
  auto track = std::make_unique<VectorSource>(Constant(10, 0.1f));
  track->truncated_ = true;
  auto placed = Place(std::move(track), 10);
  EXPECT_TRUE(placed->truncated());
  EXPECT_EQ(placed->warning(), "cut");
}

TEST(MixTest, PlacesTracksAtTheirOffsetsAndSumsWithClipping) {
  std::vector<PlacedTrack> tracks;
  tracks.push_back({std::make_unique<VectorSource>(Constant(16'000, 0.5f), 999), 0});  // 0..1 s
  tracks.push_back(
      {std::make_unique<VectorSource>(Constant(16'000, 0.75f), 123), 500});           // 0.5..1.5 s
  tracks.push_back({std::make_unique<VectorSource>(Constant(1'600, -0.25f)), 2000});  // 2..2.1 s
  auto mix = Mix(std::move(tracks));
  auto out = ReadAll(*mix);
  ASSERT_EQ(out.size(), 33'600u);  // ends with the last track: 2.1 s
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_FLOAT_EQ(out[7'999], 0.5f);
  EXPECT_FLOAT_EQ(out[8'000], 1.0f);  // 0.5 + 0.75 clipped
  EXPECT_FLOAT_EQ(out[15'999], 1.0f);
  EXPECT_FLOAT_EQ(out[16'000], 0.75f);
  EXPECT_FLOAT_EQ(out[23'999], 0.75f);
  EXPECT_FLOAT_EQ(out[24'000], 0.0f);  // gap between 1.5 s and 2 s
  EXPECT_FLOAT_EQ(out[31'999], 0.0f);
  EXPECT_FLOAT_EQ(out[32'000], -0.25f);
  EXPECT_FLOAT_EQ(out[33'599], -0.25f);
}

TEST(MixTest, NoTracksIsEmptyAndTruncationIsJoined) {
  auto empty = Mix({});
  EXPECT_TRUE(ReadAll(*empty).empty());

  std::vector<PlacedTrack> tracks;
  auto cut = std::make_unique<VectorSource>(Constant(10, 0.1f));
  cut->truncated_ = true;
  tracks.push_back({std::move(cut), 0});
  tracks.push_back({std::make_unique<VectorSource>(Constant(10, 0.1f)), 0});
  auto mix = Mix(std::move(tracks));
  EXPECT_TRUE(mix->truncated());
  EXPECT_EQ(mix->warning(), "cut");
}

TEST(MixTest, PropagatesATrackError) {
  std::vector<PlacedTrack> tracks;
  tracks.push_back({std::make_unique<VectorSource>(Constant(10, 0.1f)), 0});
  tracks.push_back({std::make_unique<FailingSource>(), 0});
  auto mix = Mix(std::move(tracks));
  std::vector<float> buffer(100);
  auto n = mix->Read(buffer);
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().message, "track 1: cannot decode audio");
}

TEST(PcmWriterTest, WritesClippedSigned16LittleEndian) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("media_pcm_test_" + std::to_string(::getpid()) + ".raw");
  {
    auto writer = OpenPcmWriter(path.string());
    ASSERT_TRUE(writer.has_value()) << writer.error().ToString();
    const float samples[] = {0.0f, 1.0f, -1.0f, 2.0f, -3.0f, 0.25f, -0.5f};
    ASSERT_TRUE((*writer)->Write(samples).has_value());
    ASSERT_TRUE((*writer)->Finish().has_value());
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::filesystem::remove(path);
  ASSERT_EQ(bytes.size(), 14u);
  std::vector<int16_t> values;
  for (size_t i = 0; i < bytes.size(); i += 2) {
    values.push_back(static_cast<int16_t>(bytes[i] | (bytes[i + 1] << 8)));
  }
  EXPECT_THAT(values, ElementsAre(0, 32767, -32767, 32767, -32767, 8192, -16384));
}

TEST(PcmWriterTest, UnwritablePathIsAnInternalError) {
  auto writer = OpenPcmWriter("/nonexistent-dir/x.raw");
  ASSERT_FALSE(writer.has_value());
  EXPECT_EQ(writer.error().code, Code::kInternal);
  EXPECT_EQ(writer.error().message, "cannot create audio file");
}

TEST(WaveformTest, PeaksOfAKnownSignal) {
  // 10 stretches of 1000 samples; stretch k peaks at k/10 (negative on odd stretches).
  std::vector<float> signal(10'000, 0.0f);
  for (size_t k = 0; k < 10; ++k) {
    signal[k * 1000 + 500] = (k % 2 ? -1.0f : 1.0f) * static_cast<float>(k) / 10.0f;
    signal[k * 1000 + 10] = 0.01f;
  }
  WaveformBuilder waveform(10);
  ASSERT_TRUE(waveform.Write(signal).has_value());
  EXPECT_EQ(waveform.samples(), 10'000);
  EXPECT_THAT(
      waveform.Peaks(),
      ElementsAre(FloatEq(0.01f), FloatEq(0.1f), FloatEq(0.2f), FloatEq(0.3f), FloatEq(0.4f),
                  FloatEq(0.5f), FloatEq(0.6f), FloatEq(0.7f), FloatEq(0.8f), FloatEq(0.9f)));
}

TEST(WaveformTest, LongSignalInFixedMemoryKeepsBucketBoundaries) {
  // One hour at 16 kHz written in chunks; bucket b of 255 holds a spike of (b % 10 + 1) / 10.
  constexpr int64_t kTotal = 3600LL * kSampleRate;
  constexpr int64_t kBuckets = 255;
  WaveformBuilder waveform(kBuckets);
  std::vector<float> chunk(4096);
  std::vector<float> expected(kBuckets);
  for (int64_t b = 0; b < kBuckets; ++b) expected[b] = static_cast<float>(b % 10 + 1) / 10.0f;
  for (int64_t start = 0; start < kTotal; start += static_cast<int64_t>(chunk.size())) {
    const auto n = static_cast<size_t>(std::min<int64_t>(chunk.size(), kTotal - start));
    for (size_t i = 0; i < n; ++i) {
      const int64_t s = start + static_cast<int64_t>(i);
      const int64_t b = s * kBuckets / kTotal;
      // The spike sits in the middle of its bucket; elsewhere a low hum.
      const int64_t middle = (b * kTotal / kBuckets + (b + 1) * kTotal / kBuckets) / 2;
      chunk[i] = s == middle ? expected[static_cast<size_t>(b)] : 0.001f;
    }
    ASSERT_TRUE(waveform.Write(std::span<const float>(chunk.data(), n)).has_value());
  }
  EXPECT_EQ(waveform.samples(), kTotal);
  EXPECT_THAT(waveform.Peaks(), ElementsAreArray(expected));
}

TEST(WaveformTest, FewerSamplesThanBucketsAndNoSamples) {
  WaveformBuilder empty(4);
  EXPECT_THAT(empty.Peaks(), ElementsAre(0.0f, 0.0f, 0.0f, 0.0f));

  WaveformBuilder waveform(4);
  const float samples[] = {0.5f, -0.25f};
  ASSERT_TRUE(waveform.Write(samples).has_value());
  EXPECT_THAT(waveform.Peaks(), ElementsAre(0.5f, 0.5f, 0.25f, 0.25f));
}

}  // namespace
}  // namespace reflector::media
