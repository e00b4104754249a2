#include "fakes/fake_daily_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <stdexcept>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "core/time_format.hpp"

namespace reflector::fakes {
namespace {

using nlohmann::json;

const std::set<std::string_view> kRoutes = {
    kDailyCreateRoom,  kDailyGetRoom,        kDailyDeleteRoom,     kDailyPresence,
    kDailyCreateToken, kDailyStartRecording, kDailyListRecordings, kDailyGetRecording,
    kDailyAccessLink,  kDailyListWebhooks,   kDailyCreateWebhook,  kDailyDeleteWebhook,
};

// Room properties Daily accepts (providers.md §1.2; a subset of the documented list is enough
// to catch typos in what we send).
const std::set<std::string, std::less<>> kRoomProperties = {"nbf",
                                                            "exp",
                                                            "max_participants",
                                                            "enable_people_ui",
                                                            "enable_pip_ui",
                                                            "enable_emoji_reactions",
                                                            "enable_hand_raising",
                                                            "enable_prejoin_ui",
                                                            "enable_network_ui",
                                                            "enable_noise_cancellation_ui",
                                                            "enable_knocking",
                                                            "enable_chat",
                                                            "enable_screenshare",
                                                            "enable_video_processing_ui",
                                                            "start_video_off",
                                                            "start_audio_off",
                                                            "owner_only_broadcast",
                                                            "eject_at_room_exp",
                                                            "eject_after_elapsed",
                                                            "enable_recording",
                                                            "recordings_bucket",
                                                            "enable_transcription_storage",
                                                            "transcription_bucket",
                                                            "auto_transcription_settings",
                                                            "lang",
                                                            "geo",
                                                            "sfu_switchover",
                                                            "enable_advanced_chat",
                                                            "enable_breakout_rooms",
                                                            "enable_live_captions_ui",
                                                            "permissions"};
const std::set<std::string, std::less<>> kBooleanRoomProperties = {
    "enable_knocking", "enable_chat",       "enable_screenshare", "start_video_off",
    "start_audio_off", "eject_at_room_exp", "enable_prejoin_ui",  "owner_only_broadcast"};
const std::set<std::string, std::less<>> kRecordingModes = {
    "cloud", "cloud-audio-only", "local", "raw-tracks", "output-byte-stream", "rtp-tracks"};

// Meeting-token properties (providers.md §1.3).
const std::set<std::string, std::less<>> kTokenProperties = {"room_name",
                                                             "exp",
                                                             "nbf",
                                                             "eject_at_token_exp",
                                                             "eject_after_elapsed",
                                                             "is_owner",
                                                             "user_name",
                                                             "user_id",
                                                             "enable_screenshare",
                                                             "start_video_off",
                                                             "start_audio_off",
                                                             "enable_recording",
                                                             "start_cloud_recording",
                                                             "enable_recording_ui",
                                                             "close_tab_on_exit",
                                                             "redirect_on_meeting_exit",
                                                             "lang",
                                                             "enable_prejoin_ui",
                                                             "knocking",
                                                             "permissions"};
const std::set<std::string, std::less<>> kBooleanTokenProperties = {
    "eject_at_token_exp",  "is_owner",          "enable_screenshare",
    "start_video_off",     "start_audio_off",   "start_cloud_recording",
    "enable_recording_ui", "close_tab_on_exit", "enable_prejoin_ui"};

constexpr std::string_view kDomainId = "4f8f1ff0-5f2e-4b65-9a3c-7c1e3c7a0d11";

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string DumpJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Daily's timestamps: "2026-01-15T12:00:00.000Z".
std::string DailyTimestamp(TimePoint t) { return FormatIso8601(t).substr(0, 19) + ".000Z"; }

int64_t NowSeconds() { return ToUnixSeconds(std::chrono::system_clock::now()); }

std::string Base64Url(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

bool ValidRoomName(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool IsStringId(const json& row, const std::string& id) {
  if (!row.is_object()) return false;
  auto it = row.find("id");
  return it != row.end() && it->is_string() && it->get<std::string>() == id;
}

std::string Field(const json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace

// ---- Request helpers ----

std::optional<std::string> FakeDailyServer::Request::header(std::string_view name) const {
  auto it = headers.find(Lower(name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> FakeDailyServer::Request::param(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

struct FakeDailyServer::Context {
  const httplib::Request& http;
  const Request& request;
  std::string capture() const { return http.matches.size() > 1 ? http.matches[1].str() : ""; }
};

// ---- Lifecycle ----

FakeDailyServer::FakeDailyServer() : FakeDailyServer(Options{}) {}

FakeDailyServer::FakeDailyServer(Options options)
    : options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  server_->set_tcp_nodelay(true);
  // Bounds how long a kept-alive connection can hold up the destructor.
  server_->set_keep_alive_timeout(1);

  Route("POST", kDailyCreateRoom, "/v1/rooms", &FakeDailyServer::CreateRoom);
  Route("GET", kDailyPresence, "/v1/rooms/([^/]+)/presence", &FakeDailyServer::Presence);
  Route("POST", kDailyStartRecording, "/v1/rooms/([^/]+)/recordings/start",
        &FakeDailyServer::StartRecording);
  Route("GET", kDailyGetRoom, "/v1/rooms/([^/]+)", &FakeDailyServer::GetRoom);
  Route("DELETE", kDailyDeleteRoom, "/v1/rooms/([^/]+)", &FakeDailyServer::DeleteRoom);
  Route("POST", kDailyCreateToken, "/v1/meeting-tokens", &FakeDailyServer::CreateToken);
  Route("GET", kDailyListRecordings, "/v1/recordings", &FakeDailyServer::ListRecordings);
  Route("GET", kDailyAccessLink, "/v1/recordings/([^/]+)/access-link",
        &FakeDailyServer::AccessLink);
  Route("GET", kDailyGetRecording, "/v1/recordings/([^/]+)", &FakeDailyServer::GetRecording);
  Route("GET", kDailyListWebhooks, "/v1/webhooks", &FakeDailyServer::ListWebhooks);
  Route("POST", kDailyCreateWebhook, "/v1/webhooks", &FakeDailyServer::CreateWebhook);
  Route("DELETE", kDailyDeleteWebhook, "/v1/webhooks/([^/]+)", &FakeDailyServer::DeleteWebhook);
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    Route(method, "", ".*", nullptr);  // unknown paths: recorded, then 404
  }

  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeDailyServer: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

FakeDailyServer::~FakeDailyServer() {
  // stop() is a no-op until the accept loop runs; wait for it so the join below cannot hang.
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeDailyServer::api_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void FakeDailyServer::Route(std::string_view method, std::string_view route,
                            const std::string& pattern, RouteHandler handler) {
  httplib::Server::Handler fn = [this, route = std::string(route), handler](
                                    const httplib::Request& http, httplib::Response& res) {
    Request recorded;
    recorded.route = route;
    recorded.method = http.method;
    recorded.path = http.path;
    recorded.query.insert(http.params.begin(), http.params.end());
    for (const auto& [name, value] : http.headers) recorded.headers.emplace(Lower(name), value);
    recorded.body = http.body;
    if (!http.body.empty()) {
      json parsed = json::parse(http.body, nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_discarded()) recorded.json = std::move(parsed);
    }

    Reply reply;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(recorded);
      if (auto it = scripts_.find(route); it != scripts_.end() && !it->second.empty()) {
        Response scripted = std::move(it->second.front());
        it->second.erase(it->second.begin());
        res.status = scripted.status;
        bool has_type = false;
        for (const auto& [name, value] : scripted.headers) {
          if (Lower(name) == "content-type") has_type = true;
          res.set_header(name, value);
        }
        if (!has_type) res.set_header("Content-Type", "application/json");
        res.body = std::move(scripted.body);
        return;
      }

      const auto auth = recorded.header("authorization");
      if (!auth || !auth->starts_with("Bearer ")) {
        reply = {400, {{"error", "authorization-header-error"}}, {}};
      } else if (auth->substr(7) != options_.api_key) {
        reply = {401, {{"error", "authentication-error"}}, {}};
      } else if (handler == nullptr) {
        reply = {404, {{"error", "not-found"}, {"info", "unknown path " + http.path}}, {}};
      } else if (!http.body.empty() && recorded.json.is_null()) {
        reply = {400, {{"error", "invalid-request-error"}, {"info", "body is not valid JSON"}}, {}};
      } else {
        reply = (this->*handler)(Context{http, recorded});
      }
    }
    if (route == kDailyPresence && options_.presence_delay.count() > 0) {
      std::this_thread::sleep_for(options_.presence_delay);  // the slow provider being simulated
    }
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    res.set_content(DumpJson(reply.body), "application/json");
  };

  if (method == "GET") {
    server_->Get(pattern, fn);
  } else if (method == "POST") {
    server_->Post(pattern, fn);
  } else if (method == "PUT") {
    server_->Put(pattern, fn);
  } else if (method == "PATCH") {
    server_->Patch(pattern, fn);
  } else if (method == "DELETE") {
    server_->Delete(pattern, fn);
  }
}

// ---- Scripting, seeding, inspecting ----

void FakeDailyServer::Script(std::string_view route, Response response, int times) {
  if (!kRoutes.contains(route)) {
    throw std::invalid_argument("FakeDailyServer::Script: unknown route " + std::string(route));
  }
  std::lock_guard lock(mu_);
  auto& queue = scripts_[std::string(route)];
  for (int i = 0; i < times; ++i) queue.push_back(response);
}

size_t FakeDailyServer::pending_scripts() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [_, queue] : scripts_) n += queue.size();
  return n;
}

void FakeDailyServer::AddParticipant(const std::string& room_name, json participant) {
  std::lock_guard lock(mu_);
  if (!rooms_.contains(room_name)) {
    throw std::invalid_argument("FakeDailyServer::AddParticipant: no room " + room_name);
  }
  participant["room"] = room_name;
  presence_[room_name].push_back(std::move(participant));
}

void FakeDailyServer::AddRecording(json recording) {
  std::lock_guard lock(mu_);
  recordings_.push_back(std::move(recording));
}

std::vector<FakeDailyServer::Request> FakeDailyServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<FakeDailyServer::Request> FakeDailyServer::requests(std::string_view route) const {
  std::lock_guard lock(mu_);
  std::vector<Request> out;
  for (const Request& r : requests_) {
    if (r.route == route) out.push_back(r);
  }
  return out;
}

size_t FakeDailyServer::request_count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

void FakeDailyServer::ClearRequests() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

std::optional<json> FakeDailyServer::room(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = rooms_.find(name);
  if (it == rooms_.end()) return std::nullopt;
  return it->second;
}

size_t FakeDailyServer::room_count() const {
  std::lock_guard lock(mu_);
  return rooms_.size();
}

std::optional<json> FakeDailyServer::recording(const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const json& row : recordings_) {
    if (IsStringId(row, id)) return row;
  }
  return std::nullopt;
}

std::vector<json> FakeDailyServer::webhooks() const {
  std::lock_guard lock(mu_);
  return webhooks_;
}

// ---- Handlers (mu_ held) ----

namespace {

json InvalidRequest(std::string info) {
  return {{"error", "invalid-request-error"}, {"info", std::move(info)}};
}
json NotFound(std::string info) { return {{"error", "not-found"}, {"info", std::move(info)}}; }

}  // namespace

FakeDailyServer::Reply FakeDailyServer::CreateRoom(const Context& ctx) {
  const json body = ctx.request.json.is_null() ? json::object() : ctx.request.json;
  if (!body.is_object()) return {400, InvalidRequest("body must be a JSON object"), {}};

  std::string name;
  if (auto it = body.find("name"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || !ValidRoomName(it->get<std::string>())) {
      return {400, InvalidRequest("name: must match /^[A-Za-z0-9_-]{1,128}$/"), {}};
    }
    name = it->get<std::string>();
  } else {
    name = RandomUrlSafeToken(15);  // 20 characters of [A-Za-z0-9_-], like Daily's own
  }
  if (rooms_.contains(name)) {
    return {400, InvalidRequest("a room named " + name + " already exists"), {}};
  }

  std::string privacy = "public";
  if (auto it = body.find("privacy"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || (*it != "public" && *it != "private")) {
      return {400, InvalidRequest("privacy: must be one of public, private"), {}};
    }
    privacy = it->get<std::string>();
  }

  json properties = json::object();
  if (auto it = body.find("properties"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return {400, InvalidRequest("properties: must be an object"), {}};
    properties = *it;
  }
  for (const auto& [key, value] : properties.items()) {
    if (!kRoomProperties.contains(key)) {
      return {400, InvalidRequest("unknown room property '" + key + "'"), {}};
    }
    if (kBooleanRoomProperties.contains(key) && !value.is_boolean()) {
      return {400, InvalidRequest(key + ": must be a boolean"), {}};
    }
  }
  if (auto it = properties.find("exp"); it != properties.end() && !it->is_number()) {
    return {400, InvalidRequest("exp: must be a unix timestamp"), {}};
  }
  if (auto it = properties.find("enable_recording"); it != properties.end()) {
    if (!it->is_string() || !kRecordingModes.contains(it->get<std::string>())) {
      return {400, InvalidRequest("enable_recording: invalid value"), {}};
    }
  }
  if (auto it = properties.find("recordings_bucket"); it != properties.end()) {
    for (const char* key : {"bucket_name", "bucket_region", "assume_role_arn"}) {
      if (Field(*it, key).empty()) {
        return {400, InvalidRequest(std::string("recordings_bucket.") + key + ": required"), {}};
      }
    }
  }

  json room = {{"id", NewUuid4()},
               {"name", name},
               {"api_created", true},
               {"privacy", privacy},
               {"url", "https://" + options_.domain + ".daily.co/" + name},
               {"created_at", DailyTimestamp(std::chrono::system_clock::now())},
               {"config", properties}};
  rooms_[name] = room;
  return {200, room, {}};
}

FakeDailyServer::Reply FakeDailyServer::GetRoom(const Context& ctx) {
  const std::string name = ctx.capture();
  auto it = rooms_.find(name);
  if (it == rooms_.end()) return {404, NotFound("room " + name + " not found"), {}};
  return {200, it->second, {}};
}

FakeDailyServer::Reply FakeDailyServer::DeleteRoom(const Context& ctx) {
  const std::string name = ctx.capture();
  if (rooms_.erase(name) == 0) return {404, NotFound("room " + name + " not found"), {}};
  presence_.erase(name);
  active_streams_.erase(name);
  return {200, {{"deleted", true}, {"name", name}}, {}};
}

FakeDailyServer::Reply FakeDailyServer::Presence(const Context& ctx) {
  const std::string name = ctx.capture();
  if (!rooms_.contains(name)) return {404, NotFound("room " + name + " not found"), {}};
  json data = json::array();
  if (auto it = presence_.find(name); it != presence_.end()) {
    for (const json& p : it->second) data.push_back(p);
  }
  return {200, {{"total_count", data.size()}, {"data", data}}, {}};
}

FakeDailyServer::Reply FakeDailyServer::CreateToken(const Context& ctx) {
  const json& body = ctx.request.json;
  auto it = body.is_object() ? body.find("properties") : body.end();
  if (!body.is_object() || it == body.end() || !it->is_object()) {
    return {400, InvalidRequest("properties: must be an object"), {}};
  }
  const json& properties = *it;
  for (const auto& [key, value] : properties.items()) {
    if (!kTokenProperties.contains(key)) {
      return {400, InvalidRequest("unknown token property '" + key + "'"), {}};
    }
    if (kBooleanTokenProperties.contains(key) && !value.is_boolean()) {
      return {400, InvalidRequest(key + ": must be a boolean"), {}};
    }
  }
  if (auto uid = properties.find("user_id"); uid != properties.end()) {
    if (!uid->is_string() || uid->get<std::string>().size() > 36) {
      return {400, InvalidRequest("user_id: must be a string of at most 36 characters"), {}};
    }
  }
  json payload = properties;
  payload["iat"] = NowSeconds();
  const std::string token = Base64Url(R"({"alg":"HS256","typ":"JWT"})") + "." +
                            Base64Url(DumpJson(payload)) + "." + RandomUrlSafeToken(32);
  return {200, {{"token", token}}, {}};
}

FakeDailyServer::Reply FakeDailyServer::StartRecording(const Context& ctx) {
  const std::string name = ctx.capture();
  auto room = rooms_.find(name);
  if (room == rooms_.end()) return {404, NotFound("room " + name + " not found"), {}};
  const json body = ctx.request.json.is_null() ? json::object() : ctx.request.json;
  if (!body.is_object()) return {400, InvalidRequest("body must be a JSON object"), {}};
  std::string type = "cloud";
  if (auto it = body.find("type"); it != body.end()) {
    if (!it->is_string()) return {400, InvalidRequest("type: must be a string"), {}};
    type = it->get<std::string>();
  }
  if (type != "cloud" && type != "cloud-audio-only" && type != "raw-tracks") {
    return {400, InvalidRequest("type: must be one of cloud, cloud-audio-only, raw-tracks"), {}};
  }
  if (type == "raw-tracks" && !room->second["config"].contains("recordings_bucket")) {
    return {400, InvalidRequest("raw-tracks recording requires a recordings_bucket"), {}};
  }
  std::string instance = Field(body, "instanceId");
  auto& active = active_streams_[name];
  const std::string key = instance.empty() ? type : instance;
  if (std::find(active.begin(), active.end(), key) != active.end()) {
    return {400, InvalidRequest(name + " has an active stream"), {}};
  }
  active.push_back(key);

  const std::string id = NewUuid4();
  size_t participants = 0;
  if (auto it = presence_.find(name); it != presence_.end()) participants = it->second.size();
  recordings_.push_back({{"id", id},
                         {"room_name", name},
                         {"start_ts", NowSeconds()},
                         {"status", "in-progress"},
                         {"max_participants", participants},
                         {"type", type},
                         {"tracks", json::array()},
                         {"mtgSessionId", NewUuid4()}});
  return {200, {{"recordingId", id}}, {}};
}

FakeDailyServer::Reply FakeDailyServer::ListRecordings(const Context& ctx) {
  int limit = 100;
  if (auto text = ctx.request.param("limit")) {
    try {
      limit = std::stoi(*text);
    } catch (const std::exception&) {
      limit = -1;
    }
    if (limit < 1 || limit > 100) return {400, InvalidRequest("limit: must be 1..100"), {}};
  }
  const auto room_name = ctx.request.param("room_name");
  std::vector<const json*> rows;  // newest first
  for (auto it = recordings_.rbegin(); it != recordings_.rend(); ++it) {
    if (room_name && Field(*it, "room_name") != *room_name) continue;
    rows.push_back(&*it);
  }
  const size_t total = rows.size();
  if (auto after = ctx.request.param("starting_after")) {
    auto pos = std::find_if(rows.begin(), rows.end(),
                            [&](const json* r) { return IsStringId(*r, *after); });
    rows.erase(rows.begin(), pos == rows.end() ? pos : pos + 1);
  }
  if (auto before = ctx.request.param("ending_before")) {
    auto pos = std::find_if(rows.begin(), rows.end(),
                            [&](const json* r) { return IsStringId(*r, *before); });
    rows.erase(pos, rows.end());
  }
  json data = json::array();
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(limit); ++i) {
    data.push_back(*rows[i]);
  }
  return {200, {{"total_count", total}, {"data", data}}, {}};
}

FakeDailyServer::Reply FakeDailyServer::GetRecording(const Context& ctx) {
  const std::string id = ctx.capture();
  for (const json& row : recordings_) {
    if (IsStringId(row, id)) return {200, row, {}};
  }
  return {404, NotFound("recording " + id + " not found"), {}};
}

FakeDailyServer::Reply FakeDailyServer::AccessLink(const Context& ctx) {
  const std::string id = ctx.capture();
  const json* found = nullptr;
  for (const json& row : recordings_) {
    if (IsStringId(row, id)) found = &row;
  }
  if (found == nullptr) return {404, NotFound("recording " + id + " not found"), {}};
  int64_t valid_for = 3600;
  if (auto text = ctx.request.param("valid_for_secs")) {
    try {
      valid_for = std::stoll(*text);
    } catch (const std::exception&) {
      valid_for = -1;
    }
    if (valid_for <= 0) return {400, InvalidRequest("valid_for_secs: must be positive"), {}};
  }
  // Tests point a recording's link elsewhere (a loopback file server, or an error string as Daily
  // sometimes answers) with the test-only field "test_download_link".
  if (const std::string link = Field(*found, "test_download_link"); !link.empty()) {
    return {200, {{"download_link", link}, {"expires", NowSeconds() + valid_for}}, {}};
  }
  std::string key = Field(*found, "s3key");
  if (key.empty()) key = options_.domain + "/" + Field(*found, "room_name") + "/" + id;
  return {200,
          {{"download_link", "https://" + options_.domain + "-recordings.s3.amazonaws.com/" + key +
                                 "?X-Amz-Expires=" + std::to_string(valid_for) +
                                 "&X-Amz-Signature=fake"},
           {"expires", NowSeconds() + valid_for}},
          {}};
}

FakeDailyServer::Reply FakeDailyServer::ListWebhooks(const Context&) {
  json out = json::array();
  for (const json& hook : webhooks_) out.push_back(hook);
  return {200, out, {}};
}

// Daily's verification ping: the signed body {"test":"test"} POSTed to the new webhook's URL.
// Returns why it failed, or nullopt on a 200. The signature is computed here from the primitives
// (not with the product's SignDaily), so a receiver bug cannot hide behind a shared helper.
std::optional<std::string> FakeDailyServer::PingWebhook(const std::string& url,
                                                        const std::string& hmac_base64) {
  const std::string body = R"({"test":"test"})";
  const std::string timestamp =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
  const auto key = Base64Decode(hmac_base64);
  if (!key) return "hmac is not base64";
  const std::string signature = Base64Encode(HmacSha256(*key, timestamp + "." + body));
  // url = http://host:port/path (tests only use plain http on loopback).
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return "only http:// URLs can be pinged by the fake";
  const auto slash = url.find('/', scheme.size());
  const std::string origin = url.substr(0, slash);
  const std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  httplib::Client client(origin);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  client.set_tcp_nodelay(true);
  auto response = client.Post(
      path,
      httplib::Headers{{"X-Webhook-Signature", signature}, {"X-Webhook-Timestamp", timestamp}},
      body, "application/json");
  if (!response) return "no answer from " + url;
  if (response->status != 200) {
    return url + " answered " + std::to_string(response->status) + ": " + response->body;
  }
  return std::nullopt;
}

FakeDailyServer::Reply FakeDailyServer::CreateWebhook(const Context& ctx) {
  const json& body = ctx.request.json;
  if (!body.is_object()) return {400, InvalidRequest("body must be a JSON object"), {}};
  const std::string url = Field(body, "url");
  if (url.empty()) return {400, InvalidRequest("url: required"), {}};
  json event_types = json::array();
  if (auto it = body.find("eventTypes"); it != body.end()) {
    if (!it->is_array()) return {400, InvalidRequest("eventTypes: must be an array"), {}};
    for (const json& t : *it) {
      if (!t.is_string()) return {400, InvalidRequest("eventTypes: must be strings"), {}};
    }
    event_types = *it;
  }
  std::string hmac = Base64Encode(RandomUrlSafeToken(24));
  if (auto it = body.find("hmac"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || !Base64Decode(it->get<std::string>())) {
      return {400, InvalidRequest("hmac: must be base64 encoded"), {}};
    }
    hmac = it->get<std::string>();
  }
  if (options_.ping_webhooks) {
    if (auto refused = PingWebhook(url, hmac)) {
      return {400, InvalidRequest("webhook verification failed: " + *refused), {}};
    }
  }
  const std::string now = DailyTimestamp(std::chrono::system_clock::now());
  json hook = {{"uuid", NewUuid4()},
               {"url", url},
               {"hmac", hmac},
               {"basicAuth", body.value("basicAuth", json())},
               {"retryType", body.value("retryType", json("circuit-breaker"))},
               {"eventTypes", event_types},
               {"state", "ACTIVE"},
               {"failedCount", 0},
               {"lastMomentPushed", nullptr},
               {"domainId", kDomainId},
               {"createdAt", now},
               {"updatedAt", now}};
  webhooks_.push_back(hook);
  return {200, hook, {}};
}

FakeDailyServer::Reply FakeDailyServer::DeleteWebhook(const Context& ctx) {
  const std::string uuid = ctx.capture();
  for (auto it = webhooks_.begin(); it != webhooks_.end(); ++it) {
    if (Field(*it, "uuid") == uuid) {
      json hook = *it;
      webhooks_.erase(it);
      return {200, hook, {}};
    }
  }
  return {404, NotFound("webhook " + uuid + " not found"), {}};
}

}  // namespace reflector::fakes
