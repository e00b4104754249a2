#include "api/meetings_routes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/auth_backends.hpp"
#include "api/errors.hpp"
#include "api/json_models.hpp"
#include "platforms/daily/daily_client.hpp"
#include "platforms/selection.hpp"
#include "store/consents.hpp"
#include "store/meetings.hpp"
#include "store/room_lock.hpp"
#include "store/rooms.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;

// On-demand meetings last 8 hours (reference §4.2).
constexpr std::chrono::hours kMeetingDuration{8};
// The room logo, relative to the working directory, as in the reference (§1.3 upload_logo).
constexpr const char* kLogoPath = "./images/logo.png";

// ---------------------------------------------------------------------------------------------
// Callers

Result<std::optional<Principal>> OptionalCaller(ApiContext& context, const http::Request& request) {
  return OptionalUser(context.auth, request);
}

Result<Principal> RequiredCaller(ApiContext& context, const http::Request& request) {
  return RequireUser(context.auth, request);
}

bool IsOwner(const std::optional<Principal>& caller, const store::Room& room) {
  return caller.has_value() && caller->user_id == room.user_id;
}

// The Meeting as this caller may see it: the host URL of a Whereby meeting is the owner's only
// (the reference blanks it in some endpoints and forgets to in others).
bool HideHostUrl(const store::Meeting& meeting, bool caller_is_owner) {
  return meeting.platform == platforms::kWhereby && !caller_is_owner;
}

json MeetingForCaller(const store::Meeting& meeting, bool caller_is_owner) {
  json out = MeetingToJson(meeting);
  if (HideHostUrl(meeting, caller_is_owner)) out["host_room_url"] = "";
  return out;
}

// Errors for provider calls: a provider error already names its status (kBadGateway carries it in
// the message too, but make sure of it).
Error ProviderError(Error error) {
  if (error.code == Code::kBadGateway && error.upstream_status != 0 &&
      error.message.find(std::to_string(error.upstream_status)) == std::string::npos) {
    error.message += " (status " + std::to_string(error.upstream_status) + ")";
  }
  return error;
}

// ---------------------------------------------------------------------------------------------
// Create meeting

platforms::RoomSettings SettingsOf(const store::Room& room) {
  platforms::RoomSettings settings;
  settings.id = room.id;
  settings.name = room.name;
  settings.is_locked = room.is_locked;
  settings.room_mode = room.room_mode;
  settings.recording_type = room.recording_type;
  settings.recording_trigger = room.recording_trigger;
  settings.skip_consent = room.skip_consent;
  return settings;
}

// Reference §5.2: the latest active meeting is reused only while it matches the room's current
// settings and the platform a new meeting would get; otherwise a new meeting is created.
bool Reusable(const store::Meeting& meeting, const store::Room& room, const std::string& platform) {
  return meeting.is_locked == room.is_locked && meeting.room_mode == room.room_mode &&
         meeting.recording_type == room.recording_type &&
         meeting.recording_trigger == room.recording_trigger && meeting.platform == platform;
}

Result<std::optional<store::Meeting>> FindReusable(store::Session& session, const store::Room& room,
                                                   const std::string& platform, TimePoint now) {
  auto active = store::MeetingRepository::ListActiveForRoom(session, room.id, now);
  if (!active) return Err(std::move(active.error()));
  if (!active->empty() && Reusable(active->front(), room, platform)) return active->front();
  return std::optional<store::Meeting>();
}

void UploadLogoIfPresent(platforms::VideoPlatformClient& client, const store::Meeting& meeting) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(kLogoPath, ec)) {
    spdlog::debug("no room logo at {}; not uploading one for meeting {}", kLogoPath, meeting.id);
    return;
  }
  auto uploaded = client.UploadLogo(meeting.room_name, kLogoPath);
  if (!uploaded) {
    spdlog::warn("logo upload for meeting {} failed: {}", meeting.id, uploaded.error().ToString());
  }
}

struct RoomAndMeeting {
  store::Room room;
  store::Meeting meeting;
};

Result<RoomAndMeeting> CreateMeeting(ApiContext& context, const std::string& room_name,
                                     bool allow_duplicated) {
  auto session = context.db.Acquire();
  auto room = store::RoomRepository::GetByName(session, room_name);
  if (!room) return Err(std::move(room.error()));
  const std::string platform = platforms::PlatformForNewMeeting(
      room->id, room->name, room->platform, context.config.platforms);
  // Fails fast (503 naming the variable) when the provider is not configured.
  auto client = context.platforms.Get(platform);
  if (!client) return Err(std::move(client.error()));

  if (!allow_duplicated) {
    auto existing = FindReusable(session, *room, platform, context.clock.Now());
    if (!existing) return Err(std::move(existing.error()));
    if (*existing) return RoomAndMeeting{std::move(*room), std::move(**existing)};
  }

  // Under the room lock: re-check, create on the provider, insert, commit. Only one caller per
  // room gets here at a time, so only one provider call happens for concurrent requests.
  auto tx = store::RoomLock::Acquire(session, room->id);
  if (!tx) return Err(std::move(tx.error()));
  const TimePoint now = context.clock.Now();
  if (!allow_duplicated) {
    auto existing = FindReusable(session, *room, platform, now);
    if (!existing) return Err(std::move(existing.error()));
    if (*existing) {
      REFLECTOR_RETURN_IF_ERROR(tx->Commit());
      return RoomAndMeeting{std::move(*room), std::move(**existing)};
    }
  }
  const TimePoint end = now + kMeetingDuration;
  auto created = (*client)->CreateMeeting(SettingsOf(*room), end);
  if (!created) return Err(ProviderError(std::move(created.error())));

  store::Meeting meeting;
  meeting.room_name = created->room_name;
  meeting.room_url = created->room_url;
  meeting.host_room_url = created->host_room_url;
  meeting.start_date = now;
  meeting.end_date = end;
  meeting.room_id = room->id;
  meeting.is_locked = room->is_locked;
  meeting.room_mode = room->room_mode;
  meeting.recording_type = room->recording_type;
  meeting.recording_trigger = room->recording_trigger;
  meeting.platform = platform;
  meeting.provider_meeting_id = created->provider_meeting_id;
  // A failure from here on leaves the provider room behind (it expires at `end`); say so in the
  // error's internal detail, which the boundary logs.
  auto orphaned = [&](Error error) {
    error.detail += "; provider room " + created->room_name + " on " + platform +
                    " was created but the meeting was not stored";
    return Err(std::move(error));
  };
  auto stored = store::MeetingRepository::Create(session, std::move(meeting));
  if (!stored) return orphaned(std::move(stored.error()));
  if (auto committed = tx->Commit(); !committed) return orphaned(std::move(committed.error()));
  // After the commit: the logo is cosmetic and must not hold the room lock.
  UploadLogoIfPresent(**client, *stored);
  return RoomAndMeeting{std::move(*room), std::move(*stored)};
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (std::isxdigit(static_cast<unsigned char>(s[i])) == 0) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

json MeetingSchema() {
  auto str = json{{"type", "string"}};
  auto nullable_str = json{{"type", "string"}, {"nullable", true}};
  auto boolean = json{{"type", "boolean"}};
  auto time = json{{"type", "string"}, {"format", "date-time"}};
  return {{"type", "object"},
          {"properties",
           {{"id", str},
            {"room_name", str},
            {"room_url", str},
            {"host_room_url", str},
            {"start_date", time},
            {"end_date", time},
            {"user_id", nullable_str},
            {"room_id", str},
            {"is_locked", boolean},
            {"room_mode", {{"type", "string"}, {"enum", {"normal", "group"}}}},
            {"recording_type", {{"type", "string"}, {"enum", {"none", "local", "cloud"}}}},
            {"recording_trigger",
             {{"type", "string"},
              {"enum", {"none", "prompt", "automatic", "automatic-2nd-participant"}}}},
            {"num_clients", {{"type", "integer"}}},
            {"is_active", boolean},
            {"calendar_event_id", nullable_str},
            {"calendar_metadata", {{"type", "object"}, {"nullable", true}}},
            {"platform", {{"type", "string"}, {"enum", {"whereby", "daily", "mock"}}}},
            {"daily_composed_video_s3_key", nullable_str},
            {"daily_composed_video_duration", {{"type", "integer"}, {"nullable", true}}}}}};
}

json JsonResponseDoc(const std::string& description, json schema) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

json MeetingResponseDoc() {
  return JsonResponseDoc("The meeting", {{"$ref", "#/components/schemas/Meeting"}});
}

json JsonBodyDoc(json schema, bool required) {
  return {{"required", required},
          {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

}  // namespace

namespace detail {

bool RecordingStartLimiter::Allow(const std::string& meeting_id) {
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.size() >= kMaxBuckets) Prune(now);
  auto [it, inserted] = buckets_.try_emplace(meeting_id, Bucket{kRecordingStartBurst, now});
  Bucket& bucket = it->second;
  if (!inserted && now > bucket.updated) {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    const double rate =
        kRecordingStartBurst / std::chrono::duration<double>(kRecordingStartWindow).count();
    bucket.tokens = std::min<double>(kRecordingStartBurst, bucket.tokens + elapsed * rate);
    bucket.updated = now;
  }
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

size_t RecordingStartLimiter::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

void RecordingStartLimiter::Prune(TimePoint now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (now - it->second.updated >= kRecordingStartWindow) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace detail

void RegisterMeetingRoutes(ApiRoutes& routes, ApiContext& context) {
  routes.AddSchema("Meeting", MeetingSchema());
  ApiContext* ctx = &context;

  // --- POST /v1/rooms/{room_name}/meeting ---
  routes.Add(
      http::Method::kPost, "/v1/rooms/{room_name}/meeting",
      {{"summary", "Get the room's active meeting or create one"},
       {"description",
        "Reuses the room's latest active meeting while its settings and platform match the room; "
        "otherwise creates a meeting on the room's platform (8 hours long). Concurrent calls for "
        "one room yield one meeting."},
       {"tags", {"meetings"}},
       {"requestBody",
        JsonBodyDoc(
            {{"type", "object"},
             {"properties", {{"allow_duplicated", {{"type", "boolean"}, {"default", false}}}}}},
            false)},
       {"responses",
        {{"200", MeetingResponseDoc()},
         {"404", ErrorResponseDoc("Room not found")},
         {"422", ValidationErrorResponseDoc()},
         {"502", ErrorResponseDoc("The video provider answered with an error")},
         {"503", ErrorResponseDoc("The room's video platform is not configured")}}}},
      [ctx](http::Request& request) {
        bool allow_duplicated = false;
        if (!request.body.empty()) {
          BodyReader body(request.body, /*body_required=*/false);
          auto allow = body.Bool("allow_duplicated");
          if (!body.errors().empty()) return body.errors().ToResponse();
          allow_duplicated = allow.value_or(false);
        }
        auto caller = OptionalCaller(*ctx, request);
        if (!caller) return ErrorResponse(caller.error());
        auto created =
            CreateMeeting(*ctx, std::string(request.PathParam("room_name")), allow_duplicated);
        if (!created) return ErrorResponse(created.error());
        return http::Response::Json(
            200, MeetingForCaller(created->meeting, IsOwner(*caller, created->room)));
      });

  // --- GET /v1/rooms/{room_name}/meetings/active ---
  routes.Add(
      http::Method::kGet, "/v1/rooms/{room_name}/meetings/active",
      {{"summary", "Active meetings of the room"},
       {"description",
        "Active meetings that have not ended, latest end first; each with its own platform."},
       {"tags", {"meetings"}},
       {"responses",
        {{"200", JsonResponseDoc(
                     "The active meetings",
                     {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Meeting"}}}})},
         {"404", ErrorResponseDoc("Room not found")}}}},
      [ctx](http::Request& request) {
        auto caller = OptionalCaller(*ctx, request);
        if (!caller) return ErrorResponse(caller.error());
        auto session = ctx->db.Acquire();
        auto room =
            store::RoomRepository::GetByName(session, std::string(request.PathParam("room_name")));
        if (!room) return ErrorResponse(room.error());
        auto meetings =
            store::MeetingRepository::ListActiveForRoom(session, room->id, ctx->clock.Now());
        if (!meetings) return ErrorResponse(meetings.error());
        const bool owner = IsOwner(*caller, *room);
        JsonWriter out;
        out.BeginArray();
        for (const auto& meeting : *meetings)
          WriteMeeting(out, meeting, HideHostUrl(meeting, owner));
        out.EndArray();
        return http::Response::JsonText(200, out.Take());
      });

  // Shared by GET meeting and join: the room by name and its meeting by id.
  struct RoomMeeting {
    store::Room room;
    store::Meeting meeting;
  };
  auto find_room_meeting = [](store::Session& session,
                              const http::Request& request) -> Result<RoomMeeting> {
    auto room =
        store::RoomRepository::GetByName(session, std::string(request.PathParam("room_name")));
    if (!room) return Err(std::move(room.error()));
    auto meeting =
        store::MeetingRepository::GetById(session, std::string(request.PathParam("meeting_id")));
    if (!meeting) return Err(std::move(meeting.error()));
    if (meeting->room_id != room->id) return Err(Code::kNotFound, "Meeting not found");
    return RoomMeeting{std::move(*room), std::move(*meeting)};
  };

  // --- GET /v1/rooms/{room_name}/meetings/{meeting_id} ---
  routes.Add(http::Method::kGet, "/v1/rooms/{room_name}/meetings/{meeting_id}",
             {{"summary", "One meeting of the room"},
              {"tags", {"meetings"}},
              {"responses",
               {{"200", MeetingResponseDoc()},
                {"404", ErrorResponseDoc("Room not found / Meeting not found")}}}},
             [ctx, find_room_meeting](http::Request& request) {
               auto caller = OptionalCaller(*ctx, request);
               if (!caller) return ErrorResponse(caller.error());
               auto session = ctx->db.Acquire();
               auto found = find_room_meeting(session, request);
               if (!found) return ErrorResponse(found.error());
               return http::Response::Json(
                   200, MeetingForCaller(found->meeting, IsOwner(*caller, found->room)));
             });

  // --- POST /v1/rooms/{room_name}/meetings/{meeting_id}/join ---
  routes.Add(
      http::Method::kPost, "/v1/rooms/{room_name}/meetings/{meeting_id}/join",
      {{"summary", "Join a meeting"},
       {"description",
        "The meeting to join. On Daily.co, an authenticated caller's room_url carries a meeting "
        "token as the `t` query parameter (is_owner for the room owner)."},
       {"tags", {"meetings"}},
       {"responses",
        {{"200", MeetingResponseDoc()},
         {"400", ErrorResponseDoc("Meeting is not active / Meeting has ended")},
         {"404", ErrorResponseDoc("Room not found / Meeting not found")},
         {"502", ErrorResponseDoc("Daily.co answered with an error")},
         {"503", ErrorResponseDoc("Daily.co is not configured")}}}},
      [ctx, find_room_meeting](http::Request& request) {
        auto caller = OptionalCaller(*ctx, request);
        if (!caller) return ErrorResponse(caller.error());
        auto session = ctx->db.Acquire();
        auto found = find_room_meeting(session, request);
        if (!found) return ErrorResponse(found.error());
        const store::Room& room = found->room;
        store::Meeting& meeting = found->meeting;
        if (!meeting.is_active) {
          return ErrorResponse(Error{Code::kInvalidArgument, "Meeting is not active", {}, 0});
        }
        if (meeting.end_date <= ctx->clock.Now()) {
          return ErrorResponse(Error{Code::kInvalidArgument, "Meeting has ended", {}, 0});
        }
        const bool owner = IsOwner(*caller, room);
        if (meeting.platform == platforms::kDaily && caller->has_value()) {
          auto daily = ctx->platforms.GetAs<platforms::DailyClient>(platforms::kDaily);
          if (!daily) return ErrorResponse(daily.error());
          // Reference §2.4: the recording UI is for local recording, or for cloud recording in
          // rooms that skip the consent dialog.
          const bool enable_recording_ui = room.recording_type == "local" ||
                                           (room.recording_type == "cloud" && room.skip_consent);
          auto token = (*daily)->CreateMeetingToken(meeting.room_name, (*caller)->user_id, owner,
                                                    enable_recording_ui);
          if (!token) return ErrorResponse(ProviderError(std::move(token.error())));
          meeting.room_url = platforms::AppendTokenToUrl(meeting.room_url, *token);
        }
        return http::Response::Json(200, MeetingForCaller(meeting, owner));
      });

  // --- PATCH /v1/meetings/{meeting_id}/deactivate ---
  routes.Add(
      http::Method::kPatch, "/v1/meetings/{meeting_id}/deactivate",
      {{"summary", "Deactivate a meeting (room owner only)"},
       {"tags", {"meetings"}},
       {"responses",
        {{"200", JsonResponseDoc(
                     "Deactivated (or already inactive)",
                     {{"type", "object"},
                      {"properties",
                       {{"status", {{"type", "string"}}}, {"meeting_id", {{"type", "string"}}}}}})},
         {"401", ErrorResponseDoc("Not authenticated")},
         {"403", ErrorResponseDoc("Only the room owner can deactivate meetings")},
         {"404", ErrorResponseDoc("Meeting not found / Room not found")}}}},
      [ctx](http::Request& request) {
        auto caller = RequiredCaller(*ctx, request);
        if (!caller) return ErrorResponse(caller.error());
        const std::string meeting_id(request.PathParam("meeting_id"));
        json success = {{"status", "success"}, {"meeting_id", meeting_id}};
        auto session = ctx->db.Acquire();
        auto meeting = store::MeetingRepository::GetById(session, meeting_id);
        if (!meeting) return ErrorResponse(meeting.error());
        if (!meeting->is_active) return http::Response::Json(200, success);
        if (meeting->room_id.empty()) {
          return ErrorResponse(Error{Code::kNotFound, "Room not found", {}, 0});
        }
        auto room = store::RoomRepository::GetById(session, meeting->room_id);
        if (!room) return ErrorResponse(room.error());
        if (room->user_id != caller->user_id) {
          return ErrorResponse(
              Error{Code::kPermissionDenied, "Only the room owner can deactivate meetings", {}, 0});
        }
        if (auto done = store::MeetingRepository::Deactivate(session, meeting_id); !done) {
          return ErrorResponse(done.error());
        }
        return http::Response::Json(200, success);
      });

  // --- POST /v1/meetings/{meeting_id}/consent ---
  routes.Add(
      http::Method::kPost, "/v1/meetings/{meeting_id}/consent",
      {{"summary", "Record the caller's recording consent for a meeting"},
       {"description",
        "Authenticated callers have one consent per meeting (updated in place); anonymous "
        "callers add a row per call."},
       {"tags", {"meetings"}},
       {"requestBody", JsonBodyDoc({{"type", "object"},
                                    {"properties", {{"consent_given", {{"type", "boolean"}}}}},
                                    {"required", {"consent_given"}}},
                                   true)},
       {"responses",
        {{"200", JsonResponseDoc("Recorded", {{"type", "object"},
                                              {"properties",
                                               {{"status", {{"type", "string"}}},
                                                {"consent_id", {{"type", "string"}}}}}})},
         {"404", ErrorResponseDoc("Meeting not found")},
         {"422", ValidationErrorResponseDoc()}}}},
      [ctx](http::Request& request) {
        BodyReader body(request.body);
        auto given = body.Bool("consent_given", /*required=*/true);
        if (!body.errors().empty()) return body.errors().ToResponse();
        auto caller = OptionalCaller(*ctx, request);
        if (!caller) return ErrorResponse(caller.error());
        std::optional<std::string> user_id;
        if (*caller) user_id = (*caller)->user_id;
        auto session = ctx->db.Acquire();
        auto consent = store::ConsentRepository::Upsert(session, request.PathParam("meeting_id"),
                                                        user_id, *given, ctx->clock.Now());
        if (!consent) return ErrorResponse(consent.error());
        return http::Response::Json(200, {{"status", "success"}, {"consent_id", consent->id}});
      });

  // --- POST /v1/meetings/{meeting_id}/recordings/start ---
  auto limiter = std::make_shared<detail::RecordingStartLimiter>(context.clock);
  routes.Add(
      http::Method::kPost, "/v1/meetings/{meeting_id}/recordings/start",
      {{"summary", "Start a Daily.co recording of the meeting"},
       {"description",
        "Called by every participant's browser once joined: `cloud` with instanceId = meeting id, "
        "`raw-tracks` with its derived instanceId. A recording that already runs answers "
        "`already_active`. Anonymous callers allowed; rate limited per meeting (5 calls per 10 "
        "s)."},
       {"tags", {"meetings"}},
       {"requestBody",
        JsonBodyDoc({{"type", "object"},
                     {"properties",
                      {{"type", {{"type", "string"}, {"enum", {"cloud", "raw-tracks"}}}},
                       {"instanceId", {{"type", "string"}, {"format", "uuid"}}}}},
                     {"required", {"type", "instanceId"}}},
                    true)},
       {"responses",
        {{"200",
          JsonResponseDoc("Started, or already running",
                          {{"type", "object"},
                           {"properties",
                            {{"status", {{"type", "string"}, {"enum", {"ok", "already_active"}}}},
                             {"result", {{"type", "object"}}},
                             {"instanceId", {{"type", "string"}}}}}})},
         {"400", ErrorResponseDoc("The meeting is not a Daily.co meeting")},
         {"404", ErrorResponseDoc("Meeting not found")},
         {"422", ValidationErrorResponseDoc()},
         {"429", ErrorResponseDoc("Too many recording start requests for this meeting")},
         {"502", ErrorResponseDoc("Daily.co answered with an error")},
         {"503", ErrorResponseDoc("Daily.co is not configured")}}}},
      [ctx, limiter](http::Request& request) {
        BodyReader body(request.body);
        auto type = body.Enum("type", {"cloud", "raw-tracks"}, /*required=*/true);
        auto instance_id = body.String("instanceId", /*required=*/true);
        if (instance_id && !IsUuid(*instance_id)) {
          body.errors().Add({"body", "instanceId"},
                            "Input should be a valid UUID, invalid character: expected an "
                            "optional prefix of `urn:uuid:` followed by [0-9a-fA-F-]",
                            "uuid_parsing");
        }
        if (!body.errors().empty()) return body.errors().ToResponse();
        const std::string meeting_id(request.PathParam("meeting_id"));
        auto session = ctx->db.Acquire();
        auto meeting = store::MeetingRepository::GetById(session, meeting_id);
        if (!meeting) return ErrorResponse(meeting.error());
        if (!limiter->Allow(meeting_id)) {
          return ErrorResponse(Error{Code::kResourceExhausted,
                                     "Too many recording start requests for this meeting",
                                     {},
                                     0});
        }
        if (meeting->platform != platforms::kDaily) {
          return ErrorResponse(
              Error{Code::kInvalidArgument,
                    "Recording start is only available for Daily.co meetings (this meeting uses " +
                        meeting->platform + ")",
                    {},
                    0});
        }
        auto daily = ctx->platforms.GetAs<platforms::DailyClient>(platforms::kDaily);
        if (!daily) return ErrorResponse(daily.error());
        auto outcome = (*daily)->StartRecording(meeting->room_name, *type, *instance_id);
        if (!outcome) {
          Error error = ProviderError(std::move(outcome.error()));
          // Reference §5.3: the frontend retries when this text says the room has no call yet.
          error.message = "Failed to start recording: " + error.message;
          return ErrorResponse(error);
        }
        if (outcome->already_active) {
          return http::Response::Json(200,
                                      {{"status", "already_active"}, {"instanceId", *instance_id}});
        }
        return http::Response::Json(200, {{"status", "ok"}, {"result", outcome->result}});
      });
}

}  // namespace reflector::api
