#include "pipeline/transcript_processor.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/ids.hpp"
#include "jobs/job_runner.hpp"
#include "pipeline/transcript_text.hpp"
#include "roomhooks/delivery_job.hpp"
#include "store/consents.hpp"
#include "store/jobs.hpp"
#include "store/recordings.hpp"
#include "store/transcripts.hpp"

namespace reflector::pipeline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool IsPermanent(Code code) {
  return code == Code::kInvalidArgument || code == Code::kFailedPrecondition ||
         code == Code::kUnauthenticated || code == Code::kNotFound ||
         code == Code::kPermissionDenied;
}

Status SetStatus(const TranscriptProcessorDeps& deps, const std::string& id,
                 const std::string& status, std::optional<std::string> error) {
  auto session = deps.db.Acquire();
  return store::TranscriptRepository::SetStatus(session, id, status, error);
}

// The decoded tracks of the recording, in track order.
std::vector<std::string> TrackFiles(const Config& config, const std::string& recording_id) {
  std::vector<std::string> out;
  const fs::path work = fs::path(config.data_dir) / "work" / recording_id;
  for (int i = 0;; ++i) {
    const fs::path p = work / fmt::format("track-{}.pcm", i);
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) break;
    out.push_back(p.string());
  }
  return out;
}

// Contract §7.8. Returns whether the audio is gone (false: nobody denied, or a deletion failed —
// logged, and audio_deleted stays unset so a person can see the audio is still somewhere).
Result<bool> CleanupIfDenied(const TranscriptProcessorDeps& deps, const store::Transcript& t) {
  if (!t.meeting_id) return false;
  auto session = deps.db.Acquire();
  auto denied = store::ConsentRepository::AnyDenial(session, *t.meeting_id);
  if (!denied) return Err(std::move(denied.error()));
  if (!*denied) return false;
  int failures = 0;
  auto remove = [&](storage::ObjectStorage* where, const std::string& key, const char* what) {
    if (where == nullptr || key.empty()) return;
    if (auto done = where->Delete(key); !done) {
      ++failures;
      spdlog::warn("consent cleanup of transcript {}: {} {} not deleted: {}", t.id, what, key,
                   done.error().ToString());
    }
  };
  if (t.audio_key) remove(deps.storage, *t.audio_key, "our MP3");
  if (t.recording_id) {
    auto rec = store::RecordingRepository::Get(session, *t.recording_id);
    if (rec) {
      const std::string type = rec->type.value_or("");
      if (type == "upload" || type == "mock") {
        std::error_code ec;
        fs::remove(fs::path(deps.config.data_dir) / rec->object_key, ec);
        if (ec) ++failures;
      } else if (rec->platform.value_or("") == "whereby") {
        remove(deps.whereby_bucket, rec->object_key, "Whereby object");
      } else if (type == "raw-tracks") {
        auto keys = json::parse(rec->track_keys.value_or("[]"), nullptr, false);
        for (const auto& k : keys) {
          if (k.is_string()) remove(deps.daily_bucket, k.get<std::string>(), "Daily track");
        }
      } else if (type == "cloud") {
        remove(deps.daily_bucket, rec->object_key, "Daily cloud recording");
      }
    }
  }
  if (failures > 0) return false;
  REFLECTOR_RETURN_IF_ERROR(store::TranscriptRepository::SetAudioDeleted(session, t.id));
  spdlog::info("transcript {}: consent was denied, its audio is deleted (text kept)", t.id);
  return true;
}

Status Run(const TranscriptProcessorDeps& deps, const store::Transcript& t) {
  if (!t.recording_id) {
    return Err(Code::kFailedPrecondition, "the transcript has no recording to transcribe");
  }
  const auto tracks = TrackFiles(deps.config, *t.recording_id);
  if (tracks.empty()) {
    return Err(Code::kFailedPrecondition,
               "the decoded audio is gone: reprocess the transcript to decode it again");
  }
  REFLECTOR_RETURN_IF_ERROR(SetStatus(deps, t.id, "processing", std::nullopt));
  const auto started = std::chrono::steady_clock::now();
  std::vector<SpokenWord> words;
  for (size_t i = 0; i < tracks.size(); ++i) {
    int last_decile = -1;
    auto progress = [&](const TranscribeProgress& p) {
      if (p.seconds_total <= 0) return;
      const int decile = static_cast<int>(10 * p.seconds_done / p.seconds_total);
      if (decile == last_decile) return;
      last_decile = decile;
      spdlog::info("transcript {}: track {}/{} {:.0f}% ({:.0f} of {:.0f} s)", t.id, i + 1,
                   tracks.size(), 100 * p.seconds_done / p.seconds_total, p.seconds_done,
                   p.seconds_total);
    };
    auto got = deps.transcriber.Transcribe(tracks[i], t.source_language, progress);
    if (!got) return Err(std::move(got.error()));
    for (auto& w : *got) {
      words.push_back({std::move(w.text), w.start, w.end, static_cast<int>(i)});
    }
  }
  // Speakers: the recording job named the tracks of a multitrack recording; a single file is
  // one unnamed speaker.
  std::string participants = t.participants.value_or("[]");
  auto names = SpeakerNames(participants);
  if (names.empty() && !words.empty()) {
    participants =
        json::array({{{"id", NewUuid4()}, {"speaker", 0}, {"name", "Speaker 1"}}}).dump();
    names = SpeakerNames(participants);
  }
  const auto segments = BuildSegments(words, names);
  auto session = deps.db.Acquire();
  {
    // The result and the room webhook's job commit together: queued after the commit, a crash in
    // between ended the transcript unannounced (its retried job finds it ended and stops).
    auto tx = session.Begin(store::TxMode::kWrite);
    if (!tx) return Err(std::move(tx.error()));
    REFLECTOR_RETURN_IF_ERROR(store::TranscriptRepository::SetResult(
        session, t.id, WordsToJson(words), ToWebVtt(segments), participants));
    REFLECTOR_RETURN_IF_ERROR(roomhooks::QueueTranscriptCompleted(session, t, deps.clock.Now()));
    REFLECTOR_RETURN_IF_ERROR(tx->Commit());
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("transcript {} ended: {} word(s) from {} track(s) with {} in {:.1f} s", t.id,
               words.size(), tracks.size(), deps.transcriber.Name(), took);
  std::error_code ec;
  fs::remove_all(fs::path(deps.config.data_dir) / "work" / *t.recording_id, ec);
  auto cleaned = CleanupIfDenied(deps, t);
  if (!cleaned)
    spdlog::warn("consent cleanup of transcript {}: {}", t.id, cleaned.error().ToString());
  return Ok();
}

}  // namespace

Status QueueTranscriptProcess(store::Session& session, const std::string& transcript_id,
                              TimePoint now) {
  store::NewJob job;
  job.kind = std::string(store::job_kind::kTranscriptProcess);
  job.payload_json = json{{"transcript_id", transcript_id}}.dump();
  job.dedup_key = "transcript:" + transcript_id;
  auto enqueued = store::JobRepository::Enqueue(session, job, now);
  if (!enqueued) return Err(std::move(enqueued.error()));
  return Ok();
}

Status ProcessTranscript(const TranscriptProcessorDeps& deps, const std::string& transcript_id,
                         int attempt, int max_attempts) {
  store::Transcript t;
  {
    auto session = deps.db.Acquire();
    auto found = store::TranscriptRepository::Get(session, transcript_id);
    if (!found) {
      if (found.error().code == Code::kNotFound) {
        // Deleted while queued or processing: nothing to do.
        return Err(jobs::PermanentFailure("transcript " + transcript_id + " no longer exists"));
      }
      return Err(std::move(found.error()));
    }
    t = std::move(*found);
  }
  if (t.status == "ended") {
    // A rerun after the result committed (the process stopped before the job was marked done):
    // the consent cleanup may not have run. It is idempotent; nothing else is left to do.
    if (!t.audio_deleted.value_or(false)) {
      auto cleaned = CleanupIfDenied(deps, t);
      if (!cleaned) return Err(std::move(cleaned.error()));
    }
    return Ok();
  }
  auto ran = Run(deps, t);
  if (ran) return Ok();
  const Error& error = ran.error();
  if (IsPermanent(error.code) || attempt >= max_attempts) {
    spdlog::warn("transcript {} failed: {}", transcript_id, error.ToString());
    auto marked = SetStatus(deps, transcript_id, "error", error.message);
    if (!marked && marked.error().code != Code::kNotFound) return Err(marked.error());
    return Err(jobs::PermanentFailure(error.message));
  }
  return Err(error);
}

}  // namespace reflector::pipeline
