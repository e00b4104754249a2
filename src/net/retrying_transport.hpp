// Retry decorator for outbound calls: applies the contract's rules (spec/contract.md §3.2) around
// any HttpTransport, so provider clients send once and never loop themselves.
//
//   429               → wait Retry-After (delta-seconds or HTTP-date), else exponential backoff
//                       with jitter; a Retry-After above RetryPolicy::max_retry_after is not
//                       waited for: the 429 is returned as is.
//   500, 502, 503, 504 → exponential backoff with jitter (a 503 with Retry-After honours it
//                       like a 429).
//   any other status  → returned at once (4xx are never retried).
//   transport error   → kUnavailable / kDeadlineExceeded are retried with backoff when safe: the
//                       request never left (RequestMayHaveBeenSent() is false) or the method is
//                       idempotent. Other errors, and unsafe ones, are returned at once.
// At most RetryPolicy::max_attempts attempts; when they run out the last response or error is
// returned. Each attempt has the request's own timeout, so the worst case is
// max_attempts × timeout plus the waits.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "net/http_transport.hpp"

namespace reflector::net {

struct RetryPolicy {
  // Total attempts, the first included; values below 1 count as 1.
  int max_attempts = 4;
  // Backoff ceiling before the first retry; doubles for each later retry.
  std::chrono::milliseconds base_delay{250};
  // Backoff ceiling never grows past this.
  std::chrono::milliseconds max_delay{8'000};
  // Longest Retry-After we are willing to wait; above it the response is returned as is.
  std::chrono::milliseconds max_retry_after{30'000};
  // Fraction of the backoff ceiling that is randomised: the wait is uniform in
  // [ceiling × (1 − jitter), ceiling]. 1 is "full jitter", 0 is none; clamped to [0, 1].
  double jitter = 0.5;
};

// Seams so tests neither sleep nor depend on chance.
struct RetryHooks {
  // Waits the given delay. Default: std::this_thread::sleep_for. May be called from several
  // threads at once.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Uniform in [0, 1). Default: a per-transport std::mt19937_64 seeded from std::random_device,
  // behind a mutex. May be called from several threads at once.
  std::function<double()> random;
};

class RetryingTransport final : public HttpTransport {
 public:
  // `inner` and `clock` (used to turn a Retry-After HTTP-date into a delay) must outlive this.
  RetryingTransport(HttpTransport& inner, const Clock& clock, RetryPolicy policy = {},
                    RetryHooks hooks = {});
  ~RetryingTransport() override;

  // Sends through `inner` with the retry rules above. Returns the final response (any status) or
  // the final transport error, with the codes of `inner`. Thread-safe if `inner` is.
  Result<OutboundResponse> Send(const OutboundRequest& request) override;

 private:
  // The backoff wait before retry number `retry` (0 for the first retry).
  std::chrono::milliseconds Backoff(int retry);

  struct Random;

  HttpTransport& inner_;
  const Clock& clock_;
  RetryPolicy policy_;
  std::function<void(std::chrono::milliseconds)> sleep_;
  std::function<double()> random_;
  std::unique_ptr<Random> default_random_;  // backs random_ unless a hook was given
};

// The wait a Retry-After header value asks for, relative to `now`: delta-seconds ("120") or an
// HTTP-date in any of the three RFC 9110 §5.6.7 forms ("Sun, 06 Nov 1994 08:49:37 GMT", the
// obsolete RFC 850 and asctime forms). A date in the past yields zero. nullopt when the value is
// neither. Huge delta-seconds saturate instead of overflowing.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, TimePoint now);

}  // namespace reflector::net
