// FakeOpenAiTranscriptionServer: a loopback fake of OpenAI's speech-to-text endpoint
// (POST /v1/audio/transcriptions, multipart/form-data) for black-box tests of the "openai"
// transcription backend through the real CurlTransport.
//
// It listens on 127.0.0.1 (port chosen by the OS) on its own threads from construction until
// destruction; url() is a drop-in TRANSCRIPT_URL. Each request is checked the way the real API
// would: multipart body; `file` part a valid RIFF/WAVE of 16-bit PCM, 16 kHz, mono (this is what
// our backend promises to send); `model` non-empty; `response_format` = verbose_json;
// `timestamp_granularities[]` = word; when Options::api_key is set, "Authorization: Bearer <key>"
// (else 401 with OpenAI's "Incorrect API key provided" error). Failures are 400 with OpenAI's
// {"error": {"message", "type": "invalid_request_error", "param", "code"}} body.
//
// Answers are deterministic and derived from the audio: every stretch of sound (10 ms frames with
// RMS above 500, gaps shorter than 0.1 s bridged) becomes one word "word<k>" (k counting from 0
// within the request) with that stretch's start and end in seconds, in verbose_json form:
// {"task":"transcribe","language","duration","text","words":[{word,start,end}],"segments":[…]}.
// So a test that feeds tone bursts at known times can check the times of every word, including
// the shifting of chunk times back to the whole file.
//
// Faults are scripted per request, in call order (Script()); a scripted fault beats the checks.
//
// Thread-safe: the test thread may inspect and script while the server answers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace reflector::fakes {

class FakeOpenAiTranscriptionServer {
 public:
  struct Options {
    std::string api_key;  // empty: no Authorization required
  };

  enum class Fault {
    kStatus,         // answer `status` with `body` (OpenAI error JSON when body is empty)
    kGarbage,        // 200 with an HTML body
    kOutOfOrder,     // the normal words, reversed
    kNegativeTimes,  // the normal words, the first one shifted to start at -0.5 s
    kEmpty,          // a valid answer with no words and no segments
    kSegmentsOnly,   // one segment per word, no "words" array (servers ignoring granularities)
    kHang,           // wait `delay` (or until the server is destroyed) before answering
  };
  struct Script {
    Fault fault = Fault::kStatus;
    int status = 500;
    std::string body;
    std::chrono::milliseconds delay{0};
  };

  // A request as the server saw it.
  struct Request {
    std::string authorization;                  // the Authorization header, "" if none
    std::string content_type;                   // of the request
    std::map<std::string, std::string> fields;  // non-file form fields
    std::string file_name;                      // of the `file` part
    std::string file_content_type;
    std::string wav;         // the `file` part's bytes
    bool wav_valid = false;  // RIFF/WAVE PCM 16-bit 16 kHz mono with consistent sizes
    double wav_seconds = 0;  // length of its audio
    std::string problem;     // why the server rejected it with 400/401, "" if accepted
  };

  FakeOpenAiTranscriptionServer();
  explicit FakeOpenAiTranscriptionServer(Options options);
  ~FakeOpenAiTranscriptionServer();  // wakes hanging handlers, stops the server, joins

  FakeOpenAiTranscriptionServer(const FakeOpenAiTranscriptionServer&) = delete;
  FakeOpenAiTranscriptionServer& operator=(const FakeOpenAiTranscriptionServer&) = delete;

  // "http://127.0.0.1:<port>": the value for TRANSCRIPT_URL.
  std::string url() const;

  // The next request gets `script` instead of the normal answer; scripts queue in call order.
  void Push(Script script);
  void PushStatus(int status, std::string body = {});
  void PushFault(Fault fault);
  void PushHang(std::chrono::milliseconds delay);
  std::size_t pending_scripts() const;

  std::vector<Request> requests() const;
  std::size_t request_count() const;

  // The deterministic answer for a WAV (exposed so tests can state expectations in its terms).
  struct FakeWord {
    std::string word;
    double start = 0;
    double end = 0;
  };
  static std::vector<FakeWord> WordsFor(const std::string& wav);

 private:
  void Handle(const void* http_request, void* http_response);

  const Options options_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable wake_;   // hanging handlers wait on this
  bool stopping_ = false;          // guarded by mu_
  std::deque<Script> scripts_;     // guarded by mu_
  std::vector<Request> requests_;  // guarded by mu_
};

}  // namespace reflector::fakes
