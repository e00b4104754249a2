// Byte encodings used by signatures and tokens: base64 (standard and URL-safe) and hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reflector {

std::string Base64Encode(std::string_view bytes);
// Standard alphabet with padding, also accepting missing padding. nullopt on any invalid input.
std::optional<std::string> Base64Decode(std::string_view text);
// Lowercase hex.
std::string HexEncode(std::string_view bytes);

}  // namespace reflector
