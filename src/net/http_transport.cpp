#include "net/http_transport.hpp"

#include <array>
#include <utility>

namespace reflector::net {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

bool OutboundRequest::idempotent() const {
  static constexpr std::array<std::string_view, 6> kIdempotent = {"GET",    "HEAD",    "PUT",
                                                                  "DELETE", "OPTIONS", "TRACE"};
  for (std::string_view m : kIdempotent) {
    if (method == m) return true;
  }
  return false;
}

std::optional<std::string_view> OutboundResponse::GetHeader(std::string_view name) const {
  for (const HeaderField& field : headers) {
    if (EqualsIgnoreCase(field.name, name)) return std::string_view(field.value);
  }
  return std::nullopt;
}

Error TransportError(Code code, std::string message, std::string detail, bool request_sent) {
  if (!request_sent) {
    std::string tagged(kRequestNotSentTag);
    if (!detail.empty()) {
      tagged += ": ";
      tagged += detail;
    }
    detail = std::move(tagged);
  }
  return Error{code, std::move(message), std::move(detail), 0};
}

bool RequestMayHaveBeenSent(const Error& error) {
  return !std::string_view(error.detail).starts_with(kRequestNotSentTag);
}

}  // namespace reflector::net
