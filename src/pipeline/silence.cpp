#include "pipeline/silence.hpp"

#include <algorithm>

namespace reflector::pipeline {

std::size_t FindQuietCut(std::span<const std::int16_t> samples, std::size_t window,
                         std::size_t search) {
  const std::size_t n = samples.size();
  if (window == 0 || n < window) return n;
  // Window starts considered: [first_start, n - window].
  const std::size_t last_start = n - window;
  const std::size_t first_start = search >= n ? 0 : std::max<std::size_t>(n - search, 0);
  if (first_start > last_start) return n;

  auto sq = [&](std::size_t i) {
    const auto v = static_cast<std::int64_t>(samples[i]);
    return v * v;
  };
  std::int64_t energy = 0;  // 2^30 per sample at most: a window of 2^32 samples still fits
  for (std::size_t i = first_start; i < first_start + window; ++i) energy += sq(i);
  std::int64_t best = energy;
  std::size_t best_start = first_start;
  for (std::size_t start = first_start + 1; start <= last_start; ++start) {
    energy += sq(start + window - 1) - sq(start - 1);
    if (energy <= best) {
      best = energy;
      best_start = start;
    }
  }
  return std::max<std::size_t>(best_start + window / 2, 1);
}

}  // namespace reflector::pipeline
