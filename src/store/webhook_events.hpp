// Provider webhook deliveries already seen (contract §5: each event id is processed once).
// Stateless; every call takes the Session to run on — the receiver records the event inside the
// transaction that applies its effects, so an event and its effects commit together.
#pragma once

#include <string_view>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

class WebhookEventRepository {
 public:
  // Records (provider, event_id). Returns true when inserted, false when that id was recorded
  // before. The unique constraint decides (INSERT ... ON CONFLICT DO NOTHING), never a read
  // first: on PostgreSQL a concurrent insert of the same id waits for the other transaction and
  // then does nothing; on SQLite writers are serialised. Errors as in store/database.hpp.
  static Result<bool> Record(Session& session, std::string_view provider, std::string_view event_id,
                             std::string_view event_type, TimePoint received_at);

  // Whether (provider, event_id) was recorded.
  static Result<bool> Exists(Session& session, std::string_view provider,
                             std::string_view event_id);
};

}  // namespace reflector::store
