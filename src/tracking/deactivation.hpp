// Meeting deactivation (reference §6.2) without its bug (reference §10: meetings were
// deactivated while participants were still in the WebRTC handshake, because one presence
// snapshot was empty). The job kMeetingDeactivation calls DeactivateIdleMeetings periodically.
//
// The decision uses our participant sessions (kept by webhooks and presence reconciliation, for
// every platform), in this order:
//   1. any open session                                  → keep ("participants present");
//   2. any join or leave within `recent_activity` of now → keep ("recent activity"): a join may
//      not be visible at the provider yet, a leave may be a reconnect. This is what makes a
//      single empty snapshot harmless: presence reconciliation does not close a session younger
//      than its grace, and here nothing is deactivated within `recent_activity` of the last join;
//   3. sessions exist, all closed                        → deactivate ("everyone left");
//   4. no session and now > end_date                     → deactivate ("never used, schedule
//      over");
//   5. otherwise                                         → keep ("not used yet").
// `meeting.ended` / `room.session.ended` only record the session end (apply.hpp); they feed this
// decision through the sessions, never deactivate directly.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"
#include "store/participant_sessions.hpp"

namespace reflector::tracking {

struct DeactivationPolicy {
  std::chrono::seconds recent_activity{120};
};

struct DeactivationDecision {
  bool deactivate = false;
  std::string reason;
};

// Pure.
DeactivationDecision DecideDeactivation(TimePoint end_date,
                                        const std::vector<store::ParticipantSession>& sessions,
                                        TimePoint now, const DeactivationPolicy& policy = {});

struct DeactivationReport {
  int checked = 0;
  std::vector<std::string> deactivated;  // meeting ids
  int failed = 0;                        // meetings skipped because of an error (logged)
};

// Walks every active meeting; decides and deactivates each in its own write transaction, so a
// join committed concurrently is either seen by the decision or lands after it. An error on one
// meeting is logged and skipped. Errors: store errors listing the active meetings.
Result<DeactivationReport> DeactivateIdleMeetings(store::Database& db, const Clock& clock,
                                                  const DeactivationPolicy& policy = {});

}  // namespace reflector::tracking
