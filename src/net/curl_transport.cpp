#include "net/curl_transport.hpp"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/address_policy.hpp"

namespace reflector::net {
namespace {

// --- Request validation (done before libcurl sees anything) ---

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 9110 token: methods and header names.
bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// Header values must not smuggle extra header lines into the request.
bool IsSafeHeaderValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

bool HasHeader(const std::vector<HeaderField>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const HeaderField& h) { return EqualsIgnoreCase(h.name, name); });
}

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStringDeleter {
  void operator()(char* s) const { curl_free(s); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// Parses `url` strictly (no scheme guessing) and returns its origin, "scheme://host:port" — the
// only part of a URL that is safe to put in messages (paths and queries may hold signed tokens).
Result<std::string> ValidateUrl(const std::string& url) {
  if (url.find('\0') != std::string::npos) {
    return Err(TransportError(Code::kInvalidArgument, "malformed URL", "NUL byte in URL", false));
  }
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed) return Err(TransportError(Code::kInternal, "curl_url() failed", "", false));
  if (CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK) {
    return Err(
        TransportError(Code::kInvalidArgument, "malformed URL", curl_url_strerror(rc), false));
  }
  char* raw = nullptr;
  curl_url_get(parsed.get(), CURLUPART_SCHEME, &raw, 0);
  CurlString scheme(raw);
  raw = nullptr;
  curl_url_get(parsed.get(), CURLUPART_HOST, &raw, 0);
  CurlString host(raw);
  raw = nullptr;
  curl_url_get(parsed.get(), CURLUPART_PORT, &raw, CURLU_DEFAULT_PORT);
  CurlString port(raw);
  if (!scheme || !host) {
    return Err(TransportError(Code::kInvalidArgument, "malformed URL", "no scheme or host", false));
  }
  std::string_view scheme_view(scheme.get());
  if (scheme_view != "http" && scheme_view != "https") {
    return Err(TransportError(Code::kInvalidArgument, "unsupported URL scheme",
                              std::string(scheme_view), false));
  }
  std::string origin = std::string(scheme_view) + "://" + host.get();
  if (port) origin += std::string(":") + port.get();
  return origin;
}

// --- libcurl callbacks. They must not throw: exceptions cannot cross libcurl's C frames. ---

// What one transfer collects.
struct Exchange {
  std::size_t max_body = 0;
  std::string body;
  std::vector<HeaderField> headers;
  bool body_too_large = false;
  bool out_of_memory = false;
  bool request_started = false;  // a connection was ready and the request was about to be sent
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  if (n > exchange->max_body - exchange->body.size()) {
    exchange->body_too_large = true;
    return 0;  // anything but n aborts the transfer with CURLE_WRITE_ERROR
  }
  try {
    exchange->body.append(data, n);
  } catch (const std::bad_alloc&) {
    exchange->out_of_memory = true;
    return 0;
  }
  return n;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Called once per header line, status lines included, for every response of the transfer
// (100 Continue, redirects, the final one). A status line starts a new response, so only the
// last response's headers are kept.
std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  try {
    if (line.starts_with("HTTP/")) {
      exchange->headers.clear();
    } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      // Obsolete line folding (RFC 9112 §5.2): continues the previous value.
      std::string_view more = TrimOws(line);
      if (!exchange->headers.empty() && !more.empty()) {
        exchange->headers.back().value.append(" ").append(more);
      }
    } else if (std::size_t colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
      exchange->headers.push_back(HeaderField{std::string(line.substr(0, colon)),
                                              std::string(TrimOws(line.substr(colon + 1)))});
    }
  } catch (const std::bad_alloc&) {
    exchange->out_of_memory = true;
    return 0;
  }
  return n;
}

// CURLOPT_PREREQFUNCTION: runs once a connection is established or reused, right before the
// request goes out. If it never ran, the server cannot have seen the request.
int OnPrereq(void* user, char*, char*, int, int) {
  static_cast<Exchange*>(user)->request_started = true;
  return CURL_PREREQFUNC_OK;
}

// CURLOPT_OPENSOCKETFUNCTION with Options::public_addresses_only: the address policy applied to
// the very address libcurl is about to connect to.
struct SocketPolicy {
  bool host_allowed = false;
  std::string refused_address;
};

curl_socket_t OnOpenSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto* policy = static_cast<SocketPolicy*>(user);
  if (!policy->host_allowed && !IsPublicSockaddr(&address->addr)) {
    policy->refused_address = SockaddrToString(&address->addr);
    if (policy->refused_address.empty()) policy->refused_address = "of an unsupported family";
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

Code CodeForCurlError(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return Code::kDeadlineExceeded;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Code::kInvalidArgument;
    case CURLE_FILESIZE_EXCEEDED:
      return Code::kResourceExhausted;
    case CURLE_FAILED_INIT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN:
    case CURLE_WRITE_ERROR:  // only our callbacks fail writes; body_too_large is checked first
      return Code::kInternal;
    default:
      // DNS, connect, TLS, send/receive, empty reply, HTTP/2 stream errors, too many redirects.
      return Code::kUnavailable;
  }
}

}  // namespace

// Idle easy handles. Each handle keeps its own connection cache, DNS cache and TLS sessions
// across curl_easy_reset(), so handing a used handle to the next Send keeps connections alive.
class CurlTransport::HandlePool {
 public:
  explicit HandlePool(std::size_t max_idle) : max_idle_(max_idle) {}

  ~HandlePool() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }

  // A handle with default options, or nullptr when libcurl cannot make one. Thread-safe.
  CURL* Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();  // most recently used: likeliest to hold a live connection
        idle_.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  // Takes `handle` back. Options are reset here so an idle handle holds no pointers into a
  // finished request. Thread-safe.
  void Release(CURL* handle) {
    curl_easy_reset(handle);
    {
      std::lock_guard lock(mu_);
      if (idle_.size() < max_idle_) {
        idle_.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }

 private:
  const std::size_t max_idle_;
  std::mutex mu_;
  std::vector<CURL*> idle_;  // guarded by mu_
};

CurlTransport::CurlTransport() : CurlTransport(Options{}) {}

CurlTransport::CurlTransport(Options options)
    : options_(options), pool_(std::make_unique<HandlePool>(options.max_idle_handles)) {
  // libcurl's global state is initialised once per process and never torn down: handles may
  // outlive any one transport on other threads' stacks, and cleanup at exit buys nothing.
  static std::once_flag init_once;
  std::call_once(init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlTransport::~CurlTransport() = default;

Result<OutboundResponse> CurlTransport::Send(const OutboundRequest& request) {
  // ---- Validate before touching the network; nothing below has been sent. ----
  auto invalid = [](std::string message) {
    return Err(TransportError(Code::kInvalidArgument, std::move(message), "", false));
  };
  if (!IsToken(request.method)) return invalid("invalid HTTP method");
  if (request.timeout <= std::chrono::milliseconds::zero()) {
    return invalid("timeout must be positive");  // 0 would mean "no timeout" to libcurl
  }
  for (const HeaderField& h : request.headers) {
    // Never echo the value: it may be a credential.
    if (!IsToken(h.name) || !IsSafeHeaderValue(h.value)) return invalid("invalid request header");
  }
  Result<std::string> origin = ValidateUrl(request.url);
  if (!origin) return Err(std::move(origin.error()));
  SocketPolicy socket_policy;
  if (options_.public_addresses_only) {
    // The host part of the origin "scheme://host:port" (IPv6 literals keep their brackets).
    // An allow-list entry may name the host alone or "host:port".
    std::string_view host_port(*origin);
    host_port.remove_prefix(host_port.find("://") + 3);
    const std::string_view host = host_port.substr(0, host_port.rfind(':'));
    const HostAllowList allowed(options_.allowed_hosts);
    socket_policy.host_allowed = allowed.Contains(host) || allowed.Contains(host_port);
  }
  const std::string where = request.method + " " + *origin;

  // ---- Header list ----
  curl_slist* raw_list = nullptr;
  bool list_ok = true;
  auto append = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(raw_list, line.c_str());
    if (next == nullptr) {
      list_ok = false;
    } else {
      raw_list = next;
    }
  };
  for (const HeaderField& h : request.headers) {
    // "Name;" is libcurl's spelling of a header with an empty value ("Name:" would delete it).
    append(h.value.empty() ? h.name + ";" : h.name + ": " + h.value);
  }
  // libcurl adds "Expect: 100-continue" to large bodies and then waits up to a second for a
  // 100 that many servers never send; and it labels bodies sent with POSTFIELDS as
  // application/x-www-form-urlencoded. Suppress both unless the caller set them.
  if (!HasHeader(request.headers, "Expect")) append("Expect:");
  if (!HasHeader(request.headers, "Content-Type")) append("Content-Type:");
  std::unique_ptr<curl_slist, SlistDeleter> header_list(raw_list);
  if (!list_ok) return Err(TransportError(Code::kInternal, where + ": out of memory", "", false));

  Exchange exchange;
  exchange.max_body = options_.max_response_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};

  // ---- Handle (declared after everything it points into, so it is released first) ----
  CURL* curl = pool_->Acquire();
  if (curl == nullptr) {
    return Err(TransportError(Code::kInternal, where + ": curl_easy_init failed", "", false));
  }
  struct Lease {
    HandlePool& pool;
    CURL* handle;
    ~Lease() { pool.Release(handle); }
  } lease{*pool_, curl};

  const long timeout_ms = static_cast<long>(request.timeout.count());
  const long connect_ms =
      static_cast<long>(std::min(options_.connect_timeout, request.timeout).count());

  // Every setopt below takes a valid option and value; their results are checked together.
  CURLcode set = CURLE_OK;
  auto opt = [&](CURLoption option, auto value) {
    if (set == CURLE_OK) set = curl_easy_setopt(curl, option, value);
  };
  opt(CURLOPT_ERRORBUFFER, error_buffer);
  opt(CURLOPT_URL, request.url.c_str());
  opt(CURLOPT_PROTOCOLS_STR, "http,https");
  opt(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are multi-threaded
  opt(CURLOPT_TIMEOUT_MS, timeout_ms);
  opt(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  opt(CURLOPT_TCP_NODELAY, 1L);
  opt(CURLOPT_TCP_KEEPALIVE, 1L);
  opt(CURLOPT_SSL_VERIFYPEER, 1L);
  opt(CURLOPT_SSL_VERIFYHOST, 2L);
  // An explicit empty proxy: libcurl would otherwise read http_proxy/https_proxy from the
  // environment, and configuration is read in one place only.
  opt(CURLOPT_PROXY, "");
  if (options_.follow_redirects) {
    opt(CURLOPT_FOLLOWLOCATION, 1L);
    opt(CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
    opt(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  } else {
    opt(CURLOPT_FOLLOWLOCATION, 0L);
  }
  opt(CURLOPT_HTTPHEADER, header_list.get());
  opt(CURLOPT_WRITEFUNCTION, &OnBody);
  opt(CURLOPT_WRITEDATA, static_cast<void*>(&exchange));
  opt(CURLOPT_HEADERFUNCTION, &OnHeader);
  opt(CURLOPT_HEADERDATA, static_cast<void*>(&exchange));
  opt(CURLOPT_PREREQFUNCTION, &OnPrereq);
  opt(CURLOPT_PREREQDATA, static_cast<void*>(&exchange));
  if (options_.public_addresses_only) {
    opt(CURLOPT_OPENSOCKETFUNCTION, &OnOpenSocket);
    opt(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&socket_policy));
  }

  // ---- Method and body ----
  const bool is_head = request.method == "HEAD";
  const bool send_body = !request.body.empty() || request.method == "POST" ||
                         request.method == "PUT" || request.method == "PATCH";
  if (is_head) {
    opt(CURLOPT_NOBODY, 1L);
  } else {
    // Rejects a declared Content-Length above the cap before any body arrives. Not for HEAD:
    // there the length describes a body that is never sent.
    opt(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_response_bytes));
    if (send_body) {
      // POSTFIELDS does not copy; request.body outlives the transfer.
      opt(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      opt(CURLOPT_POSTFIELDS, request.body.data());
    } else {
      opt(CURLOPT_HTTPGET, 1L);
    }
    if (request.method != "POST" && request.method != "GET") {
      opt(CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
  if (set != CURLE_OK) {
    return Err(TransportError(Code::kInternal, where + ": libcurl setup failed",
                              curl_easy_strerror(set), false));
  }

  // ---- Transfer ----
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    Code code = CodeForCurlError(rc);
    std::string message = where + ": ";
    if (!socket_policy.refused_address.empty()) {
      return Err(TransportError(Code::kPermissionDenied,
                                message + "refused: private address " +
                                    socket_policy.refused_address +
                                    " (list the host in DOWNLOAD_ALLOWED_HOSTS to allow it)",
                                error_buffer, false));
    }
    if (exchange.body_too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      code = Code::kResourceExhausted;
      message +=
          "response body larger than " + std::to_string(options_.max_response_bytes) + " bytes";
    } else if (exchange.out_of_memory) {
      code = Code::kInternal;
      message += "out of memory while reading the response";
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
      message += "timed out after " + std::to_string(timeout_ms) + " ms";
    } else {
      message += curl_easy_strerror(rc);
    }
    return Err(TransportError(code, std::move(message), error_buffer, exchange.request_started));
  }

  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  OutboundResponse response;
  response.status = static_cast<int>(status);
  response.headers = std::move(exchange.headers);
  response.body = std::move(exchange.body);
  return response;
}

}  // namespace reflector::net
