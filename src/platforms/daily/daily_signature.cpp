#include "platforms/daily/daily_signature.hpp"

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace reflector::platforms {
namespace {

// Standard base64 with "=" padding, exactly as Python's base64.b64encode writes it: anything the
// shared decoder tolerates beyond that (missing padding, non-zero trailing bits) is rejected here.
std::optional<std::string> DecodeCanonicalBase64(std::string_view text) {
  auto decoded = Base64Decode(text);
  if (!decoded || Base64Encode(*decoded) != text) {
    return std::nullopt;
  }
  return decoded;
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// base64 of a 32-byte HMAC-SHA256: 43 alphabet characters and one "=".
bool LooksLikeBase64Sha256(std::string_view signature) {
  if (signature.size() != 44 || signature.back() != '=') {
    return false;
  }
  for (char c : signature.substr(0, 43)) {
    if (!IsBase64Char(c)) {
      return false;
    }
  }
  return true;
}

std::string Compute(std::string_view key, std::string_view timestamp, std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append(".").append(body);
  return Base64Encode(HmacSha256(key, message));
}

}  // namespace

WebhookVerdict VerifyDailySignature(std::string_view raw_body,
                                    std::optional<std::string_view> signature_header,
                                    std::optional<std::string_view> timestamp_header,
                                    std::string_view base64_secret, TimePoint now,
                                    std::chrono::seconds tolerance) {
  if (base64_secret.empty()) {
    return RejectWebhook(webhook_reason::kSecretNotConfigured);
  }
  const auto key = DecodeCanonicalBase64(base64_secret);
  if (!key) {
    return RejectWebhook(webhook_reason::kSecretNotBase64);
  }
  if (!signature_header) {
    return RejectWebhook(webhook_reason::kMissingSignature);
  }
  if (!timestamp_header) {
    return RejectWebhook(webhook_reason::kMissingTimestamp);
  }
  if (!LooksLikeBase64Sha256(*signature_header)) {
    return RejectWebhook(webhook_reason::kMalformedSignatureHeader);
  }
  const auto timestamp = ParseWebhookTimestamp(*timestamp_header);
  if (!timestamp) {
    return RejectWebhook(webhook_reason::kBadTimestamp);
  }

  const std::string expected = Compute(*key, *timestamp_header, raw_body);
  if (!ConstantTimeEquals(expected, *signature_header)) {
    return RejectWebhook(webhook_reason::kBadSignature);
  }
  if (auto reason = CheckWebhookWindow(*timestamp, now, tolerance)) {
    return RejectWebhook(*reason);
  }
  return AcceptWebhook();
}

std::string SignDaily(std::string_view body, std::string_view timestamp,
                      std::string_view base64_secret) {
  if (base64_secret.empty()) {
    return {};
  }
  const auto key = DecodeCanonicalBase64(base64_secret);
  if (!key) {
    return {};
  }
  return Compute(*key, timestamp, body);
}

}  // namespace reflector::platforms
