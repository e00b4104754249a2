// Provider recordings (contract §5.1 recording.*, §5.2 recording.finished), keyed by the
// provider's recording id (recording.provider_recording_id, unique).
//
// States: 'pending' (known from recording.started), 'ready' (ready to download; processing is
// queued once), 'failed' (an error and no ready). The final state does not depend on the order
// of events: once a recording was ready it stays 'ready' even if an error arrives later (the
// error message is kept in `error` either way), and a ready after an error makes it 'ready'.
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
};

class RecordingRepository {
 public:
  // recording.started: remembers provider id → meeting (and type when known), so later events
  // need no time-based matching. Keeps what an earlier event stored.
  static Status RememberStarted(Session& session, std::string_view provider_recording_id,
                                std::string_view meeting_id, std::optional<std::string> type,
                                TimePoint started_at);

  // Ready to download. Returns our recording id when this call made the recording ready (the
  // caller then queues its processing), nullopt when it was ready already (a duplicate).
  static Result<std::optional<std::string>> MarkReady(Session& session,
                                                      const ReadyRecording& recording);

  // recording.error (which names no recording id): marks the meeting's latest recording of
  // `type` (any type when nullopt) failed with `message` — unless it was ready — or, when the
  // meeting has no such recording yet, records a failed one without provider id that a later
  // started/ready of the same meeting and type adopts. Returns the recording id.
  static Result<std::string> MarkFailed(Session& session, std::string_view meeting_id,
                                        const std::optional<std::string>& type,
                                        std::string_view message, TimePoint at);

  // kNotFound "Recording not found".
  static Result<Recording> GetByProviderId(Session& session, std::string_view provider_id);
  // By recorded_at, then id.
  static Result<std::vector<Recording>> ListForMeeting(Session& session,
                                                       std::string_view meeting_id);
};

}  // namespace reflector::store
