// No web UI built in (REFLECTOR_WEB_UI=OFF, or the bootstrap binary that serves /openapi.json to
// the web build): no files, so `reflector serve` answers 404 at /.
#include "api/web_assets.hpp"

namespace reflector::api {

std::span<const WebAsset> EmbeddedWebAssets() { return {}; }

}  // namespace reflector::api
