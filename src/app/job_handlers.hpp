// The one place where job kinds get their handlers (contract §6). Both `reflector serve` (with
// WORKER_THREADS > 0) and `reflector worker` call RegisterJobHandlers, so a new kind is added
// here once and runs wherever workers run.
#pragma once

#include "app/storages.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "jobs/job_runner.hpp"
#include "net/http_transport.hpp"
#include "platforms/registry.hpp"
#include "store/database.hpp"

namespace reflector::app {

// What handlers may use; every reference outlives the runner.
struct JobHandlerDeps {
  store::Database& db;
  const Clock& clock;
  platforms::PlatformRegistry& platforms;  // Daily presence, the mock platform's signer
  const Config& config;                    // BASE_URL (where the mock platform delivers events)
  net::HttpTransport& transport;           // outbound HTTP to our own webhook (mock platform)
  const Storages& storages;                // our storage and the providers' buckets
  pipeline::Transcriber& transcriber;      // TRANSCRIPT_BACKEND
};

// How often the periodic jobs run (contract §6, reference §6.1).
inline constexpr std::chrono::seconds kPresenceSweepInterval{30};
inline constexpr std::chrono::seconds kDeactivationInterval{60};
// The daily retry of failed recordings and transcripts, and how far back it looks (so a
// permanent failure is retried at most 7 times).
inline constexpr std::chrono::hours kRetryFailedInterval{24};
inline constexpr std::chrono::hours kRetryFailedWindow{24 * 7};
// Calendar: due ICS syncs and meetings ahead of events (reference §6.1).
inline constexpr std::chrono::seconds kCalendarSyncInterval{60};
inline constexpr std::chrono::seconds kCalendarPrecreateInterval{30};

// Registers the handler of every job kind (store::job_kind) this binary can run, and the
// periodic jobs: the Daily presence sweep (every 30 s) and meeting deactivation (every 60 s).
void RegisterJobHandlers(jobs::JobRunner& runner, const JobHandlerDeps& deps);

// Runner options from the configuration: `threads` workers, lease JOB_LEASE_SECONDS, stop grace
// JOB_STOP_GRACE_SECONDS.
jobs::JobRunnerOptions JobRunnerOptionsFrom(const Config& config, int threads);

}  // namespace reflector::app
