#include "pipeline/wer.hpp"

#include <algorithm>
#include <cctype>

namespace reflector::pipeline {

std::vector<std::string> NormalizeWords(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u)) {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else if (u >= 0x80 || std::isalnum(u)) {
      current.push_back(static_cast<char>(std::tolower(u)));
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

WerCounts WordErrors(std::string_view reference, std::string_view hypothesis) {
  const auto ref = NormalizeWords(reference);
  const auto hyp = NormalizeWords(hypothesis);
  // One row of the edit-distance table at a time.
  std::vector<std::size_t> previous(hyp.size() + 1);
  std::vector<std::size_t> row(hyp.size() + 1);
  for (std::size_t j = 0; j <= hyp.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= ref.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= hyp.size(); ++j) {
      const std::size_t substitute = previous[j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : 1);
      row[j] = std::min({substitute, previous[j] + 1, row[j - 1] + 1});
    }
    std::swap(previous, row);
  }
  return WerCounts{previous[hyp.size()], ref.size()};
}

}  // namespace reflector::pipeline
