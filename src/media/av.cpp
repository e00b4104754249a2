#include "media/internal/av.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "media/ffmpeg.hpp"

namespace reflector::media {
namespace internal {

std::string AvErrorText(int error) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(error, text, sizeof(text)) < 0) return fmt::format("error {}", error);
  return text;
}

std::string WithRole(std::string_view role, std::string_view reason) {
  if (role.empty()) return std::string(reason);
  return fmt::format("{}: {}", role, reason);
}

tl::unexpected<Error> AvError(Code code, std::string_view role, std::string_view what, int error,
                              std::string detail) {
  return Err(code, WithRole(role, fmt::format("{} ({})", what, AvErrorText(error))),
             std::move(detail));
}

}  // namespace internal

namespace {

constexpr size_t kMaxFfmpegAllocation = 256u << 20;

void LogToSpdlog(void* avcl, int level, const char* format, va_list args) {
  if (level > AV_LOG_WARNING) return;
  char line[1024];
  int print_prefix = 1;
  va_list copy;
  va_copy(copy, args);
  av_log_format_line2(avcl, level, format, copy, line, sizeof(line), &print_prefix);
  va_end(copy);
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (!text.empty()) spdlog::debug("ffmpeg: {}", text);
}

}  // namespace

void QuietFfmpegLogs() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Hostile headers make FFmpeg allocate what they claim (a 120-byte wav with a 3.7 GB INFO
    // tag, found by media_probe_fuzz); no single buffer of a real recording comes near this.
    av_max_alloc(kMaxFfmpegAllocation);
    av_log_set_level(AV_LOG_WARNING);
    av_log_set_callback(LogToSpdlog);
  });
}

}  // namespace reflector::media
