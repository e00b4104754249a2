// A per-room lock that also holds across processes (several `reflector serve`/`worker` processes
// on one database), for read-check-create sequences such as "reuse the room's active meeting or
// create one" (contract §4: concurrent create-meeting calls yield one meeting).
//
//   PostgreSQL: a write transaction holding pg_advisory_xact_lock(<64-bit FNV-1a hash of the room
//     id>); released when the transaction ends. Other rooms are not blocked (barring a hash
//     collision, which only costs some waiting).
//   SQLite: the write transaction itself (BEGIN IMMEDIATE) — SQLite has one writer at a time
//     across processes, so this serialises every writer of the database, not just this room's.
//     Waiters queue on the 5 s busy timeout and then fail with kUnavailable.
//
// Keep the transaction short. Callers that hold it across an outbound call (the provider's
// create-meeting) accept that other writers wait for that call on SQLite.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

class RoomLock {
 public:
  // Begins a write transaction on `session` and takes the lock of `room_id` inside it; the lock
  // is released by Commit()/Rollback()/destruction of the returned Transaction.
  // kUnavailable when the lock or the write transaction cannot be obtained (SQLite busy timeout,
  // database unreachable); kFailedPrecondition if `session` already has a transaction open.
  static Result<Transaction> Acquire(Session& session, std::string_view room_id);

  // The advisory-lock key of a room: FNV-1a 64 of the id, as a signed 64-bit integer.
  static int64_t Key(std::string_view room_id);
};

}  // namespace reflector::store
