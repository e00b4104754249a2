// Word error rate, for measuring a Transcriber against reference texts (bench/wer.sh).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace reflector::pipeline {

// Lowercase words with punctuation removed ("Don't stop!" → {"dont", "stop"}); apostrophes and
// other non-alphanumeric ASCII characters are dropped, bytes >= 0x80 kept.
std::vector<std::string> NormalizeWords(std::string_view text);

struct WerCounts {
  std::size_t errors = 0;           // substitutions + deletions + insertions (minimum)
  std::size_t reference_words = 0;  // WER = errors / reference_words
};

// Word-level Levenshtein distance between normalised `reference` and `hypothesis`.
WerCounts WordErrors(std::string_view reference, std::string_view hypothesis);

}  // namespace reflector::pipeline
