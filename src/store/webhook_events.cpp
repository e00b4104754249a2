#include "store/webhook_events.hpp"

#include <string>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

constexpr std::string_view kInsertEvent =
    "INSERT INTO webhook_event (id, provider, event_id, event_type, received_at) "
    "VALUES (:id, :provider, :event_id, :event_type, :received_at) "
    "ON CONFLICT (provider, event_id) DO NOTHING";
constexpr std::string_view kSelectEvent =
    "SELECT COUNT(*) FROM webhook_event WHERE provider = :provider AND event_id = :event_id";

}  // namespace

Result<bool> WebhookEventRepository::Record(Session& session, std::string_view provider,
                                            std::string_view event_id, std::string_view event_type,
                                            TimePoint received_at) {
  auto inserted = Exec(session, kInsertEvent,
                       SqlParams()
                           .Text("id", NewUuid4())
                           .Text("provider", std::string(provider))
                           .Text("event_id", std::string(event_id))
                           .Text("event_type", std::string(event_type))
                           .Time("received_at", received_at));
  if (!inserted) return Err(std::move(inserted.error()));
  return *inserted == 1;
}

Result<bool> WebhookEventRepository::Exists(Session& session, std::string_view provider,
                                            std::string_view event_id) {
  auto row = QueryOptional(
      session, kSelectEvent,
      SqlParams().Text("provider", std::string(provider)).Text("event_id", std::string(event_id)),
      1);
  if (!row) return Err(std::move(row.error()));
  return *row && (**row)[0].value_or("0") != "0";
}

}  // namespace reflector::store
