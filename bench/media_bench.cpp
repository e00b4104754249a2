// Decode + resample speed of the media layer (media/ffmpeg.hpp) as × real time, on recordings
// generated with the ffmpeg CLI at start-up (never downloaded): a Daily-like raw track (mono
// 48 kHz Opus in WebM) and a cloud-recording-like mp4 (stereo 48 kHz AAC), MEDIA_BENCH_MINUTES
// long (default 10). Also the whole pass the pipeline makes: decode once into PCM, MP3 and
// waveform. Counters: `x_realtime` = seconds of audio per CPU second on one core; `peak_rss_mb` =
// the process's peak RSS so far (run one benchmark per process to compare lengths:
//   build/bench/bench_media --benchmark_filter=BM_Decode/webm).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "media/audio.hpp"
#include "media/ffmpeg.hpp"

namespace {

namespace fs = std::filesystem;
using reflector::media::AudioSink;
using reflector::media::kSampleRate;

int Minutes() {
  const char* value = std::getenv("MEDIA_BENCH_MINUTES");
  return value != nullptr && std::atoi(value) > 0 ? std::atoi(value) : 10;
}

const fs::path& Dir() {
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "media_bench_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    std::atexit([] { fs::remove_all(Dir()); });
    return fs::path(pattern);
  }();
  return dir;
}

// Pink noise with a tone on top: a bitrate closer to speech than a pure tone.
std::string Generate(const std::string& name, const std::string& codec_args) {
  const std::string path = (Dir() / name).string();
  if (fs::exists(path)) return path;
  const int seconds = Minutes() * 60;
  const std::string command =
      "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "
      "\"anoisesrc=c=pink:a=0.1:r=48000:d=" +
      std::to_string(seconds) + "\" -f lavfi -i \"sine=f=220:r=48000:d=" + std::to_string(seconds) +
      "\" -filter_complex amix=inputs=2 " + codec_args + " '" + path + "'";
  if (std::system(command.c_str()) != 0) std::abort();
  return path;
}

std::string Webm() { return Generate("track.webm", "-ac 1 -c:a libopus -b:a 32k"); }
std::string Mp4() { return Generate("cloud.mp4", "-ac 2 -c:a aac -b:a 128k"); }

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

class NullSink : public AudioSink {
 public:
  reflector::Status Write(std::span<const float>) override { return reflector::Ok(); }
  reflector::Status Finish() override { return reflector::Ok(); }
};

void Decode(benchmark::State& state, const std::string& path) {
  int64_t samples = 0;
  for (auto _ : state) {
    auto source = reflector::media::OpenDecoded(path, "bench");
    if (!source) {
      state.SkipWithError(source.error().ToString().c_str());
      return;
    }
    NullSink sink;
    AudioSink* sinks[] = {&sink};
    auto n = reflector::media::Pump(**source, sinks);
    if (!n) {
      state.SkipWithError(n.error().ToString().c_str());
      return;
    }
    samples += *n;
  }
  state.counters["x_realtime"] =
      benchmark::Counter(static_cast<double>(samples) / kSampleRate, benchmark::Counter::kIsRate);
  state.counters["audio_s"] =
      static_cast<double>(samples) / kSampleRate / static_cast<double>(state.iterations());
  state.counters["peak_rss_mb"] = PeakRssMb();
}

void BM_DecodeWebmOpus(benchmark::State& state) { Decode(state, Webm()); }
void BM_DecodeMp4Aac(benchmark::State& state) { Decode(state, Mp4()); }

// The pipeline's single pass: decode, then PCM for the transcriber, MP3 for playback and the
// waveform, all fed by one Pump.
void BM_PipelinePassWebm(benchmark::State& state) {
  const std::string path = Webm();
  int64_t samples = 0;
  for (auto _ : state) {
    auto source = reflector::media::OpenDecoded(path, "bench");
    auto pcm = reflector::media::OpenPcmWriter((Dir() / "out.raw").string());
    auto mp3 = reflector::media::OpenMp3Writer((Dir() / "out.mp3").string());
    if (!source || !pcm || !mp3) {
      state.SkipWithError("cannot open");
      return;
    }
    reflector::media::WaveformBuilder waveform;
    AudioSink* sinks[] = {pcm->get(), mp3->get(), &waveform};
    auto n = reflector::media::Pump(**source, sinks);
    if (!n) {
      state.SkipWithError(n.error().ToString().c_str());
      return;
    }
    samples += *n;
  }
  state.counters["x_realtime"] =
      benchmark::Counter(static_cast<double>(samples) / kSampleRate, benchmark::Counter::kIsRate);
  state.counters["peak_rss_mb"] = PeakRssMb();
}

BENCHMARK(BM_DecodeWebmOpus)->Name("BM_Decode/webm_opus")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeMp4Aac)->Name("BM_Decode/mp4_aac")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PipelinePassWebm)->Name("BM_PipelinePass/webm_opus")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
