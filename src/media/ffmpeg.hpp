// Reading and writing media files through FFmpeg's libraries (libavformat, libavcodec,
// libswresample). FFmpeg's headers stay in src/media/*.cpp; this header is plain C++.
//
// Every function names the file by `role` ("track 2 of recording X") in its error messages,
// which read "<role>: <reason>" and are safe to show to the owner of the recording.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.hpp"
#include "media/audio.hpp"

namespace reflector::media {

struct ProbeInfo {
  std::string format_name;  // e.g. "matroska,webm"
  std::string audio_codec;  // e.g. "opus"; the first (best) audio stream
  int audio_streams = 0;
  double duration_seconds = 0;    // 0 if unknown
  double start_time_seconds = 0;  // container start time (Daily raw-track webm files use it)
};

// Reads the container header and stream parameters.
// Errors: kNotFound "file not found"; kInvalidArgument with a reason a person can act on:
// "empty file", "not a media file (<FFmpeg's reason>)", "not a media file (unrecognised or
// unsupported format)", "no audio stream in the file",
// "unsupported audio codec <name>".
Result<ProbeInfo> Probe(const std::string& path, std::string_view role);

// Decodes the first audio stream of any file FFmpeg reads (mp4/aac, webm/opus, mp3, wav, ogg,
// m4a, flac, ...) and resamples it to kSampleRate mono as it is read, in fixed memory.
//
// Timeline: sample 0 is the first decoded sample (at the container's start time,
// ProbeInfo::start_time_seconds, give or take the codec delay of a few ms). Frames keep
// their place by timestamp: when a frame starts later than the samples produced so far (Daily
// raw tracks skip frames while a participant is muted), the gap is filled with silence, so a
// word at t seconds of the file comes out at sample t * kSampleRate. Small jitter (under 40 ms)
// and overlaps are ignored.
//
// Damage: a read or decode error after audio was decoded ends the stream early with truncated()
// and a warning; so does an end of file well before the container's stated duration. An error
// before the first decoded sample fails Open or the first Read with kInvalidArgument.
// Errors of Open: those of Probe, plus kInvalidArgument "cannot decode audio (...)".
Result<std::unique_ptr<AudioSource>> OpenDecoded(const std::string& path, std::string_view role);

// Encodes 16 kHz mono samples to an MP3 file (libmp3lame through libavcodec), for playback.
// Errors: kFailedPrecondition when no MP3 encoder is available; kInternal when the file cannot
// be written.
Result<std::unique_ptr<AudioSink>> OpenMp3Writer(const std::string& path, int bitrate = 64000);

// Process-wide FFmpeg set-up, done once: its warnings and errors go to spdlog at debug level
// (the errors that matter come back as Status values) instead of stderr, and no single FFmpeg
// allocation may exceed 256 MiB (corrupt headers claim gigabytes). Idempotent and thread-safe;
// OpenDecoded, Probe and OpenMp3Writer call it.
void QuietFfmpegLogs();

}  // namespace reflector::media
