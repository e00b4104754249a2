// Rooms (reference §4.1). Stateless; every call takes the Session to run on, inside or outside a
// transaction. Thread-safe as far as the Session is.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"
#include "store/database.hpp"
#include "store/models.hpp"

namespace reflector::store {

class RoomRepository {
 public:
  // Inserts `room` (a uuid4 id is generated when `room.id` is empty) and returns it as stored.
  // kAlreadyExists "Room name is not unique" when the name (or id) is taken.
  static Result<Room> Create(Session& session, Room room);

  // kNotFound "Room not found".
  static Result<Room> GetById(Session& session, std::string_view id);
  static Result<Room> GetByName(Session& session, std::string_view name);

  // One page (1-based `page`, `size` per page) ordered newest first, and the total count.
  //   user_id set:   that user's rooms, plus every shared room if include_shared.
  //   user_id unset: the shared rooms if include_shared, else all rooms.
  // kInvalidArgument when page < 1 or size < 1.
  static Result<RoomPage> List(Session& session, const std::optional<std::string>& user_id,
                               bool include_shared, int page, int size);

  // Writes every column of the row with `room.id` (created_at and user_id included).
  // kNotFound; kAlreadyExists "Room name is not unique" when renamed onto a taken name.
  static Status Update(Session& session, const Room& room);

  // Deletes the room; the database cascades its meetings, calendar events, participant sessions
  // and consents. kNotFound.
  static Status Delete(Session& session, std::string_view id);
};

}  // namespace reflector::store
