// The `room_webhook.deliver` job (contract §7.7): a room transcript that ended is announced to the
// room's webhook_url as `transcript.completed` (reference §6.7), with real exponential backoff
// (1 min doubling to 1 h, 30 attempts). Every attempt is logged in room_webhook_delivery.
//
// Outcome of an attempt: 2xx → done; 5xx, 408, 429, timeout, connection refused → retried;
// any other status (410 Gone included), a private address (contract §7.3, checked at connect
// time) or a malformed URL → stopped at once (the job is dead with the reason). The body is built
// at send time from the current rows, with a new event_id per attempt.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "jobs/job_runner.hpp"
#include "net/http_transport.hpp"
#include "roomhooks/webhook.hpp"
#include "store/database.hpp"
#include "store/transcripts.hpp"

namespace reflector::roomhooks {

struct DeliveryOptions {
  std::string ui_base_url;                              // UI_BASE_URL: frontend_url
  std::chrono::milliseconds timeout = kDefaultTimeout;  // ROOM_WEBHOOK_TIMEOUT_SECONDS
  std::chrono::milliseconds retry_base =
      std::chrono::minutes(1);  // ROOM_WEBHOOK_RETRY_BASE_SECONDS
  std::chrono::milliseconds retry_cap = kRetryCap;
};

// Queues the delivery of `transcript.completed` for `transcript` when it belongs to a room whose
// webhook_url is set (otherwise nothing). Idempotent per completion: the dedup key
// "room_webhook:transcript.completed:<id>" coalesces into a delivery that is still queued,
// retrying or running, so a re-run of the transcript job does not send twice. Database errors.
Status QueueTranscriptCompleted(store::Session& session, const store::Transcript& transcript,
                                TimePoint now);

// Runs one attempt of a `room_webhook.deliver` job (the job's payload may carry "timeout_ms" to
// override options.timeout). Thread-safe.
Status RunDelivery(store::Database& db, const Clock& clock, net::HttpTransport& transport,
                   const DeliveryOptions& options, const jobs::JobContext& job);

// Registers the handler and the kind's retry schedule (RetryDelay with options' base and cap).
// `transport` is shared by the handler (MakeWebhookTransport in production).
void RegisterDeliveryJob(jobs::JobRunner& runner, store::Database& db, const Clock& clock,
                         std::shared_ptr<net::HttpTransport> transport, DeliveryOptions options);

}  // namespace reflector::roomhooks
