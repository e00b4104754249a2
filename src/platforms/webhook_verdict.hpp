// The outcome of verifying a provider webhook delivery (contract §3.1 "verify webhook": raw body +
// headers → ok or reason). Every rejection becomes the same 401 {"detail":"Invalid webhook
// signature"} for the sender; the reason is only for our logs and metrics, so it is a short,
// stable, machine-readable token and never contains secrets or header values.
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace reflector::platforms {

struct WebhookVerdict {
  bool ok = false;
  std::string reason;  // empty when ok; otherwise one of the webhook_reason constants below
};

// The reasons the built-in verifiers return. Other providers may add their own tokens.
namespace webhook_reason {
// The provider secret is empty/unset: we cannot verify anything (also logged as an error).
inline constexpr std::string_view kSecretNotConfigured = "secret_not_configured";
// Daily: DAILY_WEBHOOK_SECRET is not valid standard base64 (Daily secrets are base64).
inline constexpr std::string_view kSecretNotBase64 = "secret_not_base64";
// The signature header is absent.
inline constexpr std::string_view kMissingSignature = "missing_signature";
// Daily: the X-Webhook-Timestamp header is absent.
inline constexpr std::string_view kMissingTimestamp = "missing_timestamp";
// The signature header is present but not in the provider's format (including empty).
inline constexpr std::string_view kMalformedSignatureHeader = "malformed_signature_header";
// Daily: X-Webhook-Timestamp is present but not a decimal integer.
inline constexpr std::string_view kBadTimestamp = "bad_timestamp";
// Well-formed, but no signature matches the body under our secret.
inline constexpr std::string_view kBadSignature = "bad_signature";
// Correctly signed, but the timestamp is older than now − tolerance (replay or skew).
inline constexpr std::string_view kStaleTimestamp = "stale_timestamp";
// Correctly signed, but the timestamp is later than now + tolerance (skew).
inline constexpr std::string_view kFutureTimestamp = "future_timestamp";
}  // namespace webhook_reason

inline WebhookVerdict AcceptWebhook() { return {true, {}}; }
inline WebhookVerdict RejectWebhook(std::string_view reason) {
  return {false, std::string(reason)};
}

// The replay-window rules shared by every provider (contract §5).

// A webhook timestamp: 1 to 15 ASCII digits and nothing else (no sign, space, fraction or
// exponent). A value above 10^11 is read as Unix milliseconds, otherwise as Unix seconds
// (10^11 s is the year 5138; 10^11 ms is 1973). Returns milliseconds since the Unix epoch, or
// nullopt when malformed. (Milliseconds, not a TimePoint: a nanosecond TimePoint ends in 2262,
// and a hostile header must not overflow it.)
inline std::optional<std::chrono::milliseconds> ParseWebhookTimestamp(std::string_view text) {
  if (text.empty() || text.size() > 15) {
    return std::nullopt;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);  // cannot fail: ≤15 digits
  return value > 100'000'000'000 ? std::chrono::milliseconds(value)
                                 : std::chrono::milliseconds(value * 1000);
}

// Two-sided window, inclusive at both ends: a delivery passes when
// timestamp − tolerance ≤ now ≤ timestamp + tolerance, exactly (sub-millisecond parts of `now`
// count). A tolerance above 10^12 s is treated as 10^12 s. Returns the rejection reason
// (stale_timestamp / future_timestamp), or nullopt when inside the window.
inline std::optional<std::string_view> CheckWebhookWindow(std::chrono::milliseconds timestamp,
                                                          TimePoint now,
                                                          std::chrono::seconds tolerance) {
  using std::chrono::milliseconds;
  tolerance = std::min(tolerance, std::chrono::seconds(1'000'000'000'000));
  const milliseconds tolerance_ms = tolerance;
  // timestamp and tolerance are whole milliseconds, so rounding `now` up for the "too old" test
  // and down for the "too new" test is exact.
  const milliseconds now_ceil = std::chrono::ceil<milliseconds>(now.time_since_epoch());
  const milliseconds now_floor = std::chrono::floor<milliseconds>(now.time_since_epoch());
  if (now_ceil - timestamp > tolerance_ms) {
    return webhook_reason::kStaleTimestamp;
  }
  if (timestamp - now_floor > tolerance_ms) {
    return webhook_reason::kFutureTimestamp;
  }
  return std::nullopt;
}

}  // namespace reflector::platforms
