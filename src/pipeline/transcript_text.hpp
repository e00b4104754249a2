// From recognised words to what people read (contract §7.6): segments (consecutive words of one
// speaker, cut at pauses), WebVTT with named voices, plain and timestamped text. Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace reflector::pipeline {

struct SpokenWord {
  std::string text;
  double start = 0;  // seconds, meeting time
  double end = 0;
  int speaker = 0;
};

struct Segment {
  int speaker = 0;
  std::string speaker_name;
  std::string text;
  double start = 0;
  double end = 0;
};

// Words (any order) → segments in time order. A segment ends when the speaker changes, after a
// pause longer than `max_pause` seconds, or after `max_words` words. `names[i]` names speaker i
// (else "Speaker i+1").
std::vector<Segment> BuildSegments(std::vector<SpokenWord> words,
                                   const std::vector<std::string>& names, double max_pause = 1.5,
                                   size_t max_words = 40);

// "WEBVTT" with one cue per segment: "<v Name>text".
std::string ToWebVtt(const std::vector<Segment>& segments);
// "Name: text" lines.
std::string ToText(const std::vector<Segment>& segments);
// "[mm:ss] Name: text" lines.
std::string ToTimestampedText(const std::vector<Segment>& segments);
// [{speaker, speaker_name, text, start, end}].
nlohmann::json ToJson(const std::vector<Segment>& segments);

// Words stored on a transcript (JSON [{text,start,end,speaker}]) and back.
std::string WordsToJson(const std::vector<SpokenWord>& words);
std::vector<SpokenWord> WordsFromJson(const std::string& json_text);
// Names by speaker index from a transcript's participants JSON [{speaker, name}].
std::vector<std::string> SpeakerNames(const std::string& participants_json);

}  // namespace reflector::pipeline
