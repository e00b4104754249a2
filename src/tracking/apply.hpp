// Applying one verified provider event (contract §5.1, §5.2) in one transaction:
//   1. record (provider, event id) in webhook_event — a repeated id is "duplicate", no effect;
//   2. the event's effects (participant sessions, num_clients, session history, recordings);
//   3. follow-up jobs, in the same transaction (presence reconciliation per Daily meeting,
//      recording processing once per recording);
//   4. commit — only then is the outcome "ok".
// An event we cannot act on (unknown meeting or room, a recording of another environment) is
// rolled back and reported "ignored" with the reason, never an error.
//
// Concurrency: concurrent deliveries of one event id give exactly one effect. The unique
// constraint on webhook_event decides inside the transaction: SQLite serialises writers
// (TxMode::kWrite); on PostgreSQL the second INSERT ... ON CONFLICT DO NOTHING waits for the
// first transaction and then inserts nothing. A unique violation raised anyway (e.g. by a
// concurrent first insert of a participant session) rolls back and retries, and the retry sees
// the committed state.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"
#include "tracking/events.hpp"

namespace reflector::tracking {

enum class Outcome { kOk, kDuplicate, kIgnored };

// "ok" | "duplicate" | "ignored": the receivers' {"status": ...}.
std::string_view OutcomeName(Outcome outcome);

struct Applied {
  Outcome outcome = Outcome::kOk;
  std::string reason;      // kIgnored: why (for the log line)
  std::string meeting_id;  // the meeting it applied to, when known
};

struct ApplyOptions {
  std::string daily_bucket;    // DAILYCO_STORAGE_AWS_BUCKET_NAME: recording.bucket_name
  std::string whereby_bucket;  // WHEREBY_STORAGE_AWS_BUCKET_NAME
};

// Errors: kUnavailable when the database is unreachable or busy (the receiver answers 503 so the
// provider retries); other store errors as in store/database.hpp. Thread-safe (takes its own
// session from `db`).
Result<Applied> ApplyEvent(store::Database& db, const ProviderEvent& event, const Clock& clock,
                           const ApplyOptions& options = {});

// Follow-up job dedup keys.
std::string PresenceDedupKey(std::string_view meeting_id);     // "presence:<meeting_id>"
std::string RecordingDedupKey(std::string_view recording_id);  // "recording:<recording_id>"

}  // namespace reflector::tracking
