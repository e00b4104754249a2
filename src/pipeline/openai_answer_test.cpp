#include <gtest/gtest.h>

#include "net/http_transport.hpp"
#include "pipeline/openai_transcriber.hpp"

namespace reflector::pipeline {
namespace {

using detail::ErrorForStatus;
using detail::ErrorForTransportFailure;
using detail::ParseTranscriptionAnswer;

std::string Render(const std::vector<Word>& words) {
  std::string out;
  char buf[64];
  for (const auto& w : words) {
    std::snprintf(buf, sizeof buf, "%.2f-%.2f", w.start, w.end);
    if (!out.empty()) out += " ";
    out += w.text + "@" + buf;
  }
  return out;
}

struct ParseCase {
  const char* name;
  const char* body;
  const char* expected;  // Render() of the words, or nullptr when an error is expected
};

TEST(ParseTranscriptionAnswerTest, Table) {
  const ParseCase cases[] = {
      {"openai words", R"({"text":"Hi there","words":[{"word":"Hi","start":0.1,"end":0.4},
         {"word":"there","start":0.5,"end":0.9}],"segments":[{"start":0,"end":1,"text":"x y"}]})",
       "Hi@0.10-0.40 there@0.50-0.90"},
      {"words are trimmed, blank ones dropped",
       R"({"words":[{"word":" Hi ","start":0,"end":1},{"word":"  ","start":1,"end":2}]})",
       "Hi@0.00-1.00"},
      {"out of order words are sorted",
       R"({"words":[{"word":"b","start":2,"end":3},{"word":"a","start":1,"end":2}]})",
       "a@1.00-2.00 b@2.00-3.00"},
      {"negative start clamped, negative end dropped",
       R"({"words":[{"word":"gone","start":-2,"end":-1},{"word":"a","start":-0.5,"end":0.5}]})",
       "a@0.00-0.50"},
      {"end before start raised", R"({"words":[{"word":"a","start":3,"end":2}]})", "a@3.00-3.00"},
      {"times past the piece clamped", R"({"words":[{"word":"a","start":9,"end":12}]})",
       "a@9.00-10.00"},
      {"entries without numeric times dropped",
       R"({"words":[{"word":"a","start":"1","end":2},{"word":"b"},{"word":"c","start":1,"end":2},7]})",
       "c@1.00-2.00"},
      {"segments only: words spread evenly",
       R"({"text":"one two three four","segments":[{"start":1,"end":3,"text":" one two"},
         {"start":4,"end":7,"text":"three four five"}]})",
       "one@1.00-2.00 two@2.00-3.00 three@4.00-5.00 four@5.00-6.00 five@6.00-7.00"},
      {"empty words array falls back to segments",
       R"({"words":[],"segments":[{"start":0,"end":2,"text":"a b"}]})", "a@0.00-1.00 b@1.00-2.00"},
      {"empty transcript", R"({"text":"","words":[],"segments":[]})", ""},
      {"only an empty text", R"({"text":"  "})", ""},
      {"null words and segments", R"({"text":"","words":null,"segments":null})", ""},
      {"garbage", "<html>502 Bad Gateway</html>", nullptr},
      {"truncated json", R"({"words":[{"word":"a","start":0,)", nullptr},
      {"json but not an object", R"(["a"])", nullptr},
      {"words not an array", R"({"words":{"word":"a"}})", nullptr},
      {"segments not an array", R"({"segments":"a b"})", nullptr},
      {"no usable word at all", R"({"words":[{"word":"a"},{"start":1,"end":2}]})", nullptr},
      {"text without words or segments", R"({"text":"hello there"})", nullptr},
  };
  for (const auto& c : cases) {
    auto words = ParseTranscriptionAnswer(c.body, 10.0);
    if (c.expected == nullptr) {
      ASSERT_FALSE(words) << c.name << ": " << Render(*words);
      EXPECT_EQ(words.error().code, Code::kUnavailable) << c.name;
      EXPECT_EQ(words.error().message, "the transcription backend sent an unreadable answer");
    } else {
      ASSERT_TRUE(words) << c.name << ": " << words.error().ToString();
      EXPECT_EQ(Render(*words), c.expected) << c.name;
    }
  }
}

struct StatusCase {
  int status;
  const char* body;
  Code code;
  const char* message_part;
};

TEST(ErrorForStatusTest, Table) {
  const StatusCase cases[] = {
      {401, R"({"error":{"message":"Incorrect API key provided: sk-secret123"}})",
       Code::kUnauthenticated, "refused the API key"},
      {403, "forbidden", Code::kUnauthenticated, "HTTP 403"},
      {408, "", Code::kUnavailable, "HTTP 408"},
      {429, R"({"error":{"message":"Rate limit reached"}})", Code::kUnavailable, "HTTP 429"},
      {500, "boom", Code::kUnavailable, "unavailable (HTTP 500)"},
      {503, "", Code::kUnavailable, "HTTP 503"},
      {400, R"({"error":{"message":"Invalid file format.","type":"invalid_request_error"}})",
       Code::kInvalidArgument, "(HTTP 400): Invalid file format."},
      {413, R"({"error":"Request Entity Too Large"})", Code::kInvalidArgument,
       "(HTTP 413): Request Entity Too Large"},
      {422, R"({"detail":[{"loc":["body","file"],"msg":"field required"}]})",
       Code::kInvalidArgument, "field required"},
      {404, "no such route", Code::kInvalidArgument, "(HTTP 404): no such route"},
      {302, "", Code::kFailedPrecondition, "check TRANSCRIPT_URL"},
  };
  for (const auto& c : cases) {
    Error error = ErrorForStatus(c.status, c.body, "sk-secret123");
    EXPECT_EQ(error.code, c.code) << c.status;
    EXPECT_NE(error.message.find(c.message_part), std::string::npos)
        << c.status << ": " << error.message;
    EXPECT_EQ(error.message.find("sk-secret123"), std::string::npos) << error.message;
    EXPECT_EQ(error.detail.find("sk-secret123"), std::string::npos) << error.detail;
    EXPECT_EQ(error.upstream_status, c.status);
  }
}

TEST(ErrorForStatusTest, BackendMessageIsBoundedAndPrintable) {
  std::string body = "{\"error\":\"" + std::string(5000, 'x') + "\\n\\u0001end\"}";
  Error error = ErrorForStatus(400, body, "");
  EXPECT_LT(error.message.size(), 400u);
  EXPECT_EQ(error.message.find('\n'), std::string::npos);
  EXPECT_EQ(error.code, Code::kInvalidArgument);
}

TEST(ErrorForTransportFailureTest, MapsToRetryableOrConfigurationErrors) {
  auto timeout =
      ErrorForTransportFailure(net::TransportError(Code::kDeadlineExceeded, "timed out", "", true));
  EXPECT_EQ(timeout.code, Code::kUnavailable);
  EXPECT_EQ(timeout.message, "the transcription backend did not answer in time");
  auto refused = ErrorForTransportFailure(
      net::TransportError(Code::kUnavailable, "POST http://x: connection refused", "", false));
  EXPECT_EQ(refused.code, Code::kUnavailable);
  EXPECT_NE(refused.message.find("connection refused"), std::string::npos);
  auto bad_url = ErrorForTransportFailure(
      net::TransportError(Code::kInvalidArgument, "not an http(s) URL", "", false));
  EXPECT_EQ(bad_url.code, Code::kFailedPrecondition);
  auto too_big = ErrorForTransportFailure(
      net::TransportError(Code::kResourceExhausted, "response too large", "", true));
  EXPECT_EQ(too_big.code, Code::kUnavailable);
}

}  // namespace
}  // namespace reflector::pipeline
