// Identifier and token generation from the OS's cryptographic random source.
#pragma once

#include <string>

namespace reflector {

// Random (version 4) UUID in canonical lowercase form. Thread-safe.
std::string NewUuid4();

// URL-safe base64 (no padding) of `bytes` random bytes; 32 bytes → 43 characters. Thread-safe.
std::string RandomUrlSafeToken(size_t bytes = 32);

}  // namespace reflector
