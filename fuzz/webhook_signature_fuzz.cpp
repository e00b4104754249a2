// libFuzzer target: the Daily and Whereby webhook signature verifiers on arbitrary headers and
// bodies (contract §5: a malformed delivery is a 401, never a crash, hang or leak).
//
// Input layout: byte 0 picks the provider and whether to sign; the rest is split at the first two
// '\n' into header, timestamp and body. "Sign" modes put a correct signature over the fuzzed body
// and timestamp, so the fuzzer also reaches the window check and the success path; the verdict
// must then be consistent with the signature scheme (checked with __builtin_trap, which libFuzzer
// reports as a crash).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/time_format.hpp"
#include "platforms/daily/daily_signature.hpp"
#include "platforms/webhook_verdict.hpp"
#include "platforms/whereby/whereby_signature.hpp"

namespace {

using reflector::TimePoint;
using namespace reflector::platforms;

// base64("0123456789abcdef0123456789abcdef"), providers.md §1.5.
constexpr std::string_view kDailySecret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
constexpr std::string_view kWherebySecret = "whereby-test-secret";
constexpr std::chrono::seconds kTolerance{300};

std::string_view NextField(std::string_view& rest) {
  const auto newline = rest.find('\n');
  std::string_view field = rest.substr(0, newline);
  rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  return field;
}

// A timestamp both verifiers must accept as well-formed.
bool PlainSeconds(std::string_view text) {
  if (text.empty() || text.size() > 15) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string_view header = NextField(rest);
  const std::string_view timestamp = NextField(rest);
  const std::string_view body = rest;
  // "now" is the signed timestamp when it parses, so signed inputs are inside the window.
  const TimePoint now = TimePoint{} + std::chrono::seconds(1'700'000'000);

  switch (mode % 4) {
    case 0: {  // Daily, fuzzed signature header
      auto verdict = VerifyDailySignature(body, header, timestamp, kDailySecret, now, kTolerance);
      if (verdict.ok != verdict.reason.empty()) __builtin_trap();
      break;
    }
    case 1: {  // Daily, correctly signed: only the timestamp can make it fail
      const std::string signature = SignDaily(body, timestamp, kDailySecret);
      auto verdict =
          VerifyDailySignature(body, signature, timestamp, kDailySecret, now, kTolerance);
      if (PlainSeconds(timestamp) && verdict.reason == webhook_reason::kBadSignature) {
        __builtin_trap();
      }
      // A body changed by one byte never verifies with the same signature.
      if (!body.empty()) {
        std::string tampered(body);
        tampered[0] = static_cast<char>(tampered[0] ^ 0x01);
        if (VerifyDailySignature(tampered, signature, timestamp, kDailySecret, now, kTolerance)
                .ok) {
          __builtin_trap();
        }
      }
      break;
    }
    case 2: {  // Whereby, fuzzed header
      auto verdict = VerifyWherebySignature(body, header, kWherebySecret, now, kTolerance);
      if (verdict.ok != verdict.reason.empty()) __builtin_trap();
      break;
    }
    default: {  // Whereby, correctly signed with the fuzzed t
      const std::string signed_header =
          "t=" + std::string(timestamp) + ",v1=" + SignWhereby(body, timestamp, kWherebySecret);
      auto verdict = VerifyWherebySignature(body, signed_header, kWherebySecret, now, kTolerance);
      if (PlainSeconds(timestamp) && verdict.reason == webhook_reason::kBadSignature) {
        __builtin_trap();
      }
      break;
    }
  }
  return 0;
}
