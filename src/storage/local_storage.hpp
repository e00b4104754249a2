// LocalStorage: ObjectStorage over a directory (TRANSCRIPT_STORAGE_BACKEND=local, under DATA_DIR).
//
// Keys are relative paths below the root; absolute keys, empty segments, "." and ".." are
// refused (kInvalidArgument) so a key can never name a file outside the root. Puts copy to a
// temporary file in the target directory and rename it into place (atomic for readers).
// Thread-safe (each call works on its own files; concurrent puts of one key: the last rename
// wins).
#pragma once

#include <optional>
#include <string>

#include "storage/object_storage.hpp"

namespace reflector::storage {

class LocalStorage final : public ObjectStorage {
 public:
  // `root` is created when missing (on first put).
  explicit LocalStorage(std::string root);

  Status PutFile(const std::string& key, const std::string& local_path,
                 const std::string& content_type) override;
  Status GetToFile(const std::string& key, const std::string& local_path) override;
  Result<std::string> GetRange(const std::string& key, int64_t offset, int64_t length) override;
  Result<ObjectInfo> Head(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Result<std::string> PresignedGetUrl(const std::string& key, std::chrono::seconds ttl) override;

  // The file that holds `key`; kInvalidArgument for a key that is not a safe relative path.
  Result<std::string> PathFor(const std::string& key) const;
  // PathFor(key), or nullopt for an unsafe key.
  std::optional<std::string> LocalPathFor(const std::string& key) const override;

 private:
  std::string root_;
};

}  // namespace reflector::storage
