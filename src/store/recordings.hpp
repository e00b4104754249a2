// Provider recordings (contract §5.1 recording.*, §5.2 recording.finished), keyed by the
// provider's recording id (recording.provider_recording_id, unique).
//
// States (contract §7.2): 'pending' (known from recording.started, or reported ready by the
// provider and queued for processing), 'downloading', 'processing', 'ready' (our audio is stored),
// 'failed' (with a readable `error`). Processing is queued once per recording (`queued_at` is set
// once) whichever way the recording arrives first. Provider events do not depend on their order:
// a recording.error after the provider reported the recording ready leaves the processing alone
// (the message is kept in `error`), and a ready after an error queues it.
// Stateless; errors as in store/database.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

struct Recording {
  std::string id;
  std::string bucket_name;
  std::string object_key;
  TimePoint recorded_at{};
  std::string status;  // 'pending' | 'ready' | 'failed'
  std::optional<std::string> meeting_id;
  std::optional<std::string> provider_recording_id;
  std::optional<std::string> type;  // 'cloud' | 'raw-tracks' | ...
  std::optional<std::string> error;
  std::optional<double> duration;         // seconds
  std::optional<std::string> track_keys;  // JSON array of audio track keys (raw-tracks)
  std::optional<std::string> platform;    // whereby | daily | mock | upload
  std::optional<TimePoint> created_at;
  int tracks = 0;
  std::optional<TimePoint> queued_at;  // processing queued (once)
  std::optional<std::string> stage;    // last finished pipeline stage
};

// A recording that arrives as a file of ours (upload), queued for processing at once.
struct NewRecording {
  std::string id;
  std::string platform;  // "upload" | "mock"
  std::string type;      // "upload" | "mock"
  std::optional<std::string> meeting_id;
  std::optional<std::string> provider_recording_id;
  std::string bucket_name;  // "" = our own storage
  std::string object_key;
  TimePoint recorded_at{};
  // Queued for processing at once (uploads). False for a mock recording, which is queued when
  // the mock platform's ready event reaches the webhook, like a provider's.
  bool queued = true;
};

struct ReadyRecording {
  std::string provider_recording_id;
  std::optional<std::string> meeting_id;
  std::string type;
  std::string bucket_name;
  std::string object_key;
  TimePoint recorded_at{};
  std::optional<double> duration;
  std::optional<std::string> track_keys;  // JSON array; null for single-file recordings
  std::string platform;                   // provider name
};

class RecordingRepository {
 public:
  // recording.started: remembers provider id → meeting (and type when known), so later events
  // need no time-based matching. Keeps what an earlier event stored.
  static Status RememberStarted(Session& session, std::string_view provider_recording_id,
                                std::string_view meeting_id, std::optional<std::string> type,
                                TimePoint started_at);

  // Ready to download. Returns our recording id when this call queued the recording for
  // processing (the caller then enqueues the job in the same transaction), nullopt when it was
  // queued already (a duplicate, or another path reported it first).
  static Result<std::optional<std::string>> MarkReady(Session& session,
                                                      const ReadyRecording& recording,
                                                      TimePoint now);

  // Inserts a recording of ours (upload), already queued. kAlreadyExists on a duplicate id.
  static Status Create(Session& session, const NewRecording& recording, TimePoint now);

  // Pipeline progress: status and error (error cleared when nullopt), optionally the stage
  // reached, the track count and the duration. kNotFound when the recording is gone.
  struct Progress {
    std::string status;
    std::optional<std::string> error;
    std::optional<std::string> stage;
    std::optional<int> tracks;
    std::optional<double> duration;
  };
  static Status SetProgress(Session& session, std::string_view id, const Progress& progress);

  // kNotFound "Recording not found".
  static Result<Recording> Get(Session& session, std::string_view id);

  // recording.error (which names no recording id): marks the meeting's latest recording of
  // `type` (any type when nullopt) failed with `message` — unless it was ready — or, when the
  // meeting has no such recording yet, records a failed one without provider id that a later
  // started/ready of the same meeting and type adopts. Returns the recording id.
  static Result<std::string> MarkFailed(Session& session, std::string_view meeting_id,
                                        const std::optional<std::string>& type,
                                        std::string_view message, TimePoint at);

  // Recordings that were queued for processing and ended `failed`, created at or after `since`,
  // newest first, at most `limit`: the daily retry's candidates.
  static Result<std::vector<Recording>> ListFailedSince(Session& session, TimePoint since,
                                                        int limit);

  // kNotFound "Recording not found".
  static Result<Recording> GetByProviderId(Session& session, std::string_view provider_id);
  // By recorded_at, then id.
  static Result<std::vector<Recording>> ListForMeeting(Session& session,
                                                       std::string_view meeting_id);
};

}  // namespace reflector::store
