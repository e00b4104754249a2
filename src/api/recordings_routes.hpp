// Where recordings enter Reflector over HTTP (contract §7.1 items 1 and 5, §7.2):
//   POST /v1/transcripts                                  a transcript for an upload
//   POST /v1/transcripts/{transcript_id}/record/upload    its audio, in chunks
//   GET  /v1/transcripts/{transcript_id}                  the transcript
//   GET|HEAD /v1/transcripts/{transcript_id}/audio/mp3    its audio (Range supported)
//   GET  /v1/transcripts/{transcript_id}/audio/waveform   its waveform peaks
//   GET  /v1/meetings/{meeting_id}/recordings             a meeting's recordings and their state
//   POST /v1/mock/rooms/{room_name}/recording             the mock platform's recording
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "api/context.hpp"
#include "api/routes.hpp"
#include "storage/object_storage.hpp"

namespace reflector::api {

struct RecordingRoutesOptions {
  std::string data_dir;                          // DATA_DIR: uploads land under it
  size_t max_mock_recording_bytes = 100u << 20;  // body limit of the mock recording route
  std::function<void()> notify_jobs;             // wakes in-process workers (may be empty)
  storage::ObjectStorage* storage = nullptr;     // where transcripts' MP3s are stored
};

// The largest upload chunk accepted (Reflector's web client sends ≤ 50 MiB) plus room for the
// multipart envelope: the route's body limit.
inline constexpr size_t kMaxUploadChunkBytes = size_t{50} << 20;
inline constexpr size_t kUploadBodyLimit = kMaxUploadChunkBytes + (size_t{1} << 20);
inline constexpr const char* kUploadRoute = "/v1/transcripts/{transcript_id}/record/upload";
inline constexpr const char* kMockRecordingRoute = "/v1/mock/rooms/{room_name}/recording";

void RegisterRecordingRoutes(ApiRoutes& routes, ApiContext& context,
                             RecordingRoutesOptions options);

}  // namespace reflector::api
