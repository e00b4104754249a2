#include "api/multipart.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

namespace reflector::api {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Value of `name=` in a header's parameters ("form-data; name=\"chunk\"; filename=\"a.webm\"").
std::optional<std::string> Param(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t semi = header.find(';', pos);
    if (semi == std::string_view::npos) semi = header.size();
    std::string_view item = Trim(header.substr(pos, semi - pos));
    pos = semi + 1;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    if (Lower(Trim(item.substr(0, eq))) != name) continue;
    std::string_view value = Trim(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      std::string out;
      for (size_t i = 1; i + 1 < value.size(); ++i) {
        if (value[i] == '\\' && i + 2 < value.size()) ++i;
        out += value[i];
      }
      return out;
    }
    return std::string(value);
  }
  return std::nullopt;
}

struct PartHeaders {
  std::optional<std::string> name;
  std::string filename;
  std::string content_type;
};

// The header lines of one part (each ending in CRLF).
PartHeaders ParsePartHeaders(std::string_view block) {
  PartHeaders out;
  size_t h = 0;
  while (h < block.size()) {
    size_t eol = block.find("\r\n", h);
    if (eol == std::string_view::npos) eol = block.size();
    const std::string_view line = block.substr(h, eol - h);
    h = eol + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string key = Lower(Trim(line.substr(0, colon)));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (key == "content-disposition") {
      out.name = Param(value, "name");
      out.filename = Param(value, "filename").value_or("");
    } else if (key == "content-type") {
      out.content_type = std::string(value);
    }
  }
  return out;
}

// A read-only file searched in blocks.
class FileScanner {
 public:
  explicit FileScanner(int fd) : fd_(fd) {}

  // Up to `n` bytes at `offset` (fewer at the end). kInternal on a read error.
  Result<std::string> Read(int64_t offset, size_t n) const {
    std::string out(n, '\0');
    size_t got = 0;
    while (got < n) {
      const ssize_t r = pread(fd_, out.data() + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Err(Code::kInternal, "cannot read the request body", std::strerror(errno));
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    out.resize(got);
    return out;
  }

  // The first offset >= `from` where `needle` starts; -1 when absent.
  Result<int64_t> Find(std::string_view needle, int64_t from) const {
    constexpr size_t kBlock = size_t{1} << 20;
    int64_t at = from;
    for (;;) {
      auto block = Read(at, kBlock + needle.size() - 1);
      if (!block) return Err(std::move(block.error()));
      const size_t hit = block->find(needle);
      if (hit != std::string::npos) return at + static_cast<int64_t>(hit);
      if (block->size() < kBlock + needle.size() - 1) return int64_t{-1};
      at += static_cast<int64_t>(kBlock);
    }
  }

 private:
  int fd_;
};

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  if (Lower(Trim(content_type.substr(0, semi))) != "multipart/form-data") return std::nullopt;
  if (semi == std::string_view::npos) return std::nullopt;
  auto boundary = Param(content_type.substr(semi + 1), "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  return boundary;
}

std::optional<MultipartPart> FindMultipartPart(std::string_view body, std::string_view boundary,
                                               std::string_view field) {
  const std::string delimiter = "--" + std::string(boundary);
  // The first delimiter may open the body or follow a preamble line.
  size_t pos = body.rfind(delimiter, 0) == 0 ? 0 : body.find("\r\n" + delimiter);
  if (pos == std::string_view::npos) return std::nullopt;
  if (pos != 0) pos += 2;
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return std::nullopt;  // closing delimiter: not found
    const size_t line_end = body.find("\r\n", pos);
    if (line_end == std::string_view::npos) return std::nullopt;
    const size_t headers_end = body.find("\r\n\r\n", line_end);
    if (headers_end == std::string_view::npos) return std::nullopt;
    PartHeaders headers = ParsePartHeaders(body.substr(line_end + 2, headers_end - line_end));
    const size_t data_start = headers_end + 4;
    const size_t next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string_view::npos) return std::nullopt;  // unterminated part
    if (headers.name && *headers.name == field) {
      return MultipartPart{body.substr(data_start, next - data_start), std::move(headers.filename),
                           std::move(headers.content_type)};
    }
    pos = next + 2;
  }
}

Result<std::optional<MultipartFilePart>> FindMultipartPartInFile(const std::string& path,
                                                                 std::string_view boundary,
                                                                 std::string_view field) {
  constexpr size_t kMaxHeaderBlock = 16 * 1024;  // a part's delimiter line and headers
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Err(Code::kInternal, "cannot open the request body", std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  const FileScanner file(fd);
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next_delimiter = "\r\n" + delimiter;
  // The first delimiter may open the body or follow a preamble line.
  auto head = file.Read(0, delimiter.size());
  if (!head) return Err(std::move(head.error()));
  int64_t pos = 0;
  if (*head != delimiter) {
    auto first = file.Find(next_delimiter, 0);
    if (!first) return Err(std::move(first.error()));
    if (*first < 0) return std::optional<MultipartFilePart>();
    pos = *first + 2;
  }
  for (;;) {
    pos += static_cast<int64_t>(delimiter.size());
    auto block = file.Read(pos, kMaxHeaderBlock);
    if (!block) return Err(std::move(block.error()));
    const std::string_view b = *block;
    if (b.substr(0, 2) == "--") return std::optional<MultipartFilePart>();  // closing delimiter
    const size_t line_end = b.find("\r\n");
    if (line_end == std::string_view::npos) return std::optional<MultipartFilePart>();
    const size_t headers_end = b.find("\r\n\r\n", line_end);
    if (headers_end == std::string_view::npos) return std::optional<MultipartFilePart>();
    PartHeaders headers = ParsePartHeaders(b.substr(line_end + 2, headers_end - line_end));
    const int64_t data_start = pos + static_cast<int64_t>(headers_end) + 4;
    auto next = file.Find(next_delimiter, data_start);
    if (!next) return Err(std::move(next.error()));
    if (*next < 0) return std::optional<MultipartFilePart>();  // unterminated part
    if (headers.name && *headers.name == field) {
      return std::optional<MultipartFilePart>(MultipartFilePart{data_start, *next - data_start,
                                                                std::move(headers.filename),
                                                                std::move(headers.content_type)});
    }
    pos = *next + 2;
  }
}

}  // namespace reflector::api
