#include "api/multipart.hpp"

#include <algorithm>
#include <cctype>

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
    // Headers of this part.
    std::optional<std::string> name;
    std::string filename;
    std::string content_type;
    size_t h = line_end + 2;
    while (h < headers_end + 2) {
      const size_t eol = body.find("\r\n", h);
      const std::string_view line = body.substr(h, eol - h);
      h = eol + 2;
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string key = Lower(Trim(line.substr(0, colon)));
      const std::string_view value = Trim(line.substr(colon + 1));
      if (key == "content-disposition") {
        name = Param(value, "name");
        filename = Param(value, "filename").value_or("");
      } else if (key == "content-type") {
        content_type = std::string(value);
      }
    }
    const size_t data_start = headers_end + 4;
    const size_t next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string_view::npos) return std::nullopt;  // unterminated part
    if (name && *name == field) {
      return MultipartPart{body.substr(data_start, next - data_start), std::move(filename),
                           std::move(content_type)};
    }
    pos = next + 2;
  }
}

}  // namespace reflector::api
