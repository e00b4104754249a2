#include "recordings/polls.hpp"

#include <spdlog/spdlog.h>

namespace reflector::recordings {

Result<PollReport> PollDailyRecordings(store::Database& db, const Clock& clock,
                                       platforms::DailyClient& daily,
                                       const tracking::ApplyOptions& options) {
  auto listed = daily.ListRecordings();
  if (!listed) return Err(std::move(listed.error()));
  PollReport report;
  for (const auto& rec : *listed) {
    ++report.seen;
    if (!rec.finished() || rec.room_name.empty()) {
      ++report.skipped;
      continue;
    }
    tracking::RecordingReady ready;
    ready.recording_id = rec.id;
    if (rec.type) {
      ready.type = *rec.type;
    } else if (!rec.tracks.empty()) {
      ready.type = "raw-tracks";
    } else if (rec.s3key || (rec.s3 && rec.s3->key)) {
      ready.type = "cloud";
    } else {
      ++report.skipped;  // a failed recording: neither tracks nor a file
      continue;
    }
    if (ready.type != "cloud" && ready.type != "raw-tracks") {
      ++report.skipped;
      continue;
    }
    ready.s3_key = rec.s3key ? *rec.s3key : (rec.s3 && rec.s3->key ? *rec.s3->key : "");
    if (rec.start_ts) ready.started_at = TimePoint(std::chrono::seconds(*rec.start_ts));
    if (rec.duration) ready.duration = static_cast<double>(*rec.duration);
    for (const auto& track : rec.tracks) ready.tracks.push_back({track.type, track.s3_key});

    tracking::ProviderEvent event;
    event.provider = "daily";
    // One synthetic event per recording: a later poll is a duplicate; a webhook that announced
    // the recording already left it queued, so this one queues nothing.
    event.id = "poll-recording-" + rec.id;
    event.type = "recording.ready-to-download";
    event.room_name = rec.room_name;
    event.created_at = clock.Now();
    event.body = std::move(ready);
    auto applied = tracking::ApplyEvent(db, event, clock, options);
    if (!applied) return Err(std::move(applied.error()));
    if (applied->outcome == tracking::Outcome::kIgnored) {
      ++report.skipped;
      spdlog::debug("recordings poll: Daily recording {} skipped: {}", rec.id, applied->reason);
    } else if (applied->outcome == tracking::Outcome::kOk) {
      ++report.queued;
    }
  }
  return report;
}

}  // namespace reflector::recordings
