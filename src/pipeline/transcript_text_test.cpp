#include "pipeline/transcript_text.hpp"

#include <gtest/gtest.h>

namespace reflector::pipeline {
namespace {

TEST(BuildSegmentsTest, MergesBySpeakerAndTimeAndCutsAtPauses) {
  // Two speakers, out of order as tracks arrive; a 3 s pause splits speaker 0's words.
  std::vector<SpokenWord> words = {{"later", 10.0, 10.4, 0}, {"hello", 0.5, 0.9, 0},
                                   {"there", 1.0, 1.3, 0},   {"hi", 2.0, 2.2, 1},
                                   {"bob", 2.3, 2.6, 1},     {"again", 10.5, 10.9, 0}};
  auto segments = BuildSegments(words, {"Alice"});
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_EQ(segments[0].speaker_name, "Alice");
  EXPECT_EQ(segments[0].text, "hello there");
  EXPECT_DOUBLE_EQ(segments[0].start, 0.5);
  EXPECT_DOUBLE_EQ(segments[0].end, 1.3);
  EXPECT_EQ(segments[1].speaker_name, "Speaker 2");
  EXPECT_EQ(segments[1].text, "hi bob");
  EXPECT_EQ(segments[2].text, "later again");
}

TEST(BuildSegmentsTest, LongMonologuesAreCut) {
  std::vector<SpokenWord> words;
  for (int i = 0; i < 100; ++i) words.push_back({"w", i * 0.5, i * 0.5 + 0.4, 0});
  EXPECT_EQ(BuildSegments(words, {}, 1.5, 40).size(), 3u);
  EXPECT_TRUE(BuildSegments({}, {}).empty());
}

TEST(FormatsTest, WebVttTextAndJson) {
  std::vector<Segment> segments = {{0, "Zoë <admin>", "a --> b & c", 61.25, 3725.5}};
  EXPECT_EQ(ToWebVtt(segments),
            "WEBVTT\n\n00:01:01.250 --> 01:02:05.500\n<v Zoë &lt;admin>>a -> b &amp; c\n");
  EXPECT_EQ(ToText(segments), "Zoë <admin>: a --> b & c\n");
  EXPECT_EQ(ToTimestampedText(segments), "[01:01] Zoë <admin>: a --> b & c\n");
  const auto j = ToJson(segments);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["speaker"], 0);
  EXPECT_EQ(j[0]["speaker_name"], "Zoë <admin>");
  EXPECT_EQ(j[0]["start"], 61.25);
}

TEST(WordsJsonTest, RoundTripsAndToleratesGarbage) {
  std::vector<SpokenWord> words = {{"one", 1, 2, 0}, {"two", 3, 4, 1}};
  auto back = WordsFromJson(WordsToJson(words));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].text, "two");
  EXPECT_EQ(back[1].speaker, 1);
  EXPECT_TRUE(WordsFromJson("not json").empty());
  EXPECT_EQ(WordsFromJson(R"([{"start":1},{"text":"ok"}])").size(), 1u);
}

TEST(SpeakerNamesTest, IndexesBySpeaker) {
  auto names = SpeakerNames(R"([{"speaker":1,"name":"Bob"},{"speaker":0,"name":"Al"},{"x":1}])");
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "Al");
  EXPECT_EQ(names[1], "Bob");
  EXPECT_TRUE(SpeakerNames("[]").empty());
}

}  // namespace
}  // namespace reflector::pipeline
