// libFuzzer target: the ICS parser entry (calendar/ics.hpp ParseIcs) on arbitrary feeds — what a
// room owner's calendar URL can serve. Contract §8: a bad feed is an error value, never a crash,
// hang, leak or exception; recurrence expansion stays bounded (kMaxRecurrenceSteps).
//
// Invariants checked (violations trap): an error is kInvalidArgument; every occurrence starts in
// the window, ends no earlier than it starts, has a non-empty key that begins with its UID, and
// the list is sorted by start; the attendees JSON is always valid; the room slice parses again.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "calendar/ics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using reflector::TimePoint;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const TimePoint from{std::chrono::seconds(1'796'342'400)};  // 2026-12-04T00:00:00Z
  const TimePoint to = from + std::chrono::hours(25);
  // Keep events whose LOCATION is set (exercises the slice the sync stores for 304 answers).
  const reflector::calendar::KeepEvent keep = [](std::string_view location, std::string_view) {
    return !location.empty();
  };
  auto parsed = reflector::calendar::ParseIcs(text, from, to, keep);
  if (!parsed) {
    if (parsed.error().code != reflector::Code::kInvalidArgument) __builtin_trap();
    return 0;
  }
  TimePoint previous = from;
  for (const auto& e : parsed->events) {
    if (e.start < from || e.start > to || e.end < e.start) __builtin_trap();
    if (e.start < previous) __builtin_trap();
    previous = e.start;
    if (e.key.empty() || e.key.rfind(e.uid, 0) != 0) __builtin_trap();
    const auto json =
        nlohmann::json::parse(reflector::calendar::AttendeesJson(e.attendees), nullptr, false);
    if (!json.is_array()) __builtin_trap();
  }
  // The slice is always iCalendar again.
  auto again = reflector::calendar::ParseIcs(parsed->slice, from, to);
  if (!again) __builtin_trap();
  return 0;
}
