// The openai backend against FakeOpenAiTranscriptionServer through the real CurlTransport. The
// audio is tone bursts at known times; the fake answers one word per burst with the burst's times
// (relative to the piece it received), so every word's final time checks the chunking and the
// shifting of piece times back to the file.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "fakes/fake_openai_transcription_server.hpp"
#include "net/curl_transport.hpp"
#include "pipeline/stt_test_audio.hpp"
#include "pipeline/transcriber.hpp"

namespace reflector::pipeline {
namespace {

using fakes::FakeOpenAiTranscriptionServer;
using testing::TempDir;
using testing::WritePcm;
using Fault = FakeOpenAiTranscriptionServer::Fault;

constexpr double kBurst = 0.4;  // seconds of tone, then 0.6 s of silence

// `seconds` of audio with a 440 Hz burst at every whole second from 1 s on.
std::vector<std::int16_t> Bursts(int seconds) {
  std::vector<std::int16_t> out(static_cast<std::size_t>(seconds) * 16000, 0);
  for (int s = 1; s < seconds; ++s) {
    for (std::size_t i = 0; i < static_cast<std::size_t>(kBurst * 16000); ++i) {
      const double t = static_cast<double>(i) / 16000;
      out[static_cast<std::size_t>(s) * 16000 + i] =
          static_cast<std::int16_t>(8000 * std::sin(2 * M_PI * 440 * t));
    }
  }
  return out;
}

class OpenAiTranscriberTest : public ::testing::Test {
 protected:
  std::unique_ptr<Transcriber> Make(FakeOpenAiTranscriptionServer& server, int chunk_seconds = 600,
                                    std::string api_key = "",
                                    std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    OpenAiTranscriberOptions options;
    options.url = server.url() + "/";  // a trailing slash is tolerated
    options.api_key = std::move(api_key);
    options.chunk_seconds = chunk_seconds;
    options.request_timeout = timeout;
    return MakeOpenAiTranscriber(options, transport_);
  }
  std::string BurstFile(int seconds) { return WritePcm(dir_, "bursts.pcm", Bursts(seconds)); }

  TempDir dir_{"openai_test"};
  net::CurlTransport transport_;
};

// Words at every burst: word i at [i + 1, i + 1.4].
void ExpectBurstWords(const std::vector<Word>& words, int seconds) {
  ASSERT_EQ(words.size(), static_cast<std::size_t>(seconds - 1));
  for (std::size_t i = 0; i < words.size(); ++i) {
    EXPECT_NEAR(words[i].start, static_cast<double>(i + 1), 0.011) << i;
    EXPECT_NEAR(words[i].end, static_cast<double>(i + 1) + kBurst, 0.011) << i;
  }
}

TEST_F(OpenAiTranscriberTest, OneRequestWithTheContractsFields) {
  FakeOpenAiTranscriptionServer server;
  auto transcriber = Make(server);
  EXPECT_EQ(transcriber->Name(), "openai");
  std::vector<TranscribeProgress> reports;
  auto words = transcriber->Transcribe(BurstFile(6), "en",
                                       [&](const TranscribeProgress& p) { reports.push_back(p); });
  ASSERT_TRUE(words) << words.error().ToString();
  ExpectBurstWords(*words, 6);
  EXPECT_EQ((*words)[0].text, "word0");
  EXPECT_EQ((*words)[4].text, "word4");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.problem, "");
  EXPECT_TRUE(r.wav_valid);
  EXPECT_DOUBLE_EQ(r.wav_seconds, 6.0);
  EXPECT_EQ(r.file_name, "audio.wav");
  EXPECT_EQ(r.file_content_type, "audio/wav");
  EXPECT_EQ(r.fields.at("model"), "whisper-1");
  EXPECT_EQ(r.fields.at("language"), "en");
  EXPECT_EQ(r.fields.at("response_format"), "verbose_json");
  EXPECT_EQ(r.fields.at("timestamp_granularities[]"), "word");
  EXPECT_EQ(r.authorization, "");  // no key configured → no header
  EXPECT_EQ(r.content_type.rfind("multipart/form-data; boundary=", 0), 0u);

  ASSERT_EQ(reports.size(), 2u);
  EXPECT_DOUBLE_EQ(reports[0].seconds_done, 0);
  EXPECT_DOUBLE_EQ(reports[1].seconds_done, 6);
  EXPECT_DOUBLE_EQ(reports[1].seconds_total, 6);
}

TEST_F(OpenAiTranscriberTest, BearerTokenWhenAKeyIsSetAndLanguageOmittedWhenEmpty) {
  FakeOpenAiTranscriptionServer server({.api_key = "sk-test-123"});
  auto words = Make(server, 600, "sk-test-123")->Transcribe(BurstFile(3), "", {});
  ASSERT_TRUE(words) << words.error().ToString();
  EXPECT_EQ(words->size(), 2u);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].authorization, "Bearer sk-test-123");
  EXPECT_EQ(requests[0].fields.count("language"), 0u);
}

// 25 s with pieces of at most 10 s: three requests, each cut in a silence between bursts, and
// every word back at its place in the file.
TEST_F(OpenAiTranscriberTest, LongAudioIsCutAtSilencesAndTimesShiftedBack) {
  FakeOpenAiTranscriptionServer server;
  std::vector<TranscribeProgress> reports;
  auto words = Make(server, 10)->Transcribe(BurstFile(25), "en", [&](const TranscribeProgress& p) {
    reports.push_back(p);
  });
  ASSERT_TRUE(words) << words.error().ToString();
  ExpectBurstWords(*words, 25);

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  double total = 0;
  for (const auto& r : requests) {
    EXPECT_TRUE(r.wav_valid);
    EXPECT_LE(r.wav_seconds, 10.0);
    total += r.wav_seconds;
    // Cut in a silence: the piece ends at least 0.1 s after a burst's end (x.4 s) and before the
    // next burst — i.e. no burst is split between pieces.
    const double end = total;
    const double frac = end - std::floor(end);
    if (end < 25) {
      EXPECT_GT(frac, kBurst) << "piece ends at " << end;
    }
  }
  EXPECT_DOUBLE_EQ(total, 25.0);
  // Each piece's answer starts at word0 again, so all 24 words came from three answers.
  EXPECT_EQ(reports.size(), 4u);
  EXPECT_DOUBLE_EQ(reports.back().seconds_done, 25);
}

TEST_F(OpenAiTranscriberTest, NoSilenceMeansHardCutsAtTheLimit) {
  FakeOpenAiTranscriptionServer server;
  std::vector<std::int16_t> tone(25 * 16000);
  for (std::size_t i = 0; i < tone.size(); ++i) {
    tone[i] =
        static_cast<std::int16_t>(8000 * std::sin(2 * M_PI * 440 * static_cast<double>(i) / 16000));
  }
  auto words = Make(server, 10)->Transcribe(WritePcm(dir_, "tone.pcm", tone), "en", {});
  ASSERT_TRUE(words) << words.error().ToString();
  auto requests = server.requests();
  ASSERT_GE(requests.size(), 3u);
  double total = 0;
  for (const auto& r : requests) {
    EXPECT_LE(r.wav_seconds, 10.0);
    total += r.wav_seconds;
  }
  EXPECT_DOUBLE_EQ(total, 25.0);
  // One word per piece, spanning it, shifted back: together they cover the file in order.
  ASSERT_EQ(words->size(), requests.size());
  EXPECT_NEAR(words->front().start, 0.0, 0.011);
  EXPECT_NEAR(words->back().end, 25.0, 0.011);
  for (std::size_t i = 1; i < words->size(); ++i) {
    EXPECT_NEAR((*words)[i].start, (*words)[i - 1].end, 0.011);
  }
}

TEST_F(OpenAiTranscriberTest, ServerErrorIsRetryableAndTheRetrySucceeds) {
  FakeOpenAiTranscriptionServer server;
  server.PushStatus(500);
  auto transcriber = Make(server);
  const std::string path = BurstFile(4);
  auto first = transcriber->Transcribe(path, "en", {});
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, Code::kUnavailable);
  EXPECT_EQ(first.error().message, "the transcription backend is unavailable (HTTP 500)");
  auto second = transcriber->Transcribe(path, "en", {});
  ASSERT_TRUE(second) << second.error().ToString();
  ExpectBurstWords(*second, 4);
}

TEST_F(OpenAiTranscriberTest, RateLimitIsRetryable) {
  FakeOpenAiTranscriptionServer server;
  server.PushStatus(429, R"({"error":{"message":"Rate limit reached","type":"requests"}})");
  auto words = Make(server)->Transcribe(BurstFile(3), "en", {});
  ASSERT_FALSE(words);
  EXPECT_EQ(words.error().code, Code::kUnavailable);
}

TEST_F(OpenAiTranscriberTest, RefusedKeyIsUnauthenticatedAndNotEchoed) {
  FakeOpenAiTranscriptionServer server({.api_key = "sk-right"});
  auto words = Make(server, 600, "sk-wrong-key-42")->Transcribe(BurstFile(3), "en", {});
  ASSERT_FALSE(words);
  EXPECT_EQ(words.error().code, Code::kUnauthenticated);
  EXPECT_NE(words.error().message.find("refused the API key"), std::string::npos);
  EXPECT_EQ(words.error().message.find("sk-wrong-key-42"), std::string::npos);
  EXPECT_EQ(words.error().detail.find("sk-wrong-key-42"), std::string::npos);
  EXPECT_NE(words.error().detail.find("[redacted]"), std::string::npos) << words.error().detail;
  ASSERT_EQ(server.request_count(), 1u);
  EXPECT_EQ(server.requests()[0].problem, "bad api key");
}

TEST_F(OpenAiTranscriberTest, OtherClientErrorsCarryTheBackendMessage) {
  FakeOpenAiTranscriptionServer server;
  server.PushStatus(
      400, R"({"error":{"message":"Unsupported language: xx","type":"invalid_request_error"}})");
  auto words = Make(server)->Transcribe(BurstFile(3), "xx", {});
  ASSERT_FALSE(words);
  EXPECT_EQ(words.error().code, Code::kInvalidArgument);
  EXPECT_EQ(words.error().message,
            "the transcription backend rejected the request (HTTP 400): Unsupported language: xx");
}

TEST_F(OpenAiTranscriberTest, GarbageAnswerIsRetryable) {
  FakeOpenAiTranscriptionServer server;
  server.PushFault(Fault::kGarbage);
  auto words = Make(server)->Transcribe(BurstFile(3), "en", {});
  ASSERT_FALSE(words);
  EXPECT_EQ(words.error().code, Code::kUnavailable);
  EXPECT_EQ(words.error().message, "the transcription backend sent an unreadable answer");
}

TEST_F(OpenAiTranscriberTest, WordsOutOfOrderAreSorted) {
  FakeOpenAiTranscriptionServer server;
  server.PushFault(Fault::kOutOfOrder);
  auto words = Make(server)->Transcribe(BurstFile(5), "en", {});
  ASSERT_TRUE(words) << words.error().ToString();
  ExpectBurstWords(*words, 5);
  EXPECT_EQ(words->front().text, "word0");
}

TEST_F(OpenAiTranscriberTest, NegativeTimesAreClamped) {
  FakeOpenAiTranscriptionServer server;
  server.PushFault(Fault::kNegativeTimes);
  auto words = Make(server)->Transcribe(BurstFile(4), "en", {});
  ASSERT_TRUE(words) << words.error().ToString();
  ASSERT_EQ(words->size(), 3u);
  EXPECT_DOUBLE_EQ(words->front().start, 0.0);
  EXPECT_NEAR(words->front().end, 1.4, 0.011);
  EXPECT_NEAR((*words)[1].start, 2.0, 0.011);
}

TEST_F(OpenAiTranscriberTest, EmptyTranscriptIsNoWords) {
  FakeOpenAiTranscriptionServer server;
  server.PushFault(Fault::kEmpty);
  auto words = Make(server)->Transcribe(BurstFile(4), "en", {});
  ASSERT_TRUE(words) << words.error().ToString();
  EXPECT_TRUE(words->empty());
}

TEST_F(OpenAiTranscriberTest, SegmentsOnlyAnswerGivesWords) {
  FakeOpenAiTranscriptionServer server;
  server.PushFault(Fault::kSegmentsOnly);
  auto words = Make(server)->Transcribe(BurstFile(4), "en", {});
  ASSERT_TRUE(words) << words.error().ToString();
  ExpectBurstWords(*words, 4);  // one word per segment: spreading keeps its times
}

TEST_F(OpenAiTranscriberTest, HangPastTheTimeoutIsRetryable) {
  FakeOpenAiTranscriptionServer server;
  server.PushHang(std::chrono::seconds(30));
  auto started = std::chrono::steady_clock::now();
  auto words =
      Make(server, 600, "", std::chrono::milliseconds(500))->Transcribe(BurstFile(3), "en", {});
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(words);
  EXPECT_EQ(words.error().code, Code::kUnavailable);
  EXPECT_EQ(words.error().message, "the transcription backend did not answer in time");
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST_F(OpenAiTranscriberTest, UnreachableBackendIsRetryable) {
  std::string url;
  {
    FakeOpenAiTranscriptionServer gone;
    url = gone.url();
  }
  OpenAiTranscriberOptions options;
  options.url = url;
  auto words = MakeOpenAiTranscriber(options, transport_)->Transcribe(BurstFile(3), "en", {});
  ASSERT_FALSE(words);
  EXPECT_EQ(words.error().code, Code::kUnavailable);
}

TEST_F(OpenAiTranscriberTest, ConfigurationAndInputErrorsArePermanent) {
  OpenAiTranscriberOptions options;
  auto no_url = MakeOpenAiTranscriber(options, transport_)->Transcribe(BurstFile(3), "en", {});
  ASSERT_FALSE(no_url);
  EXPECT_EQ(no_url.error().code, Code::kFailedPrecondition);

  options.url = "ftp://example.invalid";
  auto bad_url = MakeOpenAiTranscriber(options, transport_)->Transcribe(BurstFile(3), "en", {});
  ASSERT_FALSE(bad_url);
  EXPECT_EQ(bad_url.error().code, Code::kFailedPrecondition);

  FakeOpenAiTranscriptionServer server;
  auto missing = Make(server)->Transcribe(dir_.file("missing.pcm"), "en", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(server.request_count(), 0u);
}

TEST(NoneTranscriberTest, ReturnsNoWords) {
  auto none = MakeNoneTranscriber();
  EXPECT_EQ(none->Name(), "none");
  int calls = 0;
  auto words =
      none->Transcribe("/nonexistent.pcm", "en", [&](const TranscribeProgress&) { ++calls; });
  ASSERT_TRUE(words);
  EXPECT_TRUE(words->empty());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace reflector::pipeline
