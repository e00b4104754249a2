// Outgoing room webhooks (contract §7.7, reference §6.7): what one delivery attempt sends and how
// its outcome is judged. Shared by the `room_webhook.deliver` job (delivery_job.hpp) and the
// owner's `POST /v1/rooms/{room_id}/webhook/test`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "net/http_transport.hpp"

namespace reflector::roomhooks {

inline constexpr std::string_view kEventTranscriptCompleted = "transcript.completed";
inline constexpr std::string_view kEventTest = "test";
inline constexpr std::string_view kUserAgent = "Reflector-Webhook/1.0";
inline constexpr std::chrono::seconds kDefaultTimeout{10};

// The `X-Webhook-Signature` value: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>".
std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body);

// A new event id: uuid4 as 32 hex digits (no dashes), new for every attempt.
std::string NewEventId();

// Whether `url` may be called, checked before the request for a clear message: the host is
// resolved and every address judged by net/address_policy.hpp; private, loopback, link-local,
// unique-local and other special addresses are refused unless the host (or "host:port") is in
// `allowed_hosts` (DOWNLOAD_ALLOWED_HOSTS, case-insensitive). The transport of
// MakeWebhookTransport checks again at connect time, so a DNS answer that changes in between is
// refused too. kInvalidArgument (malformed URL, non-http(s) scheme), kPermissionDenied (private
// address) or kUnavailable (cannot resolve).
Status CheckTarget(std::string_view url, const std::vector<std::string>& allowed_hosts);

// The real transport for webhooks: libcurl, no redirects, no retries of its own, and the
// connect-time address check of contract §7.3 (kPermissionDenied "refused: private address …").
std::unique_ptr<net::HttpTransport> MakeWebhookTransport(
    const std::vector<std::string>& allowed_hosts);

// One attempt to send.
struct Attempt {
  std::string url;
  std::optional<std::string> secret;  // signs when set and not empty
  std::string event;                  // X-Webhook-Event
  std::string body;                   // compact JSON
  int retry = 0;                      // X-Webhook-Retry: 0-based attempt number
  TimePoint now{};                    // signature time
  std::chrono::milliseconds timeout = kDefaultTimeout;
};

// The request of reference §6.7: POST, Content-Type, User-Agent, X-Webhook-Event,
// X-Webhook-Retry and (with a secret) X-Webhook-Signature.
net::OutboundRequest BuildRequest(const Attempt& attempt);

// What an attempt's outcome means for the delivery.
enum class Verdict {
  kDelivered,  // 2xx
  kRetry,      // 5xx, 408, 429, timeout, connection refused/reset, DNS failure
  kStop,       // any other status (410 Gone included), private address, malformed URL
};

Verdict Classify(const Result<net::OutboundResponse>& outcome);

// Human-readable outcome for the delivery log ("" when delivered): "HTTP 500", "timed out after
// 10 s", "Could not connect: …", "refused: private address 127.0.0.2 …". Never the secret.
std::string DescribeFailure(const Result<net::OutboundResponse>& outcome);

// The retry schedule of contract §7.7: `base` doubling per failed attempt up to `cap`
// (1 min → 2 → 4 … → 60 min by default), minus up to 10 % jitter (`unit_random` in [0, 1)) so
// receivers are not hit by synchronised retries. `attempt` is the 1-based attempt that failed.
std::chrono::milliseconds RetryDelay(int attempt, std::chrono::milliseconds base,
                                     std::chrono::milliseconds cap, double unit_random);

inline constexpr int kMaxAttempts = 30;
inline constexpr std::chrono::minutes kRetryCap{60};

}  // namespace reflector::roomhooks
