// multipart/form-data (RFC 7578) request bodies: finds one named part without copying it.
// Used by the chunked upload (contract §7.1 item 1: field `chunk`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace reflector::api {

struct MultipartPart {
  std::string_view data;  // the part's bytes, a view into the body
  std::string filename;   // from Content-Disposition, may be empty
  std::string content_type;
};

// The boundary parameter of a multipart/form-data Content-Type, nullopt when the type is not
// multipart/form-data or has no usable boundary (1..70 characters, quoted or not).
std::optional<std::string> MultipartBoundary(std::string_view content_type);

// The first part whose Content-Disposition names `field`; nullopt when absent or when the body is
// not well-formed around it.
std::optional<MultipartPart> FindMultipartPart(std::string_view body, std::string_view boundary,
                                               std::string_view field);

// The same over a body spooled to a file (http::Request::body_file): where the part's bytes are.
// Reads the file in blocks, so memory stays flat whatever its size. nullopt as above; kInternal
// when the file cannot be read.
struct MultipartFilePart {
  int64_t offset = 0;
  int64_t size = 0;
  std::string filename;
  std::string content_type;
};
Result<std::optional<MultipartFilePart>> FindMultipartPartInFile(const std::string& path,
                                                                 std::string_view boundary,
                                                                 std::string_view field);

}  // namespace reflector::api
