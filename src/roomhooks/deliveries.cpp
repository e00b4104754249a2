#include "roomhooks/deliveries.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::roomhooks {
namespace {

constexpr std::string_view kColumns =
    "id, room_id, transcript_id, event, event_id, attempt, status_code, error, outcome, "
    "created_at";

}  // namespace

Status DeliveryRepository::Record(store::Session& session, Delivery d, int keep) {
  if (d.id.empty()) d.id = NewUuid4();
  auto inserted = store::Exec(
      session,
      "INSERT INTO room_webhook_delivery (id, room_id, transcript_id, event, event_id, attempt, "
      "status_code, error, outcome, created_at) VALUES (:id, :room_id, :transcript_id, :event, "
      ":event_id, :attempt, :status_code, :error, :outcome, :created_at)",
      store::SqlParams()
          .Text("id", d.id)
          .Text("room_id", d.room_id)
          .OptText("transcript_id", d.transcript_id)
          .Text("event", d.event)
          .Text("event_id", d.event_id)
          .Int("attempt", d.attempt)
          .OptInt("status_code",
                  d.status_code ? std::optional<int64_t>(*d.status_code) : std::nullopt)
          .OptText("error", d.error)
          .Text("outcome", d.outcome)
          .Time("created_at", d.created_at));
  if (!inserted) return Err(std::move(inserted.error()));
  auto pruned = store::Exec(
      session,
      "DELETE FROM room_webhook_delivery WHERE room_id = :room_id AND id NOT IN (SELECT id FROM "
      "room_webhook_delivery WHERE room_id = :room_id2 ORDER BY created_at DESC, attempt DESC, "
      "id DESC LIMIT :keep)",
      store::SqlParams()
          .Text("room_id", d.room_id)
          .Text("room_id2", d.room_id)
          .Int("keep", std::max(1, keep)));
  if (!pruned) return Err(std::move(pruned.error()));
  return Ok();
}

Result<std::vector<Delivery>> DeliveryRepository::ListForRoom(store::Session& session,
                                                              std::string_view room_id, int limit,
                                                              int offset) {
  if (limit < 1 || limit > kMaxDeliveriesLimit) {
    return Err(Code::kInvalidArgument,
               "limit must be between 1 and " + std::to_string(kMaxDeliveriesLimit));
  }
  if (offset < 0) return Err(Code::kInvalidArgument, "offset must not be negative");
  auto rows = store::Query(
      session,
      "SELECT " + std::string(kColumns) +
          " FROM room_webhook_delivery WHERE room_id = :room_id ORDER BY created_at DESC, "
          "attempt DESC, id DESC LIMIT :limit OFFSET :offset",
      store::SqlParams()
          .Text("room_id", std::string(room_id))
          .Int("limit", limit)
          .Int("offset", offset),
      store::CountColumns(kColumns));
  if (!rows) return Err(std::move(rows.error()));
  std::vector<Delivery> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) {
    store::RowReader r(row);
    Delivery d;
    d.id = r.Text();
    d.room_id = r.Text();
    d.transcript_id = r.OptText();
    d.event = r.Text();
    d.event_id = r.Text();
    d.attempt = static_cast<int>(r.Int());
    if (auto code = r.OptInt()) d.status_code = static_cast<int>(*code);
    d.error = r.OptText();
    d.outcome = r.Text();
    d.created_at = r.Time();
    REFLECTOR_RETURN_IF_ERROR(r.Finish());
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace reflector::roomhooks
