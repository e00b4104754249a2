// FFmpeg ownership and error helpers shared by src/media/*.cpp. Includes FFmpeg's headers: never
// include this outside src/media/.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include <memory>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace reflector::media::internal {

struct InputContextDeleter {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct OutputContextDeleter {
  void operator()(AVFormatContext* c) const {
    if (c == nullptr) return;
    if (c->pb != nullptr && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct SwrDeleter {
  void operator()(SwrContext* c) const { swr_free(&c); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

using InputContextPtr = std::unique_ptr<AVFormatContext, InputContextDeleter>;
using OutputContextPtr = std::unique_ptr<AVFormatContext, OutputContextDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;

// av_strerror's text for an AVERROR code.
std::string AvErrorText(int error);

// "<role>: <reason>", or just the reason when role is empty.
std::string WithRole(std::string_view role, std::string_view reason);

// An Error for a negative av_* return: "<role>: <what> (<av_strerror text>)".
// `detail` (e.g. a local path) goes to the log only.
tl::unexpected<Error> AvError(Code code, std::string_view role, std::string_view what, int error,
                              std::string detail = {});

}  // namespace reflector::media::internal
