#include "tracking/apply.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "platforms/daily/daily_client.hpp"
#include "platforms/video_platform.hpp"
#include "store/jobs.hpp"
#include "store/meeting_sessions.hpp"
#include "store/meeting_state.hpp"
#include "store/meetings.hpp"
#include "store/participant_sessions.hpp"
#include "store/recordings.hpp"
#include "store/sql.hpp"
#include "store/webhook_events.hpp"

namespace reflector::tracking {
namespace {

using nlohmann::json;

struct Ignore {
  std::string reason;
};

// What applying the effects gave: done, or a reason to ignore (rolled back).
using EffectResult = Result<std::optional<Ignore>>;

std::optional<Ignore> Done() { return std::nullopt; }
std::optional<Ignore> Skip(std::string reason) { return Ignore{std::move(reason)}; }

// What the events of one transaction share, written once just before the commit instead of once
// per event: the change in each meeting's num_clients, and the Daily meetings whose presence to
// reconcile. Also the meetings already looked up in this transaction. Only events that apply
// (not duplicates, not ignored) contribute, so a rolled-back savepoint never leaves anything here.
struct Deferred {
  std::map<std::string, int64_t> num_clients_delta;  // meeting id → change in open sessions
  std::set<std::string> presence_meetings;           // Daily meeting ids
  std::map<std::string, std::optional<store::Meeting>> meetings;  // FindMeeting cache
};

Result<std::optional<store::Meeting>> FindMeetingUncached(store::Session& session,
                                                          const ProviderEvent& event);

// The meeting the event is about, or nullopt (unknown: ignored).
Result<std::optional<store::Meeting>> FindMeeting(store::Session& session,
                                                  const ProviderEvent& event, Deferred& deferred) {
  const std::string key = event.provider + "\n" + event.provider_meeting_id.value_or("") + "\n" +
                          event.room_name.value_or("");
  if (auto it = deferred.meetings.find(key); it != deferred.meetings.end()) return it->second;
  auto found = FindMeetingUncached(session, event);
  if (found) deferred.meetings.emplace(key, *found);
  return found;
}

Result<std::optional<store::Meeting>> FindMeetingUncached(store::Session& session,
                                                          const ProviderEvent& event) {
  auto found = [&]() -> Result<store::Meeting> {
    if (event.provider_meeting_id) {
      auto by_id =
          store::MeetingRepository::GetByProviderMeetingId(session, *event.provider_meeting_id);
      if (by_id || by_id.error().code != Code::kNotFound || !event.room_name) return by_id;
    }
    if (event.room_name) return store::MeetingRepository::GetByRoomName(session, *event.room_name);
    return Err(Code::kNotFound, "Meeting not found");
  }();
  if (!found) {
    if (found.error().code == Code::kNotFound) return std::optional<store::Meeting>();
    return Err(std::move(found.error()));
  }
  // A room name of another platform's meeting is not this provider's room.
  if (found->platform != event.provider) return std::optional<store::Meeting>();
  return std::optional<store::Meeting>(std::move(*found));
}

Status Enqueue(store::Session& session, std::string_view kind, json payload, std::string dedup,
               TimePoint now, std::optional<TimePoint> run_at = std::nullopt) {
  store::NewJob job;
  job.kind = std::string(kind);
  job.payload_json = payload.dump();
  job.dedup_key = std::move(dedup);
  job.run_at = run_at;
  auto queued = store::JobRepository::Enqueue(session, job, now);
  if (!queued) return Err(std::move(queued.error()));
  return Ok();
}

Status QueueRecordingProcess(store::Session& session, const std::string& recording_id,
                             TimePoint now) {
  return Enqueue(session, store::job_kind::kRecordingProcess, {{"recording_id", recording_id}},
                 RecordingDedupKey(recording_id), now);
}

EffectResult ApplyParticipant(store::Session& session, const ProviderEvent& event,
                              const store::Meeting& meeting, const ParticipantEvent& p,
                              TimePoint now, Deferred& deferred) {
  int64_t delta = 0;  // change in open sessions
  if (!p.session_key.empty()) {
    store::ParticipantInfo info;
    info.meeting_id = meeting.id;
    info.room_id = meeting.room_id;
    info.provider = event.provider;
    info.session_key = p.session_key;
    info.user_id = p.user_id;
    info.user_name = p.user_name;
    info.joined_at = p.joined_at;
    if (p.joined) {
      auto opened = store::ParticipantSessionRepository::Join(session, info);
      if (!opened) return Err(std::move(opened.error()));
      delta = *opened ? 1 : 0;
    } else {
      auto closed =
          store::ParticipantSessionRepository::Leave(session, info, p.left_at.value_or(now));
      if (!closed) return Err(std::move(closed.error()));
      delta = *closed ? -1 : 0;
    }
  }
  if (event.provider == platforms::kWhereby) {
    // Contract §5.2: num_clients follows numClients of the newest event by createdAt.
    if (p.num_clients && event.created_at) {
      auto changed = store::MeetingStateRepository::SetNumClientsIfNewer(
          session, meeting.id, *p.num_clients, *event.created_at);
      if (!changed) return Err(std::move(changed.error()));
    }
    return Done();
  }
  // Daily and mock: num_clients = open sessions, kept by the transitions (counting the open
  // sessions on every event costs O(participants)); presence reconciliation recounts. Both
  // writes are deferred to the end of the transaction (one per meeting, however many events).
  if (delta != 0) deferred.num_clients_delta[meeting.id] += delta;
  // A webhook can be lost or late: the presence poll repairs the picture, coalesced per meeting
  // (contract §5.1).
  if (event.provider == platforms::kDaily) deferred.presence_meetings.insert(meeting.id);
  return Done();
}

EffectResult ApplySession(store::Session& session, const store::Meeting& meeting,
                          const SessionEvent& s) {
  // Session history only: deactivation is the deactivation job's decision (deactivation.hpp),
  // not the consequence of one `ended` event that may precede the last `left`.
  if (s.started) {
    REFLECTOR_RETURN_IF_ERROR(store::MeetingSessionRepository::RecordStart(
        session, meeting.id, s.session_id, *s.started_at));
  } else {
    REFLECTOR_RETURN_IF_ERROR(store::MeetingSessionRepository::RecordEnd(
        session, meeting.id, s.session_id, s.started_at, *s.ended_at));
  }
  return Done();
}

// Daily's deterministic instance ids (platforms/daily): cloud = meeting id, raw-tracks =
// RawTracksInstanceId(meeting id). Anything else: unknown type.
std::optional<std::string> RecordingTypeOfInstance(const store::Meeting& meeting,
                                                   const std::optional<std::string>& instance) {
  if (!instance) return std::nullopt;
  if (*instance == meeting.id) return std::string(platforms::kDailyRecordingCloud);
  if (*instance == platforms::RawTracksInstanceId(meeting.id)) {
    return std::string(platforms::kDailyRecordingRawTracks);
  }
  return std::nullopt;
}

EffectResult ApplyRecordingReady(store::Session& session, const ProviderEvent& event,
                                 Deferred& deferred, const RecordingReady& r,
                                 const ApplyOptions& options, TimePoint now) {
  // The meeting: remembered at recording.started, else by room name (lesson: capture the
  // recording id at start instead of time-based matching, reference §10).
  std::optional<store::Meeting> meeting;
  auto known = store::RecordingRepository::GetByProviderId(session, r.recording_id);
  if (known && known->meeting_id) {
    auto m = store::MeetingRepository::GetById(session, *known->meeting_id);
    if (!m && m.error().code != Code::kNotFound) return Err(std::move(m.error()));
    if (m) meeting = std::move(*m);
  } else if (!known && known.error().code != Code::kNotFound) {
    return Err(std::move(known.error()));
  }
  if (!meeting) {
    auto found = FindMeeting(session, event, deferred);
    if (!found) return Err(std::move(found.error()));
    meeting = std::move(*found);
  }
  // Recordings of rooms we have no meeting for (other environments on the same Daily account,
  // reference §10 02b269ad) are skipped.
  if (!meeting) return Skip("no meeting for this recording's room");

  store::ReadyRecording ready;
  ready.provider_recording_id = r.recording_id;
  ready.meeting_id = meeting->id;
  ready.type = r.type;
  ready.bucket_name = options.daily_bucket;
  ready.object_key = r.s3_key;
  ready.recorded_at = r.started_at.value_or(event.created_at.value_or(now));
  ready.duration = r.duration;
  ready.platform = event.provider;
  if (event.provider == platforms::kMock) {
    // A file the mock platform keeps in our own storage (contract §7.1 item 5).
    ready.bucket_name.clear();
    auto made = store::RecordingRepository::MarkReady(session, ready, now);
    if (!made) return Err(std::move(made.error()));
    if (*made) REFLECTOR_RETURN_IF_ERROR(QueueRecordingProcess(session, **made, now));
    return Done();
  }
  if (r.type == platforms::kDailyRecordingRawTracks) {
    json keys = json::array();
    for (const auto& track : r.tracks) {
      if (track.type == "audio") keys.push_back(track.s3_key);
    }
    ready.track_keys = keys.dump();
    auto made = store::RecordingRepository::MarkReady(session, ready, now);
    if (!made) return Err(std::move(made.error()));
    // No audio (tracks null or video only): recorded as `[]`, nothing to process.
    if (*made && !keys.empty())
      REFLECTOR_RETURN_IF_ERROR(QueueRecordingProcess(session, **made, now));
    return Done();
  }
  // cloud: the composed video key is set once on the meeting; the recording processed once.
  std::optional<int64_t> duration;
  if (r.duration) duration = static_cast<int64_t>(*r.duration);
  auto set =
      store::MeetingStateRepository::SetComposedVideoOnce(session, meeting->id, r.s3_key, duration);
  if (!set) return Err(std::move(set.error()));
  auto made = store::RecordingRepository::MarkReady(session, ready, now);
  if (!made) return Err(std::move(made.error()));
  if (*made) REFLECTOR_RETURN_IF_ERROR(QueueRecordingProcess(session, **made, now));
  return Done();
}

EffectResult ApplyEffects(store::Session& session, const ProviderEvent& event,
                          const ApplyOptions& options, TimePoint now, std::string& meeting_id,
                          Deferred& deferred) {
  if (const auto* ready = std::get_if<RecordingReady>(&event.body)) {
    return ApplyRecordingReady(session, event, deferred, *ready, options, now);
  }
  auto meeting = FindMeeting(session, event, deferred);
  if (!meeting) return Err(std::move(meeting.error()));
  if (!*meeting) {
    return Skip(event.provider_meeting_id ? "unknown meeting " + *event.provider_meeting_id
                                          : "unknown room " + event.room_name.value_or(""));
  }
  const store::Meeting& m = **meeting;
  meeting_id = m.id;
  if (const auto* p = std::get_if<ParticipantEvent>(&event.body)) {
    return ApplyParticipant(session, event, m, *p, now, deferred);
  }
  if (const auto* s = std::get_if<SessionEvent>(&event.body)) return ApplySession(session, m, *s);
  if (const auto* started = std::get_if<RecordingStarted>(&event.body)) {
    REFLECTOR_RETURN_IF_ERROR(store::RecordingRepository::RememberStarted(
        session, started->recording_id, m.id, RecordingTypeOfInstance(m, started->instance_id),
        started->started_at.value_or(now)));
    return Done();
  }
  if (const auto* error = std::get_if<RecordingError>(&event.body)) {
    auto failed = store::RecordingRepository::MarkFailed(
        session, m.id, RecordingTypeOfInstance(m, error->instance_id), error->message,
        error->at.value_or(now));
    if (!failed) return Err(std::move(failed.error()));
    return Done();
  }
  if (const auto* finished = std::get_if<RecordingFinished>(&event.body)) {
    store::ReadyRecording ready;
    // One recording per file: the webhook's recordingId and the bucket's S3 event (SQS, which
    // knows only the object) must meet on the same identity, so the file name is the id.
    const std::string& file = finished->filename;
    const size_t slash = file.rfind('/');
    ready.provider_recording_id =
        file.empty() ? finished->recording_id
                     : "whereby-file:" + file.substr(slash == std::string::npos ? 0 : slash + 1);
    ready.meeting_id = m.id;
    ready.type = "cloud";
    ready.bucket_name = options.whereby_bucket;
    ready.platform = event.provider;
    ready.object_key = finished->filename;
    ready.recorded_at = event.created_at.value_or(now);
    auto made = store::RecordingRepository::MarkReady(session, ready, now);
    if (!made) return Err(std::move(made.error()));
    if (*made) REFLECTOR_RETURN_IF_ERROR(QueueRecordingProcess(session, **made, now));
    return Done();
  }
  return Skip("event type not handled");
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kIgnored:
      return "ignored";
  }
  return "ok";
}

std::string PresenceDedupKey(std::string_view meeting_id) {
  return "presence:" + std::string(meeting_id);
}

std::string RecordingDedupKey(std::string_view recording_id) {
  return "recording:" + std::string(recording_id);
}

namespace {

// One event inside an open write transaction: record its id, apply its effects. The caller
// commits an kOk, and undoes a kDuplicate or kIgnored (rollback, or rollback to a savepoint).
// Participant and session events are ignored only for an unknown meeting, which is known before
// anything is written: they need no savepoint in a batch. Recording events may be ignored after
// some writes.
bool IgnoredOnlyBeforeWriting(const ProviderEvent& event) {
  return std::holds_alternative<ParticipantEvent>(event.body) ||
         std::holds_alternative<SessionEvent>(event.body);
}

Result<Applied> ApplyInTransaction(store::Session& session, const ProviderEvent& event,
                                   const ApplyOptions& options, TimePoint now, Deferred& deferred) {
  if (IgnoredOnlyBeforeWriting(event)) {
    auto meeting = FindMeeting(session, event, deferred);  // cached for ApplyEffects
    if (!meeting) return Err(std::move(meeting.error()));
    if (!*meeting) {
      return Applied{Outcome::kIgnored,
                     event.provider_meeting_id ? "unknown meeting " + *event.provider_meeting_id
                                               : "unknown room " + event.room_name.value_or(""),
                     {}};
    }
  }
  auto inserted =
      store::WebhookEventRepository::Record(session, event.provider, event.id, event.type, now);
  if (!inserted) return Err(std::move(inserted.error()));
  if (!*inserted) return Applied{Outcome::kDuplicate, {}, {}};
  std::string meeting_id;
  auto effects = ApplyEffects(session, event, options, now, meeting_id, deferred);
  if (!effects) return Err(std::move(effects.error()));
  if (*effects) {
    // Nothing to do: the caller leaves no trace, not even the event id.
    return Applied{Outcome::kIgnored, std::move((*effects)->reason), std::move(meeting_id)};
  }
  return Applied{Outcome::kOk, {}, std::move(meeting_id)};
}

// The deferred writes of a transaction, just before its commit.
Status Flush(store::Session& session, Deferred& deferred, const ApplyOptions& options,
             TimePoint now) {
  for (const auto& [meeting_id, delta] : deferred.num_clients_delta) {
    if (delta == 0) continue;
    REFLECTOR_RETURN_IF_ERROR(
        store::MeetingStateRepository::AddNumClients(session, meeting_id, delta));
  }
  for (const auto& meeting_id : deferred.presence_meetings) {
    REFLECTOR_RETURN_IF_ERROR(Enqueue(session, store::job_kind::kDailyPresenceReconcile,
                                      {{"meeting_id", meeting_id}}, PresenceDedupKey(meeting_id),
                                      now, now + options.presence_delay));
  }
  return Ok();
}

}  // namespace

Result<Applied> ApplyEvent(store::Database& db, const ProviderEvent& event, const Clock& clock,
                           const ApplyOptions& options) {
  // A unique violation means a concurrent transaction inserted the same row first; the retry
  // sees its committed result (most often: the event is a duplicate).
  constexpr int kAttempts = 3;
  Error last{Code::kUnavailable, "Database unavailable", "no attempt made", 0};
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto session = db.Acquire();
    if (!session.valid()) {
      return Err(Code::kUnavailable, "Database unavailable", "no free database connection");
    }
    auto tx = session.Begin(store::TxMode::kWrite);
    if (!tx) return Err(std::move(tx.error()));
    Deferred deferred;
    const TimePoint now = clock.Now();
    auto applied = ApplyInTransaction(session, event, options, now, deferred);
    if (!applied) {
      if (applied.error().code == Code::kAlreadyExists) {
        last = std::move(applied.error());
        continue;
      }
      return Err(std::move(applied.error()));
    }
    if (applied->outcome != Outcome::kOk) {
      (void)tx->Rollback();
      return applied;
    }
    if (auto flushed = Flush(session, deferred, options, now); !flushed) {
      if (flushed.error().code == Code::kAlreadyExists) {
        last = std::move(flushed.error());
        continue;
      }
      return Err(std::move(flushed.error()));
    }
    auto committed = tx->Commit();
    if (!committed) {
      if (committed.error().code == Code::kAlreadyExists) {
        last = std::move(committed.error());
        continue;
      }
      return Err(std::move(committed.error()));
    }
    return applied;
  }
  return Err(std::move(last));
}

// ---- EventApplier ----

struct EventApplier::Pending {
  const ProviderEvent* event = nullptr;
  std::optional<Result<Applied>> result;
  // ApplyAsync: the event is owned here, and `done` is called instead of waking a caller.
  std::optional<ProviderEvent> owned;
  std::function<void(Result<Applied>)> done;
};

EventApplier::EventApplier(store::Database& db, const Clock& clock, ApplyOptions options,
                           size_t max_batch)
    : db_(db),
      clock_(clock),
      options_(std::move(options)),
      max_batch_(std::max<size_t>(1, max_batch)) {
  writer_ = std::thread([this] { WriterLoop(); });
}

EventApplier::~EventApplier() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_writer_.notify_all();
  writer_.join();
  if (batches_ > 0) {
    spdlog::info("webhook events: {} applied in {} transactions ({:.1f} per commit)",
                 batched_events_, batches_,
                 static_cast<double>(batched_events_) / static_cast<double>(batches_));
  }
}

Result<Applied> EventApplier::Apply(const ProviderEvent& event) {
  Pending pending;
  pending.event = &event;
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Err(Code::kUnavailable, "Database unavailable", "shutting down");
  queue_.push_back(&pending);
  ++pending_;
  wake_writer_.notify_one();
  done_.wait(lock, [&] { return pending.result.has_value(); });
  --pending_;
  return std::move(*pending.result);
}

void EventApplier::ApplyAsync(ProviderEvent event, std::function<void(Result<Applied>)> done) {
  auto pending = std::make_unique<Pending>();
  pending->owned = std::move(event);
  pending->event = &*pending->owned;
  pending->done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(pending.release());
      ++pending_;
      wake_writer_.notify_one();
      return;
    }
  }
  pending->done(Err(Code::kUnavailable, "Database unavailable", "shutting down"));
}

void EventApplier::WriterLoop() {
  std::vector<Pending*> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_writer_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // Pending callers are always served, also while stopping (they were accepted).
      if (queue_.empty()) return;
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    // Asynchronous callers' Pendings are ours (answered and freed below); a blocking caller's
    // Pending lives on its stack and must not be touched once done_ may have woken it.
    std::vector<std::unique_ptr<Pending>> async;
    for (Pending* pending : batch) {
      if (pending->done) async.emplace_back(pending);
    }
    RunBatch(batch);
    {
      std::lock_guard<std::mutex> lock(mu_);
      batches_ += 1;
      batched_events_ += batch.size();
      pending_ -= async.size();
    }
    done_.notify_all();
    batch.clear();
    for (auto& pending : async) pending->done(std::move(*pending->result));
  }
}

void EventApplier::RunBatch(std::vector<Pending*>& batch) {
  // Results are published under mu_ (the callers read them there).
  auto publish = [&](Pending* pending, Result<Applied> result) {
    std::lock_guard<std::mutex> lock(mu_);
    pending->result = std::move(result);
  };
  auto one_by_one = [&] {
    for (Pending* pending : batch) {
      publish(pending, ApplyEvent(db_, *pending->event, clock_, options_));
    }
  };
  if (batch.size() == 1) return one_by_one();

  // The group commit: one write transaction, a savepoint around each event that could be ignored
  // after writing, so that it leaves no trace while its neighbours commit. Any error (a lost
  // connection, a unique violation raced by another process) discards the whole batch, and every
  // event is then applied on its own, with ApplyEvent's retry — so an error is reported only for
  // the event that has it.
  std::vector<Result<Applied>> results;
  results.reserve(batch.size());
  bool failed = false;
  {
    Deferred deferred;
    auto session = db_.Acquire();
    auto tx = session.Begin(store::TxMode::kWrite);
    failed = !tx.has_value();
    for (size_t i = 0; !failed && i < batch.size(); ++i) {
      const ProviderEvent& event = *batch[i]->event;
      const bool savepoint = !IgnoredOnlyBeforeWriting(event);
      if (savepoint) {
        failed = !store::Exec(session, "SAVEPOINT reflector_event");
        if (failed) break;
      }
      auto applied = ApplyInTransaction(session, event, options_, clock_.Now(), deferred);
      failed = !applied.has_value();
      if (failed) break;
      if (savepoint) {
        if (applied->outcome != Outcome::kOk) {
          failed = !store::Exec(session, "ROLLBACK TO SAVEPOINT reflector_event");
        }
        failed = failed || !store::Exec(session, "RELEASE SAVEPOINT reflector_event");
      }
      results.push_back(std::move(applied));
    }
    if (!failed) failed = !Flush(session, deferred, options_, clock_.Now()).has_value();
    if (!failed) failed = !tx->Commit().has_value();
  }
  if (failed) return one_by_one();
  for (size_t i = 0; i < batch.size(); ++i) publish(batch[i], std::move(results[i]));
}

size_t EventApplier::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_;
}

EventApplier::Stats EventApplier::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{batches_, batched_events_};
}

}  // namespace reflector::tracking
