// Canonical error values for every fallible operation in Reflector.
//
// Expected failures travel as values: `Result<T>` (tl::expected<T, Error>) and `Status`
// (Result<void>). An Error carries a canonical code, an external message that is safe to show
// to the caller, and an optional internal detail that is only logged. Domain code never speaks
// HTTP: api/errors.cpp maps codes to statuses in one place.
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace reflector {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // the caller sent something wrong; retrying the same thing cannot help
  kNotFound,            // the thing does not exist
  kAlreadyExists,       // a unique thing exists already
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // credentials fine, not allowed
  kFailedPrecondition,  // the system is not in a state to do this (e.g. provider not configured)
  kUnavailable,         // transient; retry may succeed (database down, provider 5xx)
  kDeadlineExceeded,    // timed out
  kResourceExhausted,   // rate limited or too large
  kInternal,            // a bug or an unexpected failure
  kBadGateway,          // an upstream provider answered with an error
};

// Stable lowercase name of a code, e.g. "not_found".
std::string_view CodeName(Code code);

struct Error {
  Code code = Code::kInternal;
  std::string message;  // external: safe to return to the caller
  std::string detail;   // internal: logged, never returned

  // For upstream failures (kBadGateway): the provider's HTTP status, 0 when none.
  int upstream_status = 0;

  // "not_found: Room not found (detail)" for logs.
  std::string ToString() const;
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> Err(Code code, std::string message, std::string detail = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(detail), 0});
}
inline tl::unexpected<Error> Err(Error error) { return tl::unexpected<Error>(std::move(error)); }

inline Status Ok() { return {}; }

}  // namespace reflector

// Propagates the error of a Status/Result expression out of the enclosing function.
#define REFLECTOR_RETURN_IF_ERROR(expr)                                                    \
  do {                                                                                     \
    auto reflector_status_ = (expr);                                                       \
    if (!reflector_status_) return ::reflector::Err(std::move(reflector_status_.error())); \
  } while (false)
