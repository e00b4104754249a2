// OpenMp3Writer: 16 kHz mono float → MP3 (libmp3lame through libavcodec) in an mp3 container
// (call order as FFmpeg's doc/examples encode_audio and mux).
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "media/ffmpeg.hpp"
#include "media/internal/av.hpp"

namespace reflector::media {
namespace {

using internal::AvError;
using internal::CodecContextPtr;
using internal::FramePtr;
using internal::OutputContextPtr;
using internal::PacketPtr;

class Mp3Writer final : public AudioSink {
 public:
  explicit Mp3Writer(std::string path) : path_(std::move(path)) {}

  Status Open(int bitrate) {
    QuietFfmpegLogs();
    const AVCodec* encoder = avcodec_find_encoder_by_name("libmp3lame");
    if (encoder == nullptr) encoder = avcodec_find_encoder(AV_CODEC_ID_MP3);
    if (encoder == nullptr) {
      return Err(Code::kFailedPrecondition, "no MP3 encoder in this FFmpeg build (libmp3lame)");
    }
    AVFormatContext* raw = nullptr;
    int rc = avformat_alloc_output_context2(&raw, nullptr, "mp3", path_.c_str());
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot create the MP3 muxer", rc, path_);
    format_.reset(raw);

    codec_.reset(avcodec_alloc_context3(encoder));
    packet_.reset(av_packet_alloc());
    frame_.reset(av_frame_alloc());
    if (!codec_ || !packet_ || !frame_) return Err(Code::kInternal, "out of memory");
    codec_->bit_rate = bitrate;
    codec_->sample_rate = kSampleRate;
    codec_->sample_fmt = AV_SAMPLE_FMT_FLTP;  // mono: one plane, our samples as they are
    const AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    rc = av_channel_layout_copy(&codec_->ch_layout, &mono);
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot set up the MP3 encoder", rc, path_);
    codec_->time_base = {1, kSampleRate};
    if (format_->oformat->flags & AVFMT_GLOBALHEADER) {
      codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    }
    rc = avcodec_open2(codec_.get(), encoder, nullptr);
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot open the MP3 encoder", rc, path_);
    frame_size_ = codec_->frame_size > 0 ? codec_->frame_size : 1152;
    small_last_frame_ = (encoder->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) != 0;

    stream_ = avformat_new_stream(format_.get(), nullptr);
    if (stream_ == nullptr) return Err(Code::kInternal, "out of memory");
    stream_->time_base = codec_->time_base;
    rc = avcodec_parameters_from_context(stream_->codecpar, codec_.get());
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot set up the MP3 stream", rc, path_);
    rc = avio_open(&format_->pb, path_.c_str(), AVIO_FLAG_WRITE);
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot create the file", rc, path_);
    rc = avformat_write_header(format_.get(), nullptr);
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot write the MP3 header", rc, path_);
    buffer_.reserve(static_cast<size_t>(frame_size_));
    return Ok();
  }

  Status Write(std::span<const float> samples) override {
    if (finished_) return Err(Code::kInternal, "MP3 writer is finished", path_);
    while (!samples.empty()) {
      const size_t room = static_cast<size_t>(frame_size_) - buffer_.size();
      const size_t n = std::min(room, samples.size());
      buffer_.insert(buffer_.end(), samples.begin(), samples.begin() + static_cast<long>(n));
      samples = samples.subspan(n);
      if (buffer_.size() == static_cast<size_t>(frame_size_)) {
        REFLECTOR_RETURN_IF_ERROR(EncodeBuffer());
      }
    }
    return Ok();
  }

  Status Finish() override {
    if (finished_) return Ok();
    finished_ = true;
    if (!buffer_.empty()) {
      if (!small_last_frame_) buffer_.resize(static_cast<size_t>(frame_size_), 0.0f);
      REFLECTOR_RETURN_IF_ERROR(EncodeBuffer());
    }
    int rc = avcodec_send_frame(codec_.get(), nullptr);
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot encode MP3", rc, path_);
    REFLECTOR_RETURN_IF_ERROR(Drain());
    rc = av_write_trailer(format_.get());
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot finish the MP3 file", rc, path_);
    rc = avio_closep(&format_->pb);
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot write the file", rc, path_);
    return Ok();
  }

 private:
  Status EncodeBuffer() {
    AVFrame* frame = frame_.get();
    av_frame_unref(frame);
    frame->nb_samples = static_cast<int>(buffer_.size());
    frame->format = AV_SAMPLE_FMT_FLTP;
    frame->sample_rate = kSampleRate;
    int rc = av_channel_layout_copy(&frame->ch_layout, &codec_->ch_layout);
    if (rc >= 0) rc = av_frame_get_buffer(frame, 0);
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot encode MP3", rc, path_);
    std::memcpy(frame->data[0], buffer_.data(), buffer_.size() * sizeof(float));
    frame->pts = next_pts_;
    next_pts_ += frame->nb_samples;
    buffer_.clear();
    rc = avcodec_send_frame(codec_.get(), frame);
    if (rc < 0) return AvError(Code::kInternal, kRole, "cannot encode MP3", rc, path_);
    return Drain();
  }

  Status Drain() {
    while (true) {
      int rc = avcodec_receive_packet(codec_.get(), packet_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Ok();
      if (rc < 0) return AvError(Code::kInternal, kRole, "cannot encode MP3", rc, path_);
      av_packet_rescale_ts(packet_.get(), codec_->time_base, stream_->time_base);
      packet_->stream_index = stream_->index;
      rc = av_write_frame(format_.get(), packet_.get());
      av_packet_unref(packet_.get());
      if (rc < 0) return AvError(Code::kInternal, kRole, "cannot write the file", rc, path_);
    }
  }

  // Names the output in messages; the path (a local detail) goes to Error::detail.
  static constexpr std::string_view kRole = "MP3 output";
  std::string path_;
  OutputContextPtr format_;
  CodecContextPtr codec_;
  PacketPtr packet_;
  FramePtr frame_;
  AVStream* stream_ = nullptr;  // owned by format_
  int frame_size_ = 0;
  bool small_last_frame_ = false;
  bool finished_ = false;
  int64_t next_pts_ = 0;
  std::vector<float> buffer_;  // at most one encoder frame
};

}  // namespace

Result<std::unique_ptr<AudioSink>> OpenMp3Writer(const std::string& path, int bitrate) {
  auto writer = std::make_unique<Mp3Writer>(path);
  REFLECTOR_RETURN_IF_ERROR(writer->Open(bitrate));
  return std::unique_ptr<AudioSink>(std::move(writer));
}

}  // namespace reflector::media
