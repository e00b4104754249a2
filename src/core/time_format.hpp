// ISO-8601 formatting and parsing, always UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/status.hpp"

namespace reflector {

// "2026-11-22T05:23:18.123456Z" (microseconds, always six digits, so strings sort like times).
std::string FormatIso8601(TimePoint t);

// Accepts "YYYY-MM-DD[T| ]HH:MM:SS[.fraction][Z|±HH[:MM]]", also a bare date "YYYY-MM-DD".
// No zone means UTC. Returns kInvalidArgument on anything else, including years outside
// 1678–2261 (beyond what a nanosecond TimePoint holds).
Result<TimePoint> ParseIso8601(std::string_view text);

// Whole seconds since the Unix epoch.
int64_t ToUnixSeconds(TimePoint t);
TimePoint FromUnixSeconds(int64_t seconds);

}  // namespace reflector
