// Probe, OpenDecoded and OpenMp3Writer on files made at test time with the ffmpeg CLI and
// espeak-ng (never downloaded): every container the contract names, broken files, timestamp
// gaps, placement of decoded audio and the MP3 round trip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "media/audio.hpp"
#include "media/ffmpeg.hpp"

namespace reflector::media {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A temporary directory for this test process, removed at exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "media_test_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const fs::path& Dir() {
  static TempDir dir;
  return dir.path();
}

// Runs a shell command; true on exit status 0.
bool RunCommand(const std::string& command) { return std::system(command.c_str()) == 0; }

// Makes `name` in the temp dir with `ffmpeg -y <args> <path>` once per process; returns its path.
std::string Make(const std::string& name, const std::string& args) {
  static std::map<std::string, std::string> made;
  if (auto it = made.find(name); it != made.end()) return it->second;
  const std::string path = (Dir() / name).string();
  const std::string command =
      "ffmpeg -nostdin -hide_banner -loglevel error -y " + args + " '" + path + "'";
  if (!RunCommand(command)) {
    ADD_FAILURE() << "fixture command failed: " << command;
    return path;
  }
  made[name] = path;
  return path;
}

std::string Sine(double frequency, double seconds) {
  return "-f lavfi -i sine=frequency=" + std::to_string(frequency) +
         ":sample_rate=48000:duration=" + std::to_string(seconds);
}

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const std::string path = (Dir() / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

struct Decoded {
  std::vector<float> samples;
  bool truncated = false;
  std::string warning;
};

Decoded DecodeAll(const std::string& path) {
  Decoded decoded;
  auto source = OpenDecoded(path, "test file");
  if (!source) {
    ADD_FAILURE() << source.error().ToString();
    return decoded;
  }
  std::vector<float> buffer(3000);
  while (true) {
    auto n = (*source)->Read(buffer);
    if (!n) {
      ADD_FAILURE() << n.error().ToString();
      break;
    }
    if (*n == 0) break;
    decoded.samples.insert(decoded.samples.end(), buffer.begin(), buffer.begin() + *n);
  }
  decoded.truncated = (*source)->truncated();
  decoded.warning = (*source)->warning();
  return decoded;
}

// Sign changes per second over samples [begin, end).
double CrossingsPerSecond(const std::vector<float>& s, size_t begin, size_t end) {
  int crossings = 0;
  for (size_t i = begin + 1; i < end; ++i) {
    if ((s[i - 1] < 0) != (s[i] < 0)) ++crossings;
  }
  return crossings * static_cast<double>(kSampleRate) / static_cast<double>(end - begin);
}

// Root mean square over samples [begin, end).
double Rms(const std::vector<float>& s, size_t begin, size_t end) {
  double sum = 0;
  for (size_t i = begin; i < end; ++i) sum += static_cast<double>(s[i]) * s[i];
  return std::sqrt(sum / static_cast<double>(end - begin));
}

struct FormatCase {
  std::string file;
  std::string codec_args;
  std::string format_name;
  std::string audio_codec;
};

class FormatTest : public ::testing::TestWithParam<FormatCase> {};

// 3 s of a 1 kHz sine in each container: probe names and duration, decoded length (± one codec
// frame: 50 ms) and the tone's frequency after resampling to 16 kHz (2000 sign changes a second).
TEST_P(FormatTest, ProbesAndDecodesA1kHzSineAt16kHz) {
  const FormatCase& c = GetParam();
  const std::string path = Make(c.file, Sine(1000, 3) + " " + c.codec_args);
  auto info = Probe(path, "test file");
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->format_name, c.format_name);
  EXPECT_EQ(info->audio_codec, c.audio_codec);
  EXPECT_EQ(info->audio_streams, 1);
  EXPECT_NEAR(info->duration_seconds, 3.0, 0.05);

  const Decoded decoded = DecodeAll(path);
  EXPECT_FALSE(decoded.truncated) << decoded.warning;
  EXPECT_NEAR(static_cast<double>(decoded.samples.size()), 3.0 * kSampleRate, 0.05 * kSampleRate);
  ASSERT_GT(decoded.samples.size(), 40'000u);
  EXPECT_NEAR(CrossingsPerSecond(decoded.samples, 8'000, 40'000), 2000.0, 20.0);
  // lavfi's sine has amplitude 1/8: RMS 0.088.
  EXPECT_NEAR(Rms(decoded.samples, 8'000, 40'000), 0.125 / std::sqrt(2.0), 0.01);
}

INSTANTIATE_TEST_SUITE_P(
    Containers, FormatTest,
    ::testing::Values(FormatCase{"opus.webm", "-c:a libopus", "matroska,webm", "opus"},
                      FormatCase{"aac.mp4", "-c:a aac", "mov,mp4,m4a,3gp,3g2,mj2", "aac"},
                      FormatCase{"aac.m4a", "-c:a aac", "mov,mp4,m4a,3gp,3g2,mj2", "aac"},
                      FormatCase{"lame.mp3", "-c:a libmp3lame", "mp3", "mp3"},
                      FormatCase{"pcm.wav", "-c:a pcm_s16le", "wav", "pcm_s16le"},
                      FormatCase{"vorbis.ogg", "-c:a libvorbis", "ogg", "vorbis"},
                      FormatCase{"opus.ogg", "-c:a libopus", "ogg", "opus"},
                      FormatCase{"lossless.flac", "-c:a flac", "flac", "flac"},
                      FormatCase{"stereo44k.mp4", "-ac 2 -ar 44100 -c:a aac",
                                 "mov,mp4,m4a,3gp,3g2,mj2", "aac"}),
    [](const auto& info) {
      std::string name = info.param.file;
      for (char& ch : name) {
        if (ch == '.') ch = '_';
      }
      return name;
    });

TEST(ProbeTest, SpeechFromEspeakInWebmOpus) {
  const std::string wav = (Dir() / "speech.wav").string();
  ASSERT_TRUE(RunCommand("espeak-ng -w '" + wav + "' 'hello from the media layer of reflector'"));
  const std::string webm = Make("speech.webm", "-i '" + wav + "' -c:a libopus");
  auto wav_info = Probe(wav, "speech");
  auto webm_info = Probe(webm, "speech");
  ASSERT_TRUE(wav_info.has_value()) << wav_info.error().ToString();
  ASSERT_TRUE(webm_info.has_value()) << webm_info.error().ToString();
  EXPECT_GT(wav_info->duration_seconds, 1.0);
  EXPECT_NEAR(webm_info->duration_seconds, wav_info->duration_seconds, 0.05);
  const Decoded decoded = DecodeAll(webm);
  EXPECT_NEAR(static_cast<double>(decoded.samples.size()) / kSampleRate, wav_info->duration_seconds,
              0.05);
  EXPECT_GT(Rms(decoded.samples, 0, decoded.samples.size()), 0.01);
}

TEST(ProbeTest, VideoOnlyFileHasNoAudioStream) {
  const std::string path =
      Make("video.mp4", "-f lavfi -i testsrc=duration=1:size=64x64:rate=10 -c:v mpeg4");
  auto info = Probe(path, "recording R");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kInvalidArgument);
  EXPECT_EQ(info.error().message, "recording R: no audio stream in the file");
  auto source = OpenDecoded(path, "recording R");
  ASSERT_FALSE(source.has_value());
  EXPECT_EQ(source.error().message, "recording R: no audio stream in the file");
}

TEST(ProbeTest, EmptyFile) {
  const std::string path = WriteFile("empty.webm", "");
  auto info = Probe(path, "track 2 of recording X");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kInvalidArgument);
  EXPECT_EQ(info.error().message, "track 2 of recording X: empty file");
  EXPECT_FALSE(OpenDecoded(path, "t").has_value());
}

TEST(ProbeTest, MissingFileIsNotFound) {
  auto info = Probe((Dir() / "no-such-file.mp3").string(), "recording X");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kNotFound);
  EXPECT_EQ(info.error().message, "recording X: file not found");
}

TEST(ProbeTest, TextFileNamedMp4IsNotAMediaFile) {
  const std::string path = WriteFile("notes.mp4", "This is a text file, not a video.\n");
  auto info = Probe(path, "recording X");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kInvalidArgument);
  EXPECT_EQ(info.error().message,
            "recording X: not a media file (Invalid data found when processing input)");
}

TEST(ProbeTest, GarbageIsRejectedWithAReason) {
  std::mt19937 random(42);
  std::string bytes(64 * 1024, '\0');
  for (char& b : bytes) b = static_cast<char>(random() & 0xff);
  const std::string path = WriteFile("garbage.mp3", bytes);
  // FFmpeg's own complaints go to our logger at debug level, not to stderr.
  ::testing::internal::CaptureStderr();
  auto source = OpenDecoded(path, "recording X");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ASSERT_FALSE(source.has_value());
  EXPECT_EQ(source.error().code, Code::kInvalidArgument);
  EXPECT_THAT(source.error().message, StartsWith("recording X: "));
  EXPECT_EQ(source.error().message,
            "recording X: not a media file (unrecognised or unsupported format)");
}

TEST(ProbeTest, PlaylistFormatsAreNotOpened) {
  // An HLS playlist would make FFmpeg open other files; only recording containers are read.
  const std::string wav = Make("inner.wav", Sine(440, 1));
  const std::string path =
      WriteFile("playlist.m3u8",
                "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n" + wav + "\n#EXT-X-ENDLIST\n");
  auto info = Probe(path, "recording X");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kInvalidArgument);
  EXPECT_EQ(info.error().message,
            "recording X: not a media file (unrecognised or unsupported format)");
}

TEST(ProbeTest, ImplausibleSampleRateIsRejectedBeforeDecoding) {
  // A wav header claiming 1.95 GHz (found by media_probe_fuzz: the resampler would allocate
  // gigabytes). The sample rate is the 32-bit little-endian field at byte 24 of the header.
  const std::string wav = Make("rate.wav", Sine(440, 0.2) + " -bitexact -c:a pcm_s16le");
  std::ifstream in(wav, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ASSERT_EQ(bytes.substr(12, 4), "fmt ");
  const uint32_t rate = 1'953'578'624;
  for (int i = 0; i < 4; ++i) bytes[24 + i] = static_cast<char>((rate >> (8 * i)) & 0xff);
  const std::string path = WriteFile("rate-broken.wav", bytes);
  auto info = Probe(path, "recording X");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kInvalidArgument);
  EXPECT_EQ(info.error().message,
            "recording X: cannot decode audio (unsupported sample rate 1953578624 Hz)");
}

TEST(ProbeTest, HeaderClaimingGigabytesDoesNotAllocateThem) {
  // 120 bytes of wav whose INFO tag claims 3.7 GB (found by media_probe_fuzz): FFmpeg would
  // zero-fill that much before failing; its allocation cap turns it into an error.
  const std::string bytes(
      "\x52\x49\x46\x46\xc6\x25\x00\x00\x57\x41\x56\x45\x66\x6d\x74\x20"
      "\x10\x00\x00\x00\x01\x01\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00"
      "\x02\x00\x10\x00\x4c\x49\x53\x54\xdf\xff\xff\xff\x49\x4e\x46\x4f"
      "\x49\x53\x46\x54\x0e\x00\x71\x74\x20\x20\x76\x66\x35\x39\x2e\x32"
      "\x37\x2e\x31\x30\x30\x00\x64\x61\x74\x61\x80\x25\xff\xff\x02\xdd"
      "\xc0\x02\x6b\x05\xed\x07\x32\x0a\x2a\x0c\xc5\x0d\xf6\x0e\xb6\x0f"
      "\xf1\x72\x56\x45\x66\x6d\x74\x20\x10\x00\x00\x0f\xf3\xde\xf4\x02"
      "\xf7\x6b\xf9\x05\x6b\xf1\xfc\xbe",
      120);
  const std::string path = WriteFile("huge-info.wav", bytes);
  auto info = Probe(path, "recording X");
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, Code::kInvalidArgument);
  EXPECT_EQ(info.error().message,
            "recording X: not a media file (Invalid data found when processing input)");
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  EXPECT_LT(usage.ru_maxrss, 600 * 1024) << "peak RSS in KiB";
}

TEST(DecodeTest, VideoWithAudioDecodesTheAudio) {
  // The shape of a Daily cloud recording: video and audio in one mp4.
  const std::string path = Make("av.mp4", "-f lavfi -i testsrc=duration=2:size=320x240:rate=25 " +
                                              Sine(1000, 2) + " -c:v mpeg4 -c:a aac -shortest");
  auto info = Probe(path, "recording X");
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->audio_streams, 1);
  EXPECT_EQ(info->audio_codec, "aac");
  const Decoded decoded = DecodeAll(path);
  EXPECT_NEAR(static_cast<double>(decoded.samples.size()), 2.0 * kSampleRate, 0.05 * kSampleRate);
  EXPECT_NEAR(CrossingsPerSecond(decoded.samples, 4'000, 28'000), 2000.0, 20.0);
}

// Keeps the first half of a file's bytes.
std::string FirstHalf(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  return WriteFile(name, bytes.substr(0, bytes.size() / 2));
}

TEST(DecodeTest, TruncatedMp3DecodesUpToTheDamageAndSaysSo) {
  const std::string full = Make("long.mp3", Sine(1000, 10) + " -c:a libmp3lame -b:a 64k");
  const std::string half = FirstHalf(full, "half.mp3");
  const Decoded decoded = DecodeAll(half);
  EXPECT_NEAR(static_cast<double>(decoded.samples.size()) / kSampleRate, 5.0, 0.2);
  EXPECT_TRUE(decoded.truncated);
  EXPECT_THAT(decoded.warning, StartsWith("test file: file ends at "));
  EXPECT_THAT(decoded.warning, HasSubstr("audio kept up to the damage"));
}

TEST(DecodeTest, TruncatedWebmDecodesUpToTheDamage) {
  const std::string full = Make("long.webm", Sine(1000, 10) + " -c:a libopus -b:a 64k");
  const std::string half = FirstHalf(full, "half.webm");
  const Decoded decoded = DecodeAll(half);
  // The cut lands inside a cluster: what precedes it decodes, the rest is reported.
  EXPECT_NEAR(static_cast<double>(decoded.samples.size()) / kSampleRate, 5.0, 0.3);
  EXPECT_TRUE(decoded.truncated);
  EXPECT_THAT(decoded.warning, HasSubstr("audio kept up to the damage"));
}

TEST(DecodeTest, TruncatedMp4WithIndexFirstDecodesUpToTheDamage) {
  const std::string full =
      Make("long-faststart.mp4", Sine(1000, 10) + " -c:a aac -movflags +faststart");
  const Decoded decoded = DecodeAll(FirstHalf(full, "half-faststart.mp4"));
  EXPECT_NEAR(static_cast<double>(decoded.samples.size()) / kSampleRate, 5.0, 0.5);
  EXPECT_TRUE(decoded.truncated);
  EXPECT_THAT(decoded.warning, StartsWith("test file: stopped at "));
}

TEST(DecodeTest, TruncatedMp4WithIndexAtTheEndIsNotAMediaFile) {
  // Without its moov atom (written last by default) nothing of an mp4 can be located.
  const std::string full = Make("long-moov-last.mp4", Sine(1000, 10) + " -c:a aac");
  auto source = OpenDecoded(FirstHalf(full, "half-moov-last.mp4"), "recording X");
  ASSERT_FALSE(source.has_value());
  EXPECT_EQ(source.error().code, Code::kInvalidArgument);
  EXPECT_EQ(source.error().message,
            "recording X: not a media file (Invalid data found when processing input)");
}

// Overwrites 2000 bytes in the middle of a file with seeded noise.
std::string DamagedCopy(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::mt19937 random(7);
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 2000 && i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(random() & 0xff);
  }
  return WriteFile(name, bytes);
}

TEST(DecodeTest, DecodeErrorInTheMiddleEndsTheStreamThere) {
  for (const auto& [file, args] :
       {std::pair<std::string, std::string>{"mid.mp3", "-c:a libmp3lame"},
        {"mid.mp4", "-c:a aac -movflags +faststart"}}) {
    SCOPED_TRACE(file);
    const std::string full = Make(file, Sine(1000, 10) + " " + args);
    const Decoded decoded = DecodeAll(DamagedCopy(full, "damaged-" + file));
    EXPECT_NEAR(static_cast<double>(decoded.samples.size()) / kSampleRate, 5.0, 0.5);
    EXPECT_TRUE(decoded.truncated);
    EXPECT_THAT(decoded.warning, StartsWith("test file: stopped at "));
    EXPECT_THAT(decoded.warning,
                HasSubstr(": cannot decode audio (Invalid data found when processing input); "
                          "audio kept up to the damage"));
  }
}

TEST(DecodeTest, WebmResynchronisesAfterDamagedBytes) {
  // Matroska finds its next cluster after the noise; Opus frames there decode, so nothing is
  // lost beyond the damaged frames and the timeline keeps its length.
  const std::string full = Make("mid.webm", Sine(1000, 10) + " -c:a libopus");
  const Decoded decoded = DecodeAll(DamagedCopy(full, "damaged-mid.webm"));
  EXPECT_NEAR(static_cast<double>(decoded.samples.size()) / kSampleRate, 10.0, 0.05);
  EXPECT_FALSE(decoded.truncated) << decoded.warning;
}

TEST(DecodeTest, FloatSamplesOutOfRangeAreClippedAndNaNIsSilenced) {
  // pcm_f32le: NaN for 0.5 s, then a sine of amplitude 3.
  const std::string path =
      Make("f32.wav",
           "-f lavfi -i \"aevalsrc='if(lt(t\\,0.5)\\,0/0\\,3*sin(2*PI*500*t))':s=48000:d=1\" "
           "-c:a pcm_f32le");
  const Decoded decoded = DecodeAll(path);
  ASSERT_EQ(decoded.samples.size(), 16'000u);
  float max = 0;
  for (float x : decoded.samples) {
    ASSERT_TRUE(x >= -1.0f && x <= 1.0f) << x;
    max = std::max(max, std::fabs(x));
  }
  EXPECT_FLOAT_EQ(max, 1.0f);
  EXPECT_LT(Rms(decoded.samples, 0, 7'000), 1e-6);  // the NaN stretch (filter edge excluded)
}

// A webm whose packet timestamps jump from 1 s to 3 s (frames dropped as Daily does while a
// participant is muted): the decoded stream keeps the 2 s as silence, so the tone after the gap
// comes out at 3 s, not 1 s.
TEST(DecodeTest, TimestampGapBecomesSilence) {
  const std::string path =
      Make("gap.webm",
           "-f lavfi -i \"sine=frequency=1000:sample_rate=48000:duration=5:samples_per_frame=960,"
           "aselect='not(between(t,1,2.99))'\" -c:a libopus");
  const Decoded decoded = DecodeAll(path);
  ASSERT_NEAR(static_cast<double>(decoded.samples.size()), 5.0 * kSampleRate, 0.05 * kSampleRate);
  EXPECT_FALSE(decoded.truncated);
  const auto& s = decoded.samples;
  EXPECT_GT(Rms(s, 1'600, 14'400), 0.08);   // 0.1 .. 0.9 s: tone
  EXPECT_LT(Rms(s, 17'600, 46'400), 1e-3);  // 1.1 .. 2.9 s: silence
  EXPECT_GT(Rms(s, 49'600, 78'400), 0.08);  // 3.1 .. 4.9 s: tone again
  // The tone resumes within 25 ms of 3 s.
  size_t first_loud = 17'600;
  while (first_loud < s.size() && std::fabs(s[first_loud]) < 0.02f) ++first_loud;
  EXPECT_NEAR(static_cast<double>(first_loud), 3.0 * kSampleRate, 0.025 * kSampleRate);
}

// A track whose timestamps start at 5 s (as Daily raw tracks start at the participant's join):
// Probe reports the start time for placement and decoding starts at the first sample.
TEST(DecodeTest, TrackStartingLaterInContainerTime) {
  const std::string path = Make("late.webm", Sine(1000, 2) + " -c:a libopus -output_ts_offset 5");
  auto info = Probe(path, "track 1");
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_NEAR(info->start_time_seconds, 5.0, 0.02);
  const Decoded decoded = DecodeAll(path);
  EXPECT_NEAR(static_cast<double>(decoded.samples.size()), 2.0 * kSampleRate, 0.05 * kSampleRate);
  EXPECT_FALSE(decoded.truncated) << decoded.warning;
}

TEST(DecodeTest, PlacedDecodedToneStartsAtItsOffset) {
  // A tone that starts loud at its first sample (cosine phase), placed at 1.5 s.
  const std::string path =
      Make("click.wav", "-f lavfi -i \"aevalsrc=0.5*cos(2*PI*1000*t):s=48000:d=1\" -c:a pcm_s16le");
  auto source = OpenDecoded(path, "track 1");
  ASSERT_TRUE(source.has_value()) << source.error().ToString();
  auto placed = Place(std::move(*source), 1500);
  std::vector<float> buffer(1000);
  std::vector<float> all;
  while (true) {
    auto n = placed->Read(buffer);
    ASSERT_TRUE(n.has_value());
    if (*n == 0) break;
    all.insert(all.end(), buffer.begin(), buffer.begin() + *n);
  }
  size_t first_loud = 0;
  while (first_loud < all.size() && std::fabs(all[first_loud]) < 0.1f) ++first_loud;
  EXPECT_NEAR(static_cast<double>(first_loud), 24'000.0, 4.0);
  EXPECT_NEAR(static_cast<double>(all.size()), 24'000.0 + 16'000.0, 16.0);
}

TEST(DecodeTest, MixOfTwoDecodedTracksAtOffsets) {
  const std::string low = Make("low.wav", Sine(250, 1) + " -c:a pcm_s16le");
  const std::string high = Make("high.wav", Sine(2000, 1) + " -c:a pcm_s16le");
  auto a = OpenDecoded(low, "track 1");
  auto b = OpenDecoded(high, "track 2");
  ASSERT_TRUE(a.has_value() && b.has_value());
  std::vector<PlacedTrack> tracks;
  tracks.push_back({std::move(*a), 0});
  tracks.push_back({std::move(*b), 2000});
  auto mix = Mix(std::move(tracks));
  WaveformBuilder waveform(3);
  AudioSink* sinks[] = {&waveform};
  auto n = Pump(*mix, sinks);
  ASSERT_TRUE(n.has_value());
  EXPECT_NEAR(static_cast<double>(*n), 3.0 * kSampleRate, 16.0);
  const auto peaks = waveform.Peaks();  // 0-1 s low tone, 1-2 s silence, 2-3 s high tone
  EXPECT_NEAR(peaks[0], 0.125, 0.01);
  EXPECT_LT(peaks[1], 0.01);
  EXPECT_NEAR(peaks[2], 0.125, 0.01);
}

TEST(Mp3WriterTest, WritesAnMp3ThatReadsBackWithItsDurationAndPitch) {
  // 2.5 s of 440 Hz at 16 kHz, generated here.
  std::vector<float> tone(40'000);
  for (size_t i = 0; i < tone.size(); ++i) {
    tone[i] = 0.5f * static_cast<float>(std::sin(2 * M_PI * 440.0 * i / kSampleRate));
  }
  const std::string path = (Dir() / "mix.mp3").string();
  {
    auto writer = OpenMp3Writer(path);
    ASSERT_TRUE(writer.has_value()) << writer.error().ToString();
    // Odd-sized writes, not aligned to the encoder's frames.
    for (size_t i = 0; i < tone.size(); i += 999) {
      const size_t n = std::min<size_t>(999, tone.size() - i);
      ASSERT_TRUE((*writer)->Write(std::span<const float>(tone.data() + i, n)).has_value());
    }
    ASSERT_TRUE((*writer)->Finish().has_value());
  }
  auto info = Probe(path, "mix");
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->format_name, "mp3");
  EXPECT_EQ(info->audio_codec, "mp3");
  // FFmpeg 5.1's mp3 demuxer counts the LAME tag's frames without removing the encoder delay
  // and padding (about 0.09 s at 16 kHz); decoding trims them (checked below).
  EXPECT_NEAR(info->duration_seconds, 2.5, 0.1);
  const Decoded decoded = DecodeAll(path);
  EXPECT_NEAR(static_cast<double>(decoded.samples.size()), 40'000.0, 576.0);
  EXPECT_NEAR(CrossingsPerSecond(decoded.samples, 4'000, 36'000), 880.0, 10.0);
  EXPECT_NEAR(Rms(decoded.samples, 4'000, 36'000), 0.5 / std::sqrt(2.0), 0.03);
}

TEST(Mp3WriterTest, UnwritablePathFails) {
  auto writer = OpenMp3Writer("/nonexistent-dir/mix.mp3");
  ASSERT_FALSE(writer.has_value());
  EXPECT_EQ(writer.error().code, Code::kInternal);
  EXPECT_EQ(writer.error().message,
            "MP3 output: cannot create the file (No such file or directory)");
  EXPECT_EQ(writer.error().detail, "/nonexistent-dir/mix.mp3");
}

TEST(DecodeTest, PumpIntoPcmMp3AndWaveformInOnePass) {
  const std::string path = Make("pass.webm", Sine(1000, 2) + " -c:a libopus");
  auto source = OpenDecoded(path, "recording X");
  ASSERT_TRUE(source.has_value());
  auto pcm = OpenPcmWriter((Dir() / "pass.raw").string());
  auto mp3 = OpenMp3Writer((Dir() / "pass.mp3").string());
  ASSERT_TRUE(pcm.has_value() && mp3.has_value());
  WaveformBuilder waveform(20);
  AudioSink* sinks[] = {pcm->get(), mp3->get(), &waveform};
  auto n = Pump(**source, sinks);
  ASSERT_TRUE(n.has_value()) << n.error().ToString();
  EXPECT_NEAR(static_cast<double>(*n), 32'000.0, 800.0);
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(Dir() / "pass.raw")), 2 * *n);
  EXPECT_EQ(waveform.samples(), *n);
  for (float peak : waveform.Peaks()) EXPECT_NEAR(peak, 0.125, 0.015);
  auto info = Probe((Dir() / "pass.mp3").string(), "mix");
  ASSERT_TRUE(info.has_value());
  EXPECT_NEAR(info->duration_seconds, static_cast<double>(*n) / kSampleRate, 0.1);
}

}  // namespace
}  // namespace reflector::media
