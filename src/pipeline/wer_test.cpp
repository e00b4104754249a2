#include "pipeline/wer.hpp"

#include <gtest/gtest.h>

namespace reflector::pipeline {
namespace {

TEST(WerTest, NormalizesCaseAndPunctuation) {
  EXPECT_EQ(NormalizeWords("  Don't STOP, now!  Café 42 "),
            (std::vector<std::string>{"dont", "stop", "now", "café", "42"}));
  EXPECT_TRUE(NormalizeWords(" ... ").empty());
}

struct WerCase {
  const char* reference;
  const char* hypothesis;
  std::size_t errors;
  std::size_t words;
};

TEST(WerTest, CountsMinimumEdits) {
  const WerCase cases[] = {
      {"the quick brown fox", "the quick brown fox", 0, 4},
      {"the quick brown fox", "The quick, brown fox.", 0, 4},
      {"the quick brown fox", "the quick fox", 1, 4},             // deletion
      {"the quick brown fox", "the very quick brown fox", 1, 4},  // insertion
      {"the quick brown fox", "the quick red fox", 1, 4},         // substitution
      {"the quick brown fox", "", 4, 4},                          // all deleted
      {"", "hello there", 2, 0},                                  // all inserted
      {"a b c d e", "e d c b a", 4, 5},                           // reversed
      {"one two three", "one three two", 2, 3},
  };
  for (const auto& c : cases) {
    WerCounts counts = WordErrors(c.reference, c.hypothesis);
    EXPECT_EQ(counts.errors, c.errors) << c.reference << " | " << c.hypothesis;
    EXPECT_EQ(counts.reference_words, c.words) << c.reference;
  }
}

}  // namespace
}  // namespace reflector::pipeline
