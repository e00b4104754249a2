// Whereby webhook signatures (contract §5.2, providers.md §2.2).
//
//   Whereby-Signature: t=<unix seconds>,v1=<hex(HMAC-SHA256(secret as UTF-8, t + "." + raw body))>
//
// Unlike Reflector, which re-serialises the parsed JSON before verifying (QUIRK: breaks on
// non-ASCII display names and on any formatting difference; reflector-reference.md §3.2), we
// verify over the exact raw bytes received, as Whereby's docs and Stripe/Standard Webhooks do,
// and apply the replay window in both directions. Thread-safe, never throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "platforms/webhook_verdict.hpp"

namespace reflector::platforms {

// Verifies one Whereby delivery. `header` is the Whereby-Signature value (nullopt when absent);
// `secret` is WHEREBY_WEBHOOK_SECRET, used as its bytes (no decoding).
//
// Header grammar: comma-separated `key=value` parts, optionally with spaces or tabs after a
// comma, in any order: exactly one `t` (1–15 ASCII digits; above 10^11 read as milliseconds),
// one or more `v1` (64 hex digits, either case; any one matching is enough, which allows a
// secret roll), and any other `key=value` parts, ignored (e.g. a future `v2`). Anything else —
// empty header, a part without "=", an empty part, no `t`, two `t`, non-numeric `t`, no `v1`, a
// `v1` that is not 64 hex digits — is malformed.
//
// Checks, first failure wins (reasons from webhook_reason): secret empty →
// secret_not_configured; header absent → missing_signature; grammar → malformed_signature_header;
// no v1 matches (constant-time compare) → bad_signature; |now − t| > tolerance →
// stale_timestamp / future_timestamp (±tolerance inclusive passes). The window is checked after
// the signature so that "stale_timestamp" in the logs means a genuine but old delivery.
WebhookVerdict VerifyWherebySignature(std::string_view raw_body,
                                      std::optional<std::string_view> header,
                                      std::string_view secret, TimePoint now,
                                      std::chrono::seconds tolerance);

// The full Whereby-Signature header value for `body` at `t` (signed verbatim):
// "t=<t>,v1=<lowercase hex>". For tests, tools and our own mock events.
std::string SignWhereby(std::string_view body, std::string_view t, std::string_view secret);

}  // namespace reflector::platforms
