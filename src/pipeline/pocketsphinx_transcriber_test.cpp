// The pocketsphinx backend on speech generated at test time (espeak-ng + ffmpeg). PocketSphinx is
// weak on synthetic speech (bench/wer.sh measures it), so recognition is asserted loosely: a few
// of the spoken words, with times inside the audio and in order. The timing assertions are strict.
#include "pipeline/pocketsphinx_transcriber.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "pipeline/stt_test_audio.hpp"
#include "pipeline/wer.hpp"

namespace reflector::pipeline {
namespace {

using testing::AppendSilence;
using testing::Speak;
using testing::TempDir;
using testing::WritePcm;

constexpr char kSentence[] = "hello world this is a test of the speech recognition system";

std::string Join(const std::vector<Word>& words) {
  std::string out;
  for (const auto& w : words) {
    out += w.text + "@" + std::to_string(w.start).substr(0, 5) + " ";
  }
  return out;
}

void ExpectOrderedWithin(const std::vector<Word>& words, double duration) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    EXPECT_GE(words[i].start, 0.0) << Join(words);
    EXPECT_LE(words[i].start, words[i].end) << Join(words);
    EXPECT_LE(words[i].end, duration) << Join(words);
    if (i > 0) {
      EXPECT_LE(words[i - 1].start, words[i].start) << Join(words);
    }
    EXPECT_FALSE(words[i].text.empty());
    EXPECT_EQ(words[i].text.find_first_of("<>[]()"), std::string::npos) << words[i].text;
  }
}

std::size_t DistinctHits(const std::vector<Word>& words, const std::string& reference) {
  auto expected = NormalizeWords(reference);
  std::set<std::string> expected_set(expected.begin(), expected.end());
  std::set<std::string> hits;
  for (const auto& w : words) {
    for (const auto& n : NormalizeWords(w.text)) {
      if (expected_set.count(n)) hits.insert(n);
    }
  }
  return hits.size();
}

TEST(PocketsphinxTranscriberTest, RecognisesGeneratedSpeech) {
  TempDir dir("ps_test");
  auto samples = Speak(dir, kSentence, "en-us+m3");
  ASSERT_GT(samples.size(), 16000u) << "espeak-ng/ffmpeg failed";
  std::vector<std::int16_t> audio;
  AppendSilence(audio, 0.5);
  testing::Append(audio, samples);
  AppendSilence(audio, 0.5);
  const std::string path = WritePcm(dir, "s.pcm", audio);
  const double duration = static_cast<double>(audio.size()) / 16000;

  auto transcriber = MakePocketsphinxTranscriber();
  EXPECT_EQ(transcriber->Name(), "pocketsphinx");
  std::vector<TranscribeProgress> reports;
  auto words = transcriber->Transcribe(path, "en",
                                       [&](const TranscribeProgress& p) { reports.push_back(p); });
  ASSERT_TRUE(words) << words.error().ToString();
  // 11 words spoken; pocketsphinx gets "hello world … is … the …" on this machine's espeak-ng.
  EXPECT_GE(DistinctHits(*words, kSentence), 3u) << Join(*words);
  EXPECT_GE(words->size(), 4u) << Join(*words);
  ExpectOrderedWithin(*words, duration);
  // Speech starts after 0.5 s of silence.
  ASSERT_FALSE(words->empty());
  EXPECT_GE(words->front().start, 0.3) << Join(*words);

  ASSERT_GE(reports.size(), 2u);
  EXPECT_DOUBLE_EQ(reports.front().seconds_done, 0);
  EXPECT_DOUBLE_EQ(reports.back().seconds_done, duration);
  for (const auto& r : reports) EXPECT_DOUBLE_EQ(r.seconds_total, duration);
  for (std::size_t i = 1; i < reports.size(); ++i) {
    EXPECT_GE(reports[i].seconds_done, reports[i - 1].seconds_done);
  }
}

// Two sentences with 8 s of silence between them, decoded as several short utterances: every
// word must land on one of the two sentences (a wrong utterance offset would put words in the
// silence or past the end), and the second sentence must be heard.
TEST(PocketsphinxTranscriberTest, TimesAcrossUtterances) {
  TempDir dir("ps_test");
  auto first = Speak(dir, "please send me the report before the end of the week", "en-us+m3");
  auto second = Speak(dir, kSentence, "en-us+m3");
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  std::vector<std::int16_t> audio;
  AppendSilence(audio, 1);
  const double first_start = 1;
  testing::Append(audio, first);
  const double first_end = static_cast<double>(audio.size()) / 16000;
  AppendSilence(audio, 8);
  const double second_start = static_cast<double>(audio.size()) / 16000;
  testing::Append(audio, second);
  const double second_end = static_cast<double>(audio.size()) / 16000;
  AppendSilence(audio, 1);
  const double duration = static_cast<double>(audio.size()) / 16000;
  const std::string path = WritePcm(dir, "two.pcm", audio);

  PocketsphinxOptions options;
  options.max_utterance_seconds = 5;  // ~4 utterances
  auto words = MakePocketsphinxTranscriber(options)->Transcribe(path, "", {});
  ASSERT_TRUE(words) << words.error().ToString();
  ExpectOrderedWithin(*words, duration);
  std::size_t in_second = 0;
  for (const auto& w : *words) {
    const bool on_first = w.start >= first_start - 0.3 && w.end <= first_end + 0.3;
    const bool on_second = w.start >= second_start - 0.3 && w.end <= second_end + 0.3;
    EXPECT_TRUE(on_first || on_second)
        << w.text << " at " << w.start << "-" << w.end << " first " << first_start << "-"
        << first_end << " second " << second_start << "-" << second_end;
    if (on_second) ++in_second;
  }
  EXPECT_GE(in_second, 3u) << Join(*words);
  EXPECT_GE(DistinctHits(*words, kSentence), 2u) << Join(*words);
}

// One transcriber used from two threads at once gives each the same words as a lone call (one
// decoder per call; the process-wide sphinx log is switched off once).
TEST(PocketsphinxTranscriberTest, ConcurrentCallsAgreeWithASequentialOne) {
  TempDir dir("ps_test");
  auto samples = Speak(dir, kSentence, "en-us+m3");
  ASSERT_FALSE(samples.empty());
  const std::string path = WritePcm(dir, "c.pcm", samples);
  auto transcriber = MakePocketsphinxTranscriber();
  auto alone = transcriber->Transcribe(path, "en", {});
  ASSERT_TRUE(alone) << alone.error().ToString();
  ASSERT_FALSE(alone->empty());
  Result<std::vector<Word>> results[2];
  {
    std::jthread a([&] { results[0] = transcriber->Transcribe(path, "en", {}); });
    std::jthread b([&] { results[1] = transcriber->Transcribe(path, "en", {}); });
  }
  for (const auto& r : results) {
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(Join(*r), Join(*alone));
  }
}

TEST(PocketsphinxTranscriberTest, SilenceGivesNoWords) {
  TempDir dir("ps_test");
  std::vector<std::int16_t> audio;
  AppendSilence(audio, 3);
  auto words =
      MakePocketsphinxTranscriber()->Transcribe(WritePcm(dir, "quiet.pcm", audio), "en", {});
  ASSERT_TRUE(words) << words.error().ToString();
  EXPECT_TRUE(words->empty()) << Join(*words);
}

TEST(PocketsphinxTranscriberTest, EmptyFileGivesNoWords) {
  TempDir dir("ps_test");
  auto words = MakePocketsphinxTranscriber()->Transcribe(WritePcm(dir, "empty.pcm", {}), "en", {});
  ASSERT_TRUE(words) << words.error().ToString();
  EXPECT_TRUE(words->empty());
}

TEST(PocketsphinxTranscriberTest, PermanentErrors) {
  TempDir dir("ps_test");
  std::vector<std::int16_t> audio;
  AppendSilence(audio, 1);
  const std::string path = WritePcm(dir, "a.pcm", audio);

  auto german = MakePocketsphinxTranscriber()->Transcribe(path, "de", {});
  ASSERT_FALSE(german);
  EXPECT_EQ(german.error().code, Code::kFailedPrecondition);
  EXPECT_NE(german.error().message.find("only recognises English"), std::string::npos);
  EXPECT_TRUE(MakePocketsphinxTranscriber()->Transcribe(path, "en-US", {}));

  auto no_model = MakePocketsphinxTranscriber(dir.file("no-model"))->Transcribe(path, "en", {});
  ASSERT_FALSE(no_model);
  EXPECT_EQ(no_model.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(no_model.error().message, "the pocketsphinx model is not installed");

  auto missing = MakePocketsphinxTranscriber()->Transcribe(dir.file("none.pcm"), "en", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Code::kFailedPrecondition);
}

TEST(PocketsphinxTranscriberTest, CleansTokens) {
  EXPECT_EQ(CleanPocketsphinxWord("<s>"), "");
  EXPECT_EQ(CleanPocketsphinxWord("</s>"), "");
  EXPECT_EQ(CleanPocketsphinxWord("<sil>"), "");
  EXPECT_EQ(CleanPocketsphinxWord("[NOISE]"), "");
  EXPECT_EQ(CleanPocketsphinxWord("++breath++"), "");
  EXPECT_EQ(CleanPocketsphinxWord("probably(2)"), "probably");
  EXPECT_EQ(CleanPocketsphinxWord("hello"), "hello");
  EXPECT_EQ(CleanPocketsphinxWord("we're(3)"), "we're");
}

}  // namespace
}  // namespace reflector::pipeline
