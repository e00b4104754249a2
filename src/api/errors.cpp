#include "api/errors.hpp"

#include <spdlog/spdlog.h>

namespace reflector::api {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    // A missing capability (e.g. a provider that is not configured): the service cannot do this
    // until an operator acts, which is what 503 tells a client.
    case Code::kFailedPrecondition:
      return 503;
    case Code::kUnavailable:
      return 503;
    case Code::kDeadlineExceeded:
      return 504;
    case Code::kResourceExhausted:
      return 429;
    case Code::kBadGateway:
      return 502;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

http::Response ErrorResponse(const Error& error) {
  const int status = HttpStatusFor(error.code);
  if (status >= 500) {
    spdlog::error("request failed: {}", error.ToString());
  } else if (!error.detail.empty()) {
    spdlog::info("request rejected: {}", error.ToString());
  }
  if (error.code == Code::kInternal) return http::Response::Detail(status, "Internal Server Error");
  return http::Response::Detail(status, error.message);
}

}  // namespace reflector::api
