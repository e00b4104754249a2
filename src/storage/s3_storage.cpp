#include "storage/s3_storage.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <pugixml.hpp>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "storage/sigv4.hpp"

namespace reflector::storage {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kMaxListBody = 16 * 1024 * 1024;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string StripQuotes(std::string value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

// "Wed, 12 Oct 2009 17:50:00 GMT" (HTTP date, as in HEAD's Last-Modified) → FormatIso8601.
std::string HttpDateToIso(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (end == nullptr) return "";
  return FormatIso8601(std::chrono::system_clock::from_time_t(timegm(&tm)));
}

// "2009-10-12T17:50:30.000Z" (ListObjectsV2's LastModified) → FormatIso8601.
std::string XmlDateToIso(const std::string& text) {
  auto parsed = ParseIso8601(text);
  return parsed ? FormatIso8601(*parsed) : "";
}

struct CurlSlist {
  curl_slist* list = nullptr;
  ~CurlSlist() { curl_slist_free_all(list); }
  void Add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

// The S3 error document: <Error><Code>NoSuchKey</Code><Message>…</Message></Error>.
struct S3ErrorDoc {
  std::string code;
  std::string message;
};

S3ErrorDoc ParseErrorBody(const std::string& body) {
  S3ErrorDoc out;
  pugi::xml_document doc;
  if (body.empty() || !doc.load_buffer(body.data(), body.size())) return out;
  const pugi::xml_node error = doc.child("Error");
  out.code = error.child_value("Code");
  out.message = error.child_value("Message");
  return out;
}

bool TransientCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

// One operation's request, before signing.
struct Call {
  std::string method;  // GET PUT HEAD DELETE
  std::string key;     // full key (with the folder); "" = the bucket itself
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  std::vector<std::string> headers;                        // extra "Name: value" lines
  std::string upload_path;                                 // PUT body from this file
  std::string download_path;  // 2xx body written here (resumable); else kept in memory
  size_t max_body = kMaxErrorBody;
  std::string what;  // the key as the caller names it, for messages
};

struct Reply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names, last value wins
};

// State shared with curl's callbacks during one attempt.
struct Exchange {
  CURL* curl = nullptr;
  Reply* reply = nullptr;
  size_t max_body = 0;
  bool body_too_large = false;
  std::FILE* download = nullptr;  // 2xx bodies go here when set
  int64_t downloaded = 0;         // bytes written to `download` by all attempts
  std::FILE* upload = nullptr;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t bytes = size * count;
  std::string_view line(data, bytes);
  if (line.rfind("HTTP/", 0) == 0) {
    exchange->reply->headers.clear();  // a new response (e.g. after 100 Continue)
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  exchange->reply->headers[Lower(line.substr(0, colon))] = std::string(value);
  return bytes;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(exchange->curl, CURLINFO_RESPONSE_CODE, &status);
  if (exchange->download != nullptr && status >= 200 && status < 300) {
    if (std::fwrite(data, 1, bytes, exchange->download) != bytes) return 0;  // disk full etc.
    exchange->downloaded += static_cast<int64_t>(bytes);
    return bytes;
  }
  if (exchange->reply->body.size() + bytes > exchange->max_body) {
    exchange->body_too_large = true;
    return 0;
  }
  exchange->reply->body.append(data, bytes);
  return bytes;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t n = std::fread(buffer, 1, size * count, exchange->upload);
  if (n == 0 && std::ferror(exchange->upload)) return CURL_READFUNC_ABORT;
  return n;
}

int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* exchange = static_cast<Exchange*>(user);
  return fseeko(exchange->upload, static_cast<off_t>(offset), origin) == 0 ? CURL_SEEKFUNC_OK
                                                                           : CURL_SEEKFUNC_FAIL;
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

struct S3Storage::Impl {
  S3Config config;
  std::string bucket;
  std::string folder;    // "" or "folder/"
  std::string base_url;  // scheme://host[:port], no trailing slash
  bool path_style = false;
  SystemClock system_clock;

  std::mutex pool_mu;
  std::vector<CURL*> pool;  // idle handles; guarded by pool_mu

  ~Impl() {
    for (CURL* curl : pool) curl_easy_cleanup(curl);
  }

  CURL* Acquire() {
    {
      std::lock_guard lock(pool_mu);
      if (!pool.empty()) {
        CURL* curl = pool.back();
        pool.pop_back();
        return curl;
      }
    }
    return curl_easy_init();
  }
  void Release(CURL* curl) {
    curl_easy_reset(curl);
    std::lock_guard lock(pool_mu);
    pool.push_back(curl);
  }

  std::string EncodedPath(const std::string& full_key) const {
    std::string path = path_style ? "/" + sigv4::UriEncode(bucket, false) : "";
    if (!full_key.empty() || !path_style) path += "/" + sigv4::UriEncode(full_key, true);
    return path;
  }

  std::string Url(const Call& call) const {
    std::string url = base_url + EncodedPath(call.key);
    if (!call.query.empty()) {
      // Sorted and encoded exactly as the canonical query, so the signature curl computes
      // over the query as written is the one S3 computes.
      std::vector<std::pair<std::string, std::string>> query;
      for (const auto& [name, value] : call.query) {
        query.emplace_back(sigv4::UriEncode(name, false), sigv4::UriEncode(value, false));
      }
      std::sort(query.begin(), query.end());
      char separator = '?';
      for (const auto& [name, value] : query) {
        url += separator + name + "=" + value;
        separator = '&';
      }
    }
    return url;
  }

  std::chrono::milliseconds Backoff(int attempt) const {
    static thread_local std::mt19937 rng(std::random_device{}());
    auto delay = config.initial_backoff * (1LL << std::min(attempt, 16));
    delay = std::min<std::chrono::milliseconds>(delay, config.max_backoff);
    std::uniform_int_distribution<long long> jitter(delay.count() / 2, delay.count());
    return std::chrono::milliseconds(jitter(rng));
  }

  // One HTTP exchange. Returns the reply, or the curl failure.
  CURLcode Attempt(const Call& call, Exchange& exchange, const std::string& range_header,
                   std::string& curl_error) {
    CURL* curl = Acquire();
    exchange.curl = curl;
    char error_buffer[CURL_ERROR_SIZE] = {0};
    CurlSlist headers;
    headers.Add(call.upload_path.empty()
                    ? "x-amz-content-sha256: " + std::string(sigv4::kEmptyPayloadHash)
                    : "x-amz-content-sha256: " + std::string(sigv4::kUnsignedPayload));
    if (!config.session_token.empty()) {
      headers.Add("x-amz-security-token: " + config.session_token);
    }
    for (const auto& line : call.headers) headers.Add(line);
    if (!range_header.empty()) headers.Add(range_header);

    const std::string url = Url(call);
    const std::string sigv4_param = "aws:amz:" + config.region + ":s3";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);  // keys may contain "./" segments
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(config.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(config.low_speed_time.count()));
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4_param.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, config.access_key_id.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, config.secret_access_key.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, static_cast<void*>(&exchange));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, static_cast<void*>(&exchange));

    if (call.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (call.method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      // Larger reads than curl's 64 KiB default: fewer syscalls per MB sent.
      curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, &OnRead);
      curl_easy_setopt(curl, CURLOPT_READDATA, static_cast<void*>(&exchange));
      curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, &OnSeek);
      curl_easy_setopt(curl, CURLOPT_SEEKDATA, static_cast<void*>(&exchange));
      std::error_code ec;
      const auto size = fs::file_size(call.upload_path, ec);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(ec ? 0 : size));
    } else if (call.method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }

    const CURLcode code = curl_easy_perform(curl);
    // Also after a failure: an interrupted download still tells its status (and ETag).
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &exchange.reply->status);
    if (code != CURLE_OK) {
      curl_error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    }
    Release(curl);
    return code;
  }

  // Runs `call` with retries. A reply with any HTTP status comes back as a value; a transport
  // failure that outlived the retries as an error.
  Result<Reply> Perform(const Call& call) {
    Reply reply;
    std::FILE* download = nullptr;
    std::string temp_path;
    if (!call.download_path.empty()) {
      temp_path = call.download_path + ".part-" + RandomUrlSafeToken(6);
      download = std::fopen(temp_path.c_str(), "wb");
      if (download == nullptr) {
        return Err(Code::kInternal,
                   "cannot write " + temp_path + ": " + std::string(std::strerror(errno)));
      }
    }
    auto cleanup = [&](bool keep) {
      if (download != nullptr) {
        std::fclose(download);
        download = nullptr;
        std::error_code ec;
        if (keep) {
          fs::rename(temp_path, call.download_path, ec);
          if (ec) {
            fs::remove(temp_path, ec);
            return Status(Err(Code::kInternal, "cannot move download into " + call.download_path +
                                                   ": " + ec.message()));
          }
        } else {
          fs::remove(temp_path, ec);
        }
      }
      return Ok();
    };

    Exchange exchange;
    exchange.download = download;
    std::string etag;  // of the object being downloaded, for resuming
    std::string last_error;
    CURLcode last_code = CURLE_OK;
    const int attempts = std::max(1, config.max_attempts);
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(Backoff(attempt - 1));
      reply = Reply{};
      exchange.reply = &reply;
      exchange.max_body = call.max_body;
      exchange.body_too_large = false;

      std::string range_header;
      if (download != nullptr && exchange.downloaded > 0 && !etag.empty()) {
        // Resume where the previous attempt stopped, but only from the same object version.
        range_header = "Range: bytes=" + std::to_string(exchange.downloaded) + "-";
      } else if (download != nullptr && exchange.downloaded > 0) {
        std::fflush(download);
        if (ftruncate(fileno(download), 0) != 0 || std::fseek(download, 0, SEEK_SET) != 0) {
          cleanup(false);
          return Err(Code::kInternal, "cannot rewind " + temp_path);
        }
        exchange.downloaded = 0;
      }
      Call this_call = call;
      if (!range_header.empty()) this_call.headers.push_back("If-Match: \"" + etag + "\"");

      std::FILE* upload = nullptr;
      if (!call.upload_path.empty()) {
        upload = std::fopen(call.upload_path.c_str(), "rb");
        if (upload == nullptr) {
          cleanup(false);
          return Err(Code::kInvalidArgument, "cannot read local file " + call.upload_path + ": " +
                                                 std::string(std::strerror(errno)));
        }
      }
      exchange.upload = upload;
      last_code = Attempt(this_call, exchange, range_header, last_error);
      if (upload != nullptr) std::fclose(upload);

      if (download != nullptr && reply.status == 200 && !range_header.empty()) {
        // The server ignored Range: the bytes written this time are a whole new copy.
        // Cannot happen with S3 (it honours Range), handled for odd stores.
        last_code = CURLE_PARTIAL_FILE;
        last_error = "store ignored the resume Range";
        exchange.downloaded = 0;
        etag.clear();
        continue;
      }
      if (download != nullptr && (reply.status == 200 || reply.status == 206)) {
        auto it = reply.headers.find("etag");
        if (it != reply.headers.end() && etag.empty()) etag = StripQuotes(it->second);
      }
      if (download != nullptr && reply.status == 412) {
        // The object changed between attempts: start over.
        exchange.downloaded = 0;
        etag.clear();
        last_code = CURLE_PARTIAL_FILE;
        last_error = "object changed during the download";
        continue;
      }
      if (last_code == CURLE_OK && exchange.body_too_large) {
        cleanup(false);
        return Err(Code::kBadGateway, "S3 answer for " + call.what + " is larger than " +
                                          std::to_string(call.max_body) + " bytes");
      }
      if (last_code != CURLE_OK) {
        if (exchange.body_too_large && last_code == CURLE_WRITE_ERROR) {
          cleanup(false);
          return Err(Code::kBadGateway, "S3 answer for " + call.what + " is larger than " +
                                            std::to_string(call.max_body) + " bytes");
        }
        if (last_code == CURLE_WRITE_ERROR && download != nullptr) {
          const std::string path = temp_path;
          cleanup(false);
          return Err(Code::kInternal,
                     "cannot write the download of " + call.what + " to " + path + " (disk full?)");
        }
        if (TransientCurlError(last_code)) continue;
        cleanup(false);
        return Err(Code::kUnavailable, "S3 request for " + call.what + " failed: " + last_error);
      }
      if (reply.status >= 500 && attempt + 1 < attempts) continue;
      if (auto done = cleanup(reply.status >= 200 && reply.status < 300); !done) {
        return Err(done.error());
      }
      return reply;
    }
    cleanup(false);
    if (last_code != CURLE_OK) {
      const Code code =
          last_code == CURLE_OPERATION_TIMEDOUT ? Code::kDeadlineExceeded : Code::kUnavailable;
      return Err(code, "S3 request for " + call.what + " failed after " + std::to_string(attempts) +
                           " attempts: " + last_error);
    }
    return reply;  // unreachable: the last 5xx is returned from the loop
  }

  // The error for a non-2xx reply.
  Error ReplyError(const Reply& reply, const std::string& what) const {
    const S3ErrorDoc doc = ParseErrorBody(reply.body);
    const std::string status_code =
        std::to_string(reply.status) + (doc.code.empty() ? "" : " " + doc.code);
    const std::string detail = doc.message;
    auto make = [&](Code code, std::string message) {
      Error error{code, std::move(message), detail, 0};
      error.upstream_status = static_cast<int>(reply.status);
      return error;
    };
    if (doc.code == "SignatureDoesNotMatch") {
      return make(Code::kPermissionDenied,
                  "bucket " + bucket +
                      " refused our signature (403 SignatureDoesNotMatch): "
                      "check the secret access key");
    }
    if (doc.code == "InvalidAccessKeyId") {
      return make(Code::kPermissionDenied, "bucket " + bucket +
                                               " does not know our access key id (403 "
                                               "InvalidAccessKeyId)");
    }
    if (doc.code == "NoSuchBucket") {
      return make(Code::kFailedPrecondition, "bucket does not exist: " + bucket);
    }
    if (reply.status == 404) return make(Code::kNotFound, "object not found: " + what);
    if (reply.status == 403) {
      return make(Code::kPermissionDenied,
                  "access to " + what + " in bucket " + bucket + " denied (" + status_code + ")");
    }
    if (reply.status == 416) {
      return make(Code::kInvalidArgument, "range outside the object " + what + " (416)");
    }
    if (reply.status >= 500) {
      return make(Code::kUnavailable, "S3 answered " + status_code + " for " + what + " after " +
                                          std::to_string(config.max_attempts) + " attempts");
    }
    return make(Code::kBadGateway, "S3 answered " + status_code + " for " + what +
                                       (doc.message.empty() ? "" : ": " + doc.message));
  }
};

Result<std::unique_ptr<S3Storage>> S3Storage::Create(S3Config config) {
  std::vector<std::string> problems;
  std::string bucket = config.bucket;
  std::string folder;
  if (const size_t slash = bucket.find('/'); slash != std::string::npos) {
    folder = bucket.substr(slash + 1);
    bucket = bucket.substr(0, slash);
    while (!folder.empty() && folder.back() == '/') folder.pop_back();
    if (!folder.empty()) folder += "/";
  }
  if (bucket.empty()) problems.push_back("bucket name is empty");
  if (config.region.empty()) problems.push_back("region is empty");
  if (config.access_key_id.empty()) problems.push_back("access key id is empty");
  if (config.secret_access_key.empty()) problems.push_back("secret access key is empty");
  std::string base_url;
  if (!config.endpoint_url.empty()) {
    base_url = config.endpoint_url;
    while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
    const size_t scheme = base_url.find("://");
    if ((base_url.rfind("http://", 0) != 0 && base_url.rfind("https://", 0) != 0) ||
        base_url.find('/', scheme + 3) != std::string::npos) {
      problems.push_back("endpoint URL must be http(s)://host[:port] without a path, got " +
                         config.endpoint_url);
    }
  } else {
    base_url = "https://" + bucket + ".s3." + config.region + ".amazonaws.com";
  }
  if (config.max_attempts < 1) problems.push_back("max_attempts must be at least 1");
  if (!problems.empty()) {
    std::string message = "S3 storage is misconfigured: ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return Err(Code::kInvalidArgument, message);
  }
  InitCurlOnce();
  auto impl = std::make_unique<Impl>();
  impl->path_style = !config.endpoint_url.empty();
  impl->config = std::move(config);
  impl->bucket = std::move(bucket);
  impl->folder = std::move(folder);
  impl->base_url = std::move(base_url);
  return std::unique_ptr<S3Storage>(new S3Storage(std::move(impl)));
}

S3Storage::S3Storage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3Storage::~S3Storage() = default;

const std::string& S3Storage::bucket() const { return impl_->bucket; }
const std::string& S3Storage::folder() const { return impl_->folder; }

std::string S3Storage::ObjectUrl(const std::string& key) const {
  return impl_->base_url + impl_->EncodedPath(impl_->folder + key);
}

Status S3Storage::PutFile(const std::string& key, const std::string& local_path,
                          const std::string& content_type) {
  if (key.empty()) return Err(Code::kInvalidArgument, "empty object key");
  std::error_code ec;
  if (!fs::is_regular_file(local_path, ec)) {
    return Err(Code::kInvalidArgument, "local file not found: " + local_path);
  }
  Call call;
  call.method = "PUT";
  call.key = impl_->folder + key;
  call.upload_path = local_path;
  call.what = key;
  if (!content_type.empty()) call.headers.push_back("Content-Type: " + content_type);
  auto reply = impl_->Perform(call);
  if (!reply) return Err(reply.error());
  if (reply->status != 200) return Err(impl_->ReplyError(*reply, key));
  return Ok();
}

Status S3Storage::GetToFile(const std::string& key, const std::string& local_path) {
  Call call;
  call.method = "GET";
  call.key = impl_->folder + key;
  call.download_path = local_path;
  call.what = key;
  auto reply = impl_->Perform(call);
  if (!reply) return Err(reply.error());
  if (reply->status != 200 && reply->status != 206) return Err(impl_->ReplyError(*reply, key));
  return Ok();
}

Result<std::string> S3Storage::GetRange(const std::string& key, int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) {
    return Err(Code::kInvalidArgument, "negative range for " + key);
  }
  if (length == 0) return std::string();
  Call call;
  call.method = "GET";
  call.key = impl_->folder + key;
  call.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" +
                         std::to_string(offset + length - 1));
  call.max_body = static_cast<size_t>(length) + kMaxErrorBody;
  call.what = key;
  auto reply = impl_->Perform(call);
  if (!reply) return Err(reply.error());
  if (reply->status == 206) return std::move(reply->body);
  if (reply->status == 200) {  // a store that ignores Range sent everything
    if (offset >= static_cast<int64_t>(reply->body.size()) && !reply->body.empty()) {
      return Err(Code::kInvalidArgument, "range outside the object " + key);
    }
    return reply->body.substr(std::min<size_t>(offset, reply->body.size()), length);
  }
  return Err(impl_->ReplyError(*reply, key));
}

Result<ObjectInfo> S3Storage::Head(const std::string& key) {
  Call call;
  call.method = "HEAD";
  call.key = impl_->folder + key;
  call.what = key;
  auto reply = impl_->Perform(call);
  if (!reply) return Err(reply.error());
  if (reply->status != 200) return Err(impl_->ReplyError(*reply, key));
  ObjectInfo info;
  info.key = key;
  if (auto it = reply->headers.find("content-length"); it != reply->headers.end()) {
    info.size = std::strtoll(it->second.c_str(), nullptr, 10);
  }
  if (auto it = reply->headers.find("etag"); it != reply->headers.end()) {
    info.etag = StripQuotes(it->second);
  }
  if (auto it = reply->headers.find("last-modified"); it != reply->headers.end()) {
    info.last_modified = HttpDateToIso(it->second);
  }
  return info;
}

Status S3Storage::Delete(const std::string& key) {
  Call call;
  call.method = "DELETE";
  call.key = impl_->folder + key;
  call.what = key;
  auto reply = impl_->Perform(call);
  if (!reply) return Err(reply.error());
  // S3 answers 204 for absent keys too; some compatible stores answer 404.
  if (reply->status == 204 || reply->status == 200 || reply->status == 404) {
    const S3ErrorDoc doc = ParseErrorBody(reply->body);
    if (doc.code != "NoSuchBucket") return Ok();
  }
  return Err(impl_->ReplyError(*reply, key));
}

Result<std::vector<ObjectInfo>> S3Storage::List(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  for (int page = 0;; ++page) {
    Call call;
    call.method = "GET";
    call.key = "";
    call.query = {{"list-type", "2"}, {"prefix", impl_->folder + prefix}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    call.max_body = kMaxListBody;
    call.what = "the listing of " + (prefix.empty() ? std::string("all keys") : prefix + "*");
    auto reply = impl_->Perform(call);
    if (!reply) return Err(reply.error());
    if (reply->status != 200) return Err(impl_->ReplyError(*reply, call.what));
    pugi::xml_document doc;
    if (!doc.load_buffer(reply->body.data(), reply->body.size())) {
      return Err(Code::kBadGateway,
                 "S3 listing is not XML (page " + std::to_string(page + 1) + ")");
    }
    const pugi::xml_node result = doc.child("ListBucketResult");
    if (!result) {
      return Err(Code::kBadGateway, "S3 listing has no ListBucketResult");
    }
    for (pugi::xml_node item : result.children("Contents")) {
      std::string key = item.child_value("Key");
      if (key.rfind(impl_->folder, 0) != 0) continue;
      ObjectInfo info;
      info.key = key.substr(impl_->folder.size());
      info.size = std::strtoll(item.child_value("Size"), nullptr, 10);
      info.etag = StripQuotes(item.child_value("ETag"));
      info.last_modified = XmlDateToIso(item.child_value("LastModified"));
      out.push_back(std::move(info));
    }
    if (std::string(result.child_value("IsTruncated")) != "true") break;
    std::string next = result.child_value("NextContinuationToken");
    if (next.empty() || next == token) {
      return Err(Code::kBadGateway, "S3 listing is truncated but gives no new continuation token");
    }
    token = std::move(next);
  }
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Result<std::string> S3Storage::PresignedGetUrl(const std::string& key, std::chrono::seconds ttl) {
  const Clock& clock = impl_->config.clock != nullptr ? *impl_->config.clock : impl_->system_clock;
  return sigv4::PresignGet(
      impl_->base_url, impl_->EncodedPath(impl_->folder + key), impl_->config.region, "s3",
      sigv4::Credentials{impl_->config.access_key_id, impl_->config.secret_access_key,
                         impl_->config.session_token},
      clock.Now(), ttl);
}

}  // namespace reflector::storage
