#include "app/job_handlers.hpp"

#include <spdlog/spdlog.h>

#include <string>

#include "calendar/meetings.hpp"
#include "calendar/sync.hpp"
#include "pipeline/transcript_processor.hpp"
#include "platforms/daily/daily_client.hpp"
#include "platforms/mock/mock_client.hpp"
#include "recordings/polls.hpp"
#include "recordings/recording_processor.hpp"
#include "recordings/reprocess.hpp"
#include "recordings/sqs_poll.hpp"
#include "store/jobs.hpp"
#include "store/sql.hpp"
#include "tracking/deactivation.hpp"
#include "tracking/presence.hpp"

namespace reflector::app {
namespace {

// recording.process {"recording_id": "..."}: recordings/recording_processor.hpp.
Status ProcessRecording(const JobHandlerDeps& deps, const jobs::JobContext& job) {
  const auto id = job.payload.find("recording_id");
  if (id == job.payload.end() || !id->is_string() || id->get<std::string>().empty()) {
    return Err(Code::kInvalidArgument, "payload needs a \"recording_id\" string");
  }
  recordings::ProcessorDeps processor{deps.db,
                                      deps.clock,
                                      deps.config,
                                      deps.platforms,
                                      *deps.storages.ours,
                                      deps.storages.daily_bucket.get(),
                                      deps.storages.whereby_bucket.get()};
  return recordings::ProcessRecording(processor, id->get<std::string>(),
                                      {job.attempt, job.max_attempts});
}

// whereby.sqs_poll (periodic): the Whereby bucket's S3 events (recordings/sqs_poll.hpp).
Status PollWherebyQueue(const JobHandlerDeps& deps) {
  tracking::ApplyOptions options;
  options.daily_bucket = deps.config.daily.storage_bucket;
  options.whereby_bucket = deps.config.whereby.storage_bucket;
  auto report = recordings::PollWherebyQueue(deps.db, deps.clock, *deps.storages.sqs,
                                             deps.config.recordings.sqs_queue_url, options);
  if (!report) return Err(report.error());
  if (report->messages > 0) {
    spdlog::info("Whereby SQS poll: {} message(s), {} recording(s) queued, {} skipped",
                 report->messages, report->queued, report->skipped);
  }
  return Ok();
}

// transcript.process {"transcript_id": "..."}: pipeline/transcript_processor.hpp.
Status ProcessTranscript(const JobHandlerDeps& deps, const jobs::JobContext& job) {
  const auto id = job.payload.find("transcript_id");
  if (id == job.payload.end() || !id->is_string() || id->get<std::string>().empty()) {
    return Err(Code::kInvalidArgument, "payload needs a \"transcript_id\" string");
  }
  return pipeline::ProcessTranscript(
      {deps.db, deps.clock, deps.config, deps.transcriber, deps.storages.ours.get(),
       deps.storages.daily_bucket.get(), deps.storages.whereby_bucket.get()},
      id->get<std::string>(), job.attempt, job.max_attempts);
}

// daily.recordings_poll (periodic): recordings no webhook announced (reference §6.4).
Status PollDailyRecordings(const JobHandlerDeps& deps) {
  auto daily = deps.platforms.GetAs<platforms::DailyClient>(platforms::kDaily);
  if (!daily) return Err(jobs::PermanentFailure(daily.error().message));
  tracking::ApplyOptions options;
  options.daily_bucket = deps.config.daily.storage_bucket;
  options.whereby_bucket = deps.config.whereby.storage_bucket;
  auto report = recordings::PollDailyRecordings(deps.db, deps.clock, **daily, options);
  if (!report) return Err(report.error());
  if (report->queued > 0) {
    spdlog::info("Daily recordings poll: {} listed, {} newly queued", report->seen, report->queued);
  }
  return Ok();
}

// mock.deliver_recording: the mock platform acting as a provider — its signed
// recording.ready-to-download reaches POST /v1/mock/webhook over HTTP, like Daily's would, and
// the receiver queues the recording's processing (contract §7.1 item 5).
Status DeliverMockRecording(const JobHandlerDeps& deps, const jobs::JobContext& job) {
  const auto& p = job.payload;
  for (const char* field : {"recording_id", "room_name", "key"}) {
    if (!p.contains(field) || !p[field].is_string()) {
      return Err(Code::kInvalidArgument, std::string("payload needs a \"") + field + "\" string");
    }
  }
  auto mock = deps.platforms.GetAs<platforms::MockClient>(platforms::kMock);
  if (!mock) return Err(jobs::PermanentFailure(mock.error().message));
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(deps.clock.Now().time_since_epoch()).count();
  const std::string recording_id = p["recording_id"].get<std::string>();
  const nlohmann::json event = {{"version", "1.0.0"},
                                {"type", "recording.ready-to-download"},
                                {"id", "mock-rtd-" + recording_id},
                                {"event_ts", now},
                                {"payload",
                                 {{"type", "mock"},
                                  {"recording_id", recording_id},
                                  {"room_name", p["room_name"]},
                                  {"start_ts", p.value("start_ts", now)},
                                  {"status", "finished"},
                                  {"s3_key", p["key"]}}}};
  net::OutboundRequest request;
  request.method = "POST";
  request.url = deps.config.http.base_url + "/v1/mock/webhook";
  request.body = event.dump();
  const auto [timestamp, signature] = (*mock)->Sign(request.body, now);
  request.headers = {{"Content-Type", "application/json"},
                     {"X-Mock-Timestamp", timestamp},
                     {"X-Mock-Signature", signature}};
  auto response = deps.transport.Send(request);
  if (!response) return Err(response.error());
  if (response->status < 200 || response->status >= 300) {
    return Err(Code::kUnavailable, "the mock webhook answered " + std::to_string(response->status),
               response->body.substr(0, 200));
  }
  auto answer = nlohmann::json::parse(response->body, nullptr, false);
  if (answer.is_object() && answer.value("status", "") == "ignored") {
    return Err(jobs::PermanentFailure("the mock webhook ignored recording " + recording_id));
  }
  spdlog::info("mock platform delivered recording {} to {}", recording_id, request.url);
  return Ok();
}

// daily.presence_reconcile {"meeting_id": "..."}: Daily's presence vs our open sessions
// (tracking/presence.hpp). A Daily error changes nothing and fails the attempt, so it is retried
// with backoff; Daily not configured is permanent (dead, with the reason).
Status ReconcilePresence(const JobHandlerDeps& deps, const jobs::JobContext& job) {
  const auto id = job.payload.find("meeting_id");
  if (id == job.payload.end() || !id->is_string() || id->get<std::string>().empty()) {
    return Err(Code::kInvalidArgument, "payload needs a \"meeting_id\" string");
  }
  auto daily = deps.platforms.GetAs<platforms::DailyClient>(platforms::kDaily);
  if (!daily) return Err(jobs::PermanentFailure(daily.error().message));
  auto outcome =
      tracking::ReconcileDailyPresence(deps.db, **daily, deps.clock, id->get<std::string>());
  if (!outcome) return Err(outcome.error());
  if (outcome->skipped) {
    spdlog::debug("presence of meeting {} not reconciled: {}", id->get<std::string>(),
                  outcome->reason);
  } else if (outcome->opened > 0 || outcome->closed > 0) {
    spdlog::info("presence of meeting {}: {} session(s) opened, {} closed, {} client(s)",
                 id->get<std::string>(), outcome->opened, outcome->closed, outcome->num_clients);
  }
  return Ok();
}

// daily.presence_sweep (periodic): a reconciliation for every active Daily meeting.
Status SweepPresence(const JobHandlerDeps& deps) {
  auto queued = tracking::QueueDailyPresenceSweep(deps.db, deps.clock);
  if (!queued) return Err(queued.error());
  if (*queued > 0) spdlog::debug("presence sweep: {} Daily meeting(s) queued", *queued);
  return Ok();
}

// meetings.deactivate (periodic): reference §6.2 without deactivating on one empty snapshot.
Status DeactivateMeetings(const JobHandlerDeps& deps) {
  auto report = tracking::DeactivateIdleMeetings(deps.db, deps.clock);
  if (!report) return Err(report.error());
  for (const auto& meeting_id : report->deactivated) {
    spdlog::info("meeting {} deactivated", meeting_id);
  }
  if (report->failed > 0) {
    return Err(Code::kUnavailable, std::to_string(report->failed) + " of " +
                                       std::to_string(report->checked) +
                                       " meeting(s) could not be checked (logged)");
  }
  return Ok();
}

// transcripts.retry_failed (periodic, daily): recordings/reprocess.hpp.
Status RetryFailed(const JobHandlerDeps& deps) {
  auto report = recordings::RetryFailed(deps.db, deps.config, deps.clock, kRetryFailedWindow);
  if (!report) return Err(report.error());
  if (report->recordings + report->transcripts + report->skipped > 0) {
    spdlog::info(
        "daily retry: {} failed recording(s) and {} transcript(s) queued again, {} skipped",
        report->recordings, report->transcripts, report->skipped);
  }
  return Ok();
}

// calendar.sync_due (periodic): one calendar.sync_room job per ICS room that is due.
Status QueueDueCalendars(const JobHandlerDeps& deps) {
  const TimePoint now = deps.clock.Now();
  auto due = calendar::RoomsDueForSync(deps.db, now);
  if (!due) return Err(due.error());
  auto session = deps.db.Acquire();
  for (const auto& room_id : *due) {
    store::NewJob job;
    job.kind = std::string(store::job_kind::kCalendarSyncRoom);
    job.payload_json = nlohmann::json{{"room_id", room_id}}.dump();
    job.dedup_key = "calendar:" + room_id;
    job.max_attempts = 1;  // the next due run is the retry
    auto queued = store::JobRepository::EnqueueUnlessActive(session, job, now);
    if (!queued) return Err(queued.error());
  }
  return Ok();
}

// calendar.sync_room {"room_id"}: calendar/sync.hpp, then the room's due meetings.
Status SyncCalendar(const JobHandlerDeps& deps, const jobs::JobContext& job) {
  const auto id = job.payload.find("room_id");
  if (id == job.payload.end() || !id->is_string() || id->get<std::string>().empty()) {
    return Err(Code::kInvalidArgument, "payload needs a \"room_id\" string");
  }
  calendar::FetchOptions fetch;
  fetch.allowed_hosts = deps.config.download_allowed_hosts;
  calendar::SafeIcsFetcher fetcher(fetch);
  calendar::SyncOptions options;
  options.ui_base_url = deps.config.http.ui_base_url;
  auto result =
      calendar::SyncRoomCalendar(deps.db, deps.clock, fetcher, options, id->get<std::string>());
  if (!result) {
    if (result.error().code == Code::kNotFound) return Ok();  // the room was deleted meanwhile
    return Err(result.error());
  }
  if (result->status == "error") {
    spdlog::warn("ICS sync of room {} failed: {}", id->get<std::string>(),
                 result->error.value_or(""));
    return Ok();  // recorded for ics/status; the stored events stay
  }
  if (result->status == "success") {
    spdlog::info(
        "ICS sync of room {}: {} event(s) in the window, {} for the room, {} created, "
        "{} updated, {} deleted",
        id->get<std::string>(), result->total_events, result->events_found, result->events_created,
        result->events_updated, result->events_deleted);
    calendar::PrecreateOptions pre;
    pre.room_id = id->get<std::string>();
    auto made = calendar::CreateUpcomingMeetings(deps.db, deps.clock, deps.platforms,
                                                 deps.config.platforms, pre);
    if (!made) return Err(made.error());
  }
  return Ok();
}

// calendar.precreate (periodic): meetings 7 minutes ahead of calendar events.
Status PrecreateCalendarMeetings(const JobHandlerDeps& deps) {
  auto made =
      calendar::CreateUpcomingMeetings(deps.db, deps.clock, deps.platforms, deps.config.platforms);
  if (!made) return Err(made.error());
  if (!made->failures.empty()) {
    return Err(Code::kUnavailable, std::to_string(made->failures.size()) +
                                       " calendar meeting(s) could not be created (logged)");
  }
  return Ok();
}

}  // namespace

void RegisterJobHandlers(jobs::JobRunner& runner, const JobHandlerDeps& deps) {
  runner.Register(std::string(store::job_kind::kRecordingProcess),
                  [deps](const jobs::JobContext& job) { return ProcessRecording(deps, job); });
  runner.Register(std::string(store::job_kind::kDailyPresenceReconcile),
                  [deps](const jobs::JobContext& job) { return ReconcilePresence(deps, job); });
  runner.Register(std::string(store::job_kind::kTranscriptProcess),
                  [deps](const jobs::JobContext& job) { return ProcessTranscript(deps, job); });
  runner.Register(std::string(store::job_kind::kMockRecordingDelivery),
                  [deps](const jobs::JobContext& job) { return DeliverMockRecording(deps, job); });
  runner.Register(std::string(store::job_kind::kDailyPresenceSweep),
                  [deps](const jobs::JobContext&) { return SweepPresence(deps); });
  runner.Register(std::string(store::job_kind::kMeetingDeactivation),
                  [deps](const jobs::JobContext&) { return DeactivateMeetings(deps); });
  runner.AddPeriodic(std::string(store::job_kind::kDailyPresenceSweep), kPresenceSweepInterval);
  if (deps.storages.sqs) {
    runner.Register(std::string(store::job_kind::kWherebySqsPoll),
                    [deps](const jobs::JobContext&) { return PollWherebyQueue(deps); });
    runner.AddPeriodic(std::string(store::job_kind::kWherebySqsPoll),
                       std::chrono::seconds(deps.config.recordings.sqs_poll_seconds));
  }
  // Daily's recordings list, when Daily and its bucket are configured: every 180 s with a webhook
  // secret (the webhook is the fast path), else every 15 s (reference §6.1).
  if (deps.config.daily.configured() && !deps.config.daily.storage_bucket.empty()) {
    runner.Register(std::string(store::job_kind::kDailyRecordingsPoll),
                    [deps](const jobs::JobContext&) { return PollDailyRecordings(deps); });
    const int seconds = deps.config.recordings.daily_poll_seconds > 0
                            ? deps.config.recordings.daily_poll_seconds
                        : deps.config.daily.webhook_secret.empty() ? 15
                                                                   : 180;
    runner.AddPeriodic(std::string(store::job_kind::kDailyRecordingsPoll),
                       std::chrono::seconds(seconds));
  }
  runner.AddPeriodic(std::string(store::job_kind::kMeetingDeactivation), kDeactivationInterval);
  runner.Register(std::string(store::job_kind::kRetryFailed),
                  [deps](const jobs::JobContext&) { return RetryFailed(deps); });
  runner.AddPeriodic(std::string(store::job_kind::kRetryFailed), kRetryFailedInterval);
  // Calendar (contract §8, reference §6.1): due ICS syncs every 60 s, meetings every 30 s.
  runner.Register(std::string(store::job_kind::kCalendarSyncDue),
                  [deps](const jobs::JobContext&) { return QueueDueCalendars(deps); });
  runner.Register(std::string(store::job_kind::kCalendarSyncRoom),
                  [deps](const jobs::JobContext& job) { return SyncCalendar(deps, job); });
  runner.Register(std::string(store::job_kind::kCalendarPrecreate),
                  [deps](const jobs::JobContext&) { return PrecreateCalendarMeetings(deps); });
  runner.AddPeriodic(std::string(store::job_kind::kCalendarSyncDue), kCalendarSyncInterval);
  runner.AddPeriodic(std::string(store::job_kind::kCalendarPrecreate), kCalendarPrecreateInterval);
}

jobs::JobRunnerOptions JobRunnerOptionsFrom(const Config& config, int threads) {
  jobs::JobRunnerOptions options;
  options.threads = threads;
  options.lease = std::chrono::seconds(config.job_lease_seconds);
  options.stop_grace = std::chrono::seconds(config.job_stop_grace_seconds);
  return options;
}

}  // namespace reflector::app
