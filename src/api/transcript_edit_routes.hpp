// Editing a transcript (contract §7.6, reference §5.5):
//   PATCH  /v1/transcripts/{transcript_id}                              its fields
//   GET    /v1/transcripts/{transcript_id}/participants                 its participants
//   POST   /v1/transcripts/{transcript_id}/participants                 add one {speaker?, name}
//   GET    /v1/transcripts/{transcript_id}/participants/{participant_id}
//   PATCH  /v1/transcripts/{transcript_id}/participants/{participant_id} {speaker?, name?}
//   DELETE /v1/transcripts/{transcript_id}/participants/{participant_id}
//   POST   /v1/transcripts/{transcript_id}/process                      reprocess
// Reading follows the transcript's share mode; every change needs the signed-in owner (401
// anonymous, 403 anyone else).
#pragma once

#include <functional>

#include "api/context.hpp"
#include "api/routes.hpp"
#include "storage/object_storage.hpp"

namespace reflector::api {

struct TranscriptEditRoutesOptions {
  std::function<void()> notify_jobs;          // wakes in-process workers (may be empty)
  storage::ObjectStorage* storage = nullptr;  // where the MP3s are (PATCH audio_deleted: true)
};

void RegisterTranscriptEditRoutes(ApiRoutes& routes, ApiContext& context,
                                  TranscriptEditRoutesOptions options);

}  // namespace reflector::api
