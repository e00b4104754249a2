#include "tracking/deactivation.hpp"

#include <spdlog/spdlog.h>

#include "store/meeting_state.hpp"
#include "store/meetings.hpp"

namespace reflector::tracking {

DeactivationDecision DecideDeactivation(TimePoint end_date,
                                        const std::vector<store::ParticipantSession>& sessions,
                                        TimePoint now, const DeactivationPolicy& policy) {
  for (const auto& s : sessions) {
    if (s.open()) return {false, "participants present"};
  }
  const TimePoint recent = now - policy.recent_activity;
  for (const auto& s : sessions) {
    if ((s.joined_at && *s.joined_at > recent) || (s.left_at && *s.left_at > recent)) {
      return {false, "recent activity"};
    }
  }
  if (!sessions.empty()) return {true, "everyone left"};
  if (now > end_date) return {true, "never used, schedule over"};
  return {false, "not used yet"};
}

Result<DeactivationReport> DeactivateIdleMeetings(store::Database& db, const Clock& clock,
                                                  const DeactivationPolicy& policy) {
  DeactivationReport report;
  auto session = db.Acquire();
  auto active = store::MeetingStateRepository::ListActive(session);
  if (!active) return Err(std::move(active.error()));
  for (const auto& meeting : *active) {
    ++report.checked;
    auto decided = [&]() -> Result<DeactivationDecision> {
      auto tx = session.Begin(store::TxMode::kWrite);
      if (!tx) return Err(std::move(tx.error()));
      auto sessions = store::ParticipantSessionRepository::ListForMeeting(session, meeting.id);
      if (!sessions) return Err(std::move(sessions.error()));
      auto decision = DecideDeactivation(meeting.end_date, *sessions, clock.Now(), policy);
      if (decision.deactivate) {
        REFLECTOR_RETURN_IF_ERROR(store::MeetingRepository::Deactivate(session, meeting.id));
      }
      REFLECTOR_RETURN_IF_ERROR(tx->Commit());
      return decision;
    }();
    if (!decided) {
      ++report.failed;
      spdlog::warn("deactivation check of meeting {} failed: {}", meeting.id,
                   decided.error().ToString());
      continue;
    }
    if (decided->deactivate) {
      spdlog::info("meeting {} deactivated: {}", meeting.id, decided->reason);
      report.deactivated.push_back(meeting.id);
    }
  }
  return report;
}

}  // namespace reflector::tracking
