// ObjectStorage: where recordings, uploads and transcript audio live (contract §7.4).
//
// Contract:
//   - Keys are '/'-separated relative names ("transcripts/<id>/audio.mp3"). An implementation may
//     add its own prefix (S3 "bucket/folder" configuration); callers never see it.
//   - Files move between storage and the local disk in a stream: neither PutFile nor GetToFile
//     holds a whole object in memory. GetToFile writes to a temporary file beside `local_path`
//     and renames it into place, so a failed download leaves no partial file behind.
//   - Errors are values with canonical codes and messages a person can act on:
//       kNotFound            the object (or, for List, nothing) does not exist: "object not found:
//       <key>" kPermissionDenied    credentials refused ("bucket refused our signature (403
//                            SignatureDoesNotMatch)") or access to the key denied
//       kInvalidArgument     a bad key ("..", absolute) or range
//       kFailedPrecondition  unsupported here (PresignedGetUrl on local storage), missing bucket
//       kUnavailable         transient failure after the implementation's own retries
//       kDeadlineExceeded    the store stopped answering (connect or read timeout)
//       kInternal            local disk errors (with the path and errno text)
//
// Thread-safety: every method may be called concurrently from any thread.
// Ownership: the composition root owns the implementation and hands out references.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace reflector::storage {

struct ObjectInfo {
  std::string key;            // as the caller names it (without the implementation's prefix)
  int64_t size = 0;           // bytes
  std::string etag;           // opaque, quotes stripped; "" when the store gives none
  std::string last_modified;  // core FormatIso8601 ("2026-12-04T09:15:00.000000Z"); "" = unknown
};

class ObjectStorage {  // Thread-safe.
 public:
  virtual ~ObjectStorage() = default;

  // Uploads the file at `local_path` as `key` (replacing any object there).
  virtual Status PutFile(const std::string& key, const std::string& local_path,
                         const std::string& content_type) = 0;
  // Downloads `key` into `local_path` (created or replaced), streamed to disk.
  virtual Status GetToFile(const std::string& key, const std::string& local_path) = 0;
  // Up to `length` bytes of `key` starting at `offset` (fewer at the end of the object).
  // kInvalidArgument when offset is past the end or negative.
  virtual Result<std::string> GetRange(const std::string& key, int64_t offset, int64_t length) = 0;
  // The object's size and metadata; kNotFound when absent.
  virtual Result<ObjectInfo> Head(const std::string& key) = 0;
  // Removes `key`; removing an absent key succeeds (idempotent).
  virtual Status Delete(const std::string& key) = 0;
  // Every object whose key starts with `prefix` ("" = all), sorted by key, all pages.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;
  // A URL anyone can GET `key` from for `ttl`; local storage: kFailedPrecondition.
  virtual Result<std::string> PresignedGetUrl(const std::string& key, std::chrono::seconds ttl) = 0;
  // The local file holding `key`, for a store kept on this machine (so that a caller may stream
  // it instead of reading it into memory); nullopt for remote stores (S3) or an unsafe key.
  virtual std::optional<std::string> LocalPathFor(const std::string& /*key*/) const {
    return std::nullopt;
  }
};

}  // namespace reflector::storage
