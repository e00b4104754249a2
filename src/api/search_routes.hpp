// Full-text search over transcripts (contract §8, reference §5.5):
//   GET /v1/transcripts/search   q, limit, offset, room_id, source_kind, from, to
// The route's literal segment wins over /v1/transcripts/{transcript_id} (http/router.hpp), so the
// registration order does not matter.
#pragma once

#include "api/context.hpp"
#include "api/routes.hpp"

namespace reflector::api {

struct SearchRoutesOptions {
  // PUBLIC_MODE: anonymous callers may search, and see every transcript. Otherwise they get 401.
  bool public_mode = false;
};

void RegisterSearchRoutes(ApiRoutes& routes, ApiContext& context, SearchRoutesOptions options = {});

}  // namespace reflector::api
