#include "recordings/recording_processor.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <vector>

#include "core/ids.hpp"
#include "jobs/job_runner.hpp"
#include "media/audio.hpp"
#include "media/ffmpeg.hpp"
#include "net/safe_download.hpp"
#include "pipeline/transcript_processor.hpp"
#include "platforms/daily/daily_client.hpp"
#include "recordings/pcm_source.hpp"
#include "store/meetings.hpp"
#include "store/participant_sessions.hpp"
#include "store/recordings.hpp"
#include "store/rooms.hpp"
#include "store/transcripts.hpp"

namespace reflector::recordings {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A file to decode, placed at `offset_ms` of meeting time, spoken by `speaker`.
struct Input {
  std::string path;
  int64_t offset_ms = 0;
  std::string participant_id;  // Daily participant (raw tracks), else empty
  std::string role;            // for messages: "track 2 of recording …"
};

// Bad input and refusals fail at once; transient trouble (5xx, timeouts, a database hiccup) is
// retried by the queue. An upstream 4xx other than 408/429 is a refusal.
bool IsPermanent(const Error& error) {
  if (error.code == Code::kBadGateway) {
    return error.upstream_status >= 400 && error.upstream_status < 500 &&
           error.upstream_status != 408 && error.upstream_status != 429;
  }
  switch (error.code) {
    case Code::kInvalidArgument:
    case Code::kNotFound:
    case Code::kPermissionDenied:
    case Code::kResourceExhausted:
    case Code::kFailedPrecondition:
    case Code::kAlreadyExists:
      return true;
    default:
      return false;
  }
}

Status SetProgress(const ProcessorDeps& deps, const std::string& id, std::string status,
                   std::optional<std::string> error = std::nullopt,
                   std::optional<std::string> stage = std::nullopt,
                   std::optional<int> tracks = std::nullopt,
                   std::optional<double> duration = std::nullopt) {
  auto session = deps.db.Acquire();
  return store::RecordingRepository::SetProgress(
      session, id,
      store::RecordingRepository::Progress{std::move(status), std::move(error), std::move(stage),
                                           tracks, duration});
}

net::DownloadOptions DownloadOptionsFor(const Config& config) {
  net::DownloadOptions options;
  options.max_bytes = config.recordings.max_recording_bytes;
  options.allowed_hosts = config.download_allowed_hosts;
  return options;
}

// --- Sources -----------------------------------------------------------------------------------

Result<std::vector<Input>> LocalFile(const ProcessorDeps& deps, const store::Recording& rec) {
  const fs::path path = fs::path(deps.config.data_dir) / rec.object_key;
  std::error_code ec;
  if (rec.object_key.empty() || rec.object_key.find("..") != std::string::npos ||
      !fs::is_regular_file(path, ec)) {
    return Err(Code::kNotFound, "the recording's file is missing", path.string());
  }
  return std::vector<Input>{{path.string(), 0, {}, "recording " + rec.id}};
}

Result<std::vector<Input>> DailyCloud(const ProcessorDeps& deps, const store::Recording& rec,
                                      const std::string& work) {
  if (!rec.provider_recording_id) {
    return Err(Code::kFailedPrecondition, "Daily recording without a Daily recording id");
  }
  auto daily = deps.platforms.GetAs<platforms::DailyClient>(platforms::kDaily);
  if (!daily) return Err(Code::kFailedPrecondition, daily.error().message);
  // The link comes from Daily's API for this recording id, never from the webhook payload.
  auto link = (*daily)->GetRecordingAccessLink(*rec.provider_recording_id, 3600);
  if (!link) {
    Error e = link.error();
    const bool transient = e.code == Code::kUnavailable || e.code == Code::kDeadlineExceeded ||
                           (e.code == Code::kBadGateway && e.upstream_status >= 500) ||
                           e.upstream_status == 429;
    e.message = "Daily access link failed: " +
                (e.upstream_status != 0 ? std::to_string(e.upstream_status) + " " : "") + e.message;
    e.code = transient ? Code::kUnavailable : Code::kInvalidArgument;
    return Err(std::move(e));
  }
  const std::string& url = link->download_link;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    // "download_link may be an error string in some error conditions" (providers.md §1.4).
    return Err(Code::kInvalidArgument,
               "Daily access link failed: " + url.substr(0, std::min<size_t>(url.size(), 200)));
  }
  const std::string path = work + "/cloud.media";
  auto got = net::DownloadToFile(url, path, DownloadOptionsFor(deps.config));
  if (!got) return Err(std::move(got.error()));
  return std::vector<Input>{{path, 0, {}, "Daily cloud recording " + rec.id}};
}

Result<std::vector<Input>> DailyRawTracks(const ProcessorDeps& deps, const store::Recording& rec,
                                          const std::string& work) {
  if (deps.daily_bucket == nullptr) {
    return Err(Code::kFailedPrecondition,
               "the Daily bucket is not configured: set DAILYCO_STORAGE_AWS_BUCKET_NAME");
  }
  auto keys = json::parse(rec.track_keys.value_or("[]"), nullptr, false);
  if (!keys.is_array()) return Err(Code::kInvalidArgument, "the recording's track list is broken");
  std::vector<Input> inputs;
  std::optional<int64_t> start_ms;
  for (const auto& key : keys) {
    if (!key.is_string()) continue;
    const std::string k = key.get<std::string>();
    if (k.find("cam-audio") == std::string::npos) continue;  // screen audio etc. are not speakers
    auto parsed = ParseRawTrackKey(k);
    Input input;
    input.path = fmt::format("{}/track-{}.media", work, inputs.size());
    input.role = fmt::format("track {} of recording {}", inputs.size() + 1, rec.id);
    if (parsed) {
      input.participant_id = parsed->participant_id;
      input.offset_ms = parsed->track_start_ms;
      start_ms =
          start_ms ? std::min(*start_ms, parsed->recording_start_ms) : parsed->recording_start_ms;
    }
    auto got = deps.daily_bucket->GetToFile(k, input.path);
    if (!got) {
      Error e = got.error();
      e.message = fmt::format("{}: {}", input.role, e.message);
      return Err(std::move(e));
    }
    inputs.push_back(std::move(input));
  }
  if (inputs.empty()) return Err(Code::kInvalidArgument, "the recording has no audio track");
  // Offsets relative to the recording's start: every word in meeting time.
  for (auto& input : inputs) {
    input.offset_ms = start_ms && input.offset_ms >= *start_ms ? input.offset_ms - *start_ms : 0;
  }
  return inputs;
}

Result<std::vector<Input>> WherebyFile(const ProcessorDeps& deps, const store::Recording& rec,
                                       const std::string& work) {
  if (deps.whereby_bucket == nullptr) {
    return Err(Code::kFailedPrecondition,
               "the Whereby bucket is not configured: set WHEREBY_STORAGE_AWS_BUCKET_NAME");
  }
  const std::string path = work + "/whereby.media";
  auto got = deps.whereby_bucket->GetToFile(rec.object_key, path);
  if (!got) return Err(std::move(got.error()));
  return std::vector<Input>{{path, 0, {}, "Whereby recording " + rec.id}};
}

Result<std::vector<Input>> Acquire(const ProcessorDeps& deps, const store::Recording& rec,
                                   const std::string& work) {
  const std::string type = rec.type.value_or("");
  const std::string platform = rec.platform.value_or("");
  if (type == "upload" || type == "mock") return LocalFile(deps, rec);
  if (platform == "whereby") return WherebyFile(deps, rec, work);
  if (type == "raw-tracks") return DailyRawTracks(deps, rec, work);
  if (type == "cloud") return DailyCloud(deps, rec, work);
  return Err(Code::kInvalidArgument, "unknown recording type " + type);
}

// --- Media ---------------------------------------------------------------------------------------

struct Decoded {
  int64_t samples = 0;  // of the mix, 16 kHz
  std::vector<float> peaks;
  std::vector<std::string> pcm_paths;  // one per track (meeting time), for the transcriber
};

Result<Decoded> Decode(const std::vector<Input>& inputs, const std::string& work,
                       const std::string& mp3_path) {
  Decoded out;
  media::WaveformBuilder waveform;
  auto mp3 = media::OpenMp3Writer(mp3_path);
  if (!mp3) return Err(std::move(mp3.error()));
  if (inputs.size() == 1) {
    // One file: one decode pass feeds the transcriber's PCM, the MP3 and the waveform.
    auto decoded = media::OpenDecoded(inputs[0].path, inputs[0].role);
    if (!decoded) return Err(std::move(decoded.error()));
    const media::AudioSource* raw = decoded->get();
    std::unique_ptr<media::AudioSource> source = std::move(*decoded);
    if (inputs[0].offset_ms > 0) source = media::Place(std::move(source), inputs[0].offset_ms);
    const std::string pcm_path = work + "/track-0.pcm";
    auto pcm = media::OpenPcmWriter(pcm_path);
    if (!pcm) return Err(std::move(pcm.error()));
    media::AudioSink* sinks[] = {pcm->get(), mp3->get(), &waveform};
    auto samples = media::Pump(*source, sinks);
    if (!samples) return Err(std::move(samples.error()));
    if (raw->truncated()) {
      spdlog::warn("{}: decoded up to damage in the file ({}); transcribing what decoded",
                   inputs[0].role, raw->warning());
    }
    out.samples = *samples;
    out.pcm_paths.push_back(pcm_path);
  } else {
    // Raw tracks: each placed at its offset into a PCM file of its own (the speaker's words keep
    // meeting time), then the PCM files are mixed for the MP3 and the waveform.
    std::vector<media::PlacedTrack> placed;
    for (size_t i = 0; i < inputs.size(); ++i) {
      auto source = media::OpenDecoded(inputs[i].path, inputs[i].role);
      if (!source) return Err(std::move(source.error()));
      const std::string pcm_path = fmt::format("{}/track-{}.pcm", work, i);
      auto pcm = media::OpenPcmWriter(pcm_path);
      if (!pcm) return Err(std::move(pcm.error()));
      auto positioned = media::Place(std::move(*source), inputs[i].offset_ms);
      media::AudioSink* sinks[] = {pcm->get()};
      auto samples = media::Pump(*positioned, sinks);
      if (!samples) return Err(std::move(samples.error()));
      out.pcm_paths.push_back(pcm_path);
      auto reread = OpenPcmFile(pcm_path);
      if (!reread) return Err(std::move(reread.error()));
      placed.push_back(media::PlacedTrack{std::move(*reread), 0});
    }
    auto mix = media::Mix(std::move(placed));
    media::AudioSink* sinks[] = {mp3->get(), &waveform};
    auto samples = media::Pump(*mix, sinks);
    if (!samples) return Err(std::move(samples.error()));
    out.samples = *samples;
  }
  out.peaks = waveform.Peaks();
  return out;
}

// Participants of a multitrack transcript: one speaker per track, named from the meeting's
// participant sessions (Daily user_name by participant id), else "Speaker N".
std::string ParticipantsJson(store::Session& session, const store::Recording& rec,
                             const std::vector<Input>& inputs) {
  json out = json::array();
  std::vector<store::ParticipantSession> sessions;
  if (rec.meeting_id) {
    auto listed = store::ParticipantSessionRepository::ListForMeeting(session, *rec.meeting_id);
    if (listed) sessions = std::move(*listed);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string name = fmt::format("Speaker {}", i + 1);
    json user_id = nullptr;
    for (const auto& s : sessions) {
      if (!inputs[i].participant_id.empty() && s.session_key == inputs[i].participant_id) {
        if (!s.user_name.empty()) name = s.user_name;
        if (s.user_id) user_id = *s.user_id;
        break;
      }
    }
    out.push_back({{"id", NewUuid4()}, {"speaker", i}, {"name", name}, {"user_id", user_id}});
  }
  return out.dump();
}

Result<std::string> EnsureTranscript(store::Session& session, const store::Recording& rec,
                                     TimePoint now) {
  store::Transcript proto;
  proto.id = NewUuid4();
  proto.recording_id = rec.id;
  proto.created_at = now;
  proto.status = "idle";
  proto.share_mode = "public";  // reference §3.3 / §6.5: room transcripts are created public
  proto.participants = "[]";
  if (rec.meeting_id) {
    proto.source_kind = "room";
    proto.meeting_id = rec.meeting_id;
    auto meeting = store::MeetingRepository::GetById(session, *rec.meeting_id);
    if (meeting && !meeting->room_id.empty()) {
      proto.room_id = meeting->room_id;
      auto room = store::RoomRepository::GetById(session, meeting->room_id);
      if (room) proto.user_id = room->user_id;
    }
  }
  return store::TranscriptRepository::EnsureForRecording(session, proto);
}

Status Run(const ProcessorDeps& deps, const store::Recording& rec) {
  const std::string work = WorkDir(deps.config, rec.id);
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) return Err(Code::kInternal, "cannot create the work directory", ec.message());

  REFLECTOR_RETURN_IF_ERROR(SetProgress(deps, rec.id, "downloading", std::nullopt, "started"));
  auto inputs = Acquire(deps, rec, work);
  if (!inputs) return Err(std::move(inputs.error()));

  REFLECTOR_RETURN_IF_ERROR(SetProgress(deps, rec.id, "processing", std::nullopt, "downloaded",
                                        static_cast<int>(inputs->size())));
  const std::string mp3_path = work + "/audio.mp3";
  auto decoded = Decode(*inputs, work, mp3_path);
  if (!decoded) return Err(std::move(decoded.error()));
  const double seconds = static_cast<double>(decoded->samples) / media::kSampleRate;
  if (decoded->samples == 0) return Err(Code::kInvalidArgument, "the recording has no audio");

  auto session = deps.db.Acquire();
  auto transcript_id = EnsureTranscript(session, rec, deps.clock.Now());
  if (!transcript_id) return Err(std::move(transcript_id.error()));
  const std::string key = "transcripts/" + *transcript_id + "/audio.mp3";
  REFLECTOR_RETURN_IF_ERROR(deps.storage.PutFile(key, mp3_path, "audio/mpeg"));

  auto tx = session.Begin();
  if (!tx) return Err(std::move(tx.error()));
  REFLECTOR_RETURN_IF_ERROR(store::TranscriptRepository::SetAudio(
      session, *transcript_id, key, json(decoded->peaks).dump(), seconds * 1000.0));
  if (rec.type == "raw-tracks") {
    REFLECTOR_RETURN_IF_ERROR(store::TranscriptRepository::SetParticipants(
        session, *transcript_id, ParticipantsJson(session, rec, *inputs)));
  }
  REFLECTOR_RETURN_IF_ERROR(
      store::TranscriptRepository::SetStatus(session, *transcript_id, "uploaded", std::nullopt));
  REFLECTOR_RETURN_IF_ERROR(store::RecordingRepository::SetProgress(
      session, rec.id,
      {"ready", std::nullopt, "stored", static_cast<int>(inputs->size()), seconds}));
  REFLECTOR_RETURN_IF_ERROR(
      pipeline::QueueTranscriptProcess(session, *transcript_id, deps.clock.Now()));
  REFLECTOR_RETURN_IF_ERROR(tx->Commit());
  // The decoded inputs are no longer needed; the per-track PCM stays for the transcriber.
  for (const auto& input : *inputs) {
    if (input.path.rfind(work, 0) == 0) fs::remove(input.path, ec);
  }
  fs::remove(mp3_path, ec);
  spdlog::info("recording {} ready: {:.1f} s of audio in {} track(s), transcript {}", rec.id,
               seconds, inputs->size(), *transcript_id);
  return Ok();
}

}  // namespace

std::string WorkDir(const Config& config, const std::string& recording_id) {
  return (fs::path(config.data_dir) / "work" / recording_id).string();
}

std::optional<RawTrackKey> ParseRawTrackKey(std::string_view key) {
  static const std::regex kPattern(R"((\d{13,})-([0-9a-fA-F-]{36})-cam-audio-(\d{13,}))");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(key.begin(), key.end(), m, kPattern)) return std::nullopt;
  RawTrackKey out;
  const auto number = [](const auto& sub, int64_t& value) {
    const std::string text = sub.str();
    auto [p, e] = std::from_chars(text.data(), text.data() + text.size(), value);
    return e == std::errc() && p == text.data() + text.size();
  };
  if (!number(m[1], out.recording_start_ms) || !number(m[3], out.track_start_ms)) {
    return std::nullopt;
  }
  out.participant_id = m[2].str();
  return out;
}

Status ProcessRecording(const ProcessorDeps& deps, const std::string& recording_id,
                        JobAttempt attempt) {
  store::Recording rec;
  {
    auto session = deps.db.Acquire();
    auto found = store::RecordingRepository::Get(session, recording_id);
    if (!found) {
      if (found.error().code == Code::kNotFound) {
        return Err(jobs::PermanentFailure("recording " + recording_id + " does not exist"));
      }
      return Err(std::move(found.error()));
    }
    rec = std::move(*found);
  }
  if (rec.status == "ready") {  // done by an earlier run
    spdlog::debug("recording.process ran for recording {} (ready already, attempt {})",
                  recording_id, attempt.attempt);
    return Ok();
  }
  auto ran = Run(deps, rec);
  spdlog::debug("recording.process ran for recording {} (attempt {}: {})", recording_id,
                attempt.attempt, ran ? "done" : ran.error().ToString());
  if (ran) return Ok();
  const Error& error = ran.error();
  const bool permanent = IsPermanent(error);
  const bool last = attempt.attempt >= attempt.max_attempts;
  if (permanent || last) {
    spdlog::warn("recording {} failed: {}", recording_id, error.ToString());
    auto marked = SetProgress(deps, recording_id, "failed", error.message);
    if (!marked) return Err(marked.error());
    return Err(jobs::PermanentFailure(error.message));
  }
  // Retryable: the row says why while the queue waits to run it again.
  auto marked = SetProgress(deps, recording_id, "pending",
                            fmt::format("{} (attempt {} of {}; will retry)", error.message,
                                        attempt.attempt, attempt.max_attempts));
  if (!marked) return Err(marked.error());
  return Err(error);
}

}  // namespace reflector::recordings
