// FakeDailyServer: a loopback fake of the Daily.co REST API (providers.md §1) for black-box tests
// of the Daily client through the real CurlTransport.
//
// It listens on 127.0.0.1 (port chosen by the OS) on its own threads from construction until
// destruction, serves Daily's paths under /v1 (so api_url() is a drop-in DAILY_API_URL) and
// speaks Daily's wire format:
//   POST   /v1/rooms                          room object {id,name,api_created,privacy,url,
//                                             created_at,config}; name/privacy/properties checked
//   GET    /v1/rooms/:name                    room object, or 404 not-found
//   DELETE /v1/rooms/:name                    {"deleted":true,"name"}, or 404 not-found
//   GET    /v1/rooms/:name/presence           {"total_count","data":[{room,id,userId,userName,
//                                             joinTime,duration}]}
//   POST   /v1/meeting-tokens                 {"token": "<JWT-shaped string>"}
//   POST   /v1/rooms/:name/recordings/start   {"recordingId"}; the same instanceId (or type, when
//                                             no instanceId) twice → 400 "<room> has an active
//                                             stream"
//   GET    /v1/recordings[?room_name&limit&starting_after&ending_before]
//                                             {"total_count","data":[...]} newest first
//   GET    /v1/recordings/:id                 recording object, or 404
//   GET    /v1/recordings/:id/access-link     {"download_link","expires"} (a recording added with
//                                             "test_download_link" answers that link verbatim)
//   GET    /v1/webhooks                       bare array of webhook objects
//   POST   /v1/webhooks                       webhook object {uuid,url,hmac,basicAuth,retryType,
//                                             eventTypes,state,failedCount,lastMomentPushed,
//                                             domainId,createdAt,updatedAt}
//   DELETE /v1/webhooks/:uuid                 the deleted webhook, or 404
// Authentication as Daily does it: no or non-Bearer Authorization header → 400
// {"error":"authorization-header-error"}; a wrong key → 401 {"error":"authentication-error"}.
// Errors carry Daily's {"error": "...", "info": "..."} body. Unknown paths → 404.
//
// Every request is recorded (also unauthenticated, scripted and unknown ones). Each route can be
// scripted: Script(kDailyGetRoom, {429, ..., {{"Retry-After","1"}}}, 1) answers the next matching
// request with that response instead of the real handler (scripts beat authentication too).
//
// Thread-safe: the test thread may inspect and script while the server answers.
#pragma once

#include <chrono>
#include <cstdint>
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

namespace httplib {
class Server;
}

namespace reflector::fakes {

// Route identifiers for Script(): "<METHOD> <Daily path pattern>".
inline constexpr std::string_view kDailyCreateRoom = "POST /rooms";
inline constexpr std::string_view kDailyGetRoom = "GET /rooms/:name";
inline constexpr std::string_view kDailyDeleteRoom = "DELETE /rooms/:name";
inline constexpr std::string_view kDailyPresence = "GET /rooms/:name/presence";
inline constexpr std::string_view kDailyCreateToken = "POST /meeting-tokens";
inline constexpr std::string_view kDailyStartRecording = "POST /rooms/:name/recordings/start";
inline constexpr std::string_view kDailyListRecordings = "GET /recordings";
inline constexpr std::string_view kDailyGetRecording = "GET /recordings/:id";
inline constexpr std::string_view kDailyAccessLink = "GET /recordings/:id/access-link";
inline constexpr std::string_view kDailyListWebhooks = "GET /webhooks";
inline constexpr std::string_view kDailyCreateWebhook = "POST /webhooks";
inline constexpr std::string_view kDailyDeleteWebhook = "DELETE /webhooks/:uuid";

class FakeDailyServer {
 public:
  struct Options {
    std::string api_key = "fake-daily-api-key";
    std::string domain = "reflector-test";  // rooms live at https://<domain>.daily.co/<name>
    // As Daily does on POST /webhooks: POST the signed verification ping {"test":"test"} to the
    // webhook's url first (X-Webhook-Signature/-Timestamp with its hmac) and refuse with 400
    // unless the answer is a 200 within 5 s. Off by default (most tests have no receiver).
    bool ping_webhooks = false;
    // GET /rooms/:name/presence answers after this long: a slow Daily, for benchmarks.
    std::chrono::milliseconds presence_delay{0};
  };

  // A request as the server saw it.
  struct Request {
    std::string route;  // the route identifier it matched (e.g. "GET /rooms/:name"), or "" if none
    std::string method;
    std::string path;  // decoded, including the /v1 prefix: "/v1/rooms/abc"
    std::multimap<std::string, std::string> query;    // decoded parameters
    std::multimap<std::string, std::string> headers;  // names lowercased
    std::string body;
    nlohmann::json json;  // the body parsed; null when empty or not JSON

    // First value of the header (case-insensitive name).
    std::optional<std::string> header(std::string_view name) const;
    // First value of the query parameter.
    std::optional<std::string> param(std::string_view name) const;
  };

  // A canned answer for Script().
  struct Response {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // Content-Type defaults to JSON
  };

  FakeDailyServer();
  explicit FakeDailyServer(Options options);
  ~FakeDailyServer();  // stops the server and joins its thread

  FakeDailyServer(const FakeDailyServer&) = delete;
  FakeDailyServer& operator=(const FakeDailyServer&) = delete;

  // "http://127.0.0.1:<port>/v1": the value for DAILY_API_URL.
  std::string api_url() const;
  int port() const { return port_; }
  const std::string& api_key() const { return options_.api_key; }

  // ---- Scripting ----

  // The next `times` requests matching `route` (one of the kDaily* identifiers) get `response`.
  // Scripts for one route queue up in call order.
  void Script(std::string_view route, Response response, int times = 1);
  // Scripted responses not used yet.
  size_t pending_scripts() const;

  // ---- Seeding state (real Daily shapes, stored verbatim) ----

  // Adds a participant row to a room's presence; `room` is filled in. The room must exist.
  void AddParticipant(const std::string& room_name, nlohmann::json participant);
  // Adds a recording object as GET /recordings should return it (any shape, nulls included).
  void AddRecording(nlohmann::json recording);

  // ---- Inspecting ----

  std::vector<Request> requests() const;
  // Requests that matched `route`.
  std::vector<Request> requests(std::string_view route) const;
  size_t request_count() const;
  void ClearRequests();

  std::optional<nlohmann::json> room(const std::string& name) const;
  size_t room_count() const;
  std::optional<nlohmann::json> recording(const std::string& id) const;
  std::vector<nlohmann::json> webhooks() const;

 private:
  struct Reply {
    int status = 200;
    nlohmann::json body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  struct Context;  // one request being handled
  using RouteHandler = Reply (FakeDailyServer::*)(const Context&);

  void Route(std::string_view method, std::string_view route, const std::string& pattern,
             RouteHandler handler);

  // Handlers; called with mu_ held.
  Reply CreateRoom(const Context& ctx);
  Reply GetRoom(const Context& ctx);
  Reply DeleteRoom(const Context& ctx);
  Reply Presence(const Context& ctx);
  Reply CreateToken(const Context& ctx);
  Reply StartRecording(const Context& ctx);
  Reply ListRecordings(const Context& ctx);
  Reply GetRecording(const Context& ctx);
  Reply AccessLink(const Context& ctx);
  Reply ListWebhooks(const Context& ctx);
  Reply CreateWebhook(const Context& ctx);
  static std::optional<std::string> PingWebhook(const std::string& url,
                                                const std::string& hmac_base64);
  Reply DeleteWebhook(const Context& ctx);

  const Options options_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::vector<Request> requests_;                                      // guarded by mu_
  std::map<std::string, std::vector<Response>, std::less<>> scripts_;  // guarded by mu_
  std::map<std::string, nlohmann::json> rooms_;                        // guarded by mu_
  std::map<std::string, std::vector<nlohmann::json>> presence_;        // guarded by mu_
  std::map<std::string, std::vector<std::string>> active_streams_;     // room → instance ids
  std::vector<nlohmann::json> recordings_;  // insertion order; guarded by mu_
  std::vector<nlohmann::json> webhooks_;    // guarded by mu_
};

}  // namespace reflector::fakes
