// Where to cut long audio for a backend that takes pieces of bounded length: at the quietest
// moment near the end of the allowed piece, so no word is split when there is a pause to use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace reflector::pipeline {

// The sample index at which to end a piece made of `samples`: the centre of the lowest-energy
// window of `window` samples whose start lies within the last `search` samples. Ties go to the
// latest window (longer pieces, fewer requests). When `samples` is shorter than one window the
// answer is samples.size() (a hard cut at the limit). The result is in (0, samples.size()].
std::size_t FindQuietCut(std::span<const std::int16_t> samples, std::size_t window,
                         std::size_t search);

}  // namespace reflector::pipeline
