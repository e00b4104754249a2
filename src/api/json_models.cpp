#include "api/json_models.hpp"

#include <charconv>
#include <functional>

#include "core/time_format.hpp"

namespace reflector::api {

namespace {

using nlohmann::json;

void WriteOptTime(JsonWriter& w, const std::optional<TimePoint>& value) {
  if (value) {
    w.String(FormatIso8601(*value));
  } else {
    w.Null();
  }
}

// The fields of a Room, without the enclosing braces.
void WriteRoomFields(JsonWriter& w, const store::Room& room) {
  w.Key("id").String(room.id);
  w.Key("name").String(room.name);
  w.Key("user_id").String(room.user_id);
  w.Key("created_at").String(FormatIso8601(room.created_at));
  w.Key("zulip_auto_post").Bool(room.zulip_auto_post);
  w.Key("zulip_stream").String(room.zulip_stream);
  w.Key("zulip_topic").String(room.zulip_topic);
  w.Key("is_locked").Bool(room.is_locked);
  w.Key("room_mode").String(room.room_mode);
  w.Key("recording_type").String(room.recording_type);
  w.Key("recording_trigger").String(room.recording_trigger);
  w.Key("is_shared").Bool(room.is_shared);
  w.Key("ics_url").OptString(room.ics_url);
  w.Key("ics_fetch_interval").Int(room.ics_fetch_interval);
  w.Key("ics_enabled").Bool(room.ics_enabled);
  w.Key("ics_last_sync");
  WriteOptTime(w, room.ics_last_sync);
  w.Key("ics_last_etag").OptString(room.ics_last_etag);
  // Rows from before the platform column read as whereby (contract §3.3).
  w.Key("platform").String(room.platform.empty() ? std::string_view("whereby") : room.platform);
  w.Key("skip_consent").Bool(room.skip_consent);
}

}  // namespace

void WriteRoomDetails(JsonWriter& w, const store::Room& room, bool caller_is_owner) {
  w.BeginObject();
  WriteRoomFields(w, room);
  w.Key("webhook_url");
  if (caller_is_owner) {
    w.OptString(room.webhook_url);
  } else {
    w.Null();
  }
  w.Key("webhook_secret");
  if (caller_is_owner) {
    w.OptString(room.webhook_secret);
  } else {
    w.Null();
  }
  w.EndObject();
}

void WriteMeeting(JsonWriter& w, const store::Meeting& meeting, bool hide_host_room_url) {
  w.BeginObject();
  w.Key("id").String(meeting.id);
  w.Key("room_name").String(meeting.room_name);
  w.Key("room_url").String(meeting.room_url);
  w.Key("host_room_url").String(hide_host_room_url ? std::string_view() : meeting.host_room_url);
  w.Key("start_date").String(FormatIso8601(meeting.start_date));
  w.Key("end_date").String(FormatIso8601(meeting.end_date));
  w.Key("user_id").Null();
  w.Key("room_id").String(meeting.room_id);
  w.Key("is_locked").Bool(meeting.is_locked);
  w.Key("room_mode").String(meeting.room_mode);
  w.Key("recording_type").String(meeting.recording_type);
  w.Key("recording_trigger").String(meeting.recording_trigger);
  w.Key("num_clients").Int(meeting.num_clients);
  w.Key("is_active").Bool(meeting.is_active);
  w.Key("calendar_event_id").OptString(meeting.calendar_event_id);
  w.Key("calendar_metadata");
  if (meeting.calendar_metadata && json::accept(*meeting.calendar_metadata)) {
    w.Raw(*meeting.calendar_metadata);
  } else {
    w.Null();
  }
  w.Key("platform").String(meeting.platform);
  w.Key("daily_composed_video_s3_key").OptString(meeting.daily_composed_video_s3_key);
  w.Key("daily_composed_video_duration").OptInt(meeting.daily_composed_video_duration);
  w.EndObject();
}

std::string PageJson(int64_t total, int page, int size,
                     const std::function<void(JsonWriter&)>& write_items) {
  const int64_t pages = size > 0 ? (total + size - 1) / size : 0;
  JsonWriter w;
  w.Reserve(1024);
  w.BeginObject().Key("items").BeginArray();
  write_items(w);
  w.EndArray();
  w.Key("total").Int(total).Key("page").Int(page).Key("size").Int(size).Key("pages").Int(pages);
  w.EndObject();
  return w.Take();
}

json RoomToJson(const store::Room& room) {
  JsonWriter w;
  w.BeginObject();
  WriteRoomFields(w, room);
  w.EndObject();
  return json::parse(w.str());
}

json RoomDetailsToJson(const store::Room& room, bool caller_is_owner) {
  JsonWriter w;
  WriteRoomDetails(w, room, caller_is_owner);
  return json::parse(w.str());
}

json MeetingToJson(const store::Meeting& meeting) {
  JsonWriter w;
  WriteMeeting(w, meeting, /*hide_host_room_url=*/false);
  return json::parse(w.str());
}

json PageToJson(json items, int64_t total, int page, int size) {
  const int64_t pages = size > 0 ? (total + size - 1) / size : 0;
  return json{{"items", std::move(items)},
              {"total", total},
              {"page", page},
              {"size", size},
              {"pages", pages}};
}

// --- Validation ---

void ValidationErrors::Add(std::vector<json> loc, std::string msg, std::string type) {
  errors_.push_back(
      json{{"loc", std::move(loc)}, {"msg", std::move(msg)}, {"type", std::move(type)}});
}

http::Response ValidationErrors::ToResponse() const {
  return http::Response::Json(422, json{{"detail", errors_}});
}

std::string LiteralErrorMessage(const std::vector<std::string>& allowed) {
  std::string msg = "Input should be ";
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0) msg += (i + 1 == allowed.size()) ? " or " : ", ";
    msg += "'" + allowed[i] + "'";
  }
  return msg;
}

BodyReader::BodyReader(std::string_view body, bool body_required) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (body_required) {
      errors_.Add({"body"}, "Field required", "missing");
      body_invalid_ = true;
    }
    return;
  }
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    errors_.Add({"body", 0}, "JSON decode error", "json_invalid");
    body_invalid_ = true;
    return;
  }
  if (!parsed.is_object()) {
    errors_.Add({"body"}, "Input should be a valid dictionary or object to extract fields from",
                "model_attributes_type");
    body_invalid_ = true;
    return;
  }
  body_ = std::move(parsed);
}

bool BodyReader::Has(const std::string& name) const { return body_.contains(name); }

bool BodyReader::IsNull(const std::string& name) const {
  auto it = body_.find(name);
  return it != body_.end() && it->is_null();
}

const json* BodyReader::Field(const std::string& name, bool required) {
  auto it = body_.find(name);
  if (it == body_.end()) {
    if (required && !body_invalid_) errors_.Add({"body", name}, "Field required", "missing");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> BodyReader::String(const std::string& name, bool required) {
  const json* field = Field(name, required);
  if (field == nullptr) return std::nullopt;
  if (!field->is_string()) {
    errors_.Add({"body", name}, "Input should be a valid string", "string_type");
    return std::nullopt;
  }
  return field->get<std::string>();
}

std::optional<bool> BodyReader::Bool(const std::string& name, bool required) {
  const json* field = Field(name, required);
  if (field == nullptr) return std::nullopt;
  if (!field->is_boolean()) {
    errors_.Add({"body", name}, "Input should be a valid boolean", "bool_type");
    return std::nullopt;
  }
  return field->get<bool>();
}

std::optional<int64_t> BodyReader::Int(const std::string& name, bool required) {
  const json* field = Field(name, required);
  if (field == nullptr) return std::nullopt;
  if (!field->is_number_integer()) {
    errors_.Add({"body", name}, "Input should be a valid integer", "int_type");
    return std::nullopt;
  }
  return field->get<int64_t>();
}

std::optional<std::string> BodyReader::Enum(const std::string& name,
                                            const std::vector<std::string>& allowed,
                                            bool required) {
  const json* field = Field(name, required);
  if (field == nullptr) return std::nullopt;
  if (field->is_string()) {
    const auto value = field->get<std::string>();
    for (const auto& a : allowed) {
      if (a == value) return value;
    }
  }
  errors_.Add({"body", name}, LiteralErrorMessage(allowed), "literal_error");
  return std::nullopt;
}

std::optional<std::optional<std::string>> BodyReader::NullableString(const std::string& name) {
  const json* field = Field(name, false);
  if (field == nullptr) return std::nullopt;
  if (field->is_null()) return std::optional<std::string>();
  if (!field->is_string()) {
    errors_.Add({"body", name}, "Input should be a valid string", "string_type");
    return std::nullopt;
  }
  return std::optional<std::string>(field->get<std::string>());
}

std::optional<std::optional<int64_t>> BodyReader::NullableInt(const std::string& name) {
  const json* field = Field(name, false);
  if (field == nullptr) return std::nullopt;
  if (field->is_null()) return std::optional<int64_t>();
  if (!field->is_number_integer()) {
    errors_.Add({"body", name}, "Input should be a valid integer", "int_type");
    return std::nullopt;
  }
  return std::optional<int64_t>(field->get<int64_t>());
}

std::optional<int64_t> QueryInt(const http::Request& request, const std::string& name,
                                int64_t fallback, int64_t min, int64_t max,
                                ValidationErrors& errors) {
  auto raw = request.QueryParam(name);
  if (!raw) return fallback;
  int64_t value = 0;
  const char* begin = raw->data();
  const char* end = begin + raw->size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (raw->empty() || ec != std::errc() || ptr != end) {
    errors.Add({"query", name},
               "Input should be a valid integer, unable to parse string as an integer",
               "int_parsing");
    return std::nullopt;
  }
  if (value < min) {
    errors.Add({"query", name}, "Input should be greater than or equal to " + std::to_string(min),
               "greater_than_equal");
    return std::nullopt;
  }
  if (value > max) {
    errors.Add({"query", name}, "Input should be less than or equal to " + std::to_string(max),
               "less_than_equal");
    return std::nullopt;
  }
  return value;
}

json ValidationErrorResponseDoc() {
  return {{"description", "Validation error"},
          {"content",
           {{"application/json",
             {{"schema",
               {{"type", "object"},
                {"properties",
                 {{"detail",
                   {{"type", "array"},
                    {"items",
                     {{"type", "object"},
                      {"properties",
                       {{"loc", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                        {"msg", {{"type", "string"}}},
                        {"type", {{"type", "string"}}}}}}}}}}}}}}}}}};
}

}  // namespace reflector::api
