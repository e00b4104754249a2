// Meeting endpoints of the Reflector-compatible /v1 API (reference §5.2 meeting rows, §5.3):
//
//   POST  /v1/rooms/{room_name}/meeting                        reuse the room's active meeting or
//                                                              create one on the room's platform
//   GET   /v1/rooms/{room_name}/meetings/active                the room's active meetings
//   GET   /v1/rooms/{room_name}/meetings/{meeting_id}          one meeting of the room
//   POST  /v1/rooms/{room_name}/meetings/{meeting_id}/join     the meeting to join (Daily: with a
//                                                              meeting token in room_url)
//   PATCH /v1/meetings/{meeting_id}/deactivate                 room owner only
//   POST  /v1/meetings/{meeting_id}/consent                    consent upsert (reference §4.3)
//   POST  /v1/meetings/{meeting_id}/recordings/start           proxy to Daily's recording start
//
// Fixes of the reference's QUIRKs: a provider that is not configured is 503 naming the variable,
// a provider error is 502 with the provider's status in the detail, a non-owner deactivation is
// 403, the active-meetings list reports each meeting's own platform (not the room's), and
// host_room_url is "" for callers other than the room owner on Whereby meetings (everywhere a
// Meeting is returned, join included).
//
// Concurrency: create-meeting runs "re-check, create on the provider, insert" under a per-room
// lock (store/room_lock.hpp) that holds across processes, so concurrent calls for one room make
// one provider call and one meeting. The database transaction stays open across the provider call
// (bounded by the 10 s outbound timeout); on SQLite that makes other writers wait for it.
//
// recordings/start accepts anonymous callers (every participant's browser calls it), so it is
// rate limited per meeting: an in-memory token bucket of kRecordingStartBurst calls refilled over
// kRecordingStartWindow; beyond it 429 "Too many recording start requests for this meeting". The
// bucket is per process (several processes each allow the burst), which is enough to stop a
// single client from hammering Daily through us.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "api/context.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"

namespace reflector::api {

inline constexpr int kRecordingStartBurst = 5;
inline constexpr std::chrono::seconds kRecordingStartWindow{10};

namespace detail {

// The recordings/start rate limit: a token bucket per meeting id holding at most
// kRecordingStartBurst tokens, refilled continuously at kRecordingStartBurst per
// kRecordingStartWindow. Buckets that have refilled completely are dropped once kMaxBuckets are
// held, so memory stays bounded. Thread-safe.
class RecordingStartLimiter {
 public:
  static constexpr size_t kMaxBuckets = 10'000;

  // `clock` must outlive the limiter.
  explicit RecordingStartLimiter(const Clock& clock) : clock_(clock) {}

  // Takes a token from the meeting's bucket; false (and nothing taken) when it is empty.
  bool Allow(const std::string& meeting_id);
  // Buckets held.
  size_t size() const;

 private:
  struct Bucket {
    double tokens;
    TimePoint updated;
  };
  void Prune(TimePoint now);

  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Bucket> buckets_;  // GUARDED_BY(mu_)
};

}  // namespace detail

// Registers the routes above. `context` must outlive the router.
void RegisterMeetingRoutes(ApiRoutes& routes, ApiContext& context);

}  // namespace reflector::api
