// What the transcript routes share: the JSON of a transcript (reference §5.5 fields) and the
// access rules of reference §5.5.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/auth.hpp"
#include "store/transcripts.hpp"

namespace reflector::api {

// The transcript's fields with `room_name` and its participants array.
nlohmann::json TranscriptToJson(const store::Transcript& t,
                                const std::optional<std::string>& room_name);

// Reference §5.5: anonymous-owned transcripts are readable by all; private → owner only;
// semi-private → any authenticated user; public → everyone.
bool CanRead(const store::Transcript& t, const std::optional<Principal>& caller);

// Uploading audio: the owner of a non-anonymous transcript; anonymous transcripts by anyone.
bool CanWrite(const store::Transcript& t, const std::optional<Principal>& caller);

// Editing, deleting, reprocessing (reference §5.5 "Mutation allowed only for the owner of a
// non-anonymous transcript"): `caller` owns it.
bool IsOwner(const store::Transcript& t, const Principal& caller);

}  // namespace reflector::api
