// Wire-format helpers of the Whereby client: URL encoding, the roomNamePrefix rule, the multipart
// body of a logo upload. Internal to src/platforms/whereby/; exposed in a header only so that the
// tests can pin each rule down on its own.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace reflector::platforms::whereby_internal {

// Percent-encodes everything except RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), so the
// result is safe both as a path segment and as a query value ("/" becomes "%2F").
std::string PercentEncode(std::string_view text);

// The roomNamePrefix sent to POST /meetings for a Reflector room name: the name lowercased plus
// the "-" separator. Whereby puts the generated uuid straight after the prefix without a
// separator of its own (its "Tracking Customer Usage" guide: prefix "test-prefix-" → roomName
// "/test-prefix-87e0497f-…"; prefix "example-prefix" gives URLs like
// ".../example-prefix0bda0a5d-…"), which is why Reflector appends "-" (reflector-reference.md §1.3
// ROOM_PREFIX_SEPARATOR). The whole prefix must match Whereby's `[a-z0-9-]{0,39}` (providers.md
// §2.1), so the name may have at most 38 characters after lowercasing. Errors: kInvalidArgument
// naming the rule the name breaks.
Result<std::string> RoomNamePrefix(std::string_view room_name);

// Content type of a logo file by its extension (case-insensitive): image/png, image/jpeg,
// image/gif, image/svg+xml, image/webp; anything else application/octet-stream.
std::string ImageContentType(std::string_view path);

// One file part of a multipart/form-data body (RFC 7578).
struct MultipartFile {
  std::string field_name;    // form field, e.g. "image"
  std::string filename;      // sent in Content-Disposition; quotes, backslashes and CR/LF dropped
  std::string content_type;  // e.g. "image/png"
  std::string bytes;         // the file content, raw
};

// The complete body: "--<boundary>\r\nContent-Disposition: form-data; name=...; filename=...\r\n
// Content-Type: ...\r\n\r\n<bytes>\r\n--<boundary>--\r\n". The caller picks a boundary that does
// not occur in `file.bytes` (NewMultipartBoundary does).
std::string BuildMultipartBody(const MultipartFile& file, std::string_view boundary);

// A random boundary ("reflector-" + 32 random URL-safe characters) that does not occur in
// `content`. Thread-safe.
std::string NewMultipartBoundary(std::string_view content);

// True when no array/object in `json_text` nests deeper than `max_depth` (brackets inside JSON
// strings are ignored). Checked before parsing a provider response, because nlohmann::json parses
// recursively and a hostile "[[[[…" could otherwise exhaust the stack.
bool JsonNestingWithin(std::string_view json_text, int max_depth);

// Removes every occurrence of `secret` from `text` (replaced by "[redacted]"); an empty secret
// leaves `text` alone. Used on provider error texts before they go into an Error message.
std::string Redact(std::string text, std::string_view secret);

}  // namespace reflector::platforms::whereby_internal
