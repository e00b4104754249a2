#include "api/transcript_edit_routes.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "api/auth_backends.hpp"
#include "api/errors.hpp"
#include "api/json_models.hpp"
#include "api/transcript_json.hpp"
#include "core/ids.hpp"
#include "recordings/reprocess.hpp"
#include "store/transcripts.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxParticipants = 1000;
constexpr size_t kMaxNameChars = 500;
constexpr int64_t kMaxSpeaker = 10'000;

// Participants as the API shows them: {id, speaker, name}.
json PublicParticipant(const json& p) {
  return {{"id", p.value("id", "")},
          {"speaker", p.contains("speaker") ? p["speaker"] : json(nullptr)},
          {"name", p.value("name", "")}};
}

json ParticipantSchema() {
  return {{"type", "object"},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"speaker", {{"type", "integer"}, {"nullable", true}}},
            {"name", {{"type", "string"}}}}},
          {"required", {"id", "speaker", "name"}}};
}

json Doc(const std::string& description, json schema) {
  return {{"description", description}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

json JsonBody(json schema) {
  return {{"required", true}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

// Validation of a participants list given in a PATCH of the transcript: objects with a name,
// an optional integer speaker (unique), an optional id (generated when absent).
std::optional<json> ReadParticipantList(const json& value, ValidationErrors& errors) {
  if (!value.is_array()) {
    errors.Add({"body", "participants"}, "Input should be a valid list", "list_type");
    return std::nullopt;
  }
  if (value.size() > kMaxParticipants) {
    errors.Add({"body", "participants"}, "List should have at most 1000 items", "too_long");
    return std::nullopt;
  }
  json out = json::array();
  std::set<int64_t> speakers;
  for (size_t i = 0; i < value.size(); ++i) {
    const json& p = value[i];
    const std::string index = std::to_string(i);
    if (!p.is_object()) {
      errors.Add({"body", "participants", index}, "Input should be a valid dictionary",
                 "dict_type");
      continue;
    }
    if (!p.contains("name") || !p["name"].is_string() ||
        p["name"].get<std::string>().size() > kMaxNameChars) {
      errors.Add({"body", "participants", index, "name"},
                 "Field required: a string of at most 500 characters", "string_type");
      continue;
    }
    json speaker = nullptr;
    if (p.contains("speaker") && !p["speaker"].is_null()) {
      if (!p["speaker"].is_number_integer() || p["speaker"].get<int64_t>() < 0 ||
          p["speaker"].get<int64_t>() > kMaxSpeaker) {
        errors.Add({"body", "participants", index, "speaker"},
                   "Input should be an integer between 0 and 10000", "int_type");
        continue;
      }
      if (!speakers.insert(p["speaker"].get<int64_t>()).second) {
        errors.Add({"body", "participants", index, "speaker"}, "Speaker already assigned",
                   "value_error");
        continue;
      }
      speaker = p["speaker"];
    }
    std::string id = p.contains("id") && p["id"].is_string() && !p["id"].get<std::string>().empty()
                         ? p["id"].get<std::string>()
                         : NewUuid4();
    json item = {{"id", id}, {"speaker", speaker}, {"name", p["name"]}};
    if (p.contains("user_id") && p["user_id"].is_string()) item["user_id"] = p["user_id"];
    out.push_back(std::move(item));
  }
  if (!errors.empty()) return std::nullopt;
  return out;
}

json ParseArray(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  return parsed.is_array() ? parsed : json::array();
}

struct Handlers {
  ApiContext& ctx;
  TranscriptEditRoutesOptions options;

  // The transcript for a change by the signed-in owner, or the refusal.
  struct Owned {
    store::Transcript transcript;
    std::optional<http::Response> refusal;
  };
  Owned LoadOwned(store::Session& session, http::Request& request) {
    Owned out;
    auto caller = RequireUser(ctx.auth, request);
    if (!caller) {
      out.refusal = ErrorResponse(caller.error());
      return out;
    }
    auto t = store::TranscriptRepository::Get(session, request.PathParam("transcript_id"));
    if (!t) {
      out.refusal = ErrorResponse(t.error());
      return out;
    }
    if (!IsOwner(*t, *caller)) out.refusal = http::Response::Detail(403, "Not authorized");
    out.transcript = std::move(*t);
    return out;
  }

  http::Response Patch(http::Request& request) {
    auto session = ctx.db.Acquire();
    Owned owned = LoadOwned(session, request);
    if (owned.refusal) return std::move(*owned.refusal);
    const store::Transcript& t = owned.transcript;

    BodyReader body(request.body);
    store::TranscriptPatch patch;
    patch.name = body.String("name");
    patch.locked = body.Bool("locked");
    patch.title = body.NullableString("title");
    patch.short_summary = body.NullableString("short_summary");
    patch.long_summary = body.NullableString("long_summary");
    patch.share_mode = body.Enum("share_mode", {"private", "semi-private", "public"});
    patch.reviewed = body.Bool("reviewed");
    patch.audio_deleted = body.Bool("audio_deleted");
    if (body.Has("participants") && !body.IsNull("participants")) {
      if (auto list = ReadParticipantList(body.object()["participants"], body.errors())) {
        patch.participants = list->dump();
      }
    }
    if (patch.name && patch.name->size() > kMaxNameChars) {
      body.errors().Add({"body", "name"}, "String should have at most 500 characters",
                        "string_too_long");
    }
    if (!body.errors().empty()) return body.errors().ToResponse();

    const bool deleted = t.audio_deleted.value_or(false);
    if (patch.audio_deleted && !*patch.audio_deleted && deleted) {
      return http::Response::Detail(400, "Deleted audio cannot be restored");
    }
    if (patch.audio_deleted && *patch.audio_deleted && !deleted && t.audio_key &&
        options.storage != nullptr) {
      // The owner asks for the audio to go: our stored MP3 goes first, then the flag.
      if (auto gone = options.storage->Delete(*t.audio_key);
          !gone && gone.error().code != Code::kNotFound) {
        return ErrorResponse(gone.error());
      }
    }
    if (auto updated = store::TranscriptRepository::Update(session, t.id, patch); !updated) {
      return ErrorResponse(updated.error());
    }
    auto fresh = store::TranscriptRepository::Get(session, t.id);
    if (!fresh) return ErrorResponse(fresh.error());
    return http::Response::Json(200, TranscriptToJson(*fresh, RoomNameOf(session, fresh->room_id)));
  }

  http::Response ListParticipants(http::Request& request) {
    auto session = ctx.db.Acquire();
    ReadableTranscript readable = LoadReadable(ctx.auth, session, request);
    if (readable.refusal) return std::move(*readable.refusal);
    const store::Transcript* t = &readable.transcript;
    json out = json::array();
    for (const auto& p : ParseArray(t->participants.value_or("[]"))) {
      if (p.is_object()) out.push_back(PublicParticipant(p));
    }
    return http::Response::Json(200, out);
  }

  http::Response GetParticipant(http::Request& request) {
    auto session = ctx.db.Acquire();
    ReadableTranscript readable = LoadReadable(ctx.auth, session, request);
    if (readable.refusal) return std::move(*readable.refusal);
    const store::Transcript* t = &readable.transcript;
    const std::string pid(request.PathParam("participant_id"));
    for (const auto& p : ParseArray(t->participants.value_or("[]"))) {
      if (p.is_object() && p.value("id", "") == pid) {
        return http::Response::Json(200, PublicParticipant(p));
      }
    }
    return http::Response::Detail(404, "Participant not found");
  }

  // {speaker?, name}: `name_required` for a new participant. Records validation errors.
  struct ParticipantFields {
    std::optional<std::string> name;
    bool has_speaker = false;
    std::optional<int64_t> speaker;  // nullopt with has_speaker: null (no speaker)
  };
  ParticipantFields ReadFields(BodyReader& body, bool name_required) {
    ParticipantFields f;
    f.name = body.String("name", name_required);
    if (f.name && f.name->size() > kMaxNameChars) {
      body.errors().Add({"body", "name"}, "String should have at most 500 characters",
                        "string_too_long");
    }
    if (body.Has("speaker")) {
      auto speaker = body.NullableInt("speaker");
      if (speaker) {
        f.has_speaker = true;
        f.speaker = *speaker;
        if (f.speaker && (*f.speaker < 0 || *f.speaker > kMaxSpeaker)) {
          body.errors().Add({"body", "speaker"}, "Input should be between 0 and 10000",
                            "less_than_equal");
        }
      }
    }
    return f;
  }

  static Status SpeakerFree(const json& list, const std::optional<int64_t>& speaker,
                            const std::string& except_id) {
    if (!speaker) return Ok();
    for (const auto& p : list) {
      if (!p.is_object() || p.value("id", "") == except_id) continue;
      if (p.contains("speaker") && p["speaker"].is_number_integer() &&
          p["speaker"].get<int64_t>() == *speaker) {
        return Err(Code::kInvalidArgument, "Speaker already assigned");
      }
    }
    return Ok();
  }

  http::Response AddParticipant(http::Request& request) {
    auto session = ctx.db.Acquire();
    Owned owned = LoadOwned(session, request);
    if (owned.refusal) return std::move(*owned.refusal);
    BodyReader body(request.body);
    ParticipantFields f = ReadFields(body, /*name_required=*/true);
    if (!body.errors().empty()) return body.errors().ToResponse();
    json added = {{"id", NewUuid4()},
                  {"speaker", f.speaker ? json(*f.speaker) : json(nullptr)},
                  {"name", *f.name}};
    auto written = store::TranscriptRepository::EditParticipants(
        session, owned.transcript.id, [&](const std::string& current) -> Result<std::string> {
          json list = ParseArray(current);
          if (list.size() >= kMaxParticipants) {
            return Err(Code::kInvalidArgument, "A transcript has at most 1000 participants");
          }
          REFLECTOR_RETURN_IF_ERROR(SpeakerFree(list, f.speaker, ""));
          list.push_back(added);
          return list.dump();
        });
    if (!written) return ErrorResponse(written.error());
    return http::Response::Json(200, PublicParticipant(added));
  }

  http::Response UpdateParticipant(http::Request& request) {
    auto session = ctx.db.Acquire();
    Owned owned = LoadOwned(session, request);
    if (owned.refusal) return std::move(*owned.refusal);
    BodyReader body(request.body);
    ParticipantFields f = ReadFields(body, /*name_required=*/false);
    if (!body.errors().empty()) return body.errors().ToResponse();
    const std::string pid(request.PathParam("participant_id"));
    json updated;
    auto written = store::TranscriptRepository::EditParticipants(
        session, owned.transcript.id, [&](const std::string& current) -> Result<std::string> {
          json list = ParseArray(current);
          for (auto& p : list) {
            if (!p.is_object() || p.value("id", "") != pid) continue;
            if (f.has_speaker) {
              REFLECTOR_RETURN_IF_ERROR(SpeakerFree(list, f.speaker, pid));
              p["speaker"] = f.speaker ? json(*f.speaker) : json(nullptr);
            }
            if (f.name) p["name"] = *f.name;
            updated = p;
            return list.dump();
          }
          return Err(Code::kNotFound, "Participant not found");
        });
    if (!written) return ErrorResponse(written.error());
    return http::Response::Json(200, PublicParticipant(updated));
  }

  http::Response DeleteParticipant(http::Request& request) {
    auto session = ctx.db.Acquire();
    Owned owned = LoadOwned(session, request);
    if (owned.refusal) return std::move(*owned.refusal);
    const std::string pid(request.PathParam("participant_id"));
    auto written = store::TranscriptRepository::EditParticipants(
        session, owned.transcript.id, [&](const std::string& current) -> Result<std::string> {
          json list = ParseArray(current);
          for (size_t i = 0; i < list.size(); ++i) {
            if (list[i].is_object() && list[i].value("id", "") == pid) {
              list.erase(i);
              return list.dump();
            }
          }
          return Err(Code::kNotFound, "Participant not found");
        });
    if (!written) return ErrorResponse(written.error());
    return http::Response::Json(200, {{"status", "ok"}});
  }

  http::Response Process(http::Request& request) {
    auto session = ctx.db.Acquire();
    Owned owned = LoadOwned(session, request);
    if (owned.refusal) return std::move(*owned.refusal);
    auto done = recordings::Reprocess(session, ctx.config, owned.transcript, ctx.clock.Now());
    if (!done) {
      if (done.error().code == Code::kFailedPrecondition) {
        return http::Response::Detail(400, done.error().message);
      }
      return ErrorResponse(done.error());
    }
    if (*done == recordings::ReprocessOutcome::kAlreadyRunning) {
      return http::Response::Json(200, {{"status", "already running"}});
    }
    if (options.notify_jobs) options.notify_jobs();
    return http::Response::Json(200, {{"status", "ok"}});
  }
};

}  // namespace

void RegisterTranscriptEditRoutes(ApiRoutes& routes, ApiContext& context,
                                  TranscriptEditRoutesOptions options) {
  routes.AddSchema("Participant", ParticipantSchema());
  auto h = std::make_shared<Handlers>(Handlers{context, std::move(options)});
  const json participant_ref = {{"$ref", "#/components/schemas/Participant"}};
  const json transcript_ref = {{"$ref", "#/components/schemas/Transcript"}};
  const json owner_errors = {{"401", ErrorResponseDoc("Not authenticated")},
                             {"403", ErrorResponseDoc("Not authorized")},
                             {"404", ErrorResponseDoc("Transcript not found")},
                             {"422", ValidationErrorResponseDoc()}};
  auto with = [](json responses, json more) {
    for (auto& [k, v] : more.items()) responses[k] = v;
    return responses;
  };
  const json nullable_string = {{"type", "string"}, {"nullable", true}};

  routes.Add(
      http::Method::kPatch, "/v1/transcripts/{transcript_id}",
      {{"summary", "Change a transcript's fields (owner only)"},
       {"tags", {"transcripts"}},
       {"requestBody",
        JsonBody({{"type", "object"},
                  {"properties",
                   {{"name", {{"type", "string"}}},
                    {"locked", {{"type", "boolean"}}},
                    {"title", nullable_string},
                    {"short_summary", nullable_string},
                    {"long_summary", nullable_string},
                    {"share_mode",
                     {{"type", "string"}, {"enum", {"private", "semi-private", "public"}}}},
                    {"participants",
                     {{"type", "array"},
                      {"items",
                       {{"type", "object"},
                        {"properties",
                         {{"id", {{"type", "string"}}},
                          {"speaker", {{"type", "integer"}, {"nullable", true}}},
                          {"name", {{"type", "string"}}}}},
                        {"required", {"name"}}}}}},
                    {"reviewed", {{"type", "boolean"}}},
                    {"audio_deleted",
                     {{"type", "boolean"},
                      {"description",
                       "true deletes the stored audio (the audio routes answer 404 from then "
                       "on); deleted audio cannot be restored (400)"}}}}}})},
       {"responses",
        with(owner_errors, {{"200", Doc("The transcript", transcript_ref)},
                            {"400", ErrorResponseDoc("Deleted audio cannot be restored")}})}},
      [h](http::Request& r) { return h->Patch(r); });

  routes.Add(http::Method::kGet, "/v1/transcripts/{transcript_id}/participants",
             {{"summary", "The transcript's participants"},
              {"tags", {"transcripts"}},
              {"responses",
               {{"200", Doc("Participants", {{"type", "array"}, {"items", participant_ref}})},
                {"403", ErrorResponseDoc("Not authorized")},
                {"404", ErrorResponseDoc("Transcript not found")}}}},
             [h](http::Request& r) { return h->ListParticipants(r); });

  const json participant_body = JsonBody(
      {{"type", "object"},
       {"properties",
        {{"speaker", {{"type", "integer"}, {"nullable", true}}}, {"name", {{"type", "string"}}}}}});
  routes.Add(
      http::Method::kPost, "/v1/transcripts/{transcript_id}/participants",
      {{"summary", "Add a participant {speaker?, name} (owner only)"},
       {"tags", {"transcripts"}},
       {"requestBody", participant_body},
       {"responses", with(owner_errors, {{"200", Doc("The participant", participant_ref)},
                                         {"400", ErrorResponseDoc("Speaker already assigned")}})}},
      [h](http::Request& r) { return h->AddParticipant(r); });

  const std::string one = "/v1/transcripts/{transcript_id}/participants/{participant_id}";
  routes.Add(http::Method::kGet, one,
             {{"summary", "One participant"},
              {"tags", {"transcripts"}},
              {"responses",
               {{"200", Doc("The participant", participant_ref)},
                {"403", ErrorResponseDoc("Not authorized")},
                {"404", ErrorResponseDoc("Transcript or participant not found")}}}},
             [h](http::Request& r) { return h->GetParticipant(r); });
  routes.Add(
      http::Method::kPatch, one,
      {{"summary", "Rename a participant or change its speaker (owner only)"},
       {"tags", {"transcripts"}},
       {"requestBody", participant_body},
       {"responses", with(owner_errors, {{"200", Doc("The participant", participant_ref)},
                                         {"400", ErrorResponseDoc("Speaker already assigned")}})}},
      [h](http::Request& r) { return h->UpdateParticipant(r); });
  routes.Add(http::Method::kDelete, one,
             {{"summary", "Remove a participant (owner only)"},
              {"tags", {"transcripts"}},
              {"responses", with(owner_errors, {{"200", Doc("Removed", {{"type", "object"}})}})}},
             [h](http::Request& r) { return h->DeleteParticipant(r); });

  routes.Add(
      http::Method::kPost, "/v1/transcripts/{transcript_id}/process",
      {{"summary", "Process the transcript again (owner only)"},
       {"description",
        "Transcribes again from the decoded tracks when they are still there (the last run "
        "failed), otherwise processes the recording again from its source. Answers "
        "{\"status\": \"ok\"} when queued, {\"status\": \"already running\"} when a run is "
        "queued or running."},
       {"tags", {"transcripts"}},
       {"responses",
        with(owner_errors,
             {{"200",
               Doc("Queued, or already running",
                   {{"type", "object"},
                    {"properties",
                     {{"status", {{"type", "string"}, {"enum", {"ok", "already running"}}}}}}})},
              {"400", ErrorResponseDoc("Transcript is locked, not ready, or its audio was "
                                       "deleted")}})}},
      [h](http::Request& r) { return h->Process(r); });
}

}  // namespace reflector::api
