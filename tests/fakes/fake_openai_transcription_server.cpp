#include "fakes/fake_openai_transcription_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

namespace reflector::fakes {
namespace {

using nlohmann::json;

std::uint32_t U32(const std::string& s, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3])) << 24;
}
std::uint16_t U16(const std::string& s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) |
                                    static_cast<unsigned char>(s[at + 1]) << 8);
}

struct WavInfo {
  std::size_t data_offset = 0;
  std::size_t data_bytes = 0;
};

// Checks a canonical PCM WAV of 16 kHz mono 16-bit; the problem, or "" when fine.
std::string CheckWav(const std::string& wav, WavInfo& info) {
  if (wav.size() < 44) return "file is too short to be a WAV";
  if (wav.compare(0, 4, "RIFF") != 0 || wav.compare(8, 4, "WAVE") != 0) {
    return "file is not a RIFF/WAVE file";
  }
  if (U32(wav, 4) != wav.size() - 8) return "RIFF size does not match the file";
  std::size_t at = 12;
  bool fmt_ok = false;
  while (at + 8 <= wav.size()) {
    const std::string id = wav.substr(at, 4);
    const std::uint32_t size = U32(wav, at + 4);
    if (at + 8 + size > wav.size()) return "chunk " + id + " runs past the end";
    if (id == "fmt ") {
      if (size < 16) return "fmt chunk too short";
      if (U16(wav, at + 8) != 1) return "not integer PCM";
      if (U16(wav, at + 10) != 1) return "not mono";
      if (U32(wav, at + 12) != 16000) return "not 16 kHz";
      if (U32(wav, at + 16) != 32000) return "byte rate is not 32000";
      if (U16(wav, at + 20) != 2) return "block align is not 2";
      if (U16(wav, at + 22) != 16) return "not 16-bit";
      fmt_ok = true;
    } else if (id == "data") {
      if (!fmt_ok) return "data chunk before fmt chunk";
      if (size % 2 != 0) return "odd data size";
      info.data_offset = at + 8;
      info.data_bytes = size;
      return "";
    }
    at += 8 + size + (size % 2);
  }
  return "no data chunk";
}

json OpenAiError(const std::string& message, const std::string& type,
                 const std::string& param = "") {
  return json{{"error",
               {{"message", message},
                {"type", type},
                {"param", param.empty() ? json(nullptr) : json(param)},
                {"code", nullptr}}}};
}

}  // namespace

FakeOpenAiTranscriptionServer::FakeOpenAiTranscriptionServer()
    : FakeOpenAiTranscriptionServer(Options{}) {}

FakeOpenAiTranscriptionServer::FakeOpenAiTranscriptionServer(Options options)
    : options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  server_->Post("/v1/audio/transcriptions", [this](const httplib::Request& req,
                                                   httplib::Response& res) { Handle(&req, &res); });
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_timeout(1);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeOpenAiTranscriptionServer: cannot bind");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op before the accept loop runs, so wait for it before handing out the port.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeOpenAiTranscriptionServer::~FakeOpenAiTranscriptionServer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeOpenAiTranscriptionServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void FakeOpenAiTranscriptionServer::Push(Script script) {
  std::lock_guard lock(mu_);
  scripts_.push_back(std::move(script));
}
void FakeOpenAiTranscriptionServer::PushStatus(int status, std::string body) {
  Push(Script{Fault::kStatus, status, std::move(body), {}});
}
void FakeOpenAiTranscriptionServer::PushFault(Fault fault) { Push(Script{fault, 200, {}, {}}); }
void FakeOpenAiTranscriptionServer::PushHang(std::chrono::milliseconds delay) {
  Push(Script{Fault::kHang, 200, {}, delay});
}
std::size_t FakeOpenAiTranscriptionServer::pending_scripts() const {
  std::lock_guard lock(mu_);
  return scripts_.size();
}
std::vector<FakeOpenAiTranscriptionServer::Request> FakeOpenAiTranscriptionServer::requests()
    const {
  std::lock_guard lock(mu_);
  return requests_;
}
std::size_t FakeOpenAiTranscriptionServer::request_count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

std::vector<FakeOpenAiTranscriptionServer::FakeWord> FakeOpenAiTranscriptionServer::WordsFor(
    const std::string& wav) {
  WavInfo info;
  if (!CheckWav(wav, info).empty()) return {};
  constexpr std::size_t kFrame = 160;  // 10 ms
  constexpr double kLoud = 500;
  constexpr double kBridge = 0.1;
  const std::size_t samples = info.data_bytes / 2;
  std::vector<FakeWord> words;
  std::optional<double> start;
  double last_loud_end = 0;
  for (std::size_t f = 0; f * kFrame < samples; ++f) {
    const std::size_t first = f * kFrame;
    const std::size_t n = std::min(kFrame, samples - first);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto s = static_cast<std::int16_t>(U16(wav, info.data_offset + 2 * (first + i)));
      sum += static_cast<double>(s) * s;
    }
    const bool loud = std::sqrt(sum / static_cast<double>(n)) > kLoud;
    const double t0 = static_cast<double>(first) / 16000;
    const double t1 = static_cast<double>(first + n) / 16000;
    if (loud) {
      if (start && t0 - last_loud_end > kBridge) {
        words.push_back({"word" + std::to_string(words.size()), *start, last_loud_end});
        start.reset();
      }
      if (!start) start = t0;
      last_loud_end = t1;
    }
  }
  if (start) words.push_back({"word" + std::to_string(words.size()), *start, last_loud_end});
  return words;
}

void FakeOpenAiTranscriptionServer::Handle(const void* http_request, void* http_response) {
  const auto& req = *static_cast<const httplib::Request*>(http_request);
  auto& res = *static_cast<httplib::Response*>(http_response);

  Request recorded;
  recorded.authorization = req.get_header_value("Authorization");
  recorded.content_type = req.get_header_value("Content-Type");
  for (const auto& [name, part] : req.files) {
    if (name == "file") {
      recorded.file_name = part.filename;
      recorded.file_content_type = part.content_type;
      recorded.wav = part.content;
    } else {
      recorded.fields[name] = part.content;
    }
  }
  WavInfo info;
  std::string wav_problem = CheckWav(recorded.wav, info);
  recorded.wav_valid = wav_problem.empty();
  recorded.wav_seconds = static_cast<double>(info.data_bytes) / 2 / 16000;

  std::optional<Script> script;
  {
    std::lock_guard lock(mu_);
    if (!scripts_.empty()) {
      script = std::move(scripts_.front());
      scripts_.pop_front();
    }
  }
  if (script && script->fault == Fault::kHang) {
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, script->delay, [this] { return stopping_; });
  }

  auto reject = [&](int status, const std::string& problem, json body) {
    recorded.problem = problem;
    res.status = status;
    res.set_content(body.dump(), "application/json");
  };
  if (script && script->fault == Fault::kStatus) {
    res.status = script->status;
    res.set_content(script->body.empty() ? OpenAiError("scripted failure", "server_error").dump()
                                         : script->body,
                    "application/json");
  } else if (script && script->fault == Fault::kGarbage) {
    res.status = 200;
    res.set_content("<html><body>502 Bad Gateway</body></html>", "text/html");
  } else if (!options_.api_key.empty() && recorded.authorization != "Bearer " + options_.api_key) {
    reject(401, "bad api key",
           OpenAiError("Incorrect API key provided: " +
                           recorded.authorization.substr(
                               std::min<std::size_t>(7, recorded.authorization.size())) +
                           ". You can find your API key at https://platform.openai.com/account.",
                       "invalid_request_error"));
  } else if (!req.is_multipart_form_data()) {
    reject(400, "not multipart",
           OpenAiError("Expected multipart/form-data", "invalid_request_error"));
  } else if (recorded.wav.empty()) {
    reject(400, "no file", OpenAiError("you must provide a file", "invalid_request_error", "file"));
  } else if (!recorded.wav_valid) {
    reject(400, "bad wav: " + wav_problem,
           OpenAiError("Invalid file format: " + wav_problem, "invalid_request_error", "file"));
  } else if (recorded.fields["model"].empty()) {
    reject(400, "no model",
           OpenAiError("you must provide a model parameter", "invalid_request_error", "model"));
  } else if (recorded.fields["response_format"] != "verbose_json") {
    reject(400, "response_format",
           OpenAiError("response_format must be verbose_json here", "invalid_request_error",
                       "response_format"));
  } else if (recorded.fields["timestamp_granularities[]"] != "word") {
    reject(400, "granularity",
           OpenAiError("timestamp_granularities[] must include word", "invalid_request_error",
                       "timestamp_granularities"));
  } else {
    std::vector<FakeWord> words = WordsFor(recorded.wav);
    const Fault fault = script ? script->fault : Fault::kHang;  // kHang: answered normally
    if (fault == Fault::kOutOfOrder) std::reverse(words.begin(), words.end());
    if (fault == Fault::kNegativeTimes && !words.empty()) words.front().start = -0.5;
    if (fault == Fault::kEmpty) words.clear();
    std::string text;
    json word_list = json::array();
    json segments = json::array();
    for (std::size_t i = 0; i < words.size(); ++i) {
      text += (i ? " " : "") + words[i].word;
      word_list.push_back(
          {{"word", words[i].word}, {"start", words[i].start}, {"end", words[i].end}});
      segments.push_back({{"id", i},
                          {"start", words[i].start},
                          {"end", words[i].end},
                          {"text", " " + words[i].word}});
    }
    json body = {{"task", "transcribe"},
                 {"language", recorded.fields.count("language") ? recorded.fields["language"]
                                                                : std::string("english")},
                 {"duration", recorded.wav_seconds},
                 {"text", text}};
    if (fault == Fault::kSegmentsOnly) {
      body["segments"] = segments;
    } else if (fault != Fault::kEmpty) {
      body["words"] = word_list;
      if (!words.empty()) {
        body["segments"] = json::array({{{"id", 0},
                                         {"start", words.front().start},
                                         {"end", words.back().end},
                                         {"text", text}}});
      }
    }
    res.status = 200;
    res.set_content(body.dump(), "application/json");
  }
  std::lock_guard lock(mu_);
  requests_.push_back(std::move(recorded));
}

}  // namespace reflector::fakes
