#include "pipeline/silence.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace reflector::pipeline {
namespace {

constexpr std::size_t kRate = 16000;

// A loud 440 Hz tone (cosine: no zero samples at the gap edges, so the gap is the only silent
// window) of `seconds` with quiet gaps [from, to) (seconds) of amplitude `gap_level`.
std::vector<std::int16_t> ToneWithGaps(double seconds, std::vector<std::pair<double, double>> gaps,
                                       int gap_level = 0) {
  std::vector<std::int16_t> out(static_cast<std::size_t>(seconds * kRate));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double t = static_cast<double>(i) / kRate;
    bool quiet = false;
    for (auto [from, to] : gaps) quiet = quiet || (t >= from && t < to);
    out[i] = quiet ? static_cast<std::int16_t>(i % 2 ? gap_level : -gap_level)
                   : static_cast<std::int16_t>(12000 * std::cos(2 * M_PI * 440 * t));
  }
  return out;
}

TEST(FindQuietCutTest, CutsInTheMiddleOfTheGap) {
  // 10 s of tone with a 0.5 s gap at [7.0, 7.5): window 0.5 s fits it exactly.
  auto samples = ToneWithGaps(10, {{7.0, 7.5}});
  std::size_t cut = FindQuietCut(samples, kRate / 2, 5 * kRate);
  EXPECT_EQ(cut, static_cast<std::size_t>(7.25 * kRate));
}

TEST(FindQuietCutTest, PrefersTheQuietestGap) {
  // Two gaps in the search range; the one at 6 s is near-silent, the one at 8 s only quieter.
  auto samples = ToneWithGaps(10, {{6.0, 6.5}});
  for (std::size_t i = 8 * kRate; i < static_cast<std::size_t>(8.5 * kRate); ++i) {
    samples[i] = static_cast<std::int16_t>(samples[i] / 4);
  }
  std::size_t cut = FindQuietCut(samples, kRate / 2, 5 * kRate);
  EXPECT_EQ(cut, static_cast<std::size_t>(6.25 * kRate));
}

TEST(FindQuietCutTest, IgnoresGapsBeforeTheSearchRange) {
  // The only silence is at 1 s, outside the last 3 s searched: the cut lands in the searched
  // range (all tone, so any position there), never at the early gap.
  auto samples = ToneWithGaps(10, {{1.0, 1.5}});
  std::size_t cut = FindQuietCut(samples, kRate / 2, 3 * kRate);
  EXPECT_GE(cut, 7 * kRate);
  EXPECT_LE(cut, 10 * kRate);
}

TEST(FindQuietCutTest, TiesGoToTheLatestWindow) {
  std::vector<std::int16_t> silence(10 * kRate, 0);
  std::size_t cut = FindQuietCut(silence, kRate / 2, 5 * kRate);
  EXPECT_EQ(cut, 10 * kRate - kRate / 2 + kRate / 4);
}

TEST(FindQuietCutTest, ShorterThanAWindowIsAHardCut) {
  std::vector<std::int16_t> samples(100, 5);
  EXPECT_EQ(FindQuietCut(samples, 200, 1000), 100u);
  EXPECT_EQ(FindQuietCut({}, 200, 1000), 0u);
}

TEST(FindQuietCutTest, SearchLongerThanInputSearchesEverything) {
  auto samples = ToneWithGaps(4, {{0.5, 1.0}});
  EXPECT_EQ(FindQuietCut(samples, kRate / 2, 100 * kRate), static_cast<std::size_t>(0.75 * kRate));
}

TEST(FindQuietCutTest, FullScaleSamplesDoNotOverflow) {
  // 30 s of full-scale square wave with a gap: energies of 2^30 per sample summed over a window.
  std::vector<std::int16_t> samples(30 * kRate);
  for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = i % 2 ? 32767 : -32768;
  for (std::size_t i = 20 * kRate; i < 21 * kRate; ++i) samples[i] = 0;
  std::size_t cut = FindQuietCut(samples, kRate / 2, 30 * kRate);
  EXPECT_GE(cut, static_cast<std::size_t>(20.25 * kRate));
  EXPECT_LE(cut, static_cast<std::size_t>(20.75 * kRate));
}

}  // namespace
}  // namespace reflector::pipeline
