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

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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
  // A Daily participant event queues the meeting's presence reconciliation to run this long
  // after the event; the events of that window coalesce into it. Without a window, a meeting
  // whose events keep coming is reconciled back to back (each run re-reads its open sessions),
  // which took a quarter of the CPU from the receivers under load. Webhooks are the fast path and
  // presence the safety net (it cannot close a session within its 30 s join grace anyway).
  std::chrono::milliseconds presence_delay{std::chrono::seconds(5)};
};

// Errors: kUnavailable when the database is unreachable or busy (the receiver answers 503 so the
// provider retries); other store errors as in store/database.hpp. Thread-safe (takes its own
// session from `db`).
Result<Applied> ApplyEvent(store::Database& db, const ProviderEvent& event, const Clock& clock,
                           const ApplyOptions& options = {});

// Group commit for the receivers: Apply() blocks its caller while one writer thread applies every
// event pending at that moment (up to `max_batch`) in one write transaction — a savepoint per
// event, so an ignored one leaves no trace — and commits once. Same outcomes and errors as
// ApplyEvent (an event is answered only after the transaction holding it committed); what
// changes is the cost: one BEGIN/COMMIT (and on PostgreSQL one WAL flush) per batch instead of per
// event, and on SQLite no writer waiting in the busy handler's sleeps. Under light load a batch
// is one event, applied by ApplyEvent itself. If anything in a batch fails, the batch is rolled
// back and each event is applied on its own, so an error reaches only the event that has it.
// Thread-safe. The destructor serves the callers already waiting, then stops the writer.
class EventApplier {
 public:
  EventApplier(store::Database& db, const Clock& clock, ApplyOptions options,
               size_t max_batch = 128);
  ~EventApplier();
  EventApplier(const EventApplier&) = delete;
  EventApplier& operator=(const EventApplier&) = delete;

  Result<Applied> Apply(const ProviderEvent& event);
  // The same without blocking: `done` is called once with the outcome, after the commit, on the
  // writer thread (keep it short: it delays the next batch).
  void ApplyAsync(ProviderEvent event, std::function<void(Result<Applied>)> done);

  struct Stats {
    uint64_t batches = 0;
    uint64_t events = 0;
  };
  Stats stats() const;
  // Events accepted and not answered yet (queued or being written).
  size_t pending() const;

 private:
  struct Pending;
  void WriterLoop();
  void RunBatch(std::vector<Pending*>& batch);

  store::Database& db_;
  const Clock& clock_;
  const ApplyOptions options_;
  const size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable wake_writer_;  // work queued or stopping
  std::condition_variable done_;         // a batch's results are published
  std::deque<Pending*> queue_;           // GUARDED_BY(mu_)
  bool stopping_ = false;                // GUARDED_BY(mu_)
  size_t pending_ = 0;                   // GUARDED_BY(mu_)
  uint64_t batches_ = 0;                 // GUARDED_BY(mu_)
  uint64_t batched_events_ = 0;          // GUARDED_BY(mu_)
  std::thread writer_;
};

// Follow-up job dedup keys.
std::string PresenceDedupKey(std::string_view meeting_id);     // "presence:<meeting_id>"
std::string RecordingDedupKey(std::string_view recording_id);  // "recording:<recording_id>"

}  // namespace reflector::tracking
