// Synthetic transcript text for the search benchmarks (bench/search_seed.cpp,
// bench/snippets_bench.cpp): a fixed vocabulary of 5 000 pseudo-words drawn with a Zipf
// distribution (s = 1) from the caller's generator, and WebVTT captions of them in cues of 15
// words with three speakers.
#pragma once

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace reflector::bench {

inline constexpr int kVocabulary = 5000;

inline std::vector<std::string> Vocabulary(std::mt19937_64& rng) {
  static const char* kOnsets[] = {"b", "d", "f", "g", "k",  "l",  "m",  "n",  "p",  "r",
                                  "s", "t", "v", "z", "br", "tr", "st", "pl", "gr", "sh"};
  static const char* kVowels[] = {"a", "e", "i", "o", "u", "ai", "ou", "ea"};
  std::set<std::string> seen;
  std::vector<std::string> words;
  while (static_cast<int>(words.size()) < kVocabulary) {
    const int syllables = 2 + static_cast<int>(rng() % 3);
    std::string w;
    for (int s = 0; s < syllables; ++s) {
      w += kOnsets[rng() % std::size(kOnsets)];
      w += kVowels[rng() % std::size(kVowels)];
    }
    if (seen.insert(w).second) words.push_back(w);
  }
  return words;
}

class Zipf {
 public:
  explicit Zipf(int n) : cdf_(n) {
    double sum = 0;
    for (int i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / (i + 1));
    for (auto& c : cdf_) c /= sum;
  }
  int operator()(std::mt19937_64& rng) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<int>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

inline std::string Words(int n, const std::vector<std::string>& vocab, Zipf& zipf,
                         std::mt19937_64& rng) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ' ';
    out += vocab[zipf(rng)];
  }
  return out;
}

inline std::string Time(int seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.000", seconds / 3600, seconds / 60 % 60,
                seconds % 60);
  return buf;
}

// WebVTT of `words` words in cues of 15, five seconds each; `extra` is appended to the 11th cue
// (the rare word of search_seed).
inline std::string Captions(int words, const std::vector<std::string>& vocab, Zipf& zipf,
                            std::mt19937_64& rng, const std::string& extra = "") {
  constexpr int kCueWords = 15;
  std::string vtt = "WEBVTT\n";
  int second = 0;
  for (int w = 0; w < words; w += kCueWords, second += 5) {
    std::string cue = Words(std::min(kCueWords, words - w), vocab, zipf, rng);
    if (!extra.empty() && w == kCueWords * 10) cue += " " + extra;
    vtt += "\n" + Time(second) + " --> " + Time(second + 5) + "\n<v Speaker " +
           std::to_string(w / kCueWords % 3 + 1) + ">" + cue + "\n";
  }
  return vtt;
}

}  // namespace reflector::bench
