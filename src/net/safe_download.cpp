#include "net/safe_download.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <thread>

#include "net/address_policy.hpp"

namespace reflector::net {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct CurlFree {
  void operator()(char* s) const { curl_free(s); }
};
struct FileCloser {
  void operator()(FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  s = Trim(s);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// A parsed absolute URL: the parts we need to check and to talk about.
struct UrlParts {
  std::string url;     // normalised full URL (may carry signed query tokens: never logged)
  std::string scheme;  // "http" | "https"
  std::string host;    // as written, brackets removed
  std::string origin;  // scheme://host[:port] — safe for messages
};

Result<UrlParts> ParseUrl(const std::string& url, const std::string* base = nullptr) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return Err(Code::kInternal, "out of memory");
  if (base != nullptr) {
    if (curl_url_set(u.get(), CURLUPART_URL, base->c_str(), 0) != CURLUE_OK) {
      return Err(Code::kInvalidArgument, "malformed redirect base URL");
    }
  }
  // Relative references resolve against the base set above (redirect Location headers).
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return Err(Code::kInvalidArgument, "malformed download URL");
  }
  auto get = [&](CURLUPart part) -> std::string {
    char* out = nullptr;
    if (curl_url_get(u.get(), part, &out, 0) != CURLUE_OK) return {};
    std::unique_ptr<char, CurlFree> hold(out);
    return out;
  };
  UrlParts parts;
  parts.url = get(CURLUPART_URL);
  parts.scheme = get(CURLUPART_SCHEME);
  std::transform(parts.scheme.begin(), parts.scheme.end(), parts.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  parts.host = NormalizeHost(get(CURLUPART_HOST));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return Err(Code::kInvalidArgument,
               fmt::format("download refused: scheme {:?} (only http and https)", parts.scheme));
  }
  if (parts.host.empty()) return Err(Code::kInvalidArgument, "download URL has no host");
  const std::string port = get(CURLUPART_PORT);
  const bool v6 = parts.host.find(':') != std::string::npos;
  parts.origin = parts.scheme + "://" + (v6 ? "[" + parts.host + "]" : parts.host) +
                 (port.empty() ? "" : ":" + port);
  return parts;
}

// Everything one request attempt learns; callbacks fill it.
struct Attempt {
  FILE* file = nullptr;
  int64_t offset = 0;   // bytes on disk before this attempt (the Range start)
  int64_t written = 0;  // bytes written by this attempt
  int64_t max_bytes = 0;
  bool host_allowed = false;
  std::string refused_address;
  long status = 0;  // of the last response head seen (1xx heads are replaced by the final one)
  std::optional<int64_t> content_length;
  std::optional<int64_t> range_start;
  std::optional<int64_t> range_total;
  std::string content_type;
  std::string etag;
  std::string location;
  bool body_started = false;
  bool body_ok = false;  // 200/206 body going to the file
  bool too_large = false;
  std::optional<int64_t> too_large_size;
  bool disk_error = false;
  bool range_mismatch = false;
  std::string error_snippet;  // start of a non-2xx body
  const DownloadProgress* progress = nullptr;
  int64_t last_progress_mb = -1;
  // Read timeout: the time of the last byte received (head or body), checked by OnTick.
  std::chrono::steady_clock::time_point last_byte = std::chrono::steady_clock::now();
  std::chrono::milliseconds read_timeout{60'000};
  bool stalled = false;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* a = static_cast<Attempt*>(user);
  const size_t n = size * count;
  a->last_byte = std::chrono::steady_clock::now();
  std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {
    // A new response head (after 1xx, or the first): forget the previous one's fields.
    a->content_length.reset();
    a->range_start.reset();
    a->range_total.reset();
    a->content_type.clear();
    a->etag.clear();
    a->location.clear();
    const size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      if (auto v = ParseInt(line.substr(sp + 1, 3))) a->status = static_cast<long>(*v);
    }
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string_view name = Trim(line.substr(0, colon));
  const std::string_view value = Trim(line.substr(colon + 1));
  if (IEquals(name, "content-length")) {
    a->content_length = ParseInt(value);
  } else if (IEquals(name, "content-type")) {
    a->content_type = std::string(value.substr(0, 200));
  } else if (IEquals(name, "etag")) {
    a->etag = std::string(value.substr(0, 512));
  } else if (IEquals(name, "location")) {
    a->location = std::string(value.substr(0, 8192));
  } else if (IEquals(name, "content-range")) {
    // "bytes START-END/TOTAL" (TOTAL may be "*").
    std::string_view v = value;
    if (v.substr(0, 6) == "bytes ") {
      v.remove_prefix(6);
      const size_t dash = v.find('-');
      const size_t slash = v.find('/');
      if (dash != std::string_view::npos) a->range_start = ParseInt(v.substr(0, dash));
      if (slash != std::string_view::npos) a->range_total = ParseInt(v.substr(slash + 1));
    }
  }
  return n;
}

void Report(Attempt* a, int64_t total) {
  if (a->progress == nullptr || !*a->progress) return;
  const int64_t done = a->offset + a->written;
  const int64_t mb = done >> 20;
  if (mb == a->last_progress_mb) return;
  a->last_progress_mb = mb;
  (*a->progress)(done, total);
}

int64_t AnnouncedTotal(const Attempt& a) {
  if (a.status == 206) {
    if (a.range_total) return *a.range_total;
    if (a.content_length) return a.offset + *a.content_length;
  } else if (a.content_length) {
    return *a.content_length;
  }
  return -1;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* a = static_cast<Attempt*>(user);
  const size_t n = size * count;
  a->last_byte = std::chrono::steady_clock::now();
  if (!a->body_started) {
    a->body_started = true;
    a->body_ok = a->status == 200 || a->status == 206;
    if (a->status == 200 && a->offset > 0) {
      // The server ignored our Range: start over from the first byte.
      std::fflush(a->file);
      if (ftruncate(fileno(a->file), 0) != 0 || std::fseek(a->file, 0, SEEK_SET) != 0) {
        a->disk_error = true;
        return 0;
      }
      a->offset = 0;
    }
    if (a->status == 206 && a->range_start && *a->range_start != a->offset) {
      a->range_mismatch = true;
      return 0;
    }
    if (a->body_ok) {
      const int64_t total = AnnouncedTotal(*a);
      if (total > a->max_bytes) {
        a->too_large = true;
        a->too_large_size = total;
        return 0;
      }
    }
  }
  if (!a->body_ok) {
    // An error body: keep its start for the log, drop the rest.
    if (a->error_snippet.size() < 300) {
      a->error_snippet.append(data, std::min(n, 300 - a->error_snippet.size()));
    }
    return n;
  }
  if (a->offset + a->written + static_cast<int64_t>(n) > a->max_bytes) {
    a->too_large = true;
    return 0;
  }
  if (std::fwrite(data, 1, n, a->file) != n) {
    a->disk_error = true;
    return 0;
  }
  a->written += static_cast<int64_t>(n);
  Report(a, AnnouncedTotal(*a));
  return n;
}

// libcurl calls this about once a second (and on every transfer): "no byte for read_timeout"
// is measured here, exactly, where CURLOPT_LOW_SPEED_TIME would average over a window.
int OnTick(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* a = static_cast<Attempt*>(user);
  if (std::chrono::steady_clock::now() - a->last_byte > a->read_timeout) {
    a->stalled = true;
    return 1;  // abort: CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

curl_socket_t OnOpenSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto* a = static_cast<Attempt*>(user);
  if (!a->host_allowed && !IsPublicSockaddr(&address->addr)) {
    // Refused at connect time, on the very address libcurl was about to use.
    a->refused_address = SockaddrToString(&address->addr);
    if (a->refused_address.empty()) a->refused_address = "of an unsupported family";
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

bool TransientStatus(long status) { return status == 408 || status == 429 || status >= 500; }

std::string StatusPhrase(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 410:
      return "Gone";
    case 416:
      return "Range Not Satisfiable";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

std::string StatusText(long status) {
  const std::string phrase = StatusPhrase(status);
  return phrase.empty() ? fmt::format("HTTP {}", status)
                        : fmt::format("HTTP {} {}", status, phrase);
}

std::chrono::milliseconds Backoff(const DownloadOptions& options, int attempt) {
  const int64_t base = options.initial_backoff.count();
  const int64_t cap = std::min<int64_t>(base << std::min(attempt - 1, 10), 30'000);
  if (cap <= 0) return std::chrono::milliseconds(0);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(cap / 2, cap)(rng));
}

}  // namespace

std::string HumanBytes(int64_t bytes) {
  if (bytes >= (int64_t{1} << 30))
    return fmt::format("{:.1f} GB", static_cast<double>(bytes) / 1e9);
  if (bytes >= (int64_t{1} << 20))
    return fmt::format("{:.0f} MB", static_cast<double>(bytes) / 1e6);
  if (bytes >= 1024) return fmt::format("{:.0f} KB", static_cast<double>(bytes) / 1e3);
  return fmt::format("{} bytes", bytes);
}

Result<DownloadResult> DownloadToFile(const std::string& url, const std::string& path,
                                      const DownloadOptions& options,
                                      const DownloadProgress& progress) {
  auto parsed = ParseUrl(url);
  if (!parsed) return Err(std::move(parsed.error()));
  UrlParts current = std::move(*parsed);
  const HostAllowList allowed(options.allowed_hosts);

  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "w+b"));
  if (!file) {
    return Err(Code::kInternal, "could not create the download file",
               fmt::format("{}: {}", path, std::strerror(errno)));
  }
  // Large writes: a 1 MiB stdio buffer and 512 KiB receive buffers (bench/download.sh: the
  // default 4 KiB writes cost a sixth of curl's throughput in system time).
  std::setvbuf(file.get(), nullptr, _IOFBF, size_t{1} << 20);
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Err(Code::kInternal, "libcurl initialisation failed");

  std::unique_ptr<curl_slist, SlistDeleter> base_headers;
  for (const auto& h : options.headers) {
    const std::string line = h.name + ": " + h.value;
    curl_slist* next = curl_slist_append(base_headers.get(), line.c_str());
    if (next == nullptr) return Err(Code::kInternal, "out of memory");
    (void)base_headers.release();
    base_headers.reset(next);
  }

  const auto read_secs = std::max<long>(
      1, static_cast<long>(
             std::chrono::duration_cast<std::chrono::seconds>(options.read_timeout).count()));
  DownloadResult result;
  int64_t on_disk = 0;
  int transient_failures = 0;
  Error last_error{Code::kUnavailable, "download failed", "", 0};

  while (true) {
    Attempt a;
    a.file = file.get();
    a.offset = on_disk;
    a.max_bytes = options.max_bytes;
    a.host_allowed = allowed.Contains(current.host);
    a.progress = &progress;
    a.read_timeout = options.read_timeout;
    a.last_byte = std::chrono::steady_clock::now();
    if (std::fseek(file.get(), on_disk, SEEK_SET) != 0) {
      return Err(Code::kInternal, "could not write the download file", std::strerror(errno));
    }

    CURL* c = curl.get();
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, current.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &OnTick);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &a);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, &OnOpenSocket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &a);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024L);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "Reflector/1.0");
    if (base_headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, base_headers.get());
    const std::string range = fmt::format("{}-", on_disk);
    if (on_disk > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());

    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status == 0) status = a.status;
    on_disk = a.offset + (a.body_ok ? a.written : 0);

    if (!a.refused_address.empty() && rc != CURLE_OK) {
      return Err(Code::kPermissionDenied,
                 fmt::format("download refused: private address {}{}", a.refused_address,
                             result.redirects > 0 ? " (after a redirect)" : ""),
                 current.origin);
    }
    if (a.too_large) {
      const int64_t size = a.too_large_size.value_or(on_disk + 1);
      return Err(Code::kResourceExhausted,
                 fmt::format("recording too large: {}{} > MAX_RECORDING_BYTES ({})",
                             a.too_large_size ? "" : "more than ", HumanBytes(size),
                             HumanBytes(options.max_bytes)),
                 current.origin);
    }
    if (a.disk_error) {
      return Err(Code::kInternal, "could not write the download file", std::strerror(errno));
    }

    if (rc == CURLE_OK && (status == 200 || status == 206)) {
      if (std::fflush(file.get()) != 0) {
        return Err(Code::kInternal, "could not write the download file", std::strerror(errno));
      }
      result.bytes = on_disk;
      result.content_type = a.content_type;
      result.etag = a.etag;
      result.attempts = transient_failures + 1;
      if (progress) progress(on_disk, on_disk);
      return result;
    }
    if (rc == CURLE_OK && status == 304) {
      // Only a conditional request (If-None-Match in options.headers) gets here.
      result.not_modified = true;
      result.etag = a.etag;
      result.attempts = transient_failures + 1;
      return result;
    }
    if (rc == CURLE_OK && status >= 300 && status < 400 && status != 304) {
      if (a.location.empty()) {
        return Err(Code::kInvalidArgument,
                   fmt::format("download failed: {} without a Location", StatusText(status)),
                   current.origin);
      }
      if (++result.redirects > options.max_redirects) {
        return Err(Code::kInvalidArgument,
                   fmt::format("download failed: more than {} redirects", options.max_redirects),
                   current.origin);
      }
      auto next = ParseUrl(a.location, &current.url);
      if (!next) return Err(std::move(next.error()));
      current = std::move(*next);
      // A new resource: whatever a redirect body wrote is not part of it.
      on_disk = 0;
      if (ftruncate(fileno(file.get()), 0) != 0) {
        return Err(Code::kInternal, "could not write the download file", std::strerror(errno));
      }
      continue;
    }

    // Decide: permanent failure, or transient (retry with Range from on_disk).
    if (rc == CURLE_OK) {
      if (!TransientStatus(status)) {
        const Code code = status == 404 || status == 410   ? Code::kNotFound
                          : status == 401 || status == 403 ? Code::kPermissionDenied
                                                           : Code::kInvalidArgument;
        return Err(code, fmt::format("download failed: {}", StatusText(status)),
                   fmt::format("{} answered: {}", current.origin, a.error_snippet));
      }
      last_error = Error{Code::kUnavailable, fmt::format("download failed: {}", StatusText(status)),
                         current.origin + " answered: " + a.error_snippet, 0};
    } else if (a.range_mismatch) {
      // The server resumed somewhere else: start the file over.
      on_disk = 0;
      if (ftruncate(fileno(file.get()), 0) != 0) {
        return Err(Code::kInternal, "could not write the download file", std::strerror(errno));
      }
      last_error =
          Error{Code::kUnavailable, "download failed: the server resumed at the wrong byte",
                current.origin, 0};
    } else if (a.stalled || rc == CURLE_OPERATION_TIMEDOUT) {
      last_error = Error{Code::kDeadlineExceeded,
                         a.stalled || a.body_started || a.status != 0
                             ? fmt::format("download timed out: no data for {} s", read_secs)
                             : "download timed out: could not connect",
                         current.origin, 0};
    } else if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
      return Err(Code::kInvalidArgument, "download refused: unsupported URL", current.origin);
    } else {
      last_error =
          Error{Code::kUnavailable, fmt::format("download failed: {}", curl_easy_strerror(rc)),
                current.origin, 0};
    }
    ++transient_failures;
    if (transient_failures >= options.max_attempts) {
      last_error.message += fmt::format(" (after {} attempts)", transient_failures);
      return Err(std::move(last_error));
    }
    std::this_thread::sleep_for(Backoff(options, transient_failures));
  }
}

}  // namespace reflector::net
