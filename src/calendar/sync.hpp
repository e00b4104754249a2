// ICS sync of one room (reference §6.6, contract §8): fetch the room's ics_url, expand the feed in
// the window, keep the events that name the room's URL, and reconcile them with the stored ones.
//
//  - Fetch (IcsFetcher): SafeIcsFetcher goes through net/safe_download.hpp — the private-address
//    rule of contract §7.3 checked at connect time (DOWNLOAD_ALLOWED_HOSTS exempts hosts), a
//    connect and a read timeout, a 5 MiB cap, and If-None-Match with the ETag the server gave
//    last time. On 304 the room's slice of the feed kept from the last full fetch (its
//    VTIMEZONEs and the events naming the room, a few KB instead of megabytes) is expanded
//    again, so `total_events` then counts the room's events only.
//  - The feed's MD5 is the room's ics_last_etag (reference). An unchanged feed (304 or same hash)
//    is still reconciled: the window moves with time, so the same feed yields new instances, and
//    rows changed elsewhere come back (reference §10, 23d2bc28); `reason` says it was unchanged.
//  - Window: starts within [now − 1 h, now + 24 h] (reference §6.6).
//  - Match: "{UI_BASE_URL}/{room name}" in LOCATION or DESCRIPTION, case-insensitive, not followed
//    by another room-name character (so /team does not match /team2 — the reference's plain
//    substring test did).
//  - Upsert by (room, key) where the key is the UID, or UID + instance for recurring events:
//    created when new, updated only when title, description, start, end, location or attendees
//    changed (or it had been deleted); future events (start > now) no longer in the feed are
//    soft-deleted.
//  - A failure (fetch refused or failed, not iCalendar) changes no event: the result says
//    status "error", and the reason is kept for ics/status.
// The reconciliation runs in one write transaction under the room's lock (store/room_lock.hpp),
// so concurrent syncs of one room (two processes, the job and the endpoint) serialise.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"
#include "store/models.hpp"

namespace reflector::calendar {

inline constexpr int64_t kMaxIcsBytes = int64_t{5} << 20;  // 5 MiB
inline constexpr std::chrono::hours kWindowAfter{24};
inline constexpr std::chrono::hours kWindowBefore{1};

struct FetchedIcs {
  bool not_modified = false;  // 304 to our If-None-Match
  std::string body;
  std::optional<std::string> etag;  // the server's ETag
};

// Outbound fetch of a feed. Thread-safe implementations.
class IcsFetcher {
 public:
  virtual ~IcsFetcher() = default;
  // Errors carry a message for people (shown in ics/status): kPermissionDenied for a refused
  // private address or HTTP 401/403, kResourceExhausted "calendar too large", kNotFound,
  // kInvalidArgument (bad URL, other 4xx), kUnavailable / kDeadlineExceeded (network, 5xx).
  virtual Result<FetchedIcs> Fetch(const std::string& url,
                                   const std::optional<std::string>& if_none_match) = 0;
};

struct FetchOptions {
  std::vector<std::string> allowed_hosts;  // DOWNLOAD_ALLOWED_HOSTS
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};
  int64_t max_bytes = kMaxIcsBytes;
  std::filesystem::path temp_dir;  // where the body lands while it downloads; empty: system temp
};

class SafeIcsFetcher final : public IcsFetcher {
 public:
  explicit SafeIcsFetcher(FetchOptions options) : options_(std::move(options)) {}
  Result<FetchedIcs> Fetch(const std::string& url,
                           const std::optional<std::string>& if_none_match) override;

 private:
  FetchOptions options_;
};

struct SyncOptions {
  std::string ui_base_url;  // UI_BASE_URL: rooms are "{ui_base_url}/{name}"
  bool force = false;       // ignore ics_fetch_interval (the owner's explicit sync)
};

// ICSSyncResult of reference §5.2.
struct SyncResult {
  std::string status;  // "success" | "skipped" | "error"
  std::optional<std::string> hash;
  int events_found = 0;  // matched the room
  int total_events = 0;  // in the window, not cancelled
  int events_created = 0;
  int events_updated = 0;
  int events_deleted = 0;
  std::optional<std::string> error;
  std::optional<std::string> reason;
};

// Syncs the room `room_id`. Feed problems are a result with status "error" (and are recorded);
// Err only for kNotFound (room) and database errors.
Result<SyncResult> SyncRoomCalendar(store::Database& db, const Clock& clock, IcsFetcher& fetcher,
                                    const SyncOptions& options, std::string_view room_id);

// Whether `text` names the room URL (the match rule above). `room_url` without trailing '/'.
bool NamesRoom(std::string_view text, std::string_view room_url);

// Ids of the rooms with ics_enabled and an ics_url that are due: never synced, or last synced at
// least ics_fetch_interval ago. Database errors.
Result<std::vector<std::string>> RoomsDueForSync(store::Database& db, TimePoint now);

}  // namespace reflector::calendar
