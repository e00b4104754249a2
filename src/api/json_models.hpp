// JSON shapes of the /v1 API (reference §5.1) and request validation with FastAPI-style errors.
//
// Serializers turn store rows into the Reflector response shapes; ValidationErrors and BodyReader
// turn a bad request into `422 {"detail":[{"loc":[...],"msg":"...","type":"..."}]}`, the body
// FastAPI/pydantic v2 answers with, so Reflector clients keep working.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_writer.hpp"
#include "http/message.hpp"
#include "store/models.hpp"

namespace reflector::api {

// --- Response shapes ---

// Room: {id,name,user_id,created_at,zulip_auto_post,zulip_stream,zulip_topic,is_locked,room_mode,
// recording_type,recording_trigger,is_shared,ics_url,ics_fetch_interval,ics_enabled,ics_last_sync,
// ics_last_etag,platform,skip_consent}. Timestamps ISO 8601 UTC; absent optionals are null.
nlohmann::json RoomToJson(const store::Room& room);

// RoomDetails = Room + webhook_url, webhook_secret. Contract §4 fixes the reference's leak: the
// webhook fields are null unless `caller_is_owner`.
nlohmann::json RoomDetailsToJson(const store::Room& room, bool caller_is_owner);

// Meeting: {id,room_name,room_url,host_room_url,start_date,end_date,user_id,room_id,is_locked,
// room_mode,recording_type,recording_trigger,num_clients,is_active,calendar_event_id,
// calendar_metadata,platform,daily_composed_video_s3_key,daily_composed_video_duration}.
// `user_id` is always null (the column is gone in Reflector); calendar_metadata is embedded as
// JSON (null when absent or not valid JSON).
nlohmann::json MeetingToJson(const store::Meeting& meeting);

// fastapi-pagination Page: {items,total,page,size,pages}, pages = ceil(total/size).
nlohmann::json PageToJson(nlohmann::json items, int64_t total, int page, int size);

// The same shapes written straight to JSON text, for list endpoints (no document tree). The
// *ToJson functions above are built on these, so both always agree.
void WriteRoomDetails(JsonWriter& w, const store::Room& room, bool caller_is_owner);
// `hide_host_room_url`: host_room_url written as "" (Whereby meetings seen by non-owners).
void WriteMeeting(JsonWriter& w, const store::Meeting& meeting, bool hide_host_room_url);
// A Page whose items are written by `write_items` inside the array.
std::string PageJson(int64_t total, int page, int size,
                     const std::function<void(JsonWriter&)>& write_items);

// --- Validation ---

// An accumulating list of FastAPI validation errors.
class ValidationErrors {
 public:
  // One error at `loc` (e.g. {"body", "room_mode"} or {"query", "page"}).
  void Add(std::vector<nlohmann::json> loc, std::string msg, std::string type);
  bool empty() const { return errors_.empty(); }
  // The `detail` array.
  const nlohmann::json& detail() const { return errors_; }
  // 422 {"detail": [...]}.
  http::Response ToResponse() const;

 private:
  nlohmann::json errors_ = nlohmann::json::array();
};

// FastAPI's literal_error message: "Input should be 'a', 'b' or 'c'".
std::string LiteralErrorMessage(const std::vector<std::string>& allowed);

// Reads fields of a JSON object request body, recording every problem (pydantic v2 types and
// messages) instead of stopping at the first. Typical use:
//
//   BodyReader body(request.body);
//   auto name = body.String("name", /*required=*/true);
//   auto mode = body.Enum("room_mode", {"normal", "group"});
//   if (!body.errors().empty()) return body.errors().ToResponse();
//
// Getters return nullopt when the field is absent, null (for non-nullable getters: recorded as
// an error), or of the wrong type (recorded).
class BodyReader {
 public:
  // An empty or malformed body, or one that is not a JSON object, records an error
  // (json_invalid / model_attributes_type / missing) and then behaves as an empty object.
  // `body_required`: an empty body is an error ("Field required" at ["body"]).
  explicit BodyReader(std::string_view body, bool body_required = true);

  // The field is present in the body (null counts as present).
  bool Has(const std::string& name) const;
  // The field is present and JSON null.
  bool IsNull(const std::string& name) const;

  std::optional<std::string> String(const std::string& name, bool required = false);
  std::optional<bool> Bool(const std::string& name, bool required = false);
  std::optional<int64_t> Int(const std::string& name, bool required = false);
  // A string that must be one of `allowed` (literal_error otherwise).
  std::optional<std::string> Enum(const std::string& name, const std::vector<std::string>& allowed,
                                  bool required = false);
  // Nullable string: outer nullopt when absent or invalid; inner nullopt for JSON null.
  std::optional<std::optional<std::string>> NullableString(const std::string& name);
  // Nullable integer, same convention.
  std::optional<std::optional<int64_t>> NullableInt(const std::string& name);

  // The parsed body (an empty object when it was not a valid JSON object).
  const nlohmann::json& object() const { return body_; }
  ValidationErrors& errors() { return errors_; }

 private:
  const nlohmann::json* Field(const std::string& name, bool required);

  nlohmann::json body_ = nlohmann::json::object();
  bool body_invalid_ = false;  // a body-level error was recorded: no per-field "missing" errors
  ValidationErrors errors_;
};

// An integer query parameter within [min, max] (inclusive), `fallback` when absent. Records
// int_parsing / greater_than_equal / less_than_equal at ["query", name] and returns nullopt on
// error.
std::optional<int64_t> QueryInt(const http::Request& request, const std::string& name,
                                int64_t fallback, int64_t min, int64_t max,
                                ValidationErrors& errors);

// OpenAPI schema of the 422 body, for operation docs: {"description", "content"} entry.
nlohmann::json ValidationErrorResponseDoc();

}  // namespace reflector::api
