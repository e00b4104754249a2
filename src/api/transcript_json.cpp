#include "api/transcript_json.hpp"

#include "api/auth_backends.hpp"
#include "api/errors.hpp"
#include "core/time_format.hpp"
#include "store/rooms.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;

json Nullable(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

nlohmann::json TranscriptToJson(const store::Transcript& t,
                                const std::optional<std::string>& room_name) {
  json participants = json::array();
  if (t.participants) {
    auto parsed = json::parse(*t.participants, nullptr, false);
    if (parsed.is_array()) participants = std::move(parsed);
  }
  return {{"id", t.id},
          {"user_id", Nullable(t.user_id)},
          {"name", t.name},
          {"status", t.status},
          {"locked", t.locked},
          {"duration", t.duration},
          {"title", Nullable(t.title)},
          {"short_summary", Nullable(t.short_summary)},
          {"long_summary", Nullable(t.long_summary)},
          {"created_at", FormatIso8601(t.created_at)},
          {"share_mode", t.share_mode},
          {"source_language", t.source_language},
          {"target_language", t.target_language},
          {"reviewed", t.reviewed},
          {"meeting_id", Nullable(t.meeting_id)},
          {"recording_id", Nullable(t.recording_id)},
          {"source_kind", t.source_kind},
          {"room_id", Nullable(t.room_id)},
          {"room_name", Nullable(room_name)},
          {"audio_deleted", t.audio_deleted ? json(*t.audio_deleted) : json(nullptr)},
          {"participants", participants},
          {"error", Nullable(t.error)}};
}

// Reference §5.5: anonymous-owned transcripts are readable by all; private → owner only;
// semi-private → any authenticated user; public → everyone.
bool CanRead(const store::Transcript& t, const std::optional<Principal>& caller) {
  if (!t.user_id) return true;
  if (caller && caller->user_id == *t.user_id) return true;
  if (t.share_mode == "public") return true;
  if (t.share_mode == "semi-private") return caller.has_value();
  return false;
}

// Mutation: the owner of a non-anonymous transcript; anonymous transcripts by anyone.
bool CanWrite(const store::Transcript& t, const std::optional<Principal>& caller) {
  if (!t.user_id) return true;
  return caller && caller->user_id == *t.user_id;
}

std::optional<std::string> RoomNameOf(store::Session& session,
                                      const std::optional<std::string>& room_id) {
  if (!room_id) return std::nullopt;
  auto room = store::RoomRepository::GetById(session, *room_id);
  if (!room) return std::nullopt;
  return room->name;
}

ReadableTranscript LoadReadable(Authenticator& auth, store::Session& session,
                                const http::Request& request) {
  ReadableTranscript out;
  auto caller = OptionalUser(auth, request);
  if (!caller) {
    out.refusal = ErrorResponse(caller.error());
    return out;
  }
  auto t = store::TranscriptRepository::Get(session, request.PathParam("transcript_id"));
  if (!t) {
    out.refusal = ErrorResponse(t.error());
    return out;
  }
  if (!CanRead(*t, *caller)) out.refusal = http::Response::Detail(403, "Not authorized");
  out.transcript = std::move(*t);
  return out;
}

bool IsOwner(const store::Transcript& t, const Principal& caller) {
  return t.user_id && *t.user_id == caller.user_id;
}

}  // namespace reflector::api
