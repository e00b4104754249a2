// Daily presence reconciliation (reference §6.3, improved): webhooks can be lost or late, so the
// job kDailyPresenceReconcile compares our open participant sessions with Daily's
// `GET /rooms/:name/presence` and repairs them. Called by the job handler with the meeting id
// from the job payload.
//
// Rules (no flapping):
//   - a participant present at Daily without a session row gets an open session (joined_at =
//     Daily's joinTime);
//   - a session that is closed stays closed, even when the participant is still listed (a
//     `left` event is the truth about that session; Daily gives a rejoin a new session id);
//   - an open session missing from presence is closed at the time of the snapshot — unless it
//     joined less than `join_grace` before the snapshot: Daily lists a participant only once the
//     WebRTC handshake is done, while participant.joined may arrive first (reference §10,
//     fix-presence-race);
//   - num_clients = open sessions afterwards.
// When Daily answers an error nothing changes and the error is returned, so the job retries.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "platforms/daily/daily_client.hpp"
#include "store/database.hpp"

namespace reflector::tracking {

struct PresenceOptions {
  // An open session younger than this is not closed for being absent from one snapshot.
  std::chrono::seconds join_grace{30};
};

struct PresenceOutcome {
  bool skipped = false;  // meeting unknown, not a Daily meeting, or inactive
  std::string reason;    // why skipped
  int opened = 0;
  int closed = 0;
  int64_t num_clients = 0;
};

// Errors: Daily's (kBadGateway, kUnavailable, kDeadlineExceeded, kInternal) with nothing
// changed; store errors (kUnavailable, ...). Thread-safe.
Result<PresenceOutcome> ReconcileDailyPresence(store::Database& db, platforms::DailyClient& daily,
                                               const Clock& clock, std::string_view meeting_id,
                                               const PresenceOptions& options = {});

// The periodic kDailyPresenceSweep (reference §6.3 trigger_daily_reconciliation): queues a
// kDailyPresenceReconcile job for every active Daily meeting, coalesced per meeting with the
// participant events' jobs ("presence:<meeting_id>"), in one transaction. Returns how many
// meetings it covered. Errors: store errors (kUnavailable, ...).
Result<int> QueueDailyPresenceSweep(store::Database& db, const Clock& clock);

}  // namespace reflector::tracking
