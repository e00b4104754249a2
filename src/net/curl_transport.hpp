// The real outbound HTTP transport, on libcurl. One CurlTransport is created by the composition
// root and shared by every provider client; wrap it in a RetryingTransport for the contract's
// retry rules (this class never retries on its own).
//
// Per request: the whole exchange must finish within request.timeout (connect included); TLS
// peer and host verification is always on; only http:// and https:// URLs are accepted; redirects
// are not followed unless Options::follow_redirects; the response body is capped.
// Connections are kept alive: easy handles (each with its own connection cache) live in a pool
// owned by the transport and are reused by whichever thread sends next.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "net/http_transport.hpp"

namespace reflector::net {

class CurlTransport final : public HttpTransport {
 public:
  struct Options {
    // Largest response body accepted; a longer one fails the Send with kResourceExhausted.
    std::size_t max_response_bytes = std::size_t{64} * 1024 * 1024;
    // Upper bound for establishing the connection (TCP + TLS); never more than request.timeout.
    std::chrono::milliseconds connect_timeout{5'000};
    // Follow 3xx redirects (http/https only). Off by default: caller headers such as API keys
    // would be re-sent to whatever host the redirect names.
    bool follow_redirects = false;
    // Redirect hops allowed when follow_redirects is on.
    int max_redirects = 5;
    // Idle easy handles (and so kept-alive connection caches) kept for reuse; extras are closed.
    std::size_t max_idle_handles = 8;
    // Contract §7.3 for URLs taken from users (room webhooks): every connection is checked when
    // its socket is opened (net/address_policy.hpp), so the address connected to is the one
    // checked, whatever DNS answers; a private, loopback, link-local or unique-local address fails
    // the Send with kPermissionDenied "refused: private address <ip>" unless the URL's host is in
    // `allowed_hosts` (DOWNLOAD_ALLOWED_HOSTS).
    bool public_addresses_only = false;
    std::vector<std::string> allowed_hosts;
  };

  CurlTransport();
  explicit CurlTransport(Options options);
  ~CurlTransport() override;

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  // Sends one request; any HTTP status is a successful Send. Errors (see HttpTransport), all
  // built with TransportError() so RequestMayHaveBeenSent() tells whether the server may have
  // seen the request (false only when no connection was ready to carry it — DNS, connect or TLS
  // failures, or a timeout before that point):
  //   kInvalidArgument   – malformed or non-http(s) URL, bad method, CR/LF in a header,
  //                        timeout <= 0
  //   kUnavailable       – DNS, connect, TLS, send/receive failures, connection closed early
  //   kDeadlineExceeded  – not complete within request.timeout
  //   kResourceExhausted – response body larger than Options::max_response_bytes
  //   kPermissionDenied  – Options::public_addresses_only and the address is private
  //   kInternal          – libcurl could not be set up (out of memory and the like)
  // Messages name the method and the URL's origin (scheme://host:port) and curl's reason; never
  // the path, query or request headers, which may carry credentials.
  // Thread-safe.
  Result<OutboundResponse> Send(const OutboundRequest& request) override;

 private:
  class HandlePool;

  Options options_;
  std::unique_ptr<HandlePool> pool_;
};

}  // namespace reflector::net
