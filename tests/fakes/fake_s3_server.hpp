// FakeS3Server: a loopback fake of the S3 REST API for black-box tests of S3Storage through
// libcurl, path-style ("http://127.0.0.1:<port>/<bucket>/<key>").
//
// Speaks S3's wire format:
//   PUT    /bucket/key            200 + ETag; body kept in memory
//   GET    /bucket/key            200 with the body, or 206 + Content-Range for "Range: bytes=a-b"
//                                 / "bytes=a-" (416 InvalidRange past the end); If-Match →
//                                 412 PreconditionFailed on a different ETag
//   HEAD   /bucket/key            200 with Content-Length, ETag, Last-Modified (HTTP date); 404
//   DELETE /bucket/key            204, also for an absent key
//   GET    /bucket?list-type=2    ListObjectsV2: prefix, max-keys (capped by
//                                 SetMaxKeysPerPage), continuation-token (opaque), sorted keys
//   404 NoSuchKey / NoSuchBucket with S3's <Error><Code>… document.
// Authentication is verified the way S3 does it, with storage/sigv4's verifier recomputing the
// canonical request from the request as received (raw path and query, the signed headers):
//   - unsigned → 403 AccessDenied; unknown access key → 403 InvalidAccessKeyId; wrong region →
//     400 AuthorizationHeaderMalformed; signature differs → 403 SignatureDoesNotMatch;
//   - header auth: x-amz-content-sha256 missing → 400 InvalidRequest; a hash that is not
//     UNSIGNED-PAYLOAD must equal the body's (else 400 XAmzContentSHA256Mismatch);
//   - presigned GET (query auth): expired (X-Amz-Date + X-Amz-Expires before now) → 403.
// ETags are the first 32 hex digits of the body's SHA-256 (S3 uses MD5; only opacity matters).
//
// Fault injection: FailNext (5xx with SlowDown/InternalError), SetDelay, DropNextDownloads (sends
// half the body, then closes the connection), DenyKey (403 AccessDenied). Every request is
// logged with the status it got.
//
// Thread-safe: tests may inspect and script while the server answers.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"

namespace httplib {
class Server;
}

namespace reflector::fakes {

class FakeS3Server {
 public:
  struct Options {
    std::string region = "us-east-1";
    std::string access_key_id = "AKIDFAKES3EXAMPLE";
    std::string secret_access_key = "fake/s3/secret+key";
    std::vector<std::string> buckets = {"test-bucket"};
    const Clock* clock = nullptr;  // for presigned expiry; nullptr = system clock
  };

  struct LoggedRequest {
    std::string method;
    std::string target;                               // raw request target ("/bucket/a%20b?x=1")
    std::string path;                                 // decoded path
    std::multimap<std::string, std::string> headers;  // lowercase names
    size_t body_size = 0;
    int status = 0;
    std::string error_code;  // S3 <Code> of the answer, "" on success

    std::optional<std::string> header(const std::string& lowercase_name) const;
  };

  FakeS3Server();
  explicit FakeS3Server(Options options);
  ~FakeS3Server();
  FakeS3Server(const FakeS3Server&) = delete;
  FakeS3Server& operator=(const FakeS3Server&) = delete;

  // "http://127.0.0.1:<port>": the endpoint URL (path-style).
  std::string endpoint() const;
  const Options& options() const { return options_; }

  // ---- State ----
  void PutObject(const std::string& bucket, const std::string& key, std::string data);
  std::optional<std::string> GetObject(const std::string& bucket, const std::string& key) const;
  std::vector<std::string> Keys(const std::string& bucket) const;

  // ---- Faults ----
  // The next `count` requests get `status` (500 InternalError, 503 SlowDown) without effect.
  void FailNext(int count, int status = 503);
  // Every answer waits this long first (0 = none).
  void SetDelay(std::chrono::milliseconds delay);
  // The next `count` object GETs send half of their body, then close the connection.
  void DropNextDownloads(int count);
  // Requests for this key (in any bucket) get 403 AccessDenied.
  void DenyKey(const std::string& key);
  // ListObjectsV2 pages hold at most this many keys whatever max-keys says (0 = 1000).
  void SetMaxKeysPerPage(int max_keys);

  // ---- Log ----
  std::vector<LoggedRequest> requests() const;
  void ClearRequests();

 private:
  struct Object {
    std::string data;
    std::string etag;
    std::string content_type;
    TimePoint last_modified;
  };
  struct Answer;

  void Handle(const void* request, void* response);  // httplib types, kept out of this header
  TimePoint Now() const;

  const Options options_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, Object>> buckets_;  // guarded by mu_
  std::vector<LoggedRequest> requests_;                           // guarded by mu_
  int fail_count_ = 0;                                            // guarded by mu_
  int fail_status_ = 503;                                         // guarded by mu_
  std::chrono::milliseconds delay_{0};                            // guarded by mu_
  int drop_downloads_ = 0;                                        // guarded by mu_
  std::set<std::string> denied_keys_;                             // guarded by mu_
  int max_keys_per_page_ = 0;                                     // guarded by mu_
};

}  // namespace reflector::fakes
