// multipart/form-data bodies (RFC 7578) built in memory, for uploads sent through HttpTransport.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reflector::pipeline {

struct MultipartField {
  std::string_view name;
  std::string_view content;
  std::string_view filename;      // empty: a plain form field
  std::string_view content_type;  // empty: none sent
};

struct MultipartBody {
  std::string content_type;  // "multipart/form-data; boundary=..."
  std::string body;
};

// Names and file names must not contain '"', CR or LF (ours are constants). The boundary is
// chosen so that it occurs in no field's content.
MultipartBody BuildMultipart(const std::vector<MultipartField>& fields);

}  // namespace reflector::pipeline
