// What the transcript routes share: the JSON of a transcript (reference §5.5 fields) and the
// access rules of reference §5.5.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/auth.hpp"
#include "http/message.hpp"
#include "store/database.hpp"
#include "store/transcripts.hpp"

namespace reflector::api {

// The transcript's fields with `room_name` and its participants array.
nlohmann::json TranscriptToJson(const store::Transcript& t,
                                const std::optional<std::string>& room_name);

// The name of the transcript's room; nullopt without a room or when it is gone.
std::optional<std::string> RoomNameOf(store::Session& session,
                                      const std::optional<std::string>& room_id);

// The transcript of the request's {transcript_id} when the caller may read it; otherwise the
// answer that says why (401 bad credentials, 404 missing, 403 "Not authorized") in `refusal`.
struct ReadableTranscript {
  store::Transcript transcript;
  std::optional<http::Response> refusal;
};
ReadableTranscript LoadReadable(Authenticator& auth, store::Session& session,
                                const http::Request& request);

// Reference §5.5: anonymous-owned transcripts are readable by all; private → owner only;
// semi-private → any authenticated user; public → everyone.
bool CanRead(const store::Transcript& t, const std::optional<Principal>& caller);

// Uploading audio: the owner of a non-anonymous transcript; anonymous transcripts by anyone.
bool CanWrite(const store::Transcript& t, const std::optional<Principal>& caller);

// Editing, deleting, reprocessing (reference §5.5 "Mutation allowed only for the owner of a
// non-anonymous transcript"): `caller` owns it.
bool IsOwner(const store::Transcript& t, const Principal& caller);

}  // namespace reflector::api
