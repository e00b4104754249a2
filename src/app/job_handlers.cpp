#include "app/job_handlers.hpp"

#include <spdlog/spdlog.h>

#include <string>

#include "store/jobs.hpp"
#include "store/sql.hpp"

namespace reflector::app {
namespace {

// Moves to the recording repository when that lands with the webhook receivers.
constexpr std::string_view kSelectRecordingStatus = "SELECT status FROM recording WHERE id = :id";

// recording.process {"recording_id": "..."}: for now it only checks that the recording exists and
// records that it ran (the job row itself, succeeded, is the record); transcription arrives with
// the pipeline (contract §7).
Status ProcessRecording(const JobHandlerDeps& deps, const jobs::JobContext& job) {
  const auto id = job.payload.find("recording_id");
  if (id == job.payload.end() || !id->is_string() || id->get<std::string>().empty()) {
    return Err(Code::kInvalidArgument, "payload needs a \"recording_id\" string");
  }
  const std::string recording_id = id->get<std::string>();
  auto session = deps.db.Acquire();
  auto row = store::QueryOptional(session, kSelectRecordingStatus,
                                  store::SqlParams().Text("id", recording_id), 1);
  if (!row) return Err(row.error());
  if (!*row) return Err(jobs::PermanentFailure("recording " + recording_id + " does not exist"));
  spdlog::info(
      "recording.process ran for recording {} (status {}, attempt {}); processing is "
      "not implemented yet",
      recording_id, (**row)[0].value_or("?"), job.attempt);
  return Ok();
}

}  // namespace

void RegisterJobHandlers(jobs::JobRunner& runner, const JobHandlerDeps& deps) {
  runner.Register(std::string(store::job_kind::kRecordingProcess),
                  [deps](const jobs::JobContext& job) { return ProcessRecording(deps, job); });
}

jobs::JobRunnerOptions JobRunnerOptionsFrom(const Config& config, int threads) {
  jobs::JobRunnerOptions options;
  options.threads = threads;
  options.lease = std::chrono::seconds(config.job_lease_seconds);
  options.stop_grace = std::chrono::seconds(config.job_stop_grace_seconds);
  return options;
}

}  // namespace reflector::app
