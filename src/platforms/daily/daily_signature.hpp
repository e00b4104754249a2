// Daily.co webhook signatures (contract §5.1, providers.md §1.5, reflector-reference.md §2.7).
//
//   X-Webhook-Timestamp: <unix seconds, as Daily sends it>
//   X-Webhook-Signature: base64(HMAC-SHA256(key = base64decode(DAILY_WEBHOOK_SECRET),
//                                           X-Webhook-Timestamp + "." + raw body))
//
// The timestamp header is signed as the exact bytes received and the body as the exact raw bytes
// (never re-serialised JSON). Known wrong schemes (hex digest, the secret used without decoding,
// an `X-Daily-Signature` header over the body alone) are all rejected. Thread-safe, never throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "platforms/webhook_verdict.hpp"

namespace reflector::platforms {

// Verifies one Daily delivery. `signature_header` / `timestamp_header` are the values of
// X-Webhook-Signature / X-Webhook-Timestamp (nullopt when absent); `base64_secret` is
// DAILY_WEBHOOK_SECRET as configured (base64, as Daily requires for `hmac`).
//
// Checks, first failure wins (reasons from webhook_reason):
//   1. secret empty → secret_not_configured; not canonical padded base64 → secret_not_base64
//      (strict, unlike Reflector's lenient Python decoder: a typo in the secret must show up as
//      a configuration error, not as every delivery failing with bad_signature);
//   2. signature header absent → missing_signature; timestamp header absent → missing_timestamp;
//   3. signature not shaped like base64 of 32 bytes (44 characters ending in "=") →
//      malformed_signature_header (this is how a hex digest or an empty header shows up);
//   4. timestamp not 1–15 ASCII digits → bad_timestamp. Daily sends integer seconds; we accept
//      digits only (no sign, spaces, fraction or exponent) and read a value above 10^11 as
//      milliseconds;
//   5. HMAC mismatch (constant-time compare) → bad_signature;
//   6. |now − timestamp| > tolerance → stale_timestamp / future_timestamp (±tolerance inclusive
//      passes). Reflector itself has no window; the contract adds it in both directions.
// The window is checked after the signature so that "stale_timestamp" in the logs means a
// genuine Daily delivery that is old (a replay or clock skew), not a forgery.
WebhookVerdict VerifyDailySignature(std::string_view raw_body,
                                    std::optional<std::string_view> signature_header,
                                    std::optional<std::string_view> timestamp_header,
                                    std::string_view base64_secret, TimePoint now,
                                    std::chrono::seconds tolerance);

// The X-Webhook-Signature value Daily would send for `body` at `timestamp` (the header string,
// signed verbatim). For tests, tools and our own mock events. Returns an empty string (which
// never verifies) when `base64_secret` is empty or not canonical base64.
std::string SignDaily(std::string_view body, std::string_view timestamp,
                      std::string_view base64_secret);

}  // namespace reflector::platforms
