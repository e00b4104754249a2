#include "store/room_lock.hpp"

#include <string>

#include "store/sql.hpp"

namespace reflector::store {
namespace {

// pg_advisory_xact_lock returns void; select a constant so the statement yields a plain row.
constexpr std::string_view kAdvisoryXactLock =
    "SELECT 1 FROM (SELECT pg_advisory_xact_lock(CAST(:key AS BIGINT))) AS room_lock";

}  // namespace

int64_t RoomLock::Key(std::string_view room_id) {
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : room_id) {
    hash ^= c;
    hash *= 1099511628211ULL;  // FNV-1a 64 prime
  }
  return static_cast<int64_t>(hash);
}

Result<Transaction> RoomLock::Acquire(Session& session, std::string_view room_id) {
  auto tx = session.Begin(TxMode::kWrite);
  if (!tx) return Err(std::move(tx.error()));
  if (session.dialect() == Dialect::kPostgres) {
    auto locked = Query(session, kAdvisoryXactLock, SqlParams().Int("key", Key(room_id)), 1);
    if (!locked) return Err(std::move(locked.error()));
  }
  return std::move(*tx);
}

}  // namespace reflector::store
