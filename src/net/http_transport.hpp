// Outbound HTTP seam. Provider clients (Daily, Whereby), storage and downloads send requests
// through an HttpTransport so tests can swap in a fake and decorators (retry, logging) can wrap
// the real one.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace reflector::net {

struct HeaderField {
  std::string name;
  std::string value;
};

struct OutboundRequest {
  std::string method = "GET";  // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string url;             // absolute http(s) URL, already percent-encoded
  std::vector<HeaderField> headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};  // whole-request deadline

  // The method is safe to repeat after a failure mid-request (GET, HEAD, PUT, DELETE, and
  // OPTIONS/TRACE — RFC 9110 §9.2.2). Methods are case-sensitive: "get" is not GET.
  bool idempotent() const;
};

struct OutboundResponse {
  int status = 0;
  std::vector<HeaderField> headers;
  std::string body;

  // First header with this name (case-insensitive).
  std::optional<std::string_view> GetHeader(std::string_view name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends one request. Any HTTP status, 4xx and 5xx included, is a successful Send: the response
  // is returned for the caller to judge. Errors are transport failures only:
  //   kUnavailable      – could not connect / DNS / TLS / connection reset (message says which)
  //   kDeadlineExceeded – the request did not complete within request.timeout
  //   kInvalidArgument  – malformed URL or method
  //   kResourceExhausted – the response body exceeded the transport's size cap
  // Thread-safe: implementations may be called from many threads at once.
  virtual Result<OutboundResponse> Send(const OutboundRequest& request) = 0;
};

// --- Transport errors: was the request sent? ---
//
// A retry layer may repeat a non-idempotent request (POST, PATCH) only if the failed attempt never
// reached the server. Transports say so by building their errors with TransportError(); the fact
// travels inside Error::detail as the leading tag kRequestNotSentTag ("request not sent"), so it
// survives any decorator that passes errors through unchanged. An error without the tag counts as
// "may have been sent" — the safe assumption for errors from elsewhere.

inline constexpr std::string_view kRequestNotSentTag = "request not sent";

// An Error with `code`, an external `message` and an internal `detail`; when `request_sent` is
// false the detail is prefixed with kRequestNotSentTag. Never put request headers in either text:
// they carry API keys.
Error TransportError(Code code, std::string message, std::string detail, bool request_sent);

// False only when `error` was built by TransportError(..., request_sent = false).
bool RequestMayHaveBeenSent(const Error& error);

}  // namespace reflector::net
