#include "api/rooms_routes.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/auth_backends.hpp"
#include "api/calendar_routes.hpp"
#include "api/errors.hpp"
#include "api/json_models.hpp"
#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "net/curl_transport.hpp"
#include "platforms/selection.hpp"
#include "store/rooms.hpp"

namespace reflector::api {

namespace {

using nlohmann::json;

const std::vector<std::string> kRoomModes = {"normal", "group"};
const std::vector<std::string> kRecordingTypes = {"none", "local", "cloud"};
const std::vector<std::string> kRecordingTriggers = {"none", "prompt", "automatic",
                                                     "automatic-2nd-participant"};

constexpr size_t kResponsePreviewChars = 500;
constexpr auto kWebhookTimeout = std::chrono::seconds(10);

// --- Caller ---

// Authenticates the request. On failure returns the response to send: the authenticator's error
// (401 for bad credentials), or 401 "Not authenticated" when `required` and anonymous.
std::optional<http::Response> Authenticate(ApiContext& context, const http::Request& request,
                                           bool required, std::optional<Principal>& caller) {
  if (required) {
    auto user = RequireUser(context.auth, request);
    if (!user) return ErrorResponse(user.error());
    caller = std::move(*user);
    return std::nullopt;
  }
  auto user = OptionalUser(context.auth, request);
  if (!user) return ErrorResponse(user.error());
  caller = std::move(*user);
  return std::nullopt;
}

bool IsOwner(const std::optional<Principal>& caller, const store::Room& room) {
  return caller && caller->user_id == room.user_id;
}

// --- Request bodies ---

// The fields shared by create and update; each is set only when present (and valid) in the body.
struct RoomFields {
  std::optional<std::string> name;
  std::optional<bool> zulip_auto_post;
  std::optional<std::string> zulip_stream;
  std::optional<std::string> zulip_topic;
  std::optional<bool> is_locked;
  std::optional<std::string> room_mode;
  std::optional<std::string> recording_type;
  std::optional<std::string> recording_trigger;
  std::optional<bool> is_shared;
  std::optional<std::optional<std::string>> webhook_url;
  std::optional<std::optional<std::string>> webhook_secret;
  std::optional<std::optional<std::string>> ics_url;
  std::optional<int64_t> ics_fetch_interval;
  std::optional<bool> ics_enabled;
  std::optional<std::string> platform;
  std::optional<bool> skip_consent;
};

// Reads and validates every field; errors are collected in `body.errors()`.
RoomFields ReadRoomFields(BodyReader& body, bool name_required,
                          const std::vector<std::string>& platforms) {
  RoomFields f;
  f.name = body.String("name", name_required);
  if (f.name && f.name->empty()) {
    body.errors().Add({"body", "name"}, "String should have at least 1 character",
                      "string_too_short");
    f.name.reset();
  }
  f.zulip_auto_post = body.Bool("zulip_auto_post");
  // The reference's model defaults zulip_stream/topic to "", so null reads as "".
  if (body.IsNull("zulip_stream")) {
    f.zulip_stream = "";
  } else {
    f.zulip_stream = body.String("zulip_stream");
  }
  if (body.IsNull("zulip_topic")) {
    f.zulip_topic = "";
  } else {
    f.zulip_topic = body.String("zulip_topic");
  }
  f.is_locked = body.Bool("is_locked");
  f.room_mode = body.Enum("room_mode", kRoomModes);
  f.recording_type = body.Enum("recording_type", kRecordingTypes);
  f.recording_trigger = body.Enum("recording_trigger", kRecordingTriggers);
  f.is_shared = body.Bool("is_shared");
  f.webhook_url = body.NullableString("webhook_url");
  f.webhook_secret = body.NullableString("webhook_secret");
  f.ics_url = body.NullableString("ics_url");
  f.ics_fetch_interval = body.Int("ics_fetch_interval");
  if (f.ics_fetch_interval && *f.ics_fetch_interval < 1) {
    body.errors().Add({"body", "ics_fetch_interval"}, "Input should be greater than or equal to 1",
                      "greater_than_equal");
    f.ics_fetch_interval.reset();
  }
  f.ics_enabled = body.Bool("ics_enabled");
  f.platform = body.Enum("platform", platforms);
  f.skip_consent = body.Bool("skip_consent");
  return f;
}

// Writes the present fields onto `room`. A webhook URL without a secret gets a generated one
// (reference §4.1); on update an existing secret is kept rather than silently rotated.
void ApplyRoomFields(const RoomFields& f, store::Room& room) {
  if (f.name) room.name = *f.name;
  if (f.zulip_auto_post) room.zulip_auto_post = *f.zulip_auto_post;
  if (f.zulip_stream) room.zulip_stream = *f.zulip_stream;
  if (f.zulip_topic) room.zulip_topic = *f.zulip_topic;
  if (f.is_locked) room.is_locked = *f.is_locked;
  if (f.room_mode) room.room_mode = *f.room_mode;
  if (f.recording_type) room.recording_type = *f.recording_type;
  if (f.recording_trigger) room.recording_trigger = *f.recording_trigger;
  if (f.is_shared) room.is_shared = *f.is_shared;
  if (f.webhook_url) room.webhook_url = *f.webhook_url;
  if (f.webhook_secret) room.webhook_secret = *f.webhook_secret;
  if (f.ics_url) room.ics_url = *f.ics_url;
  if (f.ics_fetch_interval) room.ics_fetch_interval = *f.ics_fetch_interval;
  if (f.ics_enabled) room.ics_enabled = *f.ics_enabled;
  if (f.platform) room.platform = *f.platform;
  if (f.skip_consent) room.skip_consent = *f.skip_consent;
  const bool has_url = room.webhook_url && !room.webhook_url->empty();
  const bool has_secret = room.webhook_secret && !room.webhook_secret->empty();
  if (has_url && !has_secret) room.webhook_secret = RandomUrlSafeToken(32);
}

// --- OpenAPI ---

json RoomProperties() {
  const json nullable_string = {{"type", "string"}, {"nullable", true}};
  return {{"id", {{"type", "string"}}},
          {"name", {{"type", "string"}}},
          {"user_id", {{"type", "string"}}},
          {"created_at", {{"type", "string"}, {"format", "date-time"}}},
          {"zulip_auto_post", {{"type", "boolean"}}},
          {"zulip_stream", {{"type", "string"}}},
          {"zulip_topic", {{"type", "string"}}},
          {"is_locked", {{"type", "boolean"}}},
          {"room_mode", {{"type", "string"}, {"enum", kRoomModes}}},
          {"recording_type", {{"type", "string"}, {"enum", kRecordingTypes}}},
          {"recording_trigger", {{"type", "string"}, {"enum", kRecordingTriggers}}},
          {"is_shared", {{"type", "boolean"}}},
          {"ics_url", nullable_string},
          {"ics_fetch_interval", {{"type", "integer"}}},
          {"ics_enabled", {{"type", "boolean"}}},
          {"ics_last_sync", {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}},
          {"ics_last_etag", nullable_string},
          {"platform", {{"type", "string"}}},
          {"skip_consent", {{"type", "boolean"}}}};
}

json RoomInputSchema(const std::vector<std::string>& platforms, bool for_create) {
  const json nullable_string = {{"type", "string"}, {"nullable", true}};
  json props = {
      {"name", {{"type", "string"}, {"minLength", 1}}},
      {"zulip_auto_post", {{"type", "boolean"}, {"default", false}}},
      {"zulip_stream", {{"type", "string"}, {"default", ""}}},
      {"zulip_topic", {{"type", "string"}, {"default", ""}}},
      {"is_locked", {{"type", "boolean"}, {"default", false}}},
      {"room_mode", {{"type", "string"}, {"enum", kRoomModes}, {"default", "normal"}}},
      {"recording_type", {{"type", "string"}, {"enum", kRecordingTypes}, {"default", "cloud"}}},
      {"recording_trigger",
       {{"type", "string"},
        {"enum", kRecordingTriggers},
        {"default", "automatic-2nd-participant"}}},
      {"is_shared", {{"type", "boolean"}, {"default", false}}},
      {"webhook_url", nullable_string},
      {"webhook_secret",
       {{"type", "string"},
        {"nullable", true},
        {"description", "Generated (43 URL-safe characters) when webhook_url is set without one"}}},
      {"ics_url", nullable_string},
      {"ics_fetch_interval", {{"type", "integer"}, {"minimum", 1}, {"default", 300}}},
      {"ics_enabled", {{"type", "boolean"}, {"default", false}}},
      {"platform",
       {{"type", "string"},
        {"enum", platforms},
        {"description", "Defaults to DEFAULT_VIDEO_PLATFORM"}}},
      {"skip_consent", {{"type", "boolean"}, {"default", false}}}};
  json schema = {{"type", "object"}, {"properties", props}};
  if (for_create) schema["required"] = {"name"};
  return schema;
}

json JsonContent(const json& schema) { return {{"application/json", {{"schema", schema}}}}; }

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json JsonResponseDoc(const std::string& description, const json& schema) {
  return {{"description", description}, {"content", JsonContent(schema)}};
}

void AddRoomSchemas(ApiRoutes& routes, const std::vector<std::string>& platforms) {
  routes.AddSchema("Room", {{"type", "object"}, {"properties", RoomProperties()}});
  json details = RoomProperties();
  details["webhook_url"] = {{"type", "string"},
                            {"nullable", true},
                            {"description", "Null unless the caller owns the room"}};
  details["webhook_secret"] = {{"type", "string"},
                               {"nullable", true},
                               {"description", "Null unless the caller owns the room"}};
  routes.AddSchema("RoomDetails", {{"type", "object"}, {"properties", details}});
  routes.AddSchema("CreateRoom", RoomInputSchema(platforms, true));
  routes.AddSchema("UpdateRoom", RoomInputSchema(platforms, false));
  routes.AddSchema("WebhookTestResult",
                   {{"type", "object"},
                    {"properties",
                     {{"success", {{"type", "boolean"}}},
                      {"message", {{"type", "string"}}},
                      {"error", {{"type", "string"}}},
                      {"status_code", {{"type", "integer"}, {"nullable", true}}},
                      {"response_preview", {{"type", "string"}, {"nullable", true}}}}}});
  routes.AddSchema("PageRoomDetails",
                   {{"type", "object"},
                    {"properties",
                     {{"items", {{"type", "array"}, {"items", Ref("RoomDetails")}}},
                      {"total", {{"type", "integer"}}},
                      {"page", {{"type", "integer"}}},
                      {"size", {{"type", "integer"}}},
                      {"pages", {{"type", "integer"}}}}}});
}

// --- Webhook test ---

struct WebhookTestResult {
  bool success = false;
  std::string message;
  std::string error;
  std::optional<int> status_code;
  std::optional<std::string> response_preview;

  json ToJson() const {
    return {{"success", success},
            {"message", message},
            {"error", error},
            {"status_code", status_code ? json(*status_code) : json(nullptr)},
            {"response_preview", response_preview ? json(*response_preview) : json(nullptr)}};
  }
};

WebhookTestResult SendTestWebhook(const store::Room& room, ApiContext& context,
                                  net::HttpTransport& transport) {
  WebhookTestResult result;
  if (!room.webhook_url || room.webhook_url->empty()) {
    result.error = "No webhook URL configured";
    return result;
  }
  if (auto allowed = CheckWebhookTarget(*room.webhook_url, context.config.download_allowed_hosts);
      !allowed) {
    result.error = allowed.error().code == Code::kUnavailable
                       ? "Could not connect to webhook URL: " + allowed.error().message
                       : allowed.error().message;
    return result;
  }

  const TimePoint now = context.clock.Now();
  std::string event_id = NewUuid4();
  std::erase(event_id, '-');
  // Key order as the reference sends it (the signature covers the exact bytes either way).
  nlohmann::ordered_json payload;
  payload["event"] = "test";
  payload["event_id"] = event_id;
  payload["timestamp"] = FormatIso8601(now);
  payload["message"] = "This is a test webhook from Reflector";
  payload["room"] = {{"id", room.id}, {"name", room.name}};
  const std::string body = payload.dump();

  net::OutboundRequest request;
  request.method = "POST";
  request.url = *room.webhook_url;
  request.body = body;
  request.timeout = kWebhookTimeout;
  request.headers = {{"Content-Type", "application/json"},
                     {"User-Agent", "Reflector-Webhook/1.0"},
                     {"X-Webhook-Event", "test"},
                     {"X-Webhook-Retry", "0"}};
  if (room.webhook_secret && !room.webhook_secret->empty()) {
    request.headers.push_back(
        {"X-Webhook-Signature",
         WebhookSignatureHeader(*room.webhook_secret, ToUnixSeconds(now), body)});
  }

  auto response = transport.Send(request);
  if (!response) {
    const Error& error = response.error();
    switch (error.code) {
      case Code::kDeadlineExceeded:
        result.error = "Webhook request timed out (10 seconds)";
        break;
      case Code::kUnavailable:
        result.error = "Could not connect to webhook URL: " + error.message;
        break;
      default:
        result.error = "Unexpected error: " + error.message;
        break;
    }
    return result;
  }
  result.success = response->status >= 200 && response->status < 300;
  result.status_code = response->status;
  result.message = result.success ? "Webhook test successful" : "Webhook test failed";
  if (!response->body.empty()) {
    result.response_preview = response->body.substr(0, kResponsePreviewChars);
  }
  return result;
}

// --- URL host parsing and address checks ---

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsPrivateV4(uint32_t host_order) {
  const uint32_t a = host_order >> 24;
  const uint32_t b = (host_order >> 16) & 0xff;
  return a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) ||
         (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168) ||
         (a == 100 && b >= 64 && b <= 127);
}

bool IsPrivateAddress(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(addr);
    return IsPrivateV4(ntohl(v4->sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(addr);
    const unsigned char* b = v6->sin6_addr.s6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) || IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr)) {
      return true;
    }
    if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      const uint32_t v4 = (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) |
                          (uint32_t{b[14]} << 8) | uint32_t{b[15]};
      return IsPrivateV4(v4);
    }
    return false;
  }
  return true;  // unknown families are not reachable over http anyway
}

struct HostPort {
  std::string host;  // lowercase, without brackets
  std::string port;  // may be empty
};

Result<HostPort> ParseHttpHost(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Err(Code::kInvalidArgument, "Webhook URL is not an absolute http(s) URL");
  }
  const std::string scheme = Lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return Err(Code::kInvalidArgument, "Webhook URL must use http or https");
  }
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  HostPort out;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return Err(Code::kInvalidArgument, "Webhook URL has a malformed host");
    }
    out.host = Lower(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      out.port = std::string(authority.substr(close + 2));
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = Lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  }
  if (out.host.empty()) return Err(Code::kInvalidArgument, "Webhook URL has no host");
  return out;
}

// --- Handlers ---

class RoomHandlers {
 public:
  RoomHandlers(ApiContext& context, net::HttpTransport& transport)
      : context_(context), transport_(transport) {}

  http::Response List(http::Request& request) {
    std::optional<Principal> caller;
    if (auto denied = Authenticate(context_, request, true, caller)) return *denied;
    ValidationErrors errors;
    auto page = QueryInt(request, "page", 1, 1, 1'000'000'000, errors);
    auto size = QueryInt(request, "size", 50, 1, 100, errors);
    if (!errors.empty()) return errors.ToResponse();
    auto session = context_.db.Acquire();
    auto listed = store::RoomRepository::List(session, caller->user_id, /*include_shared=*/true,
                                              static_cast<int>(*page), static_cast<int>(*size));
    if (!listed) return ErrorResponse(listed.error());
    return http::Response::JsonText(200, PageJson(listed->total, static_cast<int>(*page),
                                                  static_cast<int>(*size), [&](JsonWriter& w) {
                                                    for (const auto& room : listed->items) {
                                                      WriteRoomDetails(w, room,
                                                                       IsOwner(caller, room));
                                                    }
                                                  }));
  }

  http::Response GetById(http::Request& request) {
    std::optional<Principal> caller;
    if (auto denied = Authenticate(context_, request, false, caller)) return *denied;
    auto session = context_.db.Acquire();
    auto room = store::RoomRepository::GetById(session, request.PathParam("room_id"));
    if (!room) return ErrorResponse(room.error());
    const bool owner = IsOwner(caller, *room);
    if (!owner && !room->is_shared) return http::Response::Detail(403, "Room access denied");
    return http::Response::Json(200, RoomDetailsToJson(*room, owner));
  }

  http::Response GetByName(http::Request& request) {
    std::optional<Principal> caller;
    if (auto denied = Authenticate(context_, request, false, caller)) return *denied;
    auto session = context_.db.Acquire();
    auto room = store::RoomRepository::GetByName(session, request.PathParam("room_name"));
    if (!room) return ErrorResponse(room.error());
    return http::Response::Json(200, RoomDetailsToJson(*room, IsOwner(caller, *room)));
  }

  http::Response Create(http::Request& request) {
    std::optional<Principal> caller;
    if (auto denied = Authenticate(context_, request, true, caller)) return *denied;
    BodyReader body(request.body);
    RoomFields fields = ReadRoomFields(body, /*name_required=*/true, context_.platforms.Names());
    if (!body.errors().empty()) return body.errors().ToResponse();

    store::Room room;
    room.user_id = caller->user_id;
    room.created_at = context_.clock.Now();
    room.platform = platforms::DefaultPlatformForNewRoom(context_.config.platforms);
    ApplyRoomFields(fields, room);
    auto session = context_.db.Acquire();
    auto created = store::RoomRepository::Create(session, std::move(room));
    if (!created) return ErrorResponse(created.error());
    // Create answers with Room (reference §5.2); the caller is the owner, so RoomDetails adds
    // the webhook fields the client just set, including a generated secret it needs to know.
    return http::Response::Json(200, RoomDetailsToJson(*created, true));
  }

  http::Response Update(http::Request& request) {
    std::optional<Principal> caller;
    if (auto denied = Authenticate(context_, request, true, caller)) return *denied;
    BodyReader body(request.body);
    RoomFields fields = ReadRoomFields(body, /*name_required=*/false, context_.platforms.Names());
    if (!body.errors().empty()) return body.errors().ToResponse();

    auto session = context_.db.Acquire();
    auto tx = session.Begin(store::TxMode::kWrite);
    if (!tx) return ErrorResponse(tx.error());
    auto room = store::RoomRepository::GetById(session, request.PathParam("room_id"));
    if (!room) return ErrorResponse(room.error());
    if (!IsOwner(caller, *room)) return http::Response::Detail(403, "Not authorized");
    ApplyRoomFields(fields, *room);
    if (auto updated = store::RoomRepository::Update(session, *room); !updated) {
      return ErrorResponse(updated.error());
    }
    if (auto committed = tx->Commit(); !committed) return ErrorResponse(committed.error());
    return http::Response::Json(200, RoomDetailsToJson(*room, true));
  }

  http::Response Delete(http::Request& request) {
    std::optional<Principal> caller;
    if (auto denied = Authenticate(context_, request, true, caller)) return *denied;
    auto session = context_.db.Acquire();
    auto tx = session.Begin(store::TxMode::kWrite);
    if (!tx) return ErrorResponse(tx.error());
    auto room = store::RoomRepository::GetById(session, request.PathParam("room_id"));
    if (!room) return ErrorResponse(room.error());
    if (!IsOwner(caller, *room)) return http::Response::Detail(403, "Not authorized");
    if (auto deleted = store::RoomRepository::Delete(session, room->id); !deleted) {
      return ErrorResponse(deleted.error());
    }
    if (auto committed = tx->Commit(); !committed) return ErrorResponse(committed.error());
    return http::Response::Json(200, {{"status", "ok"}});
  }

  http::Response TestWebhook(http::Request& request) {
    std::optional<Principal> caller;
    if (auto denied = Authenticate(context_, request, true, caller)) return *denied;
    std::optional<store::Room> room;
    {
      // The session goes back to the pool before the (up to 10 s) outbound call.
      auto session = context_.db.Acquire();
      auto found = store::RoomRepository::GetById(session, request.PathParam("room_id"));
      if (!found) return ErrorResponse(found.error());
      room = std::move(*found);
    }
    if (!IsOwner(caller, *room)) {
      return http::Response::Detail(403, "Not authorized to test this room's webhook");
    }
    return http::Response::Json(200, SendTestWebhook(*room, context_, transport_).ToJson());
  }

 private:
  ApiContext& context_;
  net::HttpTransport& transport_;
};

void Register(ApiRoutes& routes, ApiContext& context, net::HttpTransport& transport,
              const std::shared_ptr<net::HttpTransport>& owned_transport) {
  const auto platforms = context.platforms.Names();
  AddRoomSchemas(routes, platforms);
  auto handlers = std::make_shared<RoomHandlers>(context, transport);
  auto bind = [handlers, owned_transport](http::Response (RoomHandlers::*method)(http::Request&)) {
    return [handlers, owned_transport, method](http::Request& request) {
      return ((*handlers).*method)(request);
    };
  };

  const json unauthenticated = ErrorResponseDoc("Not authenticated");
  const json not_found = ErrorResponseDoc("Room not found");
  const json validation = ValidationErrorResponseDoc();

  routes.Add(
      http::Method::kGet, "/v1/rooms",
      {{"summary", "List the caller's rooms and shared rooms, newest first"},
       {"tags", {"rooms"}},
       {"parameters",
        {{{"name", "page"},
          {"in", "query"},
          {"required", false},
          {"schema", {{"type", "integer"}, {"minimum", 1}, {"default", 1}}}},
         {{"name", "size"},
          {"in", "query"},
          {"required", false},
          {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 50}}}}}},
       {"responses",
        {{"200", JsonResponseDoc("A page of rooms; webhook fields only on own rooms",
                                 Ref("PageRoomDetails"))},
         {"401", unauthenticated},
         {"422", validation}}}},
      bind(&RoomHandlers::List));

  routes.Add(http::Method::kGet, "/v1/rooms/{room_id}",
             {{"summary", "Get a room by id (own or shared)"},
              {"tags", {"rooms"}},
              {"responses",
               {{"200", JsonResponseDoc("The room; webhook fields only for its owner",
                                        Ref("RoomDetails"))},
                {"401", ErrorResponseDoc("Invalid credentials")},
                {"403", ErrorResponseDoc("Room access denied")},
                {"404", not_found}}}},
             bind(&RoomHandlers::GetById));

  routes.Add(http::Method::kGet, "/v1/rooms/name/{room_name}",
             {{"summary", "Get a room by name"},
              {"tags", {"rooms"}},
              {"responses",
               {{"200", JsonResponseDoc("The room; webhook fields only for its owner",
                                        Ref("RoomDetails"))},
                {"401", ErrorResponseDoc("Invalid credentials")},
                {"404", not_found}}}},
             bind(&RoomHandlers::GetByName));

  routes.Add(http::Method::kPost, "/v1/rooms",
             {{"summary", "Create a room"},
              {"description",
               "Only `name` is required; other fields take the Reflector defaults, `platform` "
               "DEFAULT_VIDEO_PLATFORM. A webhook_url without webhook_secret gets a generated "
               "secret."},
              {"tags", {"rooms"}},
              {"requestBody", {{"required", true}, {"content", JsonContent(Ref("CreateRoom"))}}},
              {"responses",
               {{"200", JsonResponseDoc("The created room", Ref("RoomDetails"))},
                {"401", unauthenticated},
                {"409", ErrorResponseDoc("Room name is not unique")},
                {"422", validation}}}},
             bind(&RoomHandlers::Create));

  routes.Add(http::Method::kPatch, "/v1/rooms/{room_id}",
             {{"summary", "Update some fields of a room (owner only)"},
              {"description", "Only the fields present in the body are written."},
              {"tags", {"rooms"}},
              {"requestBody", {{"required", true}, {"content", JsonContent(Ref("UpdateRoom"))}}},
              {"responses",
               {{"200", JsonResponseDoc("The updated room", Ref("RoomDetails"))},
                {"401", unauthenticated},
                {"403", ErrorResponseDoc("Not authorized")},
                {"404", not_found},
                {"409", ErrorResponseDoc("Room name is not unique")},
                {"422", validation}}}},
             bind(&RoomHandlers::Update));

  routes.Add(
      http::Method::kDelete, "/v1/rooms/{room_id}",
      {{"summary", "Delete a room and its meetings, calendar events and sessions (owner only)"},
       {"tags", {"rooms"}},
       {"responses",
        {{"200",
          JsonResponseDoc("Deleted",
                          {{"type", "object"},
                           {"properties", {{"status", {{"type", "string"}, {"enum", {"ok"}}}}}}})},
         {"401", unauthenticated},
         {"403", ErrorResponseDoc("Not authorized")},
         {"404", not_found}}}},
      bind(&RoomHandlers::Delete));

  routes.Add(http::Method::kPost, "/v1/rooms/{room_id}/webhook/test",
             {{"summary", "Send a signed `test` event to the room's webhook (owner only)"},
              {"description",
               "One attempt, 10 s timeout. The outcome (including connection errors) is in the "
               "body. Hosts resolving to private addresses are refused unless listed in "
               "DOWNLOAD_ALLOWED_HOSTS."},
              {"tags", {"rooms"}},
              {"responses",
               {{"200", JsonResponseDoc("Outcome of the test call", Ref("WebhookTestResult"))},
                {"401", unauthenticated},
                {"403", ErrorResponseDoc("Not authorized to test this room's webhook")},
                {"404", not_found}}}},
             bind(&RoomHandlers::TestWebhook));

  RegisterCalendarRoutes(routes, context);
}

}  // namespace

std::string WebhookSignatureHeader(std::string_view secret, int64_t unix_seconds,
                                   std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string message = t;
  message += '.';
  message += body;
  return "t=" + t + ",v1=" + HexEncode(HmacSha256(secret, message));
}

Status CheckWebhookTarget(std::string_view url, const std::vector<std::string>& allowed_hosts) {
  auto parsed = ParseHttpHost(url);
  if (!parsed) return Err(parsed.error());
  for (const auto& allowed : allowed_hosts) {
    const std::string entry = Lower(allowed);
    if (entry == parsed->host ||
        (!parsed->port.empty() && entry == parsed->host + ":" + parsed->port)) {
      return Ok();
    }
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(parsed->host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) {
    return Err(Code::kUnavailable, "cannot resolve host " + parsed->host, gai_strerror(rc));
  }
  bool refused = false;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_addr == nullptr || IsPrivateAddress(a->ai_addr)) refused = true;
  }
  freeaddrinfo(found);
  if (refused) {
    return Err(Code::kPermissionDenied,
               "Webhook URL resolves to a private address; list the host in "
               "DOWNLOAD_ALLOWED_HOSTS to allow it");
  }
  return Ok();
}

void RegisterRoomRoutes(ApiRoutes& routes, ApiContext& context) {
  auto transport = std::make_shared<net::CurlTransport>();
  Register(routes, context, *transport, transport);
}

void RegisterRoomRoutes(ApiRoutes& routes, ApiContext& context,
                        net::HttpTransport& webhook_transport) {
  Register(routes, context, webhook_transport, nullptr);
}

}  // namespace reflector::api
