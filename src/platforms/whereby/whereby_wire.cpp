#include "platforms/whereby/whereby_wire.hpp"

#include <cstddef>

#include "core/ids.hpp"

namespace reflector::platforms::whereby_internal {
namespace {

constexpr std::size_t kMaxPrefixLength = 39;  // Whereby: roomNamePrefix maxLength 39
constexpr char kRoomPrefixSeparator = '-';

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool EndsWithIgnoreCase(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  std::string_view tail = text.substr(text.size() - suffix.size());
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    if (AsciiLower(tail[i]) != suffix[i]) return false;
  }
  return true;
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

Result<std::string> RoomNamePrefix(std::string_view room_name) {
  if (room_name.empty()) {
    return Err(Code::kInvalidArgument, "Room name is empty: Whereby needs a room name prefix");
  }
  std::string prefix;
  prefix.reserve(room_name.size() + 1);
  for (char c : room_name) prefix.push_back(AsciiLower(c));
  for (char c : prefix) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed) {
      return Err(Code::kInvalidArgument,
                 "Room name cannot be used as a Whereby room name prefix: only letters a-z, digits "
                 "and '-' are allowed");
    }
  }
  prefix.push_back(kRoomPrefixSeparator);
  if (prefix.size() > kMaxPrefixLength) {
    return Err(Code::kInvalidArgument, "Room name is too long for Whereby: at most " +
                                           std::to_string(kMaxPrefixLength - 1) + " characters");
  }
  return prefix;
}

std::string ImageContentType(std::string_view path) {
  if (EndsWithIgnoreCase(path, ".png")) return "image/png";
  if (EndsWithIgnoreCase(path, ".jpg") || EndsWithIgnoreCase(path, ".jpeg")) return "image/jpeg";
  if (EndsWithIgnoreCase(path, ".gif")) return "image/gif";
  if (EndsWithIgnoreCase(path, ".svg")) return "image/svg+xml";
  if (EndsWithIgnoreCase(path, ".webp")) return "image/webp";
  return "application/octet-stream";
}

std::string BuildMultipartBody(const MultipartFile& file, std::string_view boundary) {
  auto quoted = [](std::string_view value) {
    std::string out;
    for (char c : value) {
      if (c == '"' || c == '\\' || c == '\r' || c == '\n') continue;
      out.push_back(c);
    }
    return out;
  };
  std::string body;
  body.reserve(file.bytes.size() + 256);
  body += "--";
  body += boundary;
  body += "\r\nContent-Disposition: form-data; name=\"";
  body += quoted(file.field_name);
  body += "\"; filename=\"";
  body += quoted(file.filename);
  body += "\"\r\nContent-Type: ";
  body += file.content_type;
  body += "\r\n\r\n";
  body += file.bytes;
  body += "\r\n--";
  body += boundary;
  body += "--\r\n";
  return body;
}

std::string NewMultipartBoundary(std::string_view content) {
  while (true) {
    // 24 random bytes → 32 URL-safe base64 characters; all are valid boundary characters.
    std::string boundary = "reflector-" + RandomUrlSafeToken(24);
    if (content.find(boundary) == std::string_view::npos) return boundary;
  }
}

bool JsonNestingWithin(std::string_view json_text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : json_text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

std::string Redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  static constexpr std::string_view kMark = "[redacted]";
  std::size_t pos = 0;
  while ((pos = text.find(secret, pos)) != std::string::npos) {
    text.replace(pos, secret.size(), kMark);
    pos += kMark.size();
  }
  return text;
}

}  // namespace reflector::platforms::whereby_internal
