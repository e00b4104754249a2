#include "api/webhook_routes.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/errors.hpp"
#include "platforms/daily/daily_signature.hpp"
#include "platforms/whereby/whereby_signature.hpp"
#include "tracking/apply.hpp"
#include "tracking/events.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;

// How the receivers differ: verification and envelope.
struct Receiver {
  std::string_view provider;
  std::function<platforms::WebhookVerdict(const http::Request&, TimePoint)> verify;
  std::function<Result<tracking::Parsed>(std::string_view)> parse;
};

http::Response StatusReply(std::string_view status) {
  return http::Response::Json(200, {{"status", status}});
}

// The answer to an event once the writer has applied (or failed to apply) it.
http::Response AppliedReply(const std::string& provider, const std::string& id,
                            const std::string& type, const std::string& request_id,
                            Result<tracking::Applied> applied) {
  if (!applied) {
    Error error = std::move(applied.error());
    spdlog::error("{} webhook event {} ({}) not applied: {} (request {})", provider, id, type,
                  error.ToString(), request_id);
    // Not committed: make the provider retry.
    if (error.code != Code::kInternal) {
      return http::Response::Detail(503, "Service temporarily unavailable, retry");
    }
    return ErrorResponse(error);
  }
  if (applied->outcome == tracking::Outcome::kIgnored) {
    spdlog::info("{} webhook event ignored: {} (id {}, type {}, request {})", provider,
                 applied->reason, id, type, request_id);
  } else {
    spdlog::debug("{} webhook event {} ({}): {}", provider, id, type,
                  tracking::OutcomeName(applied->outcome));
  }
  return StatusReply(tracking::OutcomeName(applied->outcome));
}

http::Response Receive(ApiContext& ctx, tracking::EventApplier& applier, const Receiver& receiver,
                       http::Request& request) {
  // The body is the exact bytes received (http::Server enforces HTTP_BODY_LIMIT_BYTES, 1 MiB by
  // default → 413, before this handler runs).
  auto verdict = receiver.verify(request, ctx.clock.Now());
  if (!verdict.ok) {
    if (verdict.reason == platforms::webhook_reason::kSecretNotConfigured ||
        verdict.reason == platforms::webhook_reason::kSecretNotBase64) {
      spdlog::error("{} webhook rejected: {} (configure the provider's webhook secret)",
                    receiver.provider, verdict.reason);
    } else {
      spdlog::warn("{} webhook rejected: {} (request {})", receiver.provider, verdict.reason,
                   request.request_id);
    }
    return http::Response::Detail(401, "Invalid webhook signature");
  }
  auto parsed = receiver.parse(request.body);
  if (!parsed) return http::Response::Detail(400, "Invalid JSON");
  switch (parsed->kind) {
    case tracking::Parsed::Kind::kPing:
      spdlog::info("{} webhook verification ping answered", receiver.provider);
      return StatusReply("ok");
    case tracking::Parsed::Kind::kIgnored:
      spdlog::info("{} webhook event ignored: {} (id {}, type {})", receiver.provider,
                   parsed->reason, parsed->id, parsed->type);
      return StatusReply("ignored");
    case tracking::Parsed::Kind::kEvent:
      break;
  }
  // Answered after the group commit that holds the event (tracking::EventApplier), without
  // keeping this HTTP thread waiting for it: more events then share one commit.
  auto respond = request.Defer();
  applier.ApplyAsync(
      std::move(*parsed->event),
      [respond, provider = std::string(receiver.provider), id = parsed->id, type = parsed->type,
       request_id = request.request_id](Result<tracking::Applied> applied) {
        respond(AppliedReply(provider, id, type, request_id, std::move(applied)));
      });
  return StatusReply("ok");  // ignored: the request is deferred
}

std::optional<std::string_view> Header(const http::Request& request, std::string_view name) {
  return request.GetHeader(name);
}

json Operation(const std::string& summary, const std::string& description, const json& headers) {
  json parameters = json::array();
  for (const auto& [name, text] : headers.items()) {
    parameters.push_back({{"name", name},
                          {"in", "header"},
                          {"required", true},
                          {"description", text},
                          {"schema", {{"type", "string"}}}});
  }
  json status_schema = {
      {"type", "object"},
      {"properties", {{"status", {{"type", "string"}, {"enum", {"ok", "duplicate", "ignored"}}}}}}};
  return {
      {"summary", summary},
      {"description", description},
      {"tags", {"webhooks"}},
      {"parameters", parameters},
      {"requestBody",
       {{"required", true},
        {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}}},
      {"responses",
       {{"200",
         {{"description",
           "ok: processed and committed; duplicate: this event id was processed before; "
           "ignored: well signed but nothing to act on (reason logged)"},
          {"content", {{"application/json", {{"schema", status_schema}}}}}}},
        {"400", ErrorResponseDoc("Invalid JSON (signed, but not a JSON object)")},
        {"401", ErrorResponseDoc("Invalid webhook signature (missing, malformed, wrong, outside "
                                 "the timestamp window, or no secret configured)")},
        {"413", ErrorResponseDoc("Body over HTTP_BODY_LIMIT_BYTES (1 MiB)")},
        {"503", ErrorResponseDoc("Database unavailable: not committed, retry")}}}};
}

}  // namespace

void RegisterWebhookRoutes(ApiRoutes& routes, ApiContext& context) {
  ApiContext* ctx = &context;
  const auto tolerance = std::chrono::seconds(context.config.webhook_timestamp_tolerance_seconds);
  // One group-committing writer for the three receivers (tracking/apply.hpp). Owned by the route
  // handlers, so it lives as long as the router; `context.db` outlives both.
  tracking::ApplyOptions options;
  options.daily_bucket = context.config.daily.storage_bucket;
  options.whereby_bucket = context.config.whereby.storage_bucket;
  auto applier = std::make_shared<tracking::EventApplier>(context.db, context.clock, options);

  // Daily and Whereby verify with the configured secrets directly rather than through the
  // registry's clients: receiving webhooks needs no provider API key, and a missing secret must
  // still answer 401 (with an error log line), not 503 "not configured".
  auto daily = std::make_shared<Receiver>(Receiver{
      platforms::kDaily,
      [ctx, tolerance](const http::Request& request, TimePoint now) {
        return platforms::VerifyDailySignature(request.body, Header(request, "X-Webhook-Signature"),
                                               Header(request, "X-Webhook-Timestamp"),
                                               ctx->config.daily.webhook_secret, now, tolerance);
      },
      tracking::ParseDailyEvent});
  routes.Add(
      http::Method::kPost, "/v1/daily/webhook",
      Operation(
          "Daily.co webhook receiver",
          "Signature: base64(HMAC-SHA256(base64decode(DAILY_WEBHOOK_SECRET), "
          "X-Webhook-Timestamp + \".\" + raw body)); the timestamp must be within "
          "WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS of now (above 10^11 read as milliseconds). "
          "Daily's verification ping {\"test\":\"test\"} answers ok. Handles participant.joined/"
          "left (participant sessions, num_clients, a coalesced presence reconciliation job), "
          "meeting.started/ended (session history), recording.started (recording id → "
          "meeting), recording.ready-to-download (cloud: composed video key set once; "
          "raw-tracks: recording with its audio track keys; one processing job per recording) "
          "and recording.error (recording marked failed). Each event id is processed once.",
          {{"X-Webhook-Signature", "base64 HMAC-SHA256 signature"},
           {"X-Webhook-Timestamp", "Unix seconds (or milliseconds), signed verbatim"}}),
      [ctx, applier, daily](http::Request& request) {
        return Receive(*ctx, *applier, *daily, request);
      });

  auto whereby = std::make_shared<Receiver>(Receiver{
      platforms::kWhereby,
      [ctx, tolerance](const http::Request& request, TimePoint now) {
        return platforms::VerifyWherebySignature(request.body, Header(request, "Whereby-Signature"),
                                                 ctx->config.whereby.webhook_secret, now,
                                                 tolerance);
      },
      tracking::ParseWherebyEvent});
  routes.Add(
      http::Method::kPost, "/v1/whereby",
      Operation("Whereby webhook receiver",
                "Signature header `Whereby-Signature: t=<unix seconds>,v1=<hex(HMAC-SHA256("
                "WHEREBY_WEBHOOK_SECRET, t + \".\" + raw body))>`, verified over the raw bytes "
                "with the timestamp window in both directions. The meeting is the one whose "
                "Whereby meetingId is data.meetingId. room.client.joined/left: participant "
                "session by data.participantId, num_clients from data.numClients of the newest "
                "event by createdAt; room.session.started/ended: session history; "
                "recording.finished: a processing job for the recording. Each event id is "
                "processed once.",
                {{"Whereby-Signature", "t=<unix seconds>,v1=<64 hex digits>"}}),
      [ctx, applier, whereby](http::Request& request) {
        return Receive(*ctx, *applier, *whereby, request);
      });

  auto mock = std::make_shared<Receiver>(
      Receiver{platforms::kMock,
               [ctx](const http::Request& request, TimePoint now) {
                 auto client = ctx->platforms.Get(platforms::kMock);
                 if (!client)
                   return platforms::RejectWebhook(platforms::webhook_reason::kSecretNotConfigured);
                 return (*client)->VerifyWebhook(
                     request.body,
                     [&request](std::string_view name) { return request.GetHeader(name); }, now);
               },
               tracking::ParseMockEvent});
  routes.Add(
      http::Method::kPost, "/v1/mock/webhook",
      Operation(
          "Mock platform webhook receiver",
          "Events of the built-in mock platform, signed with X-Mock-Timestamp (Unix seconds) and "
          "X-Mock-Signature = hex(HMAC-SHA256(MOCK_WEBHOOK_SECRET, timestamp + \".\" + raw "
          "body)). The envelope mirrors Daily's: {\"version\":\"1.0.0\",\"type\",\"id\","
          "\"event_ts\",\"payload\"} with types participant.joined / participant.left (payload "
          "{room, session_id, user_id?, user_name?, joined_at, duration?}) and meeting.started / "
          "meeting.ended (payload {room, meeting_id, start_ts, end_ts}). Effects as for Daily, "
          "without presence reconciliation. Other types are ignored.",
          {{"X-Mock-Signature", "hex HMAC-SHA256 signature"},
           {"X-Mock-Timestamp", "Unix seconds, signed verbatim"}}),
      [ctx, applier, mock](http::Request& request) {
        return Receive(*ctx, *applier, *mock, request);
      });
}

}  // namespace reflector::api
