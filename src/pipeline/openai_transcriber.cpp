#include "pipeline/openai_transcriber.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "net/http_transport.hpp"
#include "pipeline/multipart.hpp"
#include "pipeline/pcm_file.hpp"
#include "pipeline/silence.hpp"
#include "pipeline/wav.hpp"

namespace reflector::pipeline {
namespace detail {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxBackendMessage = 300;

std::string Trim(std::string_view text) {
  auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

std::optional<double> Number(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  double value = it->get<double>();
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

// Applies the repairs of the header comment; false when the word is to be dropped.
bool Repair(Word& word, double piece_seconds) {
  if (word.text.empty() || word.end < 0) return false;
  word.start = std::clamp(word.start, 0.0, piece_seconds);
  word.end = std::clamp(word.end, word.start, piece_seconds);
  return true;
}

Error Unreadable(std::string detail) {
  return Error{Code::kUnavailable, "the transcription backend sent an unreadable answer",
               std::move(detail), 0};
}

// Printable, bounded, secret-free text for a message.
std::string Sanitize(std::string text, std::string_view api_key) {
  if (api_key.size() >= 4) {
    for (auto pos = text.find(api_key); pos != std::string::npos; pos = text.find(api_key, pos)) {
      text.replace(pos, api_key.size(), "[redacted]");
    }
  }
  std::string out;
  for (char c : text) {
    if (out.size() >= kMaxBackendMessage) {
      out += "…";
      break;
    }
    out.push_back(std::iscntrl(static_cast<unsigned char>(c)) ? ' ' : c);
  }
  return Trim(out);
}

// The backend's own words for a failure: OpenAI {"error":{"message"}}, {"error":"..."},
// FastAPI {"detail": ...}, {"message": ...}, else the body.
std::string BackendMessage(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_object()) {
    if (auto it = doc.find("error"); it != doc.end()) {
      if (it->is_object() && it->contains("message") && (*it)["message"].is_string()) {
        return (*it)["message"].get<std::string>();
      }
      if (it->is_string()) return it->get<std::string>();
    }
    if (auto it = doc.find("detail"); it != doc.end()) {
      return it->is_string() ? it->get<std::string>() : it->dump();
    }
    if (auto it = doc.find("message"); it != doc.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return std::string(body);
}

}  // namespace

Result<std::vector<Word>> ParseTranscriptionAnswer(std::string_view body, double piece_seconds) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Err(Unreadable("2xx answer is not a JSON object: " +
                          Sanitize(std::string(body.substr(0, 120)), {})));
  }
  std::vector<Word> words;
  const auto words_it = doc.find("words");
  const auto segments_it = doc.find("segments");
  if (words_it != doc.end() && !words_it->is_null() && !words_it->is_array()) {
    return Err(Unreadable("\"words\" is not an array"));
  }
  if (segments_it != doc.end() && !segments_it->is_null() && !segments_it->is_array()) {
    return Err(Unreadable("\"segments\" is not an array"));
  }
  if (words_it != doc.end() && words_it->is_array() && !words_it->empty()) {
    for (const json& item : *words_it) {
      if (!item.is_object() || !item.contains("word") || !item["word"].is_string()) continue;
      auto start = Number(item, "start");
      auto end = Number(item, "end");
      if (!start || !end) continue;
      Word word{Trim(item["word"].get<std::string>()), *start, *end};
      if (Repair(word, piece_seconds)) words.push_back(std::move(word));
    }
    if (words.empty()) return Err(Unreadable("no usable entry in \"words\""));
  } else if (segments_it != doc.end() && segments_it->is_array()) {
    for (const json& segment : *segments_it) {
      if (!segment.is_object() || !segment.contains("text") || !segment["text"].is_string()) {
        continue;
      }
      auto start = Number(segment, "start");
      auto end = Number(segment, "end");
      if (!start || !end) continue;
      auto tokens = SplitWords(segment["text"].get<std::string>());
      const double span = std::max(*end - *start, 0.0);
      const double n = static_cast<double>(tokens.size());
      for (std::size_t i = 0; i < tokens.size(); ++i) {
        const double k = static_cast<double>(i);
        Word word{std::move(tokens[i]), *start + k * span / n, *start + (k + 1) * span / n};
        if (Repair(word, piece_seconds)) words.push_back(std::move(word));
      }
    }
  } else if (auto text = doc.find("text");
             text != doc.end() && text->is_string() && !Trim(text->get<std::string>()).empty()) {
    return Err(Unreadable("answer has text but neither words nor segments"));
  }
  std::stable_sort(words.begin(), words.end(),
                   [](const Word& a, const Word& b) { return a.start < b.start; });
  return words;
}

Error ErrorForStatus(int status, std::string_view body, std::string_view api_key) {
  const std::string said = Sanitize(BackendMessage(body), api_key);
  const std::string status_text = "HTTP " + std::to_string(status);
  Error error;
  error.upstream_status = status;
  error.detail = status_text + ": " + said;
  if (status == 401 || status == 403) {
    error.code = Code::kUnauthenticated;
    error.message =
        "the transcription backend refused the API key (TRANSCRIPT_API_KEY; " + status_text + ")";
  } else if (status == 408 || status == 429 || status >= 500) {
    error.code = Code::kUnavailable;
    error.message = "the transcription backend is unavailable (" + status_text + ")";
  } else if (status >= 400) {
    error.code = Code::kInvalidArgument;
    error.message = "the transcription backend rejected the request (" + status_text +
                    (said.empty() ? ")" : "): " + said);
  } else {
    error.code = Code::kFailedPrecondition;
    error.message = "the transcription backend answered " + status_text +
                    " (redirects are not followed; check TRANSCRIPT_URL)";
  }
  return error;
}

Error ErrorForTransportFailure(const Error& failure) {
  Error error;
  error.detail = failure.ToString();
  switch (failure.code) {
    case Code::kDeadlineExceeded:
      error.code = Code::kUnavailable;
      error.message = "the transcription backend did not answer in time";
      break;
    case Code::kInvalidArgument:
      error.code = Code::kFailedPrecondition;
      error.message =
          "the transcription backend URL is not usable (TRANSCRIPT_URL): " + failure.message;
      break;
    default:
      error.code = Code::kUnavailable;
      error.message = "the transcription backend could not be reached: " + failure.message;
      break;
  }
  return error;
}

}  // namespace detail

namespace {

constexpr double kCutWindowSeconds = 0.5;
constexpr double kCutSearchSeconds = 30;

class OpenAiTranscriber final : public Transcriber {
 public:
  OpenAiTranscriber(OpenAiTranscriberOptions options, net::HttpTransport& transport)
      : options_(std::move(options)), transport_(transport) {
    options_.chunk_seconds = std::max(options_.chunk_seconds, 1);
    while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
  }

  std::string_view Name() const override { return "openai"; }

  Result<std::vector<Word>> Transcribe(
      const std::string& pcm_path, const std::string& language,
      const std::function<void(const TranscribeProgress&)>& progress) override {
    if (options_.url.empty()) {
      return Err(Code::kFailedPrecondition, "the transcription backend URL is not set",
                 "TRANSCRIPT_URL is empty");
    }
    auto file = PcmFile::Open(pcm_path);
    if (!file) return Err(std::move(file.error()));
    const std::int64_t total = file->sample_count();
    const double total_seconds = file->duration_seconds();
    const auto chunk = static_cast<std::size_t>(options_.chunk_seconds) * kPcmSampleRate;
    const auto window = static_cast<std::size_t>(kCutWindowSeconds * kPcmSampleRate);
    const auto search =
        std::min(static_cast<std::size_t>(kCutSearchSeconds * kPcmSampleRate), chunk / 2);

    std::vector<Word> words;
    std::vector<std::int16_t> buffer(
        static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(chunk), total)));
    if (progress) progress({0, total_seconds});
    std::int64_t offset = 0;
    while (offset < total) {
      auto got = file->Read(offset, buffer);
      if (!got) return Err(std::move(got.error()));
      if (*got == 0) break;
      std::size_t piece = *got;
      if (offset + static_cast<std::int64_t>(piece) < total) {
        piece = FindQuietCut(std::span(buffer).first(*got), window, search);
      }
      const double piece_start = static_cast<double>(offset) / kPcmSampleRate;
      auto piece_words = TranscribePiece(std::span(buffer).first(piece), language);
      if (!piece_words) return Err(std::move(piece_words.error()));
      for (Word& word : *piece_words) {
        word.start = std::min(word.start + piece_start, total_seconds);
        word.end = std::min(word.end + piece_start, total_seconds);
        words.push_back(std::move(word));
      }
      offset += static_cast<std::int64_t>(piece);
      if (progress) progress({static_cast<double>(offset) / kPcmSampleRate, total_seconds});
    }
    // Pieces follow each other, but a backend may put a word's start slightly past the piece
    // boundary; keep the contract's order.
    std::stable_sort(words.begin(), words.end(),
                     [](const Word& a, const Word& b) { return a.start < b.start; });
    return words;
  }

 private:
  Result<std::vector<Word>> TranscribePiece(std::span<const std::int16_t> samples,
                                            const std::string& language) const {
    const double seconds = static_cast<double>(samples.size()) / kPcmSampleRate;
    std::string wav = MakeWav(samples, kPcmSampleRate);
    std::vector<MultipartField> fields = {
        {"file", wav, "audio.wav", "audio/wav"},
        {"model", options_.model, {}, {}},
        {"response_format", "verbose_json", {}, {}},
        {"timestamp_granularities[]", "word", {}, {}},
    };
    if (!language.empty()) fields.push_back({"language", language, {}, {}});
    MultipartBody multipart = BuildMultipart(fields);
    wav.clear();
    wav.shrink_to_fit();

    net::OutboundRequest request;
    request.method = "POST";
    request.url = options_.url + "/v1/audio/transcriptions";
    request.headers.push_back({"Content-Type", std::move(multipart.content_type)});
    request.headers.push_back({"Accept", "application/json"});
    if (!options_.api_key.empty()) {
      request.headers.push_back({"Authorization", "Bearer " + options_.api_key});
    }
    request.body = std::move(multipart.body);
    request.timeout = options_.request_timeout;

    auto response = transport_.Send(request);
    if (!response) return Err(detail::ErrorForTransportFailure(response.error()));
    if (response->status < 200 || response->status > 299) {
      return Err(detail::ErrorForStatus(response->status, response->body, options_.api_key));
    }
    return detail::ParseTranscriptionAnswer(response->body, seconds);
  }

  OpenAiTranscriberOptions options_;
  net::HttpTransport& transport_;
};

}  // namespace

std::unique_ptr<Transcriber> MakeOpenAiTranscriber(OpenAiTranscriberOptions options,
                                                   net::HttpTransport& transport) {
  return std::make_unique<OpenAiTranscriber>(std::move(options), transport);
}

}  // namespace reflector::pipeline
