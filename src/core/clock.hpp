// Time source seam. Everything that reads "now" takes a Clock& so tests can inject a fake.
#pragma once

#include <chrono>

namespace reflector {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current UTC wall-clock time. Thread-safe.
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace reflector
