#include "platforms/whereby/whereby_signature.hpp"

#include <vector>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace reflector::platforms {
namespace {

struct ParsedHeader {
  std::string_view t;                     // verbatim, signed as-is
  std::chrono::milliseconds timestamp{};  // t interpreted (seconds or milliseconds)
  std::vector<std::string> v1_lowercase;  // candidate signatures, lowercased
};

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string ToLowerHex(std::string_view hex) {
  std::string out(hex);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::optional<ParsedHeader> ParseHeader(std::string_view header) {
  ParsedHeader parsed;
  bool have_t = false;
  bool first = true;
  while (true) {
    const size_t comma = header.find(',');
    std::string_view part = header.substr(0, comma);
    if (!first) {
      while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) {
        part.remove_prefix(1);
      }
    }
    first = false;

    const size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return std::nullopt;
    }
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    if (key == "t") {
      if (have_t) {
        return std::nullopt;
      }
      auto timestamp = ParseWebhookTimestamp(value);
      if (!timestamp) {
        return std::nullopt;
      }
      parsed.t = value;
      parsed.timestamp = *timestamp;
      have_t = true;
    } else if (key == "v1") {
      if (value.size() != 64) {
        return std::nullopt;
      }
      for (char c : value) {
        if (!IsHexDigit(c)) {
          return std::nullopt;
        }
      }
      parsed.v1_lowercase.push_back(ToLowerHex(value));
    }
    // Other keys (v0, a future v2, ...) are ignored: only v1 is ever trusted.

    if (comma == std::string_view::npos) {
      break;
    }
    header.remove_prefix(comma + 1);
  }
  if (!have_t || parsed.v1_lowercase.empty()) {
    return std::nullopt;
  }
  return parsed;
}

std::string Compute(std::string_view secret, std::string_view t, std::string_view body) {
  std::string message;
  message.reserve(t.size() + 1 + body.size());
  message.append(t).append(".").append(body);
  return HexEncode(HmacSha256(secret, message));
}

}  // namespace

WebhookVerdict VerifyWherebySignature(std::string_view raw_body,
                                      std::optional<std::string_view> header,
                                      std::string_view secret, TimePoint now,
                                      std::chrono::seconds tolerance) {
  if (secret.empty()) {
    return RejectWebhook(webhook_reason::kSecretNotConfigured);
  }
  if (!header) {
    return RejectWebhook(webhook_reason::kMissingSignature);
  }
  const auto parsed = ParseHeader(*header);
  if (!parsed) {
    return RejectWebhook(webhook_reason::kMalformedSignatureHeader);
  }

  const std::string expected = Compute(secret, parsed->t, raw_body);
  bool matched = false;
  for (const std::string& candidate : parsed->v1_lowercase) {
    matched |= ConstantTimeEquals(expected, candidate);  // no early exit
  }
  if (!matched) {
    return RejectWebhook(webhook_reason::kBadSignature);
  }
  if (auto reason = CheckWebhookWindow(parsed->timestamp, now, tolerance)) {
    return RejectWebhook(*reason);
  }
  return AcceptWebhook();
}

std::string SignWhereby(std::string_view body, std::string_view t, std::string_view secret) {
  return "t=" + std::string(t) + ",v1=" + Compute(secret, t, body);
}

}  // namespace reflector::platforms
