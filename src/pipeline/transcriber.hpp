// Speech-to-text seam (contract §7.5). The pipeline hands a Transcriber the path of a raw PCM file
// (16 kHz, mono, signed 16-bit little-endian, no header — written by the media layer) and gets
// back the words with their times. Three backends, chosen by TRANSCRIPT_BACKEND in the composition
// root:
//   "pocketsphinx" – embedded, offline, English only, low accuracy (pocketsphinx_transcriber.hpp)
//   "openai"       – an OpenAI-compatible /v1/audio/transcriptions server (openai_transcriber.hpp)
//   "none"         – no words; the rest of the pipeline still runs
//
// Thread-safety: every backend made here is thread-safe — Transcribe may be called from several
// job threads at once on one instance (pocketsphinx builds one decoder per call; openai keeps no
// per-call state in the object and its HttpTransport is thread-safe).
// Ownership: the caller owns the Transcriber; a transport passed in must outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace reflector::net {
class HttpTransport;
}

namespace reflector::pipeline {

// The input format of every Transcriber.
inline constexpr int kPcmSampleRate = 16'000;
inline constexpr int kPcmBytesPerSample = 2;

struct Word {
  std::string text;  // one word as recognised (may carry punctuation for the openai backend)
  double start = 0;  // seconds from the start of the input
  double end = 0;    // seconds from the start of the input; end >= start
};

struct TranscribeProgress {
  double seconds_done = 0;   // audio consumed so far
  double seconds_total = 0;  // length of the input
};

class Transcriber {
 public:
  virtual ~Transcriber() = default;

  // "pocketsphinx" | "openai" | "none".
  virtual std::string_view Name() const = 0;

  // Words of the 16 kHz mono s16le PCM file at `pcm_path`, in time order (sorted by start), with
  // 0 <= start <= end <= the input's duration. `language` is an ISO 639-1 code such as "en" (empty
  // = the backend's default). `progress` (may be empty) is called on the calling thread now and
  // then while the file is worked through, and once at the end with seconds_done == seconds_total.
  // Errors:
  //   kUnavailable        – transient backend failure (5xx, 429, timeout, connection refused,
  //                         unreadable answer): the job retries
  //   kInvalidArgument    – the input or the request is wrong (odd byte count, backend 4xx with
  //                         its message): permanent
  //   kFailedPrecondition – cannot work as configured (missing file or model, unsupported
  //                         language, bad backend URL): permanent
  //   kUnauthenticated    – the backend refused our API key: permanent, the message says so
  virtual Result<std::vector<Word>> Transcribe(
      const std::string& pcm_path, const std::string& language,
      const std::function<void(const TranscribeProgress&)>& progress) = 0;
};

struct OpenAiTranscriberOptions {
  std::string url;                  // TRANSCRIPT_URL: base URL; "/v1/audio/transcriptions" is added
  std::string model = "whisper-1";  // TRANSCRIPT_MODEL
  std::string api_key;              // TRANSCRIPT_API_KEY; "Authorization: Bearer" only when set
  int chunk_seconds = 600;          // TRANSCRIPT_CHUNK_SECONDS: longest piece sent in one request
  // Deadline of one request (upload + recognition of one piece).
  std::chrono::milliseconds request_timeout{std::chrono::minutes(10)};
};

// The embedded recogniser; `model_dir` holds en-us/ (acoustic model), en-us.lm.bin and
// cmudict-en-us.dict as Debian's pocketsphinx-en-us installs them. The model is checked and loaded
// on each Transcribe (about 0.3 s), not here.
std::unique_ptr<Transcriber> MakePocketsphinxTranscriber(
    std::string model_dir = "/usr/share/pocketsphinx/model/en-us");

// `transport` must outlive the Transcriber. Options are used as given (the config layer
// validates them; chunk_seconds below 1 is raised to 1).
std::unique_ptr<Transcriber> MakeOpenAiTranscriber(OpenAiTranscriberOptions options,
                                                   net::HttpTransport& transport);

// Returns no words for any input (the file is not read).
std::unique_ptr<Transcriber> MakeNoneTranscriber();

}  // namespace reflector::pipeline
