// Logging set-up on spdlog: text or JSON lines on stderr, secrets redacted, and the current
// request or job id attached to every line logged while it is in scope.
//
// Code logs with spdlog::info/warn/error directly; this header only configures the sink and
// carries the per-thread context.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reflector {

struct LogConfig;

// Installs the default logger. `secrets` are literal values (API keys, webhook secrets, database
// passwords) replaced by "***" wherever they appear in a formatted line. Call once at start-up,
// before other threads log.
void InitLogging(const LogConfig& config, std::vector<std::string> secrets);

// Binds a request (or job) id to the current thread for the lifetime of the object; log lines
// carry it as `request_id` (JSON) or `[req=<id>]` (text). Nests: the previous id is restored.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

// The id bound to this thread, or empty.
const std::string& CurrentRequestId();

// Replaces every occurrence of each non-empty secret (at least 4 characters) in `text` with "***".
std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace reflector
