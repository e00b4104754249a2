// Cryptographic helpers for webhook signatures and derived identifiers, over OpenSSL.
//
// Byte strings travel as std::string / std::string_view holding raw bytes (not text); use
// core/encoding.hpp to turn them into hex or base64. All functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace reflector {

// Raw 32-byte HMAC-SHA256 of `message` under `key` (any length, including empty).
std::string HmacSha256(std::string_view key, std::string_view message);

// Lowercase hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// Compares two byte strings in time that depends only on their lengths (CRYPTO_memcmp), so a
// signature check does not tell an attacker how many leading bytes matched. Strings of
// different lengths compare unequal at once: the length is the only thing that leaks, and
// signature lengths are public anyway.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// RFC 4122 name-based UUID, version 5 (SHA-1): UUIDv5(namespace, name) in canonical lowercase
// form "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx". `namespace_uuid` must be the canonical 36-character
// form (hex digits in either case, hyphens at 8, 13, 18 and 23; no braces, no "urn:uuid:").
// `name` is hashed as its bytes (Python's uuid.uuid5 hashes the UTF-8 encoding of a str).
// Errors: kInvalidArgument when `namespace_uuid` is malformed.
Result<std::string> UuidV5(std::string_view namespace_uuid, std::string_view name);

}  // namespace reflector
