#include "tracking/presence.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

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

  // What to change is worked out on a read snapshot, which takes no lock from the webhook
  // writer; the write transaction below (SQLite's single write lock) then only makes the changes,
  // and is skipped altogether when the snapshot already agrees with Daily. A meeting can have many
  // open sessions: only those old enough to be closed are read, never every row.
  std::vector<const platforms::DailyParticipant*> to_open;
  std::vector<std::string> to_close;
  bool recount = false;
  {
    auto read = session.Begin(store::TxMode::kRead);
    if (!read) return Err(std::move(read.error()));
    std::set<std::string> present;
    for (const auto& participant : *presence) {
      present.insert(participant.id);
      // open stays open, closed stays closed: only unknown ones are opened
      auto known =
          store::ParticipantSessionRepository::Exists(session, meeting->id, participant.id);
      if (!known) return Err(std::move(known.error()));
      if (!*known) to_open.push_back(&participant);
    }
    auto closable = store::ParticipantSessionRepository::ListOpenKeysJoinedBy(
        session, meeting->id, snapshot_at - options.join_grace);
    if (!closable) return Err(std::move(closable.error()));
    for (auto& key : *closable) {
      if (present.count(key) == 0) to_close.push_back(std::move(key));
    }
    auto open = store::ParticipantSessionRepository::CountOpen(session, meeting->id);
    if (!open) return Err(std::move(open.error()));
    auto current = store::MeetingRepository::GetById(session, meeting->id);
    if (!current) return Err(std::move(current.error()));
    recount = current->num_clients != *open;
    outcome.num_clients = *open;
    REFLECTOR_RETURN_IF_ERROR(read->Commit());
  }
  if (to_open.empty() && to_close.empty() && !recount) return outcome;

  auto tx = session.Begin(store::TxMode::kWrite);
  if (!tx) return Err(std::move(tx.error()));
  for (const auto* participant : to_open) {
    store::ParticipantInfo info;
    info.meeting_id = meeting->id;
    info.room_id = meeting->room_id;
    info.provider = std::string(platforms::kDaily);
    info.session_key = participant->id;
    info.user_id = participant->user_id;
    info.user_name = participant->user_name;
    info.joined_at = participant->join_time;
    // A session created since the snapshot is only filled in (Join never reopens or closes).
    auto opened = store::ParticipantSessionRepository::Join(session, info);
    if (!opened) return Err(std::move(opened.error()));
    if (*opened) ++outcome.opened;
  }
  for (const auto& key : to_close) {
    auto closed =
        store::ParticipantSessionRepository::CloseIfOpen(session, meeting->id, key, snapshot_at);
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
