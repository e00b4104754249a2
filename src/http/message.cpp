#include "http/message.hpp"

#include <array>
#include <nlohmann/json.hpp>

namespace reflector::http {
namespace {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string_view> FindHeader(const std::vector<Header>& headers,
                                           std::string_view name) {
  for (const auto& h : headers) {
    if (HeaderNameEquals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

}  // namespace

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

Method ParseMethod(std::string_view name) {
  // Method names are case-sensitive (RFC 9110 section 9.1).
  static constexpr std::array<Method, 7> kKnown = {Method::kGet,    Method::kHead,  Method::kPost,
                                                   Method::kPut,    Method::kPatch, Method::kDelete,
                                                   Method::kOptions};
  for (Method m : kKnown) {
    if (MethodName(m) == name) return m;
  }
  return Method::kOther;
}

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> Request::GetHeader(std::string_view name) const {
  return FindHeader(headers, name);
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (PercentDecode(key, /*plus_as_space=*/true) == name) {
      return PercentDecode(value, /*plus_as_space=*/true);
    }
  }
  return std::nullopt;
}

std::string_view Request::PathParam(std::string_view name) const {
  for (const auto& [key, value] : path_params) {
    if (key == name) return value;
  }
  return {};
}

void Response::SetHeader(std::string name, std::string value) {
  for (auto& h : headers) {
    if (HeaderNameEquals(h.name, name)) {
      h.value = std::move(value);
      return;
    }
  }
  headers.push_back(Header{std::move(name), std::move(value)});
}

std::optional<std::string_view> Response::GetHeader(std::string_view name) const {
  return FindHeader(headers, name);
}

Request::Responder Request::Defer() {
  deferred_ = true;
  if (defer_hook) return defer_hook();
  return [](Response) {};
}

Response Response::JsonText(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.SetHeader("Content-Type", "application/json");
  return r;
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  // `replace` keeps a response from throwing on invalid UTF-8 that slipped into a string.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.SetHeader("Content-Type", "application/json");
  return r;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.SetHeader("Content-Type", std::move(content_type));
  return r;
}

Response Response::File(int status, std::string path, uint64_t offset, uint64_t length,
                        std::string content_type) {
  Response r;
  r.status = status;
  r.body_file = std::move(path);
  r.body_file_offset = offset;
  r.body_file_length = length;
  r.SetHeader("Content-Type", std::move(content_type));
  return r;
}

Response Response::Detail(int status, std::string_view message) {
  return Json(status, nlohmann::json{{"detail", message}});
}

std::string PercentDecode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_as_space && c == '+') ? ' ' : c;
  }
  return out;
}

}  // namespace reflector::http
