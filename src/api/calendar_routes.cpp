#include "api/calendar_routes.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/auth_backends.hpp"
#include "api/errors.hpp"
#include "api/json_models.hpp"
#include "calendar/meetings.hpp"
#include "calendar/sync.hpp"
#include "core/time_format.hpp"
#include "store/calendar_events.hpp"
#include "store/rooms.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;

json OptTime(const std::optional<TimePoint>& t) {
  return t ? json(FormatIso8601(*t)) : json(nullptr);
}
json OptText(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json EventJson(const store::CalendarEvent& e, bool owner) {
  json attendees = nullptr;
  if (owner && e.attendees) {
    attendees = json::parse(*e.attendees, nullptr, false);
    if (attendees.is_discarded()) attendees = nullptr;
  }
  return {{"id", e.id},
          {"room_id", e.room_id},
          {"ics_uid", e.ics_uid},
          {"title", OptText(e.title)},
          {"description", owner ? OptText(e.description) : json(nullptr)},
          {"start_time", FormatIso8601(e.start_time)},
          {"end_time", FormatIso8601(e.end_time)},
          {"attendees", attendees},
          {"location", OptText(e.location)},
          {"last_synced", FormatIso8601(e.last_synced)},
          {"created_at", FormatIso8601(e.created_at)},
          {"updated_at", FormatIso8601(e.updated_at)}};
}

json SyncJson(const calendar::SyncResult& r) {
  return {{"status", r.status},
          {"hash", OptText(r.hash)},
          {"events_found", r.events_found},
          {"total_events", r.total_events},
          {"events_created", r.events_created},
          {"events_updated", r.events_updated},
          {"events_deleted", r.events_deleted},
          {"error", OptText(r.error)},
          {"reason", OptText(r.reason)}};
}

http::Response JsonOut(int status, const json& body) {
  return http::Response::JsonText(status,
                                  body.dump(-1, ' ', false, json::error_handler_t::replace));
}

struct Handlers {
  ApiContext& context;
  calendar::SafeIcsFetcher fetcher;

  // The room and whether the caller owns it; a response when the request ends here.
  std::optional<http::Response> Load(const http::Request& request, store::Room& room, bool& owner) {
    auto caller = OptionalUser(context.auth, request);
    if (!caller) return ErrorResponse(caller.error());
    auto session = context.db.Acquire();
    auto found = store::RoomRepository::GetByName(session, request.PathParam("room_name"));
    if (!found) return ErrorResponse(found.error());
    room = std::move(*found);
    owner = caller->has_value() && (*caller)->user_id == room.user_id;
    return std::nullopt;
  }

  http::Response Sync(http::Request& request) {
    store::Room room;
    bool owner = false;
    if (auto early = Load(request, room, owner)) return std::move(*early);
    if (!owner) return http::Response::Detail(403, "Only room owner can trigger ICS sync");
    if (!room.ics_enabled || !room.ics_url || room.ics_url->empty()) {
      return http::Response::Detail(400, "ICS not configured for this room");
    }
    calendar::SyncOptions options;
    options.ui_base_url = context.config.http.ui_base_url;
    const auto force = request.QueryParam("force");
    options.force = force && (*force == "true" || *force == "1");
    auto result = calendar::SyncRoomCalendar(context.db, context.clock, fetcher, options, room.id);
    if (!result) return ErrorResponse(result.error());
    if (result->status == "error") return http::Response::Detail(500, result->error.value_or(""));
    if (result->status == "success") {
      calendar::PrecreateOptions pre;
      pre.room_id = room.id;
      auto made = calendar::CreateUpcomingMeetings(context.db, context.clock, context.platforms,
                                                   context.config.platforms, pre);
      if (!made)
        spdlog::warn("calendar meetings of room {}: {}", room.name, made.error().ToString());
    }
    return JsonOut(200, SyncJson(*result));
  }

  http::Response Status(http::Request& request) {
    store::Room room;
    bool owner = false;
    if (auto early = Load(request, room, owner)) return std::move(*early);
    if (!owner) return http::Response::Detail(403, "Only room owner can view ICS status");
    auto session = context.db.Acquire();
    auto count = store::CalendarEventRepository::CountActive(session, room.id);
    if (!count) return ErrorResponse(count.error());
    auto state = store::CalendarSyncStateRepository::Get(session, room.id);
    if (!state) return ErrorResponse(state.error());
    std::optional<TimePoint> next;
    if (room.ics_enabled && room.ics_last_sync) {
      next = *room.ics_last_sync + std::chrono::seconds(room.ics_fetch_interval);
    }
    json body = {{"status", room.ics_enabled ? "enabled" : "disabled"},
                 {"last_sync", OptTime(room.ics_last_sync)},
                 {"next_sync", OptTime(next)},
                 {"last_etag", OptText(room.ics_last_etag)},
                 {"events_count", *count},
                 {"last_error", nullptr},
                 {"last_attempt", nullptr}};
    if (*state) {
      if ((*state)->last_status == "error") body["last_error"] = OptText((*state)->last_error);
      body["last_attempt"] = OptTime((*state)->last_attempt_at);
    }
    return JsonOut(200, body);
  }

  http::Response List(http::Request& request) {
    store::Room room;
    bool owner = false;
    if (auto early = Load(request, room, owner)) return std::move(*early);
    auto session = context.db.Acquire();
    auto events = store::CalendarEventRepository::ListActive(session, room.id);
    if (!events) return ErrorResponse(events.error());
    json out = json::array();
    for (const auto& e : *events) out.push_back(EventJson(e, owner));
    return JsonOut(200, out);
  }

  http::Response Upcoming(http::Request& request) {
    int64_t minutes = 120;
    if (auto raw = request.QueryParam("minutes_ahead")) {
      const auto* end = raw->data() + raw->size();
      auto [ptr, ec] = std::from_chars(raw->data(), end, minutes);
      if (ec != std::errc() || ptr != end || minutes < 0 || minutes > 60 * 24 * 366) {
        ValidationErrors errors;
        errors.Add({"query", "minutes_ahead"},
                   "Input should be a valid integer, unable to parse string as an integer",
                   "int_parsing");
        return errors.ToResponse();
      }
    }
    store::Room room;
    bool owner = false;
    if (auto early = Load(request, room, owner)) return std::move(*early);
    const TimePoint now = context.clock.Now();
    auto session = context.db.Acquire();
    auto events = store::CalendarEventRepository::ListUpcoming(session, room.id, now,
                                                               now + std::chrono::minutes(minutes));
    if (!events) return ErrorResponse(events.error());
    json out = json::array();
    for (const auto& e : *events) out.push_back(EventJson(e, owner));
    return JsonOut(200, out);
  }
};

json Op(const std::string& summary, json responses, json parameters = json::array()) {
  json op = {{"summary", summary}, {"tags", {"rooms"}}, {"responses", std::move(responses)}};
  json params = json::array({{{"name", "room_name"},
                              {"in", "path"},
                              {"required", true},
                              {"schema", {{"type", "string"}}}}});
  for (auto& p : parameters) params.push_back(std::move(p));
  op["parameters"] = std::move(params);
  return op;
}

json Ok(const std::string& description, json schema) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

}  // namespace

void RegisterCalendarRoutes(ApiRoutes& routes, ApiContext& context) {
  calendar::FetchOptions fetch;
  fetch.allowed_hosts = context.config.download_allowed_hosts;
  auto handlers = std::make_shared<Handlers>(Handlers{context, calendar::SafeIcsFetcher(fetch)});
  auto bind = [handlers](http::Response (Handlers::*method)(http::Request&)) {
    return [handlers, method](http::Request& request) { return ((*handlers).*method)(request); };
  };
  const json str = {{"type", "string"}};
  const json nstr = {{"type", "string"}, {"nullable", true}};
  const json ntime = {{"type", "string"}, {"format", "date-time"}, {"nullable", true}};
  const json integer = {{"type", "integer"}};
  routes.AddSchema("ICSSyncResult",
                   {{"type", "object"},
                    {"properties",
                     {{"status", {{"type", "string"}, {"enum", {"success", "skipped", "error"}}}},
                      {"hash", nstr},
                      {"events_found", integer},
                      {"total_events", integer},
                      {"events_created", integer},
                      {"events_updated", integer},
                      {"events_deleted", integer},
                      {"error", nstr},
                      {"reason", nstr}}}});
  routes.AddSchema("ICSStatus",
                   {{"type", "object"},
                    {"properties",
                     {{"status", {{"type", "string"}, {"enum", {"enabled", "disabled"}}}},
                      {"last_sync", ntime},
                      {"next_sync", ntime},
                      {"last_etag", nstr},
                      {"events_count", integer},
                      {"last_error", nstr},
                      {"last_attempt", ntime}}}});
  routes.AddSchema(
      "CalendarEventResponse",
      {{"type", "object"},
       {"properties",
        {{"id", str},
         {"room_id", str},
         {"ics_uid", str},
         {"title", nstr},
         {"description", nstr},
         {"start_time", {{"type", "string"}, {"format", "date-time"}}},
         {"end_time", {{"type", "string"}, {"format", "date-time"}}},
         {"attendees",
          {{"type", "array"},
           {"nullable", true},
           {"items",
            {{"type", "object"},
             {"properties", {{"email", str}, {"name", nstr}, {"status", nstr}, {"role", nstr}}}}}}},
         {"location", nstr},
         {"last_synced", {{"type", "string"}, {"format", "date-time"}}},
         {"created_at", {{"type", "string"}, {"format", "date-time"}}},
         {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}});
  const json events = {{"type", "array"},
                       {"items", {{"$ref", "#/components/schemas/CalendarEventResponse"}}}};
  const json not_found = ErrorResponseDoc("Room not found");

  routes.Add(http::Method::kPost, "/v1/rooms/{room_name}/ics/sync",
             Op("Sync the room's ICS calendar now, then create the meetings that are due",
                {{"200", Ok("Sync result", {{"$ref", "#/components/schemas/ICSSyncResult"}})},
                 {"400", ErrorResponseDoc("ICS not configured for this room")},
                 {"403", ErrorResponseDoc("Only room owner can trigger ICS sync")},
                 {"404", not_found},
                 {"500", ErrorResponseDoc("The feed could not be fetched or parsed (the reason)")}},
                json::array({{{"name", "force"},
                              {"in", "query"},
                              {"required", false},
                              {"schema", {{"type", "boolean"}, {"default", false}}}}})),
             bind(&Handlers::Sync));
  routes.Add(http::Method::kGet, "/v1/rooms/{room_name}/ics/status",
             Op("ICS sync status of the room",
                {{"200", Ok("Status", {{"$ref", "#/components/schemas/ICSStatus"}})},
                 {"403", ErrorResponseDoc("Only room owner can view ICS status")},
                 {"404", not_found}}),
             bind(&Handlers::Status));
  routes.Add(http::Method::kGet, "/v1/rooms/{room_name}/meetings",
             Op("Calendar events of the room, start ascending",
                {{"200", Ok("Events (description and attendees only for the owner)", events)},
                 {"404", not_found}}),
             bind(&Handlers::List));
  routes.Add(http::Method::kGet, "/v1/rooms/{room_name}/meetings/upcoming",
             Op("Calendar events starting within minutes_ahead that have not ended",
                {{"200", Ok("Events (description and attendees only for the owner)", events)},
                 {"404", not_found},
                 {"422", ErrorResponseDoc("Validation error")}},
                json::array({{{"name", "minutes_ahead"},
                              {"in", "query"},
                              {"required", false},
                              {"schema", {{"type", "integer"}, {"default", 120}}}}})),
             bind(&Handlers::Upcoming));
}

}  // namespace reflector::api
