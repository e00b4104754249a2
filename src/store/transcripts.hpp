// Transcripts (contract §7.6, reference §4.7): one per recording, or one per upload. This
// repository holds the rows; the pipeline fills audio, words and text as it goes.
// Stateless; errors as in store/database.hpp.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

struct Transcript {
  std::string id;
  std::string name;
  std::string status = "idle";  // idle | uploaded | processing | ended | error
  bool locked = false;
  double duration = 0;  // milliseconds
  TimePoint created_at{};
  std::optional<std::string> title;
  std::optional<std::string> short_summary;
  std::optional<std::string> long_summary;
  std::string source_language = "en";
  std::string target_language = "en";
  bool reviewed = false;
  std::string audio_location = "local";
  std::optional<std::string> user_id;
  std::string share_mode = "private";
  std::optional<std::string> meeting_id;
  std::optional<std::string> recording_id;
  std::optional<std::string> room_id;
  std::string source_kind = "file";  // room | live | file
  std::optional<bool> audio_deleted;
  std::optional<std::string> webvtt;
  std::optional<std::string> participants;  // JSON array
  std::optional<std::string> error;
  std::optional<std::string> audio_key;  // storage key of the MP3
  std::optional<std::string> waveform;   // JSON array of peaks 0..1
  std::optional<std::string> words;      // JSON array [{text,start,end,speaker}]
  int upload_next_chunk = 0;
  int64_t change_seq = 0;
};

struct TranscriptFilter {
  std::optional<std::string> user_id;  // the caller: own transcripts and those of shared rooms
  std::optional<std::string> room_id;
  std::optional<std::string> source_kind;
  std::optional<std::string> search_term;  // case-insensitive substring of the title or name
  std::optional<int64_t> change_seq_from;  // only change_seq > this
  bool sort_by_change_seq = false;         // change_seq ascending (sync clients) instead of newest
};

// PATCH /v1/transcripts/{id} (reference §5.5): the fields present are written, the others kept.
// Nullable texts: inner nullopt writes NULL.
struct TranscriptPatch {
  std::optional<std::string> name;
  std::optional<bool> locked;
  std::optional<std::optional<std::string>> title;
  std::optional<std::optional<std::string>> short_summary;
  std::optional<std::optional<std::string>> long_summary;
  std::optional<std::string> share_mode;    // private | semi-private | public
  std::optional<std::string> participants;  // JSON array [{id, speaker, name, user_id?}]
  std::optional<bool> reviewed;
  std::optional<bool> audio_deleted;

  bool empty() const {
    return !name && !locked && !title && !short_summary && !long_summary && !share_mode &&
           !participants && !reviewed && !audio_deleted;
  }
};

struct TranscriptListing {
  Transcript transcript;
  std::optional<std::string> room_name;
};

class TranscriptRepository {
 public:
  // A page, newest first, and the total matching.
  static Result<std::pair<std::vector<TranscriptListing>, int64_t>> List(
      Session& session, const TranscriptFilter& filter, int page, int size);

  // kAlreadyExists on a duplicate id or recording id.
  static Status Create(Session& session, const Transcript& transcript);

  // The transcript of `proto.recording_id`, created from `proto` when there is none yet (one per
  // recording, also under concurrent calls). Returns its id.
  static Result<std::string> EnsureForRecording(Session& session, const Transcript& proto);

  // The id of the recording's transcript, nullopt when it has none.
  static Result<std::optional<std::string>> IdForRecording(Session& session,
                                                           std::string_view recording_id);

  // kNotFound "Transcript not found".
  static Result<Transcript> Get(Session& session, std::string_view id);

  // Status and error (error cleared when nullopt). kNotFound when gone.
  static Status SetStatus(Session& session, std::string_view id, std::string_view status,
                          const std::optional<std::string>& error);

  // Chunked upload bookkeeping: moves upload_next_chunk from `expected` to `next` only if it is
  // still `expected` (chunks in order, each once). kFailedPrecondition when it is not.
  static Status AdvanceUpload(Session& session, std::string_view id, int expected, int next);

  static Status SetRecording(Session& session, std::string_view id, std::string_view recording_id);

  // Participants JSON [{id, speaker, name, user_id}].
  static Status SetParticipants(Session& session, std::string_view id,
                                std::string_view participants_json);

  // Transcription done: words JSON, WebVTT and participants; status `ended`, error cleared.
  static Status SetResult(Session& session, std::string_view id, std::string_view words_json,
                          std::string_view webvtt, std::string_view participants_json);

  // Writes the fields present in `patch` (nothing when it is empty). kNotFound when gone.
  static Status Update(Session& session, std::string_view id, const TranscriptPatch& patch);

  // Read-modify-write of the participants JSON: `edit` gets the stored array (text) and returns
  // the new one, or an error that is returned as it is. Guarded by compare-and-set on the stored
  // text, so concurrent edits never lose one another (retried a few times, then kUnavailable).
  // Returns the JSON written. kNotFound when the transcript is gone.
  static Result<std::string> EditParticipants(
      Session& session, std::string_view id,
      const std::function<Result<std::string>(const std::string& current)>& edit);

  // Transcripts in status `error` that came from a recording created at or after `since` and
  // still have their audio: the candidates of the daily retry (newest first, at most `limit`).
  static Result<std::vector<Transcript>> ListRetryable(Session& session, TimePoint since,
                                                       int limit);

  // Deletes the transcript and its recording row (reference §4.7); kNotFound when gone.
  static Status Delete(Session& session, std::string_view id);

  // Consent cleanup done: audio_deleted = true (the audio endpoints answer 404 from then on).
  static Status SetAudioDeleted(Session& session, std::string_view id);

  // Audio stored: MP3 key, waveform peaks (JSON), duration in ms.
  static Status SetAudio(Session& session, std::string_view id, std::string_view audio_key,
                         std::string_view waveform_json, double duration_ms);
};

}  // namespace reflector::store
