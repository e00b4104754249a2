// libFuzzer target: the provider webhook parsers (tracking/events.hpp) on arbitrary bodies — what
// a correctly signed but hostile or broken delivery can contain. Contract §5: a body that is not
// a JSON object is a 400, anything else is an event, a ping or "ignored"; never a crash, hang,
// leak or exception.
//
// Byte 0 picks the parser (Daily, Whereby, mock); the rest is the body. Invariants checked
// (violations trap, which libFuzzer reports): an error is only ever "Invalid JSON"
// (kInvalidArgument); kEvent always carries an event with a non-empty id and type, of the right
// provider; kIgnored always says why.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracking/events.hpp"

using reflector::Code;
using reflector::tracking::Parsed;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string_view provider;
  reflector::Result<Parsed> parsed = [&] {
    switch (data[0] % 3) {
      case 0:
        provider = "daily";
        return reflector::tracking::ParseDailyEvent(body);
      case 1:
        provider = "whereby";
        return reflector::tracking::ParseWherebyEvent(body);
      default:
        provider = "mock";
        return reflector::tracking::ParseMockEvent(body);
    }
  }();
  if (!parsed) {
    if (parsed.error().code != Code::kInvalidArgument) __builtin_trap();
    return 0;
  }
  switch (parsed->kind) {
    case Parsed::Kind::kEvent:
      if (!parsed->event || parsed->event->id.empty() || parsed->event->type.empty() ||
          parsed->event->provider != provider) {
        __builtin_trap();
      }
      break;
    case Parsed::Kind::kIgnored:
      if (parsed->reason.empty()) __builtin_trap();
      break;
    case Parsed::Kind::kPing:
      if (provider != "daily") __builtin_trap();
      break;
  }
  return 0;
}
