// The web UI's files as compiled into the binary (web/ → build/web/dist → a generated C++ source,
// scripts/embed-web-ui). Defined by the library `reflector_webui` (the built app) or
// `reflector_webui_none` (no files: REFLECTOR_WEB_UI=OFF, and the bootstrap binary that prints
// /openapi.json for the web build).
#pragma once

#include <span>
#include <string_view>

namespace reflector::api {

struct WebAsset {
  std::string_view path;          // relative to the app root, e.g. "index.html", "assets/x-1a2b.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view body;          // the file as built
  std::string_view gzip;          // precompressed body; empty when compression does not pay
  std::string_view etag;          // strong validator, quoted: "\"<hash>\""
};

// Every file of the built app; empty when the UI is not built in.
std::span<const WebAsset> EmbeddedWebAssets();

}  // namespace reflector::api
