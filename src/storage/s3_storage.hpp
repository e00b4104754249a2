// S3Storage: ObjectStorage over Amazon S3 or any S3-compatible store (contract §7.4), speaking
// the S3 REST API through libcurl (curl stays in s3_storage.cpp).
//
// Addressing: with `endpoint_url` path-style "<endpoint>/<bucket>/<key>" (MinIO, the loopback
// fake), else virtual-host "https://<bucket>.s3.<region>.amazonaws.com/<key>". A bucket given as
// "bucket/folder" stores every key under "folder/" (reference §2.6); callers never see the
// folder. Keys are percent-encoded per S3 (unreserved characters and '/' kept).
//
// Signing: libcurl's CURLOPT_AWS_SIGV4 ("aws:amz:<region>:s3") with an explicit
// x-amz-content-sha256 header (UNSIGNED-PAYLOAD for streamed uploads, the empty-body hash
// otherwise); presigned GET URLs by storage/sigv4.hpp.
//
// Transfers: uploads are read from the file as curl sends them; downloads are written to disk
// as they arrive. Timeouts: connect 10 s; a transfer that moves no byte for 60 s is abandoned.
// 5xx answers, timeouts and dropped connections are retried (bounded attempts, exponential
// backoff); an interrupted download resumes with Range + If-Match. 4xx are never retried.
//
// Thread-safe: curl handles come from an internal pool (which keeps connections alive).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "storage/object_storage.hpp"

namespace reflector::storage {

struct S3Config {
  std::string bucket;             // "bucket" or "bucket/folder" (keys go under "folder/")
  std::string region;             // "us-east-1"
  std::string access_key_id;      // required
  std::string secret_access_key;  // required
  std::string session_token;      // temporary credentials only; "" = none
  std::string endpoint_url;       // "" = AWS; else "http(s)://host[:port]" → path-style

  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::seconds low_speed_time{60};         // abort when no byte moved for this long
  int max_attempts = 4;                            // per operation, including the first
  std::chrono::milliseconds initial_backoff{200};  // doubled per retry, with jitter
  std::chrono::milliseconds max_backoff{5'000};
  const Clock* clock = nullptr;  // "now" for presigned URLs; nullptr = system clock
};

class S3Storage final : public ObjectStorage {
 public:
  // Errors: kInvalidArgument naming every missing or malformed field.
  static Result<std::unique_ptr<S3Storage>> Create(S3Config config);
  ~S3Storage() override;

  Status PutFile(const std::string& key, const std::string& local_path,
                 const std::string& content_type) override;
  Status GetToFile(const std::string& key, const std::string& local_path) override;
  Result<std::string> GetRange(const std::string& key, int64_t offset, int64_t length) override;
  Result<ObjectInfo> Head(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Result<std::string> PresignedGetUrl(const std::string& key, std::chrono::seconds ttl) override;

  const std::string& bucket() const;  // without the folder
  const std::string& folder() const;  // "" or "folder/" (with its trailing slash)
  // The URL of `key` (for logs and tests), e.g. "http://127.0.0.1:9000/bucket/folder/a%20b".
  std::string ObjectUrl(const std::string& key) const;

 private:
  struct Impl;
  explicit S3Storage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reflector::storage
