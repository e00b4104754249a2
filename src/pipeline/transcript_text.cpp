#include "pipeline/transcript_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace reflector::pipeline {
namespace {

std::string Name(const std::vector<std::string>& names, int speaker) {
  if (speaker >= 0 && static_cast<size_t>(speaker) < names.size() && !names[speaker].empty()) {
    return names[speaker];
  }
  return fmt::format("Speaker {}", speaker + 1);
}

std::string VttTime(double seconds) {
  const int64_t ms = static_cast<int64_t>(std::llround(std::max(0.0, seconds) * 1000));
  return fmt::format("{:02}:{:02}:{:02}.{:03}", ms / 3'600'000, ms / 60'000 % 60, ms / 1000 % 60,
                     ms % 1000);
}

// WebVTT cue text must not contain "-->" or a line break; "<" and "&" are escaped.
std::string VttEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  size_t pos;
  while ((pos = out.find("-->")) != std::string::npos) out.replace(pos, 3, "->");
  return out;
}

}  // namespace

std::vector<Segment> BuildSegments(std::vector<SpokenWord> words,
                                   const std::vector<std::string>& names, double max_pause,
                                   size_t max_words) {
  std::stable_sort(words.begin(), words.end(),
                   [](const SpokenWord& a, const SpokenWord& b) { return a.start < b.start; });
  std::vector<Segment> out;
  size_t count = 0;
  for (const auto& w : words) {
    if (w.text.empty()) continue;
    const bool fresh = out.empty() || out.back().speaker != w.speaker ||
                       w.start - out.back().end > max_pause || count >= max_words;
    if (fresh) {
      out.push_back({w.speaker, Name(names, w.speaker), w.text, w.start, w.end});
      count = 1;
    } else {
      out.back().text += " " + w.text;
      out.back().end = std::max(out.back().end, w.end);
      ++count;
    }
  }
  return out;
}

std::string ToWebVtt(const std::vector<Segment>& segments) {
  std::string out = "WEBVTT\n";
  for (const auto& s : segments) {
    out +=
        fmt::format("\n{} --> {}\n<v {}>{}\n", VttTime(s.start), VttTime(std::max(s.end, s.start)),
                    VttEscape(s.speaker_name), VttEscape(s.text));
  }
  return out;
}

std::string ToText(const std::vector<Segment>& segments) {
  std::string out;
  for (const auto& s : segments) out += s.speaker_name + ": " + s.text + "\n";
  return out;
}

std::string ToTimestampedText(const std::vector<Segment>& segments) {
  std::string out;
  for (const auto& s : segments) {
    const int64_t secs = static_cast<int64_t>(s.start);
    out += fmt::format("[{:02}:{:02}] {}: {}\n", secs / 60, secs % 60, s.speaker_name, s.text);
  }
  return out;
}

nlohmann::json ToJson(const std::vector<Segment>& segments) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : segments) {
    out.push_back({{"speaker", s.speaker},
                   {"speaker_name", s.speaker_name},
                   {"text", s.text},
                   {"start", s.start},
                   {"end", s.end}});
  }
  return out;
}

std::string WordsToJson(const std::vector<SpokenWord>& words) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& w : words) {
    out.push_back({{"text", w.text}, {"start", w.start}, {"end", w.end}, {"speaker", w.speaker}});
  }
  return out.dump();
}

std::vector<SpokenWord> WordsFromJson(const std::string& json_text) {
  std::vector<SpokenWord> out;
  auto parsed = nlohmann::json::parse(json_text, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const auto& w : parsed) {
    if (!w.is_object() || !w.contains("text") || !w["text"].is_string()) continue;
    out.push_back({w["text"].get<std::string>(), w.value("start", 0.0), w.value("end", 0.0),
                   w.value("speaker", 0)});
  }
  return out;
}

std::vector<std::string> SpeakerNames(const std::string& participants_json) {
  std::vector<std::string> names;
  auto parsed = nlohmann::json::parse(participants_json, nullptr, false);
  if (!parsed.is_array()) return names;
  for (const auto& p : parsed) {
    if (!p.is_object() || !p.contains("speaker") || !p["speaker"].is_number_integer()) continue;
    const int speaker = p["speaker"].get<int>();
    if (speaker < 0 || speaker > 1000) continue;
    if (names.size() <= static_cast<size_t>(speaker)) names.resize(speaker + 1);
    if (p.contains("name") && p["name"].is_string()) names[speaker] = p["name"].get<std::string>();
  }
  return names;
}

}  // namespace reflector::pipeline
