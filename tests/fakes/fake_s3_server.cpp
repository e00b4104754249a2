#include "fakes/fake_s3_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "storage/sigv4.hpp"

namespace reflector::fakes {
namespace {

namespace sigv4 = storage::sigv4;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string HttpDate(TimePoint time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  return std::string(buffer,
                     std::strftime(buffer, sizeof(buffer), "%a, %d %b %Y %H:%M:%S GMT", &tm));
}

std::string XmlDate(TimePoint time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  return std::string(buffer, std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S.000Z", &tm));
}

std::optional<TimePoint> ParseAmzDate(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

// The answer a handler decided on.
struct FakeS3Server::Answer {
  int status = 200;
  std::string error_code;
  std::string error_message;
};

std::optional<std::string> FakeS3Server::LoggedRequest::header(
    const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

FakeS3Server::FakeS3Server() : FakeS3Server(Options{}) {}

FakeS3Server::FakeS3Server(Options options)
    : options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  for (const auto& bucket : options_.buckets) buckets_[bucket];
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Handle(&req, &res);
  };
  server_->Get(".*", handler);
  server_->Put(".*", handler);
  server_->Delete(".*", handler);
  server_->Post(".*", handler);
  server_->set_payload_max_length(size_t{1} << 31);
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_timeout(1);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeS3Server: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeS3Server::~FakeS3Server() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeS3Server::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

TimePoint FakeS3Server::Now() const {
  return options_.clock != nullptr ? options_.clock->Now() : std::chrono::system_clock::now();
}

void FakeS3Server::PutObject(const std::string& bucket, const std::string& key, std::string data) {
  std::lock_guard lock(mu_);
  Object object;
  object.etag = Sha256Hex(data).substr(0, 32);
  object.data = std::move(data);
  object.last_modified = Now();
  buckets_[bucket][key] = std::move(object);
}

std::optional<std::string> FakeS3Server::GetObject(const std::string& bucket,
                                                   const std::string& key) const {
  std::lock_guard lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return std::nullopt;
  auto o = b->second.find(key);
  if (o == b->second.end()) return std::nullopt;
  return o->second.data;
}

std::vector<std::string> FakeS3Server::Keys(const std::string& bucket) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return out;
  for (const auto& [key, _] : b->second) out.push_back(key);
  return out;
}

void FakeS3Server::FailNext(int count, int status) {
  std::lock_guard lock(mu_);
  fail_count_ = count;
  fail_status_ = status;
}
void FakeS3Server::SetDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  delay_ = delay;
}
void FakeS3Server::DropNextDownloads(int count) {
  std::lock_guard lock(mu_);
  drop_downloads_ = count;
}
void FakeS3Server::DenyKey(const std::string& key) {
  std::lock_guard lock(mu_);
  denied_keys_.insert(key);
}
void FakeS3Server::SetMaxKeysPerPage(int max_keys) {
  std::lock_guard lock(mu_);
  max_keys_per_page_ = max_keys;
}
std::vector<FakeS3Server::LoggedRequest> FakeS3Server::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}
void FakeS3Server::ClearRequests() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

void FakeS3Server::Handle(const void* raw_request, void* raw_response) {
  const auto& req = *static_cast<const httplib::Request*>(raw_request);
  auto& res = *static_cast<httplib::Response*>(raw_response);
  // httplib would cut the body by the Range header itself; this fake answers ranges on its own.
  const_cast<httplib::Request&>(req).ranges.clear();

  LoggedRequest logged;
  logged.method = req.method;
  logged.target = req.target;
  logged.path = req.path;
  for (const auto& [name, value] : req.headers) logged.headers.emplace(Lower(name), value);
  logged.body_size = req.body.size();

  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(mu_);
    delay = delay_;
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);

  auto finish = [&](const Answer& answer) {
    res.status = answer.status;
    if (!answer.error_code.empty()) {
      res.set_content("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" +
                          XmlEscape(answer.error_code) + "</Code><Message>" +
                          XmlEscape(answer.error_message) +
                          "</Message><RequestId>fake</RequestId>"
                          "</Error>",
                      "application/xml");
    }
    logged.status = answer.status;
    logged.error_code = answer.error_code;
    std::lock_guard lock(mu_);
    requests_.push_back(std::move(logged));
  };

  // ---- Faults that come before everything ----
  int fail_status = 0;
  {
    std::lock_guard lock(mu_);
    if (fail_count_ > 0) {
      --fail_count_;
      fail_status = fail_status_;
    }
  }
  if (fail_status == 503) {
    return finish(Answer{503, "SlowDown", "Please reduce your request rate."});
  }
  if (fail_status != 0) {
    return finish(Answer{fail_status, "InternalError", "We encountered an internal error."});
  }

  // ---- Authentication ----
  const size_t question = req.target.find('?');
  sigv4::ReceivedRequest received;
  received.method = req.method;
  received.raw_path = req.target.substr(0, question);
  received.raw_query = question == std::string::npos ? "" : req.target.substr(question + 1);
  received.headers = logged.headers;
  auto auth = sigv4::ParseAuthorization(received);
  if (!auth) return finish(Answer{403, "AccessDenied", auth.error().message});
  if (auth->access_key_id != options_.access_key_id) {
    return finish(Answer{403, "InvalidAccessKeyId",
                         "The AWS Access Key Id you provided does not exist in our records."});
  }
  if (auth->region != options_.region || auth->service != "s3") {
    return finish(
        Answer{400, "AuthorizationHeaderMalformed",
               "the region '" + auth->region + "' is wrong; expecting '" + options_.region + "'"});
  }
  std::string payload_hash(sigv4::kUnsignedPayload);
  if (!auth->presigned) {
    const auto claimed = logged.header("x-amz-content-sha256");
    if (!claimed) {
      return finish(Answer{400, "InvalidRequest",
                           "Missing required header for this request: x-amz-content-sha256"});
    }
    payload_hash = *claimed;
    if (payload_hash != sigv4::kUnsignedPayload && payload_hash != Sha256Hex(req.body)) {
      return finish(Answer{400, "XAmzContentSHA256Mismatch",
                           "The provided 'x-amz-content-sha256' header does not match what was "
                           "computed."});
    }
  } else {
    const auto signed_at = ParseAmzDate(auth->amz_date);
    if (!signed_at || *signed_at + std::chrono::seconds(auth->expires_seconds) < Now()) {
      return finish(Answer{403, "AccessDenied", "Request has expired"});
    }
  }
  auto expected =
      sigv4::ExpectedSignature(received, *auth, options_.secret_access_key, payload_hash);
  if (!expected) return finish(Answer{403, "AccessDenied", expected.error().message});
  if (!ConstantTimeEquals(*expected, auth->signature)) {
    return finish(Answer{403, "SignatureDoesNotMatch",
                         "The request signature we calculated does not match the signature you "
                         "provided. Check your key and signing method."});
  }

  // ---- Routing: /bucket[/key] ----
  std::string path = req.path;
  if (path.empty() || path[0] != '/') return finish(Answer{400, "InvalidURI", "bad path"});
  path.erase(0, 1);
  const size_t slash = path.find('/');
  const std::string bucket = path.substr(0, slash);
  const std::string key = slash == std::string::npos ? "" : path.substr(slash + 1);

  std::unique_lock lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) {
    lock.unlock();
    return finish(Answer{404, "NoSuchBucket", "The specified bucket does not exist"});
  }
  if (denied_keys_.contains(key)) {
    lock.unlock();
    return finish(Answer{403, "AccessDenied", "Access Denied"});
  }
  auto& objects = b->second;

  if (key.empty()) {  // bucket-level: ListObjectsV2
    if (req.method != "GET" || req.get_param_value("list-type") != "2") {
      lock.unlock();
      return finish(Answer{501, "NotImplemented", "only ListObjectsV2 on buckets"});
    }
    const std::string prefix = req.get_param_value("prefix");
    int max_keys = 1000;
    if (req.has_param("max-keys")) max_keys = std::atoi(req.get_param_value("max-keys").c_str());
    if (max_keys_per_page_ > 0) max_keys = std::min(max_keys, max_keys_per_page_);
    std::string start_after;
    const std::string token = req.get_param_value("continuation-token");
    if (!token.empty()) {
      auto decoded = Base64Decode(token);
      if (!decoded || decoded->rfind("after:", 0) != 0) {
        lock.unlock();
        return finish(Answer{400, "InvalidArgument",
                             "The continuation token provided is "
                             "incorrect"});
      }
      start_after = decoded->substr(6);
    }
    std::string contents;
    int count = 0;
    bool truncated = false;
    std::string last;
    for (auto it = start_after.empty() ? objects.begin() : objects.upper_bound(start_after);
         it != objects.end(); ++it) {
      if (it->first.rfind(prefix, 0) != 0) continue;
      if (count == max_keys) {
        truncated = true;
        break;
      }
      contents += "<Contents><Key>" + XmlEscape(it->first) + "</Key><LastModified>" +
                  XmlDate(it->second.last_modified) + "</LastModified><ETag>&quot;" +
                  it->second.etag + "&quot;</ETag><Size>" + std::to_string(it->second.data.size()) +
                  "</Size><StorageClass>STANDARD</StorageClass></Contents>";
      last = it->first;
      ++count;
    }
    lock.unlock();
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Name>" +
        XmlEscape(bucket) + "</Name><Prefix>" + XmlEscape(prefix) + "</Prefix><KeyCount>" +
        std::to_string(count) + "</KeyCount><MaxKeys>" + std::to_string(max_keys) +
        "</MaxKeys><IsTruncated>" + (truncated ? "true" : "false") + "</IsTruncated>" + contents;
    if (!token.empty()) xml += "<ContinuationToken>" + XmlEscape(token) + "</ContinuationToken>";
    if (truncated) {
      // "after:<key>" in base64: contains + / = so the client must encode it in the query.
      xml += "<NextContinuationToken>" + Base64Encode("after:" + last) + "</NextContinuationToken>";
    }
    xml += "</ListBucketResult>";
    res.set_content(xml, "application/xml");
    return finish(Answer{200, "", ""});
  }

  if (req.method == "PUT") {
    Object object;
    object.data = req.body;
    object.etag = Sha256Hex(req.body).substr(0, 32);
    object.content_type = req.get_header_value("Content-Type");
    object.last_modified = Now();
    res.set_header("ETag", "\"" + object.etag + "\"");
    objects[key] = std::move(object);
    lock.unlock();
    return finish(Answer{200, "", ""});
  }
  if (req.method == "DELETE") {
    objects.erase(key);
    lock.unlock();
    return finish(Answer{204, "", ""});
  }
  if (req.method != "GET" && req.method != "HEAD") {
    lock.unlock();
    return finish(Answer{405, "MethodNotAllowed", "method not allowed"});
  }
  auto o = objects.find(key);
  if (o == objects.end()) {
    lock.unlock();
    return finish(Answer{404, "NoSuchKey", "The specified key does not exist."});
  }
  const Object object = o->second;  // a copy, so the lock can go
  const bool drop = req.method == "GET" && drop_downloads_ > 0;
  if (drop) --drop_downloads_;
  lock.unlock();

  res.set_header("ETag", "\"" + object.etag + "\"");
  res.set_header("Last-Modified", HttpDate(object.last_modified));
  res.set_header("Accept-Ranges", "bytes");
  if (const auto if_match = logged.header("if-match");
      if_match && *if_match != "\"" + object.etag + "\"" && *if_match != object.etag) {
    return finish(Answer{412, "PreconditionFailed",
                         "At least one of the preconditions you "
                         "specified did not hold."});
  }
  const size_t size = object.data.size();
  size_t begin = 0;
  size_t end = size;  // exclusive
  int status = 200;
  if (const auto range = logged.header("range"); range && req.method == "GET") {
    // "bytes=a-b" or "bytes=a-" (what S3Storage sends).
    const std::string& spec = *range;
    const size_t dash = spec.find('-');
    if (spec.rfind("bytes=", 0) != 0 || dash == std::string::npos) {
      return finish(Answer{400, "InvalidArgument", "bad Range"});
    }
    begin = std::stoull(spec.substr(6, dash - 6));
    if (dash + 1 < spec.size())
      end = std::min<size_t>(size, std::stoull(spec.substr(dash + 1)) + 1);
    if (begin >= size) {
      res.set_header("Content-Range", "bytes */" + std::to_string(size));
      return finish(Answer{416, "InvalidRange", "The requested range is not satisfiable"});
    }
    status = 206;
    res.set_header("Content-Range", "bytes " + std::to_string(begin) + "-" +
                                        std::to_string(end - 1) + "/" + std::to_string(size));
  }
  if (drop) {
    auto data = std::make_shared<std::string>(object.data.substr(begin, end - begin));
    res.set_content_provider(data->size(), "application/octet-stream",
                             [data](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset >= data->size() / 2) return false;  // drop
                               sink.write(data->data(), data->size() / 2);
                               return true;
                             });
  } else {
    res.set_content(object.data.substr(begin, end - begin),
                    object.content_type.empty() ? "application/octet-stream" : object.content_type);
  }
  finish(Answer{status, "", ""});
}

}  // namespace reflector::fakes
