#include "core/log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "core/time_format.hpp"

namespace reflector {
namespace {

thread_local std::string t_request_id;

// Writes one line per record to stderr, as text or JSON, with secrets redacted and the current
// thread's request id attached.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  LineSink(bool json, std::vector<std::string> secrets)
      : json_(json), secrets_(std::move(secrets)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text = RedactSecrets(std::string(msg.payload.data(), msg.payload.size()), secrets_);
    const std::string ts = FormatIso8601(msg.time);
    const auto level = spdlog::level::to_string_view(msg.level);
    std::string line;
    if (json_) {
      nlohmann::json j;
      j["ts"] = ts;
      j["level"] = std::string(level.data(), level.size());
      j["msg"] = std::move(text);
      if (!t_request_id.empty()) j["request_id"] = t_request_id;
      line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      line = ts;
      line += ' ';
      line.append(level.data(), level.size());
      if (!t_request_id.empty()) {
        line += " [req=";
        line += t_request_id;
        line += ']';
      }
      line += ' ';
      line += text;
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  const bool json_;
  const std::vector<std::string> secrets_;
};

}  // namespace

void InitLogging(const LogConfig& config, std::vector<std::string> secrets) {
  auto sink = std::make_shared<LineSink>(config.format == "json", std::move(secrets));
  auto logger = std::make_shared<spdlog::logger>("reflector", sink);
  logger->set_level(spdlog::level::from_str(config.level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

ScopedRequestId::ScopedRequestId(std::string id) : previous_(std::move(t_request_id)) {
  t_request_id = std::move(id);
}

ScopedRequestId::~ScopedRequestId() { t_request_id = std::move(previous_); }

const std::string& CurrentRequestId() { return t_request_id; }

std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return text;
}

}  // namespace reflector
