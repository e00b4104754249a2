#include "api/json_models.hpp"

#include <charconv>

#include "core/time_format.hpp"

namespace reflector::api {

namespace {

using nlohmann::json;

json OptionalString(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

json OptionalTime(const std::optional<TimePoint>& value) {
  return value ? json(FormatIso8601(*value)) : json(nullptr);
}

}  // namespace

json RoomToJson(const store::Room& room) {
  return json{{"id", room.id},
              {"name", room.name},
              {"user_id", room.user_id},
              {"created_at", FormatIso8601(room.created_at)},
              {"zulip_auto_post", room.zulip_auto_post},
              {"zulip_stream", room.zulip_stream},
              {"zulip_topic", room.zulip_topic},
              {"is_locked", room.is_locked},
              {"room_mode", room.room_mode},
              {"recording_type", room.recording_type},
              {"recording_trigger", room.recording_trigger},
              {"is_shared", room.is_shared},
              {"ics_url", OptionalString(room.ics_url)},
              {"ics_fetch_interval", room.ics_fetch_interval},
              {"ics_enabled", room.ics_enabled},
              {"ics_last_sync", OptionalTime(room.ics_last_sync)},
              {"ics_last_etag", OptionalString(room.ics_last_etag)},
              // Rows from before the platform column read as whereby (contract §3.3).
              {"platform", room.platform.empty() ? std::string("whereby") : room.platform},
              {"skip_consent", room.skip_consent}};
}

json RoomDetailsToJson(const store::Room& room, bool caller_is_owner) {
  json out = RoomToJson(room);
  out["webhook_url"] = caller_is_owner ? OptionalString(room.webhook_url) : json(nullptr);
  out["webhook_secret"] = caller_is_owner ? OptionalString(room.webhook_secret) : json(nullptr);
  return out;
}

json MeetingToJson(const store::Meeting& meeting) {
  json metadata = nullptr;
  if (meeting.calendar_metadata) {
    metadata = json::parse(*meeting.calendar_metadata, nullptr, /*allow_exceptions=*/false);
    if (metadata.is_discarded()) metadata = nullptr;
  }
  return json{{"id", meeting.id},
              {"room_name", meeting.room_name},
              {"room_url", meeting.room_url},
              {"host_room_url", meeting.host_room_url},
              {"start_date", FormatIso8601(meeting.start_date)},
              {"end_date", FormatIso8601(meeting.end_date)},
              {"user_id", nullptr},
              {"room_id", meeting.room_id},
              {"is_locked", meeting.is_locked},
              {"room_mode", meeting.room_mode},
              {"recording_type", meeting.recording_type},
              {"recording_trigger", meeting.recording_trigger},
              {"num_clients", meeting.num_clients},
              {"is_active", meeting.is_active},
              {"calendar_event_id", OptionalString(meeting.calendar_event_id)},
              {"calendar_metadata", metadata},
              {"platform", meeting.platform},
              {"daily_composed_video_s3_key", OptionalString(meeting.daily_composed_video_s3_key)},
              {"daily_composed_video_duration", meeting.daily_composed_video_duration
                                                    ? json(*meeting.daily_composed_video_duration)
                                                    : json(nullptr)}};
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
