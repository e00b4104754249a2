#include "pipeline/pocketsphinx_transcriber.hpp"

#include <pocketsphinx.h>
#include <sphinxbase/err.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <vector>

#include "pipeline/pcm_file.hpp"
#include "pipeline/silence.hpp"

namespace reflector::pipeline {
namespace {

struct DecoderDeleter {
  void operator()(ps_decoder_t* ps) const { ps_free(ps); }
};
struct ConfigDeleter {
  void operator()(cmd_ln_t* config) const { cmd_ln_free_r(config); }
};

// Below this RMS (about -60 dBFS) a piece holds no speech. Padded tracks (muted gaps filled with
// zeros) are common, and on digital silence the decoder hallucinates words ("dog").
constexpr double kSilenceRms = 30;

bool IsDigitalSilence(std::span<const std::int16_t> samples) {
  if (samples.empty()) return true;
  double sum = 0;
  for (std::int16_t s : samples) sum += static_cast<double>(s) * s;
  return std::sqrt(sum / static_cast<double>(samples.size())) < kSilenceRms;
}

// Sphinxbase logs every step to stderr by default. Its log target is one process-wide FILE*;
// "-logfn" would reopen and close it on every ps_init, racing with decoders on other threads, so
// logging is switched off once, for the whole process, instead.
void SilenceSphinxLogging() {
  static std::once_flag once;
  std::call_once(once, [] { err_set_logfp(nullptr); });
}

bool IsEnglish(const std::string& language) {
  if (language.empty()) return true;
  std::string lower;
  for (char c : language)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "en" || lower.rfind("en-", 0) == 0 || lower.rfind("en_", 0) == 0;
}

class PocketsphinxTranscriber final : public Transcriber {
 public:
  explicit PocketsphinxTranscriber(PocketsphinxOptions options) : options_(std::move(options)) {
    options_.max_utterance_seconds = std::max(options_.max_utterance_seconds, 2.0);
    options_.pause_seconds = std::clamp(options_.pause_seconds, 0.05, 1.0);
  }

  std::string_view Name() const override { return "pocketsphinx"; }

  Result<std::vector<Word>> Transcribe(
      const std::string& pcm_path, const std::string& language,
      const std::function<void(const TranscribeProgress&)>& progress) override {
    if (!IsEnglish(language)) {
      return Err(Code::kFailedPrecondition,
                 "the pocketsphinx transcription backend only recognises English, not \"" +
                     language.substr(0, 16) + "\"");
    }
    auto file = PcmFile::Open(pcm_path);
    if (!file) return Err(std::move(file.error()));

    const std::filesystem::path dir(options_.model_dir);
    const std::string hmm = (dir / "en-us").string();
    const std::string lm = (dir / "en-us.lm.bin").string();
    const std::string dict = (dir / "cmudict-en-us.dict").string();
    for (const std::string& path : {hmm, lm, dict}) {
      std::error_code ec;
      if (!std::filesystem::exists(path, ec)) {
        return Err(Code::kFailedPrecondition, "the pocketsphinx model is not installed",
                   "missing " + path + " (Debian package pocketsphinx-en-us)");
      }
    }
    SilenceSphinxLogging();
    // -remove_silence no: frames then stay aligned with the audio (with yes, frames of silence are
    // dropped and segment times drift); we find the pauses ourselves.
    // cmd_ln_parse_r skips argv[0], the program name.
    std::vector<const char*> argv = {"reflector", "-hmm",  hmm.c_str(),  "-lm",
                                     lm.c_str(),  "-dict", dict.c_str(), "-remove_silence",
                                     "no"};
    // A name given twice is an error to cmd_ln; the last value wins here.
    for (std::size_t i = 0; i < options_.decoder_args.size(); ++i) {
      const auto& [name, value] = options_.decoder_args[i];
      const bool overridden = std::any_of(
          options_.decoder_args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
          options_.decoder_args.end(), [&](const auto& later) { return later.first == name; });
      if (overridden) continue;
      argv.push_back(name.c_str());
      argv.push_back(value.c_str());
    }
    std::unique_ptr<cmd_ln_t, ConfigDeleter> config(
        cmd_ln_parse_r(nullptr, ps_args(), static_cast<int32>(argv.size()),
                       const_cast<char**>(argv.data()), TRUE));
    if (!config) {
      return Err(Code::kFailedPrecondition, "the pocketsphinx decoder settings are invalid",
                 "cmd_ln_parse_r failed for " + options_.model_dir);
    }
    std::unique_ptr<ps_decoder_t, DecoderDeleter> ps(ps_init(config.get()));
    if (!ps) {
      return Err(Code::kFailedPrecondition, "the pocketsphinx model could not be loaded",
                 "ps_init failed for " + options_.model_dir);
    }
    const int frame_rate = cmd_ln_int32_r(config.get(), "-frate");

    const std::int64_t total = file->sample_count();
    const double total_seconds = file->duration_seconds();
    const auto max_samples =
        static_cast<std::size_t>(options_.max_utterance_seconds * kPcmSampleRate);
    const auto pause = static_cast<std::size_t>(options_.pause_seconds * kPcmSampleRate);
    // The cut is looked for in all but the first 1.5 s of the buffer, so utterances are never
    // tiny unless the audio ends.
    const std::size_t search =
        max_samples - std::min<std::size_t>(max_samples / 2, kPcmSampleRate * 3 / 2);

    std::vector<Word> words;
    std::vector<std::int16_t> buffer(max_samples);
    std::size_t buffered = 0;    // samples in buffer[0, buffered) not decoded yet
    std::int64_t next_read = 0;  // next sample of the file to read
    std::int64_t decoded = 0;    // samples decoded so far
    if (progress) progress({0, total_seconds});
    while (decoded < total) {
      auto got = file->Read(next_read, std::span(buffer).subspan(buffered));
      if (!got) return Err(std::move(got.error()));
      buffered += *got;
      next_read += static_cast<std::int64_t>(*got);
      if (buffered == 0) break;  // the file shrank under us
      const bool last = next_read >= total;
      std::size_t cut = buffered;
      if (!last) cut = FindQuietCut(std::span(buffer).first(buffered), pause, search);

      auto piece = std::span<const std::int16_t>(buffer).first(cut);
      if (!IsDigitalSilence(piece)) {
        // full_utt: the whole utterance at once, so cepstral mean normalisation sees all of it.
        if (ps_start_utt(ps.get()) < 0 ||
            ps_process_raw(ps.get(), piece.data(), piece.size(), FALSE, TRUE) < 0 ||
            ps_end_utt(ps.get()) < 0) {
          return Err(Code::kInternal, "speech recognition failed",
                     "pocketsphinx rejected the audio of " + pcm_path);
        }
        // Segment frames count from the utterance's start when it is fed whole (full_utt);
        // checked by PocketsphinxTranscriberTest.TimesAcrossUtterances.
        const double offset = static_cast<double>(decoded) / kPcmSampleRate;
        for (ps_seg_t* seg = ps_seg_iter(ps.get()); seg != nullptr; seg = ps_seg_next(seg)) {
          std::string text = CleanPocketsphinxWord(ps_seg_word(seg));
          if (text.empty()) continue;
          int start_frame = 0;
          int end_frame = 0;
          ps_seg_frames(seg, &start_frame, &end_frame);
          double start = std::clamp(offset + static_cast<double>(start_frame) / frame_rate, 0.0,
                                    total_seconds);
          double end = std::clamp(offset + static_cast<double>(end_frame + 1) / frame_rate, start,
                                  total_seconds);
          words.push_back(Word{std::move(text), start, end});
        }
      }
      decoded += static_cast<std::int64_t>(cut);
      std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(cut),
                buffer.begin() + static_cast<std::ptrdiff_t>(buffered), buffer.begin());
      buffered -= cut;
      if (progress) {
        progress({static_cast<double>(decoded) / kPcmSampleRate, total_seconds});
      }
    }
    std::stable_sort(words.begin(), words.end(),
                     [](const Word& a, const Word& b) { return a.start < b.start; });
    return words;
  }

 private:
  PocketsphinxOptions options_;
};

}  // namespace

std::string CleanPocketsphinxWord(std::string_view token) {
  if (token.empty() || token.front() == '<' || token.front() == '[' || token.rfind("++", 0) == 0) {
    return {};
  }
  if (token.back() == ')') {
    auto open = token.rfind('(');
    if (open != std::string_view::npos && open > 0) token = token.substr(0, open);
  }
  return std::string(token);
}

std::unique_ptr<Transcriber> MakePocketsphinxTranscriber(PocketsphinxOptions options) {
  return std::make_unique<PocketsphinxTranscriber>(std::move(options));
}

std::unique_ptr<Transcriber> MakePocketsphinxTranscriber(std::string model_dir) {
  PocketsphinxOptions options;
  options.model_dir = std::move(model_dir);
  return MakePocketsphinxTranscriber(std::move(options));
}

}  // namespace reflector::pipeline
