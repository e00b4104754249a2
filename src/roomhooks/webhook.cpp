#include "roomhooks/webhook.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "net/address_policy.hpp"
#include "net/curl_transport.hpp"

namespace reflector::roomhooks {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct HostPort {
  std::string host;  // lowercase, without brackets
  std::string port;  // may be empty
};

Result<HostPort> ParseHttpHost(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Err(Code::kInvalidArgument, "Webhook URL is not an absolute http(s) URL");
  }
  const std::string scheme = Lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return Err(Code::kInvalidArgument, "Webhook URL must use http or https");
  }
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  HostPort out;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return Err(Code::kInvalidArgument, "Webhook URL has a malformed host");
    }
    out.host = Lower(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      out.port = std::string(authority.substr(close + 2));
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = Lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  }
  if (out.host.empty()) return Err(Code::kInvalidArgument, "Webhook URL has no host");
  return out;
}

bool IsHttpSuccess(int status) { return status >= 200 && status < 300; }

}  // namespace

std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string message = t;
  message += '.';
  message += body;
  return "t=" + t + ",v1=" + HexEncode(HmacSha256(secret, message));
}

std::string NewEventId() {
  std::string id = NewUuid4();
  std::erase(id, '-');
  return id;
}

Status CheckTarget(std::string_view url, const std::vector<std::string>& allowed_hosts) {
  auto parsed = ParseHttpHost(url);
  if (!parsed) return Err(parsed.error());
  for (const auto& allowed : allowed_hosts) {
    const std::string entry = Lower(allowed);
    if (entry == parsed->host ||
        (!parsed->port.empty() && entry == parsed->host + ":" + parsed->port)) {
      return Ok();
    }
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(parsed->host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) {
    return Err(Code::kUnavailable, "cannot resolve host " + parsed->host, gai_strerror(rc));
  }
  bool refused = false;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_addr == nullptr || !net::IsPublicSockaddr(a->ai_addr)) refused = true;
  }
  freeaddrinfo(found);
  if (refused) {
    return Err(Code::kPermissionDenied,
               "Webhook URL resolves to a private address; list the host in "
               "DOWNLOAD_ALLOWED_HOSTS to allow it");
  }
  return Ok();
}

std::unique_ptr<net::HttpTransport> MakeWebhookTransport(
    const std::vector<std::string>& allowed_hosts) {
  net::CurlTransport::Options options;
  options.max_response_bytes = 1 << 20;  // only a preview is ever kept
  options.follow_redirects = false;
  options.public_addresses_only = true;
  options.allowed_hosts = allowed_hosts;
  return std::make_unique<net::CurlTransport>(options);
}

net::OutboundRequest BuildRequest(const Attempt& attempt) {
  net::OutboundRequest request;
  request.method = "POST";
  request.url = attempt.url;
  request.body = attempt.body;
  request.timeout = attempt.timeout;
  request.headers = {{"Content-Type", "application/json"},
                     {"User-Agent", std::string(kUserAgent)},
                     {"X-Webhook-Event", attempt.event},
                     {"X-Webhook-Retry", std::to_string(attempt.retry)}};
  if (attempt.secret && !attempt.secret->empty()) {
    request.headers.push_back(
        {"X-Webhook-Signature",
         SignatureHeader(*attempt.secret, ToUnixSeconds(attempt.now), attempt.body)});
  }
  return request;
}

Verdict Classify(const Result<net::OutboundResponse>& outcome) {
  if (!outcome) {
    switch (outcome.error().code) {
      case Code::kDeadlineExceeded:
      case Code::kUnavailable:
      case Code::kResourceExhausted:  // an oversized answer is the receiver's passing problem
      case Code::kInternal:
        return Verdict::kRetry;
      default:  // kPermissionDenied (private address), kInvalidArgument (malformed URL)
        return Verdict::kStop;
    }
  }
  const int status = outcome->status;
  if (IsHttpSuccess(status)) return Verdict::kDelivered;
  if (status >= 500 || status == 408 || status == 429) return Verdict::kRetry;
  return Verdict::kStop;
}

std::string DescribeFailure(const Result<net::OutboundResponse>& outcome) {
  if (outcome) {
    if (IsHttpSuccess(outcome->status)) return "";
    return "HTTP " + std::to_string(outcome->status);
  }
  const Error& error = outcome.error();
  switch (error.code) {
    case Code::kDeadlineExceeded:
      return "Webhook request timed out: " + error.message;
    case Code::kUnavailable:
      return "Could not connect to webhook URL: " + error.message;
    default:
      return error.message;
  }
}

std::chrono::milliseconds RetryDelay(int attempt, std::chrono::milliseconds base,
                                     std::chrono::milliseconds cap, double unit_random) {
  const double exponent = std::clamp(attempt - 1, 0, 62);
  const double ceiling = std::min(static_cast<double>(cap.count()),
                                  static_cast<double>(base.count()) * std::exp2(exponent));
  const double jitter = 0.1 * std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::floor(ceiling * (1.0 - jitter))));
}

}  // namespace reflector::roomhooks
