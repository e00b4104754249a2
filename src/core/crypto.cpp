#include "core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <stdexcept>

#include "core/encoding.hpp"

namespace reflector {
namespace {

// OpenSSL treats a null key pointer specially in some paths (it can mean "reuse the previous
// key"), so empty inputs are passed as a pointer to this byte with length 0.
constexpr unsigned char kEmpty = 0;

const unsigned char* Bytes(std::string_view s) {
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  // EVP_Digest only fails on allocation failure or a missing provider: not recoverable here.
  if (EVP_Digest(Bytes(data), data.size(), out.data(), &len, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), Bytes(key), static_cast<int>(key.size()), Bytes(message), message.size(),
           out.data(), &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Digest(EVP_sha256(), data)); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  if (a.empty()) {
    return true;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> UuidV5(std::string_view namespace_uuid, std::string_view name) {
  if (namespace_uuid.size() != 36) {
    return Err(Code::kInvalidArgument, "Invalid namespace UUID",
               "UuidV5: namespace must be 36 characters");
  }
  std::string ns_bytes;
  ns_bytes.reserve(16);
  for (size_t i = 0; i < namespace_uuid.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (namespace_uuid[i] != '-') {
        return Err(Code::kInvalidArgument, "Invalid namespace UUID",
                   "UuidV5: expected '-' in namespace");
      }
      ++i;
      continue;
    }
    const int hi = HexValue(namespace_uuid[i]);
    const int lo = HexValue(namespace_uuid[i + 1]);
    if (hi < 0 || lo < 0) {
      return Err(Code::kInvalidArgument, "Invalid namespace UUID",
                 "UuidV5: non-hex digit in namespace");
    }
    ns_bytes += static_cast<char>((hi << 4) | lo);
    i += 2;
  }

  // RFC 4122 §4.3: SHA-1 over namespace bytes then name bytes; keep 16 bytes; set the version
  // (5) in the high nibble of byte 6 and the variant (10xx) in the top bits of byte 8.
  std::string hash = Digest(EVP_sha1(), ns_bytes + std::string(name));
  hash.resize(16);
  hash[6] = static_cast<char>((static_cast<unsigned char>(hash[6]) & 0x0F) | 0x50);
  hash[8] = static_cast<char>((static_cast<unsigned char>(hash[8]) & 0x3F) | 0x80);
  const std::string hex = HexEncode(hash);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace reflector
