// Downloads a URL taken from untrusted input (a provider payload, an access link, a calendar URL)
// to a file, under the rules of contract §7.3:
//  - streamed to disk, never whole in memory; at most `max_bytes` (a larger body fails at once,
//    from its Content-Length when it announces one);
//  - connect timeout, and a read timeout: no byte for `read_timeout` fails the attempt;
//  - transient failures (5xx, 408, 429, reset, timeout) are retried with exponential backoff and
//    resumed with `Range` from the bytes already on disk; 4xx and refusals fail at once;
//  - redirects are followed by us, not libcurl, at most `max_redirects`, http(s) only, and every
//    hop is checked again;
//  - every connection is checked at connect time against net/address_policy.hpp: a private,
//    loopback, link-local or unique-local address is refused unless the URL's host is in
//    `allowed_hosts` (DOWNLOAD_ALLOWED_HOSTS) — whatever DNS answers, the address the socket
//    connects to is the one that was checked;
//  - no proxy from the environment (a proxy would make the connect-time check meaningless).
// Thread-safe: each Download call uses its own libcurl handle.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "net/http_transport.hpp"

namespace reflector::net {

struct DownloadOptions {
  int64_t max_bytes = int64_t{4} << 30;               // MAX_RECORDING_BYTES
  std::chrono::milliseconds connect_timeout{10'000};  // contract §7.3: 10 s
  std::chrono::milliseconds read_timeout{60'000};     // no byte for this long → transient
  int max_attempts = 4;                               // transient failures, resumed with Range
  int max_redirects = 5;
  std::chrono::milliseconds initial_backoff{500};  // doubled per attempt, full jitter
  std::vector<std::string> allowed_hosts;          // DOWNLOAD_ALLOWED_HOSTS
  std::vector<HeaderField> headers;                // extra request headers (e.g. auth)
};

struct DownloadResult {
  int64_t bytes = 0;
  std::string content_type;
  int attempts = 0;  // requests that carried body bytes or failed transiently, redirects excluded
  int redirects = 0;
  std::string etag;           // the final response's ETag header, empty when none
  bool not_modified = false;  // 304: the server confirmed the caller's If-None-Match; no body
};

// Progress: bytes on disk so far, total when known (else -1).
using DownloadProgress = std::function<void(int64_t done, int64_t total)>;

// Errors (messages are meant for people and name no secrets — URLs appear only as their origin):
//   kPermissionDenied  "download refused: private address 10.0.0.5" (also after a redirect),
//                      "download failed: HTTP 403 …"
//   kNotFound          "download failed: HTTP 404 …"
//   kResourceExhausted "recording too large: 5.2 GB > MAX_RECORDING_BYTES (4.0 GB)"
//   kInvalidArgument   malformed URL, scheme other than http(s), other 4xx, too many redirects
//   kUnavailable       transient failures still failing after max_attempts (connection refused,
//                      5xx, reset) — the caller's job may retry later
//   kDeadlineExceeded  the last attempt timed out (no byte for read_timeout, or connect timeout)
Result<DownloadResult> DownloadToFile(const std::string& url, const std::string& path,
                                      const DownloadOptions& options,
                                      const DownloadProgress& progress = {});

// "5.2 GB", "812 MB", "3 KB", "17 bytes": sizes in messages.
std::string HumanBytes(int64_t bytes);

}  // namespace reflector::net
