// The one place where canonical error codes become HTTP statuses and response bodies.
#pragma once

#include "core/status.hpp"
#include "http/message.hpp"

namespace reflector::api {

// Canonical code → HTTP status (e.g. kNotFound → 404, kFailedPrecondition → 503).
int HttpStatusFor(Code code);

// `{"detail": <external message>}` with the mapped status. Internal errors are logged here, with
// their internal detail, and answered with a generic message.
http::Response ErrorResponse(const Error& error);

}  // namespace reflector::api
