#include "tracking/presence.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "store/jobs.hpp"
#include "store/meeting_state.hpp"
#include "store/meetings.hpp"
#include "store/participant_sessions.hpp"
#include "tracking/apply.hpp"

namespace reflector::tracking {

Result<PresenceOutcome> ReconcileDailyPresence(store::Database& db, platforms::DailyClient& daily,
                                               const Clock& clock, std::string_view meeting_id,
                                               const PresenceOptions& options) {
  PresenceOutcome outcome;
  auto session = db.Acquire();
  auto meeting = store::MeetingRepository::GetById(session, meeting_id);
  if (!meeting) {
    if (meeting.error().code != Code::kNotFound) return Err(std::move(meeting.error()));
    outcome.skipped = true;
    outcome.reason = "meeting not found";
    return outcome;
  }
  if (meeting->platform != platforms::kDaily) {
    outcome.skipped = true;
    outcome.reason = "not a Daily meeting";
    return outcome;
  }
  if (!meeting->is_active) {
    outcome.skipped = true;
    outcome.reason = "meeting inactive";
    return outcome;
  }

  // The provider call happens outside any transaction: it may take seconds.
  const TimePoint snapshot_at = clock.Now();
  auto presence = daily.GetPresence(meeting->room_name);
  if (!presence) return Err(std::move(presence.error()));

  auto tx = session.Begin(store::TxMode::kWrite);
  if (!tx) return Err(std::move(tx.error()));
  auto sessions = store::ParticipantSessionRepository::ListForMeeting(session, meeting->id);
  if (!sessions) return Err(std::move(sessions.error()));
  std::map<std::string, const store::ParticipantSession*> known;
  for (const auto& s : *sessions) known[s.session_key] = &s;

  std::set<std::string> present;
  for (const auto& participant : *presence) {
    present.insert(participant.id);
    if (known.count(participant.id) != 0) continue;  // open stays open, closed stays closed
    store::ParticipantInfo info;
    info.meeting_id = meeting->id;
    info.room_id = meeting->room_id;
    info.provider = std::string(platforms::kDaily);
    info.session_key = participant.id;
    info.user_id = participant.user_id;
    info.user_name = participant.user_name;
    info.joined_at = participant.join_time;
    REFLECTOR_RETURN_IF_ERROR(store::ParticipantSessionRepository::Join(session, info));
    ++outcome.opened;
  }
  for (const auto& s : *sessions) {
    if (!s.open() || present.count(s.session_key) != 0) continue;
    if (s.joined_at && *s.joined_at > snapshot_at - options.join_grace) continue;
    auto closed = store::ParticipantSessionRepository::CloseIfOpen(session, meeting->id,
                                                                   s.session_key, snapshot_at);
    if (!closed) return Err(std::move(closed.error()));
    if (*closed) ++outcome.closed;
  }
  auto open = store::ParticipantSessionRepository::CountOpen(session, meeting->id);
  if (!open) return Err(std::move(open.error()));
  REFLECTOR_RETURN_IF_ERROR(
      store::MeetingStateRepository::SetNumClients(session, meeting->id, *open));
  REFLECTOR_RETURN_IF_ERROR(tx->Commit());
  outcome.num_clients = *open;
  return outcome;
}

Result<int> QueueDailyPresenceSweep(store::Database& db, const Clock& clock) {
  auto session = db.Acquire();
  auto tx = session.Begin(store::TxMode::kWrite);
  if (!tx) return Err(std::move(tx.error()));
  auto active = store::MeetingStateRepository::ListActive(session);
  if (!active) return Err(std::move(active.error()));
  const TimePoint now = clock.Now();
  int queued = 0;
  for (const auto& meeting : *active) {
    if (meeting.platform != platforms::kDaily) continue;
    store::NewJob job;
    job.kind = std::string(store::job_kind::kDailyPresenceReconcile);
    job.payload_json = nlohmann::json{{"meeting_id", meeting.id}}.dump();
    job.dedup_key = PresenceDedupKey(meeting.id);
    auto enqueued = store::JobRepository::Enqueue(session, job, now);
    if (!enqueued) return Err(std::move(enqueued.error()));
    ++queued;
  }
  REFLECTOR_RETURN_IF_ERROR(tx->Commit());
  return queued;
}

}  // namespace reflector::tracking
