#include "storage/local_storage.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "core/ids.hpp"
#include "core/time_format.hpp"

namespace reflector::storage {
namespace fs = std::filesystem;
namespace {

Error DiskError(const std::string& what, const fs::path& path, const std::error_code& ec) {
  return Error{Code::kInternal, what + " " + path.string() + ": " + ec.message(), "", 0};
}

std::string ModifiedIso(const fs::path& path) {
  std::error_code ec;
  const auto written = fs::last_write_time(path, ec);
  if (ec) return "";
  const auto system = std::chrono::file_clock::to_sys(written);
  return FormatIso8601(std::chrono::time_point_cast<std::chrono::seconds>(system));
}

// A temporary sibling of `target` (same directory, so rename is atomic).
fs::path TempBeside(const fs::path& target) {
  return target.parent_path() /
         ("." + target.filename().string() + ".tmp-" + RandomUrlSafeToken(9));
}

Status CopyAtomically(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (ec) return Err(DiskError("cannot create directory", to.parent_path(), ec));
  const fs::path temp = TempBeside(to);
  fs::copy_file(from, temp, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    fs::remove(temp);
    if (ec == std::errc::no_such_file_or_directory && !fs::exists(from)) {
      return Err(Code::kInvalidArgument, "local file not found: " + from.string());
    }
    return Err(DiskError("cannot copy to", to, ec));
  }
  fs::rename(temp, to, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return Err(DiskError("cannot rename into", to, ec));
  }
  return Ok();
}

}  // namespace

LocalStorage::LocalStorage(std::string root) : root_(std::move(root)) {}

Result<std::string> LocalStorage::PathFor(const std::string& key) const {
  if (key.empty()) return Err(Code::kInvalidArgument, "empty object key");
  if (key.front() == '/') {
    return Err(Code::kInvalidArgument, "object key must be relative: " + key);
  }
  if (key.find('\0') != std::string::npos || key.find('\\') != std::string::npos) {
    return Err(Code::kInvalidArgument, "object key contains a NUL or backslash: " + key);
  }
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string::npos) end = key.size();
    const std::string_view segment(key.data() + start, end - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return Err(Code::kInvalidArgument,
                 "object key has an empty, \".\" or \"..\" segment: " + key);
    }
    start = end + 1;
  }
  return (fs::path(root_) / key).string();
}

Status LocalStorage::PutFile(const std::string& key, const std::string& local_path,
                             const std::string& /*content_type*/) {
  auto path = PathFor(key);
  if (!path) return Err(path.error());
  return CopyAtomically(local_path, *path);
}

std::optional<std::string> LocalStorage::LocalPathFor(const std::string& key) const {
  auto path = PathFor(key);
  if (!path) return std::nullopt;
  return std::move(*path);
}

Status LocalStorage::GetToFile(const std::string& key, const std::string& local_path) {
  auto path = PathFor(key);
  if (!path) return Err(path.error());
  if (!fs::is_regular_file(*path)) return Err(Code::kNotFound, "object not found: " + key);
  return CopyAtomically(*path, local_path);
}

Result<std::string> LocalStorage::GetRange(const std::string& key, int64_t offset, int64_t length) {
  auto info = Head(key);
  if (!info) return Err(info.error());
  if (offset < 0 || length < 0 || offset > info->size || (offset == info->size && info->size > 0)) {
    return Err(Code::kInvalidArgument, "range " + std::to_string(offset) + "+" +
                                           std::to_string(length) + " is outside " + key + " (" +
                                           std::to_string(info->size) + " bytes)");
  }
  const int64_t count = std::min(length, info->size - offset);
  std::ifstream in(fs::path(*PathFor(key)), std::ios::binary);
  std::string out(static_cast<size_t>(count), '\0');
  in.seekg(offset);
  in.read(out.data(), count);
  if (in.gcount() != count) {
    return Err(Code::kInternal, "short read from " + *PathFor(key) + ": " + std::strerror(errno));
  }
  return out;
}

Result<ObjectInfo> LocalStorage::Head(const std::string& key) {
  auto path = PathFor(key);
  if (!path) return Err(path.error());
  std::error_code ec;
  const auto status = fs::status(*path, ec);
  if (ec || !fs::is_regular_file(status)) return Err(Code::kNotFound, "object not found: " + key);
  const auto size = fs::file_size(*path, ec);
  if (ec) return Err(DiskError("cannot stat", *path, ec));
  return ObjectInfo{key, static_cast<int64_t>(size), "", ModifiedIso(*path)};
}

Status LocalStorage::Delete(const std::string& key) {
  auto path = PathFor(key);
  if (!path) return Err(path.error());
  std::error_code ec;
  fs::remove(*path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Err(DiskError("cannot delete", *path, ec));
  }
  return Ok();
}

Result<std::vector<ObjectInfo>> LocalStorage::List(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::error_code ec;
  if (!fs::exists(root_, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string key = fs::relative(it->path(), root_).generic_string();
    // Temporary files of puts in progress are not objects.
    if (it->path().filename().string().rfind(".", 0) == 0 &&
        it->path().filename().string().find(".tmp-") != std::string::npos) {
      continue;
    }
    if (key.rfind(prefix, 0) != 0) continue;
    out.push_back(
        ObjectInfo{key, static_cast<int64_t>(it->file_size()), "", ModifiedIso(it->path())});
  }
  if (ec) return Err(DiskError("cannot list", root_, ec));
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Result<std::string> LocalStorage::PresignedGetUrl(const std::string& key,
                                                  std::chrono::seconds /*ttl*/) {
  return Err(Code::kFailedPrecondition,
             "local storage has no presigned URLs (serve " + key + " through the API instead)");
}

}  // namespace reflector::storage
