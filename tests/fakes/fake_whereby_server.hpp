// FakeWherebyServer: a loopback fake of the Whereby REST API (providers.md §2.1, Whereby's OpenAPI
// in the whereby/docs repository) for black-box tests of the Whereby client through the real
// CurlTransport.
//
// It listens on 127.0.0.1 (port chosen by the OS) on its own threads from construction until
// destruction, serves Whereby's paths under /v1 (so api_url() is a drop-in WHEREBY_API_URL) and
// speaks Whereby's wire format:
//   POST   /v1/meetings                         201 Meeting {meetingId, roomName, roomUrl,
//                                               startDate, endDate, hostRoomUrl?, viewerRoomUrl?}
//                                               (the optional URLs only when asked for in
//                                               `fields`). roomName = "/" + roomNamePrefix + uuid
//                                               (Whereby adds no separator of its own). The body is
//                                               validated: endDate required, ISO-8601, not before
//                                               now; isLocked bool; roomMode normal|group;
//                                               roomNamePrefix `[a-z0-9-]{0,39}`; roomNamePattern
//                                               uuid|human-short; fields ⊆ {hostRoomUrl,
//                                               viewerRoomUrl}; recording {type none|local|cloud,
//                                               destination {provider s3|whereby; s3 needs bucket,
//                                               accessKeyId, accessKeySecret; fileFormat mkv|mp4},
//                                               startTrigger none|prompt|automatic|
//                                               automatic-2nd-participant}; unknown fields → 400.
//   GET    /v1/meetings/:meetingId[?fields=]    the Meeting, or 404 for an unknown/deleted one
//   DELETE /v1/meetings/:meetingId              204, also for an unknown one (idempotent)
//   GET    /v1/insights/room-sessions?roomName= {"results":[{roomSessionId, roomName, startedAt,
//          [&limit=&cursor=]                    endedAt|null, totalParticipantMinutes, …}],
//                                               "cursor": "<next>"|null}; limit 1..100 (default 10
//                                               as Whereby); roomName required
//   PUT    /v1/rooms/:roomName/theme/logo       multipart/form-data with a file field `image` →
//                                               204; roomName without its "/" must name a meeting
//                                               (else 404)
//   GET    /v1/recordings/:id/access-link       {"accessLink", "expires" (Unix ms)};
//          [?validForSeconds=]                  validForSeconds 1..43200 (default 3600); unknown
//                                               recording → 404
// Authentication: anything but "Authorization: Bearer <api_key>" → 401
// {"error":"Access token is missing or invalid"}. Errors carry Whereby's {"error": "..."} body.
// Unknown paths → 404.
//
// Every request is recorded (also unauthenticated, scripted and unknown ones). Each route can be
// scripted: Script(kWherebyCreateMeeting, FakeWherebyServer::RateLimited(2)) answers the next
// matching request with that response instead of the real handler (scripts beat authentication
// too).
//
// Thread-safe: the test thread may inspect and script while the server answers.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace httplib {
class Server;
}

namespace reflector::fakes {

// Route identifiers for Script(): "<METHOD> <Whereby path pattern>".
inline constexpr std::string_view kWherebyCreateMeeting = "POST /meetings";
inline constexpr std::string_view kWherebyGetMeeting = "GET /meetings/:meetingId";
inline constexpr std::string_view kWherebyDeleteMeeting = "DELETE /meetings/:meetingId";
inline constexpr std::string_view kWherebyRoomSessions = "GET /insights/room-sessions";
inline constexpr std::string_view kWherebyUploadLogo = "PUT /rooms/:roomName/theme/logo";
inline constexpr std::string_view kWherebyAccessLink = "GET /recordings/:recordingId/access-link";

class FakeWherebyServer {
 public:
  struct Options {
    std::string api_key = "fake-whereby-api-key";
    std::string subdomain = "reflector-test";  // rooms live at https://<subdomain>.whereby.com/…
    // "Now" for endDate validation and access-link expiry; nullptr = the system clock. Must
    // outlive the server.
    const Clock* clock = nullptr;
  };

  // One part of a multipart/form-data body.
  struct Part {
    std::string name;
    std::string filename;
    std::string content_type;
    std::string content;
  };

  // A request as the server saw it.
  struct Request {
    std::string route;  // the route identifier it matched (e.g. "POST /meetings"), or "" if none
    std::string method;
    std::string target;  // raw request target as sent, still percent-encoded: "/v1/x?a=%2F"
    std::string path;    // decoded, including the /v1 prefix: "/v1/meetings/12"
    std::multimap<std::string, std::string> query;    // decoded parameters
    std::multimap<std::string, std::string> headers;  // names lowercased
    std::string body;         // raw body; empty for multipart bodies (see parts)
    nlohmann::json json;      // the body parsed; null when empty or not JSON
    std::vector<Part> parts;  // multipart/form-data parts, in field-name order

    // First value of the header (case-insensitive name).
    std::optional<std::string> header(std::string_view name) const;
    // First value of the query parameter.
    std::optional<std::string> param(std::string_view name) const;
    // The multipart part with this field name.
    std::optional<Part> part(std::string_view name) const;
  };

  // A canned answer for Script().
  struct Response {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // Content-Type defaults to JSON
  };

  // Canned answers shaped like Whereby's.
  // 429 with Retry-After, X-RateLimit-* and {"error": "...", "data": {"msLeft": …}}.
  static Response RateLimited(int retry_after_seconds);
  // `status` with {"error": message}.
  static Response Error(int status, std::string message);
  // 200 with a body that is not JSON.
  static Response MalformedJson();

  FakeWherebyServer();
  explicit FakeWherebyServer(Options options);
  ~FakeWherebyServer();  // stops the server and joins its thread

  FakeWherebyServer(const FakeWherebyServer&) = delete;
  FakeWherebyServer& operator=(const FakeWherebyServer&) = delete;

  // "http://127.0.0.1:<port>/v1": the value for WHEREBY_API_URL.
  std::string api_url() const;
  int port() const { return port_; }
  const std::string& api_key() const { return options_.api_key; }

  // ---- Scripting ----

  // The next `times` requests matching `route` (one of the kWhereby* identifiers) get `response`.
  // Scripts for one route queue up in call order.
  void Script(std::string_view route, Response response, int times = 1);
  // Scripted responses not used yet.
  size_t pending_scripts() const;
  // Caps the page size of room-sessions below the requested limit (0 = no cap), to exercise
  // cursor pagination with few sessions.
  void SetMaxPageSize(int max_page_size);

  // ---- Seeding state ----

  // Adds a session to a room's insights; `roomName` is filled in, the rest is stored verbatim
  // (use Session() for a real-shaped one). The room need not exist (insights outlive rooms).
  void AddRoomSession(const std::string& room_name, nlohmann::json session);
  // A real-shaped room-session object; `ended_at` empty → null (still running).
  static nlohmann::json Session(const std::string& id, const std::string& started_at,
                                const std::string& ended_at = "", int participant_minutes = 0);
  // Makes a cloud recording with this id known to the access-link endpoint.
  void AddRecording(const std::string& recording_id);

  // ---- Inspecting ----

  std::vector<Request> requests() const;
  // Requests that matched `route`.
  std::vector<Request> requests(std::string_view route) const;
  size_t request_count() const;
  void ClearRequests();

  // The stored meeting: the Meeting with every URL (hostRoomUrl, viewerRoomUrl) plus "request",
  // the POST /meetings body that created it; nullopt once deleted.
  std::optional<nlohmann::json> meeting(const std::string& meeting_id) const;
  size_t meeting_count() const;
  // The last logo uploaded for a room (room name with or without its leading "/").
  std::optional<Part> logo(const std::string& room_name) const;

 private:
  struct Reply {
    int status = 200;
    nlohmann::json body;  // null → empty body
    std::vector<std::pair<std::string, std::string>> headers;
  };
  struct Context;  // one request being handled
  using RouteHandler = Reply (FakeWherebyServer::*)(const Context&);

  void Route(std::string_view method, std::string_view route, const std::string& pattern,
             RouteHandler handler);
  TimePoint Now() const;

  // Handlers; called with mu_ held.
  Reply CreateMeeting(const Context& ctx);
  Reply GetMeeting(const Context& ctx);
  Reply DeleteMeeting(const Context& ctx);
  Reply RoomSessions(const Context& ctx);
  Reply UploadLogo(const Context& ctx);
  Reply AccessLink(const Context& ctx);

  const Options options_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::vector<Request> requests_;                                      // guarded by mu_
  std::map<std::string, std::vector<Response>, std::less<>> scripts_;  // guarded by mu_
  std::map<std::string, nlohmann::json> meetings_;  // meetingId → Meeting; guarded by mu_
  std::map<std::string, std::vector<nlohmann::json>> sessions_;  // roomName → sessions; mu_
  std::map<std::string, Part> logos_;       // roomName ("/x") → logo; guarded by mu_
  std::map<std::string, bool> recordings_;  // known recording ids; guarded by mu_
  int max_page_size_ = 0;                   // guarded by mu_
  long long next_meeting_id_ = 87'000'001;  // guarded by mu_
};

}  // namespace reflector::fakes
