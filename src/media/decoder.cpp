// Probe and OpenDecoded: demux the first audio stream, decode it and resample it to 16 kHz mono
// float as the caller pulls samples (call order as FFmpeg's doc/examples decode_audio and
// resample_audio).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "media/ffmpeg.hpp"
#include "media/internal/av.hpp"

namespace reflector::media {
namespace {

using internal::AvError;
using internal::AvErrorText;
using internal::CodecContextPtr;
using internal::FramePtr;
using internal::InputContextPtr;
using internal::PacketPtr;
using internal::SwrPtr;
using internal::WithRole;

// Demuxers we accept. Anything else (playlists such as HLS or concat, image sequences, devices)
// could make FFmpeg open other files; recordings never need them.
constexpr const char* kFormatWhitelist =
    "mov,mp4,m4a,3gp,matroska,webm,mp3,wav,w64,ogg,flac,aac,aiff,caf,amr,asf,avi,mpegts,mpeg,au";

// Frames that start this many samples (40 ms) or more after the samples produced so far leave a
// gap in the timeline that is filled with silence. Smaller differences are encoder jitter.
constexpr int64_t kGapThresholdSamples = kSampleRate / 25;

// A frame placed further than this past the container's stated duration (or past a day when the
// duration is unknown) has a corrupt timestamp, not a gap: it would mean hours of silence.
constexpr int64_t kMaxOverrunSeconds = 60;
constexpr int64_t kMaxTimelineSeconds = int64_t{24} * 3600;

// Sample rates and channel counts beyond these are corrupt headers (a 2 GHz "wav" made the
// resampler allocate gigabytes under the fuzzer); real recordings sit far inside.
constexpr int kMinSampleRate = 1000;
constexpr int kMaxSampleRate = 768000;
constexpr int kMaxChannels = 64;

// Empty when a decoder's output format is usable, else the reason.
std::string CheckAudioFormat(int sample_rate, int channels) {
  if (sample_rate < kMinSampleRate || sample_rate > kMaxSampleRate) {
    return fmt::format("cannot decode audio (unsupported sample rate {} Hz)", sample_rate);
  }
  if (channels <= 0 || channels > kMaxChannels) {
    return fmt::format("cannot decode audio (unsupported channel count {})", channels);
  }
  return {};
}

struct OpenedInput {
  InputContextPtr format;
  int stream_index = -1;
  ProbeInfo info;
};

Result<OpenedInput> OpenInput(const std::string& path, std::string_view role) {
  QuietFfmpegLogs();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return Err(Code::kNotFound, WithRole(role, "file not found"), path);
  }
  if (!std::filesystem::is_regular_file(status)) {
    return Err(Code::kInvalidArgument, WithRole(role, "not a regular file"), path);
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Err(Code::kInternal, WithRole(role, "cannot read the file"), ec.message());
  if (size == 0) return Err(Code::kInvalidArgument, WithRole(role, "empty file"), path);

  AVDictionary* options = nullptr;
  av_dict_set(&options, "protocol_whitelist", "file", 0);
  av_dict_set(&options, "format_whitelist", kFormatWhitelist, 0);
  AVFormatContext* raw = nullptr;
  int rc = avformat_open_input(&raw, path.c_str(), nullptr, &options);
  av_dict_free(&options);
  if (rc < 0) {
    // avformat_open_input frees the context on failure.
    if (rc == AVERROR(ENOENT)) return Err(Code::kNotFound, WithRole(role, "file not found"), path);
    if (rc == AVERROR(EACCES)) return AvError(Code::kInternal, role, "cannot open the file", rc);
    // EINVAL: FFmpeg recognised a format outside kFormatWhitelist (or nothing usable).
    if (rc == AVERROR(EINVAL)) {
      return Err(Code::kInvalidArgument,
                 WithRole(role, "not a media file (unrecognised or unsupported format)"));
    }
    return AvError(Code::kInvalidArgument, role, "not a media file", rc);
  }
  OpenedInput input;
  input.format.reset(raw);
  rc = avformat_find_stream_info(raw, nullptr);
  if (rc < 0) return AvError(Code::kInvalidArgument, role, "not a media file", rc);

  for (unsigned i = 0; i < raw->nb_streams; ++i) {
    if (raw->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) ++input.info.audio_streams;
  }
  input.info.format_name = raw->iformat->name;
  if (raw->duration != AV_NOPTS_VALUE && raw->duration > 0) {
    input.info.duration_seconds = static_cast<double>(raw->duration) / AV_TIME_BASE;
  }
  if (raw->start_time != AV_NOPTS_VALUE) {
    input.info.start_time_seconds = static_cast<double>(raw->start_time) / AV_TIME_BASE;
  }
  if (input.info.audio_streams == 0) {
    return Err(Code::kInvalidArgument, WithRole(role, "no audio stream in the file"), path);
  }
  rc = av_find_best_stream(raw, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (rc < 0) return Err(Code::kInvalidArgument, WithRole(role, "no audio stream in the file"));
  input.stream_index = rc;
  // Only the chosen stream's packets are read (the video of a cloud recording is skipped).
  for (unsigned i = 0; i < raw->nb_streams; ++i) {
    if (static_cast<int>(i) != rc) raw->streams[i]->discard = AVDISCARD_ALL;
  }
  const AVCodecParameters* par = raw->streams[rc]->codecpar;
  input.info.audio_codec = avcodec_get_name(par->codec_id);
  if (avcodec_find_decoder(par->codec_id) == nullptr) {
    return Err(Code::kInvalidArgument,
               WithRole(role, fmt::format("unsupported audio codec {}", input.info.audio_codec)));
  }
  // 0 means "not known before decoding" for some codecs; the decoder's frames are checked too.
  if (par->sample_rate != 0 || par->ch_layout.nb_channels != 0) {
    std::string reason = CheckAudioFormat(par->sample_rate, par->ch_layout.nb_channels);
    if (!reason.empty()) return Err(Code::kInvalidArgument, WithRole(role, reason));
  }
  return input;
}

class DecodedSource final : public AudioSource {
 public:
  DecodedSource(std::string role, OpenedInput input)
      : role_(std::move(role)), input_(std::move(input)) {}

  Status Init() {
    AVStream* stream = input_.format->streams[input_.stream_index];
    time_base_ = stream->time_base;
    timeline_limit_ = kMaxTimelineSeconds * kSampleRate;
    if (input_.info.duration_seconds > 0) {
      timeline_limit_ = std::min(
          timeline_limit_,
          static_cast<int64_t>((input_.info.duration_seconds + kMaxOverrunSeconds) * kSampleRate));
    }
    const AVCodec* decoder = avcodec_find_decoder(stream->codecpar->codec_id);
    codec_.reset(avcodec_alloc_context3(decoder));
    packet_.reset(av_packet_alloc());
    frame_.reset(av_frame_alloc());
    if (!codec_ || !packet_ || !frame_) return Err(Code::kInternal, "out of memory");
    int rc = avcodec_parameters_to_context(codec_.get(), stream->codecpar);
    if (rc < 0) return AvError(Code::kInvalidArgument, role_, "cannot decode audio", rc);
    codec_->pkt_timebase = time_base_;
    rc = avcodec_open2(codec_.get(), decoder, nullptr);
    if (rc < 0) return AvError(Code::kInvalidArgument, role_, "cannot decode audio", rc);
    // Decode the first frame now, so a file that is garbage from the start fails here.
    REFLECTOR_RETURN_IF_ERROR(NextFrame());
    if (done_ && pending_.empty()) {
      return Err(Code::kInvalidArgument, WithRole(role_, "cannot decode audio (no audio frames)"));
    }
    return Ok();
  }

  Result<size_t> Read(std::span<float> out) override {
    size_t written = 0;
    while (written < out.size()) {
      if (pending_pos_ < pending_.size()) {
        const size_t n = std::min(out.size() - written, pending_.size() - pending_pos_);
        std::memcpy(out.data() + written, pending_.data() + pending_pos_, n * sizeof(float));
        pending_pos_ += n;
        written += n;
        continue;
      }
      if (silence_ > 0) {
        const size_t n = static_cast<size_t>(
            std::min<int64_t>(silence_, static_cast<int64_t>(out.size() - written)));
        std::fill_n(out.data() + written, n, 0.0f);
        silence_ -= static_cast<int64_t>(n);
        written += n;
        continue;
      }
      if (held_) {
        REFLECTOR_RETURN_IF_ERROR(Resample(frame_.get()));
        av_frame_unref(frame_.get());
        held_ = false;
        continue;
      }
      if (done_) break;
      REFLECTOR_RETURN_IF_ERROR(NextFrame());
    }
    return written;
  }

  bool truncated() const override { return truncated_; }
  std::string warning() const override { return warning_; }

 private:
  // Decodes until a frame is held (with any gap before it queued as silence) or the stream is
  // done. Pending samples must have been consumed.
  Status NextFrame() {
    pending_.clear();
    pending_pos_ = 0;
    while (true) {
      int rc = avcodec_receive_frame(codec_.get(), frame_.get());
      if (rc == 0) {
        if (frame_->nb_samples <= 0) {
          av_frame_unref(frame_.get());
          continue;
        }
        return HoldFrame();
      }
      if (rc == AVERROR_EOF) return End();
      if (rc != AVERROR(EAGAIN)) return Damage("cannot decode audio", rc);
      rc = av_read_frame(input_.format.get(), packet_.get());
      if (rc == AVERROR_EOF) {
        rc = avcodec_send_packet(codec_.get(), nullptr);
        if (rc < 0 && rc != AVERROR_EOF) return Damage("cannot decode audio", rc);
        continue;
      }
      if (rc < 0) return Damage("cannot read the file", rc);
      if (packet_->stream_index != input_.stream_index) {
        av_packet_unref(packet_.get());
        continue;
      }
      rc = avcodec_send_packet(codec_.get(), packet_.get());
      av_packet_unref(packet_.get());
      if (rc < 0 && rc != AVERROR(EAGAIN)) return Damage("cannot decode audio", rc);
    }
  }

  Status HoldFrame() {
    AVFrame* frame = frame_.get();
    if (std::string reason = CheckAudioFormat(frame->sample_rate, frame->ch_layout.nb_channels);
        !reason.empty()) {
      return Damage(reason);
    }
    if (!swr_ || frame->format != in_format_ || frame->sample_rate != in_rate_ ||
        av_channel_layout_compare(&frame->ch_layout, &frame_layout_) != 0) {
      REFLECTOR_RETURN_IF_ERROR(FlushResampler());
      REFLECTOR_RETURN_IF_ERROR(NewResampler(frame));
    }
    int64_t pts = frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) pts = frame->pts;
    if (pts != AV_NOPTS_VALUE) {
      // The first decoded frame is sample 0: the decoder has already dropped the codec's delay
      // (Opus pre-skip, AAC priming) that makes the container's start time slightly negative.
      if (origin_pts_ == AV_NOPTS_VALUE) origin_pts_ = pts;
      int64_t since_origin = 0;
      if (__builtin_sub_overflow(pts, origin_pts_, &since_origin)) {
        return Damage("cannot decode audio (timestamp jump)");
      }
      const int64_t position = av_rescale_q(since_origin, time_base_, {1, kSampleRate});
      const int64_t expected = produced_ + swr_get_delay(swr_.get(), kSampleRate);
      if (position > timeline_limit_) {
        return Damage("cannot decode audio (timestamp jump)");
      }
      if (position - expected >= kGapThresholdSamples) {
        // A hole in the timestamps (e.g. a muted stretch of a Daily raw track): finish the audio
        // before it, then silence up to the frame's own time.
        REFLECTOR_RETURN_IF_ERROR(FlushResampler());
        REFLECTOR_RETURN_IF_ERROR(NewResampler(frame));
        silence_ = std::max<int64_t>(0, position - produced_);
        produced_ += silence_;
      }
    }
    held_ = true;
    ++frames_;
    return Ok();
  }

  Status NewResampler(const AVFrame* frame) {
    if (std::string reason = CheckAudioFormat(frame->sample_rate, frame->ch_layout.nb_channels);
        !reason.empty()) {
      return Err(Code::kInvalidArgument, WithRole(role_, reason));
    }
    av_channel_layout_uninit(&frame_layout_);
    int rc = av_channel_layout_copy(&frame_layout_, &frame->ch_layout);
    if (rc < 0) return AvError(Code::kInternal, role_, "cannot resample audio", rc);
    av_channel_layout_uninit(&in_layout_);
    if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
      av_channel_layout_default(&in_layout_, frame->ch_layout.nb_channels);
    } else {
      rc = av_channel_layout_copy(&in_layout_, &frame->ch_layout);
      if (rc < 0) return AvError(Code::kInternal, role_, "cannot resample audio", rc);
    }
    in_format_ = frame->format;
    in_rate_ = frame->sample_rate;
    segment_in_ = 0;
    segment_out_ = 0;
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;  // FFmpeg 5.1 takes it non-const
    SwrContext* raw = nullptr;
    rc = swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_FLT, kSampleRate, &in_layout_,
                             static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0,
                             nullptr);
    swr_.reset(raw);
    if (rc < 0) return AvError(Code::kInvalidArgument, role_, "cannot resample audio", rc);
    rc = swr_init(swr_.get());
    if (rc < 0) return AvError(Code::kInvalidArgument, role_, "cannot resample audio", rc);
    return Ok();
  }

  // Appends what the frame yields at 16 kHz to pending_.
  Status Resample(const AVFrame* frame) {
    const int capacity = swr_get_out_samples(swr_.get(), frame->nb_samples);
    if (capacity < 0) return AvError(Code::kInternal, role_, "cannot resample audio", capacity);
    return Convert(const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples, capacity);
  }

  // Drains the resampler's buffered samples into pending_, up to the length its input had (the
  // filter's tail would add a few ringing samples past the end).
  Status FlushResampler() {
    if (!swr_) return Ok();
    const int64_t exact = av_rescale_rnd(segment_in_, kSampleRate, in_rate_, AV_ROUND_NEAR_INF);
    const int64_t capacity =
        std::min<int64_t>(exact - segment_out_, swr_get_delay(swr_.get(), kSampleRate) + 32);
    if (capacity > 0) REFLECTOR_RETURN_IF_ERROR(Convert(nullptr, 0, static_cast<int>(capacity)));
    swr_.reset();
    return Ok();
  }

  Status Convert(const uint8_t** in, int in_samples, int capacity) {
    const size_t start = pending_.size();
    pending_.resize(start + static_cast<size_t>(capacity));
    auto* out = reinterpret_cast<uint8_t*>(pending_.data() + start);
    const int n = swr_convert(swr_.get(), &out, capacity, in, in_samples);
    if (n < 0) {
      pending_.resize(start);
      return AvError(Code::kInternal, role_, "cannot resample audio", n);
    }
    pending_.resize(start + static_cast<size_t>(n));
    // Float sources (pcm_f32, resampler overshoot) can leave [-1, 1] or carry NaN.
    for (size_t i = start; i < pending_.size(); ++i) {
      const float x = pending_[i];
      pending_[i] = std::isfinite(x) ? std::clamp(x, -1.0f, 1.0f) : 0.0f;
    }
    produced_ += n;
    segment_in_ += in_samples;
    segment_out_ += n;
    return Ok();
  }

  Status End() {
    done_ = true;
    REFLECTOR_RETURN_IF_ERROR(FlushResampler());
    // An end of file well before the stated duration means the file was cut short. Demuxers
    // differ on whether the duration counts from 0 (Matroska) or from the start time, so it is
    // compared with the end time of the audio (start + length), the lenient reading.
    const double duration = input_.info.duration_seconds;
    const double start = origin_pts_ == AV_NOPTS_VALUE
                             ? input_.info.start_time_seconds
                             : static_cast<double>(origin_pts_) * av_q2d(time_base_);
    const double end = start + static_cast<double>(produced_) / kSampleRate;
    if (duration > 0 && end < duration - std::max(1.0, duration * 0.05)) {
      truncated_ = true;
      warning_ = WithRole(role_, fmt::format("file ends at {:.1f} s of its stated {:.1f} s; "
                                             "audio kept up to the damage",
                                             end, duration));
    }
    return Ok();
  }

  // A read or decode error: before any audio it is the caller's error; after, the stream ends
  // here and says so.
  Status Damage(std::string_view what, int rc) {
    return Damage(fmt::format("{} ({})", what, AvErrorText(rc)));
  }
  Status Damage(std::string_view reason) {
    if (frames_ == 0) return Err(Code::kInvalidArgument, WithRole(role_, reason));
    done_ = true;
    REFLECTOR_RETURN_IF_ERROR(FlushResampler());
    truncated_ = true;
    warning_ = WithRole(role_, fmt::format("stopped at {:.1f} s: {}; audio kept up to the damage",
                                           static_cast<double>(produced_) / kSampleRate, reason));
    return Ok();
  }

 public:
  ~DecodedSource() override {
    av_channel_layout_uninit(&in_layout_);
    av_channel_layout_uninit(&frame_layout_);
  }

 private:
  std::string role_;
  OpenedInput input_;
  CodecContextPtr codec_;
  PacketPtr packet_;
  FramePtr frame_;
  SwrPtr swr_;
  AVRational time_base_{1, 1};
  int64_t origin_pts_ = AV_NOPTS_VALUE;
  int64_t timeline_limit_ = 0;  // latest sample position a frame may have
  int in_format_ = -1;
  int in_rate_ = 0;
  AVChannelLayout frame_layout_{};  // as the decoder gives it; a change needs a new resampler
  AVChannelLayout in_layout_{};     // as the resampler reads it (unspecified order made native)
  int64_t segment_in_ = 0;          // samples fed to the current resampler
  int64_t segment_out_ = 0;         // samples it gave back

  std::vector<float> pending_;  // resampled samples not yet read; at most a few frames' worth
  size_t pending_pos_ = 0;
  int64_t silence_ = 0;  // samples of silence to emit after pending_, before the held frame
  bool held_ = false;    // frame_ holds a decoded frame not yet resampled
  bool done_ = false;
  int64_t produced_ = 0;  // samples placed on the timeline (pending, silence, emitted)
  int64_t frames_ = 0;    // frames accepted onto the timeline
  bool truncated_ = false;
  std::string warning_;
};

}  // namespace

Result<ProbeInfo> Probe(const std::string& path, std::string_view role) {
  auto input = OpenInput(path, role);
  if (!input) return Err(std::move(input.error()));
  return std::move(input->info);
}

Result<std::unique_ptr<AudioSource>> OpenDecoded(const std::string& path, std::string_view role) {
  auto input = OpenInput(path, role);
  if (!input) return Err(std::move(input.error()));
  auto source = std::make_unique<DecodedSource>(std::string(role), std::move(*input));
  REFLECTOR_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<AudioSource>(std::move(source));
}

}  // namespace reflector::media
