#include "fakes/fake_whereby_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "core/ids.hpp"
#include "core/time_format.hpp"

namespace reflector::fakes {
namespace {

using nlohmann::json;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A decimal integer made of 1..9 digits, else nullopt.
std::optional<int> ParseSmallInt(const std::string& text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::atoi(text.c_str());
}

bool OneOf(const json& value, std::initializer_list<std::string_view> allowed) {
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](std::string_view candidate) { return text == candidate; });
}

bool MatchesPrefixPattern(const std::string& prefix) {
  if (prefix.size() > 39) return false;
  return std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// The "fields" the caller asked for: a JSON array (POST) or a comma list (GET ?fields=).
bool Wants(const std::vector<std::string>& fields, std::string_view field) {
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

json MeetingView(const json& stored, const std::vector<std::string>& fields) {
  json view = {{"meetingId", stored["meetingId"]},
               {"roomName", stored["roomName"]},
               {"roomUrl", stored["roomUrl"]},
               {"startDate", stored["startDate"]},
               {"endDate", stored["endDate"]}};
  if (Wants(fields, "hostRoomUrl")) view["hostRoomUrl"] = stored["hostRoomUrl"];
  if (Wants(fields, "viewerRoomUrl")) view["viewerRoomUrl"] = stored["viewerRoomUrl"];
  return view;
}

// Validates a POST /meetings recording block; returns the problem or "".
std::string CheckRecording(const json& recording) {
  if (!recording.is_object()) return "recording must be an object";
  for (const auto& [key, _] : recording.items()) {
    if (key != "type" && key != "destination" && key != "startTrigger") {
      return "recording." + key + " is not allowed";
    }
  }
  if (!recording.contains("type") || !OneOf(recording["type"], {"none", "local", "cloud"})) {
    return "recording.type must be one of none, local, cloud";
  }
  if (!recording.contains("startTrigger") ||
      !OneOf(recording["startTrigger"],
             {"none", "prompt", "automatic", "automatic-2nd-participant"})) {
    return "recording.startTrigger must be one of none, prompt, automatic, "
           "automatic-2nd-participant";
  }
  if (!recording.contains("destination")) return "recording.destination is required";
  const json& destination = recording["destination"];
  if (destination.is_null()) return "";
  if (!destination.is_object()) return "recording.destination must be an object";
  for (const auto& [key, _] : destination.items()) {
    if (key != "provider" && key != "bucket" && key != "accessKeyId" && key != "accessKeySecret" &&
        key != "fileFormat" && key != "authenticationType" && key != "oidcRoleArn") {
      return "recording.destination." + key + " is not allowed";
    }
  }
  if (!destination.contains("provider") || !OneOf(destination["provider"], {"s3", "whereby"})) {
    return "recording.destination.provider must be one of s3, whereby";
  }
  if (destination["provider"] == "s3") {
    for (const char* key : {"bucket", "accessKeyId", "accessKeySecret"}) {
      if (!destination.contains(key) || !destination[key].is_string() ||
          destination[key].get_ref<const std::string&>().empty()) {
        return std::string("recording.destination.") + key + " is required for provider s3";
      }
    }
  }
  if (destination.contains("fileFormat") && !OneOf(destination["fileFormat"], {"mkv", "mp4"})) {
    return "recording.destination.fileFormat must be one of mkv, mp4";
  }
  return "";
}

}  // namespace

// ---- Request helpers ----

std::optional<std::string> FakeWherebyServer::Request::header(std::string_view name) const {
  auto it = headers.find(Lower(name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> FakeWherebyServer::Request::param(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<FakeWherebyServer::Part> FakeWherebyServer::Request::part(
    std::string_view name) const {
  for (const Part& p : parts) {
    if (p.name == name) return p;
  }
  return std::nullopt;
}

// ---- Canned answers ----

FakeWherebyServer::Response FakeWherebyServer::RateLimited(int retry_after_seconds) {
  json body = {{"error", "Rate limit active for throttle key: organization:1"},
               {"data", {{"msLeft", retry_after_seconds * 1000}}}};
  return Response{429,
                  body.dump(),
                  {{"Retry-After", std::to_string(retry_after_seconds)},
                   {"X-RateLimit-Limit", "1000"},
                   {"X-RateLimit-Remaining", "0"}}};
}

FakeWherebyServer::Response FakeWherebyServer::Error(int status, std::string message) {
  return Response{status, json{{"error", std::move(message)}}.dump(), {}};
}

FakeWherebyServer::Response FakeWherebyServer::MalformedJson() {
  return Response{200, "{\"meetingId\": \"1\", \"roomName\": ", {}};
}

// ---- Lifecycle ----

struct FakeWherebyServer::Context {
  const httplib::Request& http;  // path captures in http.matches
  const Request& request;
};

FakeWherebyServer::FakeWherebyServer() : FakeWherebyServer(Options{}) {}

FakeWherebyServer::FakeWherebyServer(Options options)
    : options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  Route("POST", kWherebyCreateMeeting, R"(/v1/meetings)", &FakeWherebyServer::CreateMeeting);
  Route("GET", kWherebyGetMeeting, R"(/v1/meetings/([^/]+))", &FakeWherebyServer::GetMeeting);
  Route("DELETE", kWherebyDeleteMeeting, R"(/v1/meetings/([^/]+))",
        &FakeWherebyServer::DeleteMeeting);
  Route("GET", kWherebyRoomSessions, R"(/v1/insights/room-sessions)",
        &FakeWherebyServer::RoomSessions);
  Route("PUT", kWherebyUploadLogo, R"(/v1/rooms/([^/]+)/theme/logo)",
        &FakeWherebyServer::UploadLogo);
  Route("GET", kWherebyAccessLink, R"(/v1/recordings/([^/]+)/access-link)",
        &FakeWherebyServer::AccessLink);
  // Last, so the real routes win: record everything else and answer 404.
  for (std::string_view method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    Route(method, "", ".*", nullptr);
  }

  server_->set_tcp_nodelay(true);
  // Bounds how long the destructor can wait for an idle kept-alive connection.
  server_->set_keep_alive_timeout(1);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeWherebyServer: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op before the accept loop runs, so wait for it before handing out the port.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeWherebyServer::~FakeWherebyServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeWherebyServer::api_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

TimePoint FakeWherebyServer::Now() const {
  return options_.clock != nullptr ? options_.clock->Now() : std::chrono::system_clock::now();
}

void FakeWherebyServer::Route(std::string_view method, std::string_view route,
                              const std::string& pattern, RouteHandler handler) {
  auto serve = [this, route = std::string(route), handler](const httplib::Request& http,
                                                           httplib::Response& res) {
    Request recorded;
    recorded.route = route;
    recorded.method = http.method;
    recorded.target = http.target;
    recorded.path = http.path;
    for (const auto& [key, value] : http.params) recorded.query.emplace(key, value);
    for (const auto& [key, value] : http.headers) recorded.headers.emplace(Lower(key), value);
    if (http.is_multipart_form_data()) {
      for (const auto& [name, file] : http.files) {
        recorded.parts.push_back(Part{file.name, file.filename, file.content_type, file.content});
      }
    } else {
      recorded.body = http.body;
      if (!http.body.empty()) {
        recorded.json = json::parse(http.body, nullptr, /*allow_exceptions=*/false);
        if (recorded.json.is_discarded()) recorded.json = nullptr;
      }
    }

    std::lock_guard lock(mu_);
    requests_.push_back(recorded);

    auto script = scripts_.find(route);
    if (!route.empty() && script != scripts_.end() && !script->second.empty()) {
      Response scripted = std::move(script->second.front());
      script->second.erase(script->second.begin());
      res.status = scripted.status;
      std::string content_type = "application/json";
      for (const auto& [name, value] : scripted.headers) {
        if (Lower(name) == "content-type") {
          content_type = value;
        } else {
          res.set_header(name, value);
        }
      }
      if (!scripted.body.empty()) res.set_content(scripted.body, content_type);
      return;
    }

    Reply reply;
    if (http.get_header_value("Authorization") != "Bearer " + options_.api_key) {
      reply = Reply{401, json{{"error", "Access token is missing or invalid"}}, {}};
    } else if (handler == nullptr) {
      reply = Reply{404, json{{"error", "Not found"}}, {}};
    } else {
      reply = (this->*handler)(Context{http, recorded});
    }
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    if (!reply.body.is_null()) res.set_content(reply.body.dump(), "application/json");
  };

  if (method == "GET") {
    server_->Get(pattern, serve);
  } else if (method == "POST") {
    server_->Post(pattern, serve);
  } else if (method == "PUT") {
    server_->Put(pattern, serve);
  } else if (method == "PATCH") {
    server_->Patch(pattern, serve);
  } else if (method == "DELETE") {
    server_->Delete(pattern, serve);
  }
}

// ---- Scripting and seeding ----

void FakeWherebyServer::Script(std::string_view route, Response response, int times) {
  std::lock_guard lock(mu_);
  auto& queue = scripts_[std::string(route)];
  for (int i = 0; i < times; ++i) queue.push_back(response);
}

size_t FakeWherebyServer::pending_scripts() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [_, queue] : scripts_) n += queue.size();
  return n;
}

void FakeWherebyServer::SetMaxPageSize(int max_page_size) {
  std::lock_guard lock(mu_);
  max_page_size_ = max_page_size;
}

void FakeWherebyServer::AddRoomSession(const std::string& room_name, json session) {
  session["roomName"] = room_name;
  std::lock_guard lock(mu_);
  sessions_[room_name].push_back(std::move(session));
}

json FakeWherebyServer::Session(const std::string& id, const std::string& started_at,
                                const std::string& ended_at, int participant_minutes) {
  return json{{"roomSessionId", id},
              {"roomName", nullptr},
              {"createdAt", started_at},
              {"endAt", ended_at.empty() ? json(nullptr) : json(ended_at)},
              {"startedAt", started_at},
              {"endedAt", ended_at.empty() ? json(nullptr) : json(ended_at)},
              {"totalParticipantMinutes", participant_minutes},
              {"totalRecorderMinutes", 0},
              {"totalStreamerMinutes", 0},
              {"totalUniqueParticipants", participant_minutes > 0 ? 2 : 0},
              {"totalUniqueRecorders", 0},
              {"totalUniqueStreamers", 0}};
}

void FakeWherebyServer::AddRecording(const std::string& recording_id) {
  std::lock_guard lock(mu_);
  recordings_[recording_id] = true;
}

// ---- Inspecting ----

std::vector<FakeWherebyServer::Request> FakeWherebyServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<FakeWherebyServer::Request> FakeWherebyServer::requests(std::string_view route) const {
  std::lock_guard lock(mu_);
  std::vector<Request> out;
  for (const Request& request : requests_) {
    if (request.route == route) out.push_back(request);
  }
  return out;
}

size_t FakeWherebyServer::request_count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

void FakeWherebyServer::ClearRequests() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

std::optional<json> FakeWherebyServer::meeting(const std::string& meeting_id) const {
  std::lock_guard lock(mu_);
  auto it = meetings_.find(meeting_id);
  if (it == meetings_.end()) return std::nullopt;
  return it->second;
}

size_t FakeWherebyServer::meeting_count() const {
  std::lock_guard lock(mu_);
  return meetings_.size();
}

std::optional<FakeWherebyServer::Part> FakeWherebyServer::logo(const std::string& room_name) const {
  std::string key = room_name.starts_with('/') ? room_name : "/" + room_name;
  std::lock_guard lock(mu_);
  auto it = logos_.find(key);
  if (it == logos_.end()) return std::nullopt;
  return it->second;
}

// ---- Handlers ----

FakeWherebyServer::Reply FakeWherebyServer::CreateMeeting(const Context& ctx) {
  auto bad = [](std::string message) {
    return Reply{400, json{{"error", std::move(message)}}, {}};
  };
  const json& body = ctx.request.json;
  if (!body.is_object()) return bad("Request body must be a JSON object");

  static constexpr std::string_view kKnown[] = {
      "endDate",           "startDate",       "isLocked",     "roomMode",
      "roomNamePrefix",    "roomNamePattern", "templateType", "recording",
      "liveTranscription", "streaming",       "fields"};
  for (const auto& [key, _] : body.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return bad("\"" + key + "\" is not allowed");
    }
  }

  if (!body.contains("endDate") || !body["endDate"].is_string()) return bad("endDate is required");
  auto end_date = ParseIso8601(body["endDate"].get_ref<const std::string&>());
  if (!end_date) return bad("endDate must be a valid date-time");
  // "This has to be the same or after the current date" — with a second of slack for the trip.
  if (*end_date + std::chrono::seconds(1) < Now()) return bad("endDate must be in the future");

  if (body.contains("isLocked") && !body["isLocked"].is_boolean()) {
    return bad("isLocked must be a boolean");
  }
  if (body.contains("roomMode") && !OneOf(body["roomMode"], {"normal", "group"})) {
    return bad("roomMode must be one of group, normal");
  }
  std::string prefix;
  if (body.contains("roomNamePrefix")) {
    if (!body["roomNamePrefix"].is_string()) return bad("roomNamePrefix must be a string");
    prefix = body["roomNamePrefix"].get<std::string>();
    if (!MatchesPrefixPattern(prefix)) {
      return bad("roomNamePrefix must match [a-z0-9-]{0,39}");
    }
  }
  std::string pattern = "uuid";
  if (body.contains("roomNamePattern")) {
    if (!OneOf(body["roomNamePattern"], {"uuid", "human-short"})) {
      return bad("roomNamePattern must be one of uuid, human-short");
    }
    pattern = body["roomNamePattern"].get<std::string>();
  }
  std::vector<std::string> fields;
  if (body.contains("fields")) {
    if (!body["fields"].is_array()) return bad("fields must be an array");
    for (const json& field : body["fields"]) {
      if (!OneOf(field, {"hostRoomUrl", "viewerRoomUrl"})) {
        return bad("fields items must be one of hostRoomUrl, viewerRoomUrl");
      }
      fields.push_back(field.get<std::string>());
    }
  }
  if (body.contains("recording")) {
    std::string problem = CheckRecording(body["recording"]);
    if (!problem.empty()) return bad(problem);
  }

  std::string suffix;
  if (pattern == "uuid") {
    suffix = NewUuid4();
  } else {
    static constexpr std::string_view kAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";
    std::string random = RandomUrlSafeToken(6);
    for (char c : random)
      suffix.push_back(kAlphabet[static_cast<unsigned char>(c) % kAlphabet.size()]);
  }
  // Whereby appends the generated part straight after the prefix: "test-prefix-" →
  // "/test-prefix-<uuid>".
  const std::string room_name = "/" + prefix + suffix;
  const std::string room_url = "https://" + options_.subdomain + ".whereby.com" + room_name;
  const std::string meeting_id = std::to_string(next_meeting_id_++);
  json stored = {{"meetingId", meeting_id},
                 {"roomName", room_name},
                 {"roomUrl", room_url},
                 {"startDate", FormatIso8601(Now())},
                 {"endDate", FormatIso8601(*end_date)},
                 {"hostRoomUrl", room_url + "?roomKey=" + RandomUrlSafeToken(24)},
                 {"viewerRoomUrl", room_url + "?viewerKey=" + RandomUrlSafeToken(24)},
                 {"request", body}};
  meetings_[meeting_id] = stored;
  return Reply{201, MeetingView(stored, fields), {}};
}

FakeWherebyServer::Reply FakeWherebyServer::GetMeeting(const Context& ctx) {
  const std::string id = ctx.http.matches[1].str();
  auto it = meetings_.find(id);
  if (it == meetings_.end()) return Reply{404, json{{"error", "Meeting not found"}}, {}};
  std::vector<std::string> fields;
  if (auto list = ctx.request.param("fields")) {
    size_t start = 0;
    while (start <= list->size()) {
      size_t comma = list->find(',', start);
      if (comma == std::string::npos) comma = list->size();
      fields.push_back(list->substr(start, comma - start));
      start = comma + 1;
    }
  }
  return Reply{200, MeetingView(it->second, fields), {}};
}

FakeWherebyServer::Reply FakeWherebyServer::DeleteMeeting(const Context& ctx) {
  meetings_.erase(ctx.http.matches[1].str());
  return Reply{204, nullptr, {}};  // idempotent: 204 for an unknown meeting too
}

FakeWherebyServer::Reply FakeWherebyServer::RoomSessions(const Context& ctx) {
  auto bad = [](std::string message) {
    return Reply{400, json{{"error", std::move(message)}}, {}};
  };
  auto room_name = ctx.request.param("roomName");
  if (!room_name || room_name->empty()) return bad("roomName is required");
  int limit = 10;  // Whereby's default
  if (auto text = ctx.request.param("limit")) {
    auto value = ParseSmallInt(*text);
    if (!value || *value < 1 || *value > 100) return bad("limit must be between 1 and 100");
    limit = *value;
  }
  size_t offset = 0;
  if (auto cursor = ctx.request.param("cursor")) {
    auto value = cursor->starts_with("page-") ? ParseSmallInt(cursor->substr(5)) : std::nullopt;
    if (!value) return bad("Invalid cursor");
    offset = static_cast<size_t>(*value);
  }
  const size_t page =
      static_cast<size_t>(max_page_size_ > 0 ? std::min(limit, max_page_size_) : limit);
  json results = json::array();
  auto it = sessions_.find(*room_name);
  size_t total = it == sessions_.end() ? 0 : it->second.size();
  for (size_t i = offset; i < total && i < offset + page; ++i) results.push_back(it->second[i]);
  json cursor = offset + page < total ? json("page-" + std::to_string(offset + page)) : json();
  return Reply{200, json{{"results", results}, {"cursor", cursor}}, {}};
}

FakeWherebyServer::Reply FakeWherebyServer::UploadLogo(const Context& ctx) {
  auto bad = [](std::string message) {
    return Reply{400, json{{"error", std::move(message)}}, {}};
  };
  const std::string room_name = "/" + ctx.http.matches[1].str();
  bool known = std::any_of(meetings_.begin(), meetings_.end(), [&](const auto& entry) {
    return entry.second["roomName"] == room_name;
  });
  if (!known) return Reply{404, json{{"error", "Room not found"}}, {}};
  if (!ctx.http.is_multipart_form_data()) return bad("Expected multipart/form-data");
  auto image = ctx.request.part("image");
  if (!image || image->filename.empty()) return bad("image is required");
  if (!image->content_type.starts_with("image/")) return bad("image must be an image");
  if (image->content.empty()) return bad("image is empty");
  logos_[room_name] = *image;
  return Reply{204, nullptr, {}};
}

FakeWherebyServer::Reply FakeWherebyServer::AccessLink(const Context& ctx) {
  const std::string id = ctx.http.matches[1].str();
  if (recordings_.find(id) == recordings_.end()) {
    return Reply{404, json{{"error", "Recording not found"}}, {}};
  }
  int valid_for = 3600;
  if (auto text = ctx.request.param("validForSeconds")) {
    auto value = ParseSmallInt(*text);
    if (!value || *value < 1 || *value > 43'200) {
      return Reply{400, json{{"error", "validForSeconds must be between 1 and 43200"}}, {}};
    }
    valid_for = *value;
  }
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Now().time_since_epoch()).count();
  json body = {{"accessLink", "https://whereby-recordings.fake/" + id +
                                  ".mp4?X-Amz-Expires=" + std::to_string(valid_for) +
                                  "&X-Amz-Signature=" + RandomUrlSafeToken(16)},
               {"expires", now_ms + static_cast<long long>(valid_for) * 1000}};
  return Reply{200, body, {}};
}

}  // namespace reflector::fakes
