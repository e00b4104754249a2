#include "roomhooks/delivery_job.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "roomhooks/deliveries.hpp"
#include "roomhooks/payload.hpp"
#include "store/jobs.hpp"
#include "store/rooms.hpp"

namespace reflector::roomhooks {
namespace {

std::string DedupKey(std::string_view event, std::string_view transcript_id) {
  return "room_webhook:" + std::string(event) + ":" + std::string(transcript_id);
}

bool HasUrl(const store::Room& room) { return room.webhook_url && !room.webhook_url->empty(); }

}  // namespace

Status QueueTranscriptCompleted(store::Session& session, const store::Transcript& transcript,
                                TimePoint now) {
  if (!transcript.room_id) return Ok();
  auto room = store::RoomRepository::GetById(session, *transcript.room_id);
  if (!room) {
    if (room.error().code == Code::kNotFound) return Ok();
    return Err(std::move(room.error()));
  }
  if (!HasUrl(*room)) return Ok();
  store::NewJob job;
  job.kind = std::string(store::job_kind::kRoomWebhookDeliver);
  job.payload_json =
      nlohmann::json{{"transcript_id", transcript.id}, {"event", kEventTranscriptCompleted}}.dump();
  job.dedup_key = DedupKey(kEventTranscriptCompleted, transcript.id);
  job.max_attempts = kMaxAttempts;
  auto enqueued = store::JobRepository::EnqueueUnlessActive(session, job, now);
  if (!enqueued) return Err(std::move(enqueued.error()));
  if (enqueued->coalesced) {
    spdlog::info("room webhook for transcript {}: a delivery is already pending (job {})",
                 transcript.id, enqueued->job_id);
  }
  return Ok();
}

Status RunDelivery(store::Database& db, const Clock& clock, net::HttpTransport& transport,
                   const DeliveryOptions& options, const jobs::JobContext& job) {
  const auto id = job.payload.find("transcript_id");
  if (id == job.payload.end() || !id->is_string() || id->get<std::string>().empty()) {
    return Err(Code::kInvalidArgument, "payload needs a \"transcript_id\" string");
  }
  const std::string transcript_id = id->get<std::string>();
  std::chrono::milliseconds timeout = options.timeout;
  if (auto t = job.payload.find("timeout_ms"); t != job.payload.end() && t->is_number_integer()) {
    timeout = std::chrono::milliseconds(std::max<int64_t>(1, t->get<int64_t>()));
  }

  store::Transcript transcript;
  store::Room room;
  std::optional<CalendarEventInfo> calendar_event;
  {
    auto session = db.Acquire();
    auto found = store::TranscriptRepository::Get(session, transcript_id);
    if (!found) {
      if (found.error().code == Code::kNotFound) {
        return Err(jobs::PermanentFailure("transcript " + transcript_id + " no longer exists"));
      }
      return Err(std::move(found.error()));
    }
    transcript = std::move(*found);
    if (!transcript.room_id) {
      return Err(jobs::PermanentFailure("transcript " + transcript_id + " has no room"));
    }
    auto found_room = store::RoomRepository::GetById(session, *transcript.room_id);
    if (!found_room) {
      if (found_room.error().code == Code::kNotFound) {
        return Err(jobs::PermanentFailure("room " + *transcript.room_id + " no longer exists"));
      }
      return Err(std::move(found_room.error()));
    }
    room = std::move(*found_room);
    if (transcript.meeting_id) {
      auto event = LoadCalendarEvent(session, *transcript.meeting_id);
      if (!event) return Err(std::move(event.error()));
      calendar_event = std::move(*event);
    }
  }
  if (!HasUrl(room)) {
    spdlog::info("room webhook for transcript {} skipped: room {} has no webhook_url anymore",
                 transcript_id, room.id);
    return Ok();
  }

  const TimePoint now = clock.Now();
  Attempt attempt;
  attempt.url = *room.webhook_url;
  attempt.secret = room.webhook_secret;
  attempt.event = std::string(kEventTranscriptCompleted);
  attempt.retry = job.attempt - 1;
  attempt.now = now;
  attempt.timeout = timeout;
  const std::string event_id = NewEventId();
  attempt.body = TranscriptCompletedBody(
      {transcript, room, calendar_event, event_id, now, options.ui_base_url});

  const auto outcome = transport.Send(BuildRequest(attempt));
  const Verdict verdict = Classify(outcome);
  const std::string failure = DescribeFailure(outcome);
  const bool last = job.attempt >= job.max_attempts;

  Delivery delivery;
  delivery.room_id = room.id;
  delivery.transcript_id = transcript_id;
  delivery.event = attempt.event;
  delivery.event_id = event_id;
  delivery.attempt = attempt.retry;
  if (outcome) delivery.status_code = outcome->status;
  if (!failure.empty()) delivery.error = failure;
  delivery.outcome = verdict == Verdict::kDelivered          ? outcome::kDelivered
                     : (verdict == Verdict::kRetry && !last) ? outcome::kRetrying
                                                             : outcome::kFailed;
  delivery.created_at = clock.Now();
  {
    auto session = db.Acquire();
    if (auto recorded = DeliveryRepository::Record(session, delivery); !recorded) {
      spdlog::warn("room webhook attempt for transcript {} not logged: {}", transcript_id,
                   recorded.error().ToString());
    }
  }

  switch (verdict) {
    case Verdict::kDelivered:
      spdlog::info(
          "room webhook transcript.completed for transcript {} delivered to room {} "
          "(HTTP {}, attempt {})",
          transcript_id, room.id, outcome->status, job.attempt);
      return Ok();
    case Verdict::kRetry:
      spdlog::warn("room webhook for transcript {} (room {}) attempt {}/{} failed: {}",
                   transcript_id, room.id, job.attempt, job.max_attempts, failure);
      return Err(Code::kUnavailable, "webhook delivery failed: " + failure);
    case Verdict::kStop:
      break;
  }
  spdlog::error("room webhook for transcript {} (room {}) stopped after attempt {}: {}",
                transcript_id, room.id, job.attempt, failure);
  return Err(jobs::PermanentFailure("webhook delivery stopped: " + failure));
}

void RegisterDeliveryJob(jobs::JobRunner& runner, store::Database& db, const Clock& clock,
                         std::shared_ptr<net::HttpTransport> transport, DeliveryOptions options) {
  const std::string kind(store::job_kind::kRoomWebhookDeliver);
  runner.SetRetryDelay(kind,
                       [base = options.retry_base, cap = options.retry_cap](int attempt, double u) {
                         return RetryDelay(attempt, base, cap, u);
                       });
  runner.Register(kind, [&db, &clock, transport, options](const jobs::JobContext& job) {
    return RunDelivery(db, clock, *transport, options, job);
  });
}

}  // namespace reflector::roomhooks
