#include "api/mock_routes.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/auth_backends.hpp"
#include "api/errors.hpp"
#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "platforms/mock/mock_client.hpp"
#include "store/meetings.hpp"
#include "store/participant_sessions.hpp"

namespace reflector::api {
namespace {

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

void RegisterMockRoutes(ApiRoutes& routes) {
  routes.Add(
      http::Method::kGet, "/mock/{room_name}",
      {{"summary", "Mock video platform room page"},
       {"tags", {"mock"}},
       {"responses",
        {{"200",
          {{"description", "HTML call page of the mock platform"},
           {"content", {{"text/html", {{"schema", {{"type", "string"}}}}}}}}}}}},
      [](http::Request& request) {
        const std::string room = EscapeHtml(request.PathParam("room_name"));
        std::string page =
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Mock room " +
            room +
            "</title></head><body>"
            "<h1>Mock room <code>" +
            room +
            "</code></h1>"
            "<p>This is Reflector's built-in mock video platform. No audio or video flows here; "
            "the room exists so meetings can be created and followed without provider "
            "credentials.</p></body></html>";
        auto response = http::Response::Text(200, std::move(page), "text/html; charset=utf-8");
        response.SetHeader("Content-Security-Policy", "default-src 'none'");
        return response;
      });
}

}  // namespace reflector::api

// ---------------------------------------------------------------------------------------------
// The mock call: signed participant events from the web UI.

namespace reflector::api {
namespace {

using nlohmann::json;

constexpr std::string_view kMockWebhookPath = "/v1/mock/webhook";

double EpochSeconds(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

Result<store::Meeting> ActiveMockMeeting(ApiContext& ctx, std::string_view meeting_id) {
  auto session = ctx.db.Acquire();
  auto meeting = store::MeetingRepository::GetById(session, meeting_id);
  if (!meeting) return tl::unexpected(meeting.error());
  if (meeting->platform != platforms::kMock) {
    return Err(Code::kInvalidArgument, "Not a mock meeting");
  }
  if (!meeting->is_active) return Err(Code::kInvalidArgument, "Meeting is not active");
  return meeting;
}

// Signs `event` and hands it to the mock webhook receiver in-process; `reply` turns the
// receiver's 200 into this endpoint's answer (other answers pass through as they are).
http::Response Deliver(ApiContext& ctx, const http::Router& router, http::Request& outer,
                       const json& event, const std::function<http::Response(std::string)>& reply) {
  auto mock = ctx.platforms.GetAs<platforms::MockClient>(platforms::kMock);
  if (!mock) return ErrorResponse(mock.error());
  const std::string body = event.dump();
  const auto [timestamp, signature] =
      (*mock)->Sign(body, static_cast<int64_t>(EpochSeconds(ctx.clock.Now())));

  http::Router::Match match = router.Find(http::Method::kPost, kMockWebhookPath);
  if (!match.found()) {
    return ErrorResponse(Error{Code::kInternal, "mock webhook receiver not registered", {}, 0});
  }
  http::Request inner;
  inner.method = http::Method::kPost;
  inner.method_name = "POST";
  inner.target = std::string(kMockWebhookPath);
  inner.path = inner.target;
  inner.route = match.route;
  inner.headers = {{"Content-Type", "application/json"},
                   {"X-Mock-Timestamp", timestamp},
                   {"X-Mock-Signature", signature}};
  inner.body = body;
  inner.remote_address = outer.remote_address;
  inner.request_id = outer.request_id;

  auto translate = [reply](http::Response answer) {
    if (answer.status != 200) return answer;
    std::string status = "ok";
    try {
      status = json::parse(answer.body).value("status", "ok");
    } catch (const json::exception&) {
    }
    return reply(status);
  };
  // The receiver answers after its group commit: defer ours and answer with its answer.
  auto respond = std::make_shared<http::Request::Responder>(outer.Defer());
  inner.defer_hook = [respond, translate] {
    return http::Request::Responder(
        [respond, translate](http::Response answer) { (*respond)(translate(std::move(answer))); });
  };
  http::Response immediate = (*match.handler)(inner);
  if (!inner.deferred()) (*respond)(translate(std::move(immediate)));
  return http::Response::Detail(500, "deferred");  // ignored: the request is deferred
}

json ParticipantEvent(std::string_view type, const store::Meeting& meeting,
                      const std::string& participant_id, const std::optional<std::string>& user_id,
                      const std::string& user_name, double now) {
  json payload = {{"room", meeting.room_name}, {"session_id", participant_id}};
  if (user_id) payload["user_id"] = *user_id;
  if (type == "participant.joined") {
    payload["user_name"] = user_name;
    payload["joined_at"] = now;
  }
  return {{"version", "1.0.0"},
          {"type", type},
          {"id", NewUuid4()},
          {"event_ts", now},
          {"payload", std::move(payload)}};
}

json ParticipantResponseDoc(const std::string& description) {
  return {
      {"description", description},
      {"content",
       {{"application/json",
         {{"schema",
           {{"type", "object"},
            {"required", {"participant_id", "status"}},
            {"properties",
             {{"participant_id", {{"type", "string"}}},
              {"status", {{"type", "string"}, {"enum", {"ok", "duplicate", "ignored"}}}}}}}}}}}}};
}

json LeaveOperation(const std::string& summary) {
  return {{"summary", summary},
          {"tags", {"mock"}},
          {"responses",
           {{"200", ParticipantResponseDoc("participant.left delivered and committed")},
            {"400", ErrorResponseDoc("Not a mock meeting / Meeting is not active")},
            {"404", ErrorResponseDoc("Meeting not found")},
            {"503", ErrorResponseDoc("Database unavailable: not committed, retry")}}}};
}

}  // namespace

void RegisterMockCallRoutes(ApiRoutes& routes, ApiContext& context, const http::Router& router) {
  ApiContext* ctx = &context;
  const http::Router* rt = &router;

  routes.Add(
      http::Method::kPost, "/v1/mock/meetings/{meeting_id}/participants",
      {{"summary", "Join a mock meeting (signed participant.joined through the mock receiver)"},
       {"tags", {"mock"}},
       {"requestBody",
        {{"required", false},
         {"content",
          {{"application/json",
            {{"schema",
              {{"type", "object"},
               {"properties", {{"name", {{"type", "string"}, {"maxLength", 200}}}}}}}}}}}}},
       {"responses",
        {{"200", ParticipantResponseDoc("participant.joined delivered and committed")},
         {"400", ErrorResponseDoc("Not a mock meeting / Meeting is not active / bad body")},
         {"404", ErrorResponseDoc("Meeting not found")},
         {"503", ErrorResponseDoc("Database unavailable: not committed, retry")}}}},
      [ctx, rt](http::Request& request) {
        auto caller = OptionalUser(ctx->auth, request);
        if (!caller) return ErrorResponse(caller.error());
        std::string name = "Guest";
        if (!request.body.empty()) {
          json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
          if (!body.is_object()) return http::Response::Detail(400, "Body must be a JSON object");
          if (auto it = body.find("name"); it != body.end() && !it->is_null()) {
            if (!it->is_string() || it->get_ref<const std::string&>().size() > 200) {
              return http::Response::Detail(400, "name must be a string of at most 200 bytes");
            }
            if (!it->get_ref<const std::string&>().empty()) name = it->get<std::string>();
          }
        }
        auto meeting = ActiveMockMeeting(*ctx, request.PathParam("meeting_id"));
        if (!meeting) return ErrorResponse(meeting.error());
        const std::string participant_id = NewUuid4();
        if (auto mock = ctx->platforms.GetAs<platforms::MockClient>(platforms::kMock); mock) {
          // The in-memory room is gone after a restart; the event still counts.
          if (auto joined = (*mock)->Join(meeting->room_name, participant_id); !joined) {
            spdlog::debug("mock room {}: {}", meeting->room_name, joined.error().message);
          }
        }
        std::optional<std::string> user_id;
        if (*caller) user_id = (*caller)->user_id;
        json event = ParticipantEvent("participant.joined", *meeting, participant_id, user_id, name,
                                      EpochSeconds(ctx->clock.Now()));
        return Deliver(*ctx, *rt, request, event, [participant_id](std::string status) {
          return http::Response::Json(200,
                                      {{"participant_id", participant_id}, {"status", status}});
        });
      });

  auto leave = [ctx, rt](http::Request& request) {
    auto meeting = ActiveMockMeeting(*ctx, request.PathParam("meeting_id"));
    if (!meeting) return ErrorResponse(meeting.error());
    const std::string participant_id(request.PathParam("participant_id"));
    if (auto mock = ctx->platforms.GetAs<platforms::MockClient>(platforms::kMock); mock) {
      if (auto left = (*mock)->Leave(meeting->room_name, participant_id); !left) {
        spdlog::debug("mock room {}: {}", meeting->room_name, left.error().message);
      }
    }
    json event = ParticipantEvent("participant.left", *meeting, participant_id, std::nullopt, "",
                                  EpochSeconds(ctx->clock.Now()));
    return Deliver(*ctx, *rt, request, event, [participant_id](std::string status) {
      return http::Response::Json(200, {{"participant_id", participant_id}, {"status", status}});
    });
  };
  routes.Add(http::Method::kPost,
             "/v1/mock/meetings/{meeting_id}/participants/{participant_id}/leave",
             LeaveOperation("Leave a mock meeting (for navigator.sendBeacon)"), leave);
  routes.Add(http::Method::kDelete, "/v1/mock/meetings/{meeting_id}/participants/{participant_id}",
             LeaveOperation("Leave a mock meeting"), leave);

  const json participant = {
      {"type", "object"},
      {"required", {"id", "name"}},
      {"properties",
       {{"id", {{"type", "string"}}},
        {"name", {{"type", "string"}}},
        {"joined_at", {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}}}}};
  const json list = {{"type", "object"},
                     {"required", {"count", "participants"}},
                     {"properties",
                      {{"count", {{"type", "integer"}}},
                       {"participants", {{"type", "array"}, {"items", participant}}}}}};
  routes.Add(
      http::Method::kGet, "/v1/meetings/{meeting_id}/participants",
      {{"summary", "Participants currently in the meeting (open sessions), any platform"},
       {"tags", {"meetings"}},
       {"responses",
        {{"200",
          {{"description", "Open participant sessions, oldest first"},
           {"content", {{"application/json", {{"schema", list}}}}}}},
         {"404", ErrorResponseDoc("Meeting not found")}}}},
      [ctx](http::Request& request) {
        auto caller = OptionalUser(ctx->auth, request);
        if (!caller) return ErrorResponse(caller.error());
        auto session = ctx->db.Acquire();
        auto meeting = store::MeetingRepository::GetById(session, request.PathParam("meeting_id"));
        if (!meeting) return ErrorResponse(meeting.error());
        auto sessions = store::ParticipantSessionRepository::ListForMeeting(session, meeting->id);
        if (!sessions) return ErrorResponse(sessions.error());
        json participants = json::array();
        for (const auto& s : *sessions) {
          if (!s.open()) continue;
          participants.push_back(
              {{"id", s.session_key},
               {"name", s.user_name},
               {"joined_at", s.joined_at ? json(FormatIso8601(*s.joined_at)) : json(nullptr)}});
        }
        return http::Response::Json(
            200, {{"count", participants.size()}, {"participants", std::move(participants)}});
      });
}

}  // namespace reflector::api
