#include "store/rooms.hpp"

#include <string>

#include "core/ids.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

#define REFLECTOR_ROOM_COLUMNS                                                             \
  "id, name, user_id, created_at, zulip_auto_post, zulip_stream, zulip_topic, is_locked, " \
  "room_mode, recording_type, recording_trigger, is_shared, webhook_url, webhook_secret, " \
  "ics_url, ics_fetch_interval, ics_enabled, ics_last_sync, ics_last_etag, platform, "     \
  "skip_consent"

constexpr size_t kRoomColumnCount = CountColumns(REFLECTOR_ROOM_COLUMNS);

constexpr std::string_view kInsertRoom =
    "INSERT INTO room (" REFLECTOR_ROOM_COLUMNS
    ") VALUES (:id, :name, :user_id, :created_at, "
    ":zulip_auto_post, :zulip_stream, :zulip_topic, :is_locked, :room_mode, :recording_type, "
    ":recording_trigger, :is_shared, :webhook_url, :webhook_secret, :ics_url, "
    ":ics_fetch_interval, :ics_enabled, :ics_last_sync, :ics_last_etag, :platform, "
    ":skip_consent) RETURNING " REFLECTOR_ROOM_COLUMNS;
constexpr std::string_view kSelectRoomById =
    "SELECT " REFLECTOR_ROOM_COLUMNS " FROM room WHERE id = :id";
constexpr std::string_view kSelectRoomByName =
    "SELECT " REFLECTOR_ROOM_COLUMNS " FROM room WHERE name = :name";
constexpr std::string_view kSelectRooms = "SELECT " REFLECTOR_ROOM_COLUMNS " FROM room";
constexpr std::string_view kCountRooms = "SELECT COUNT(*) FROM room";
constexpr std::string_view kWhereOwnerOrShared = " WHERE user_id = :user_id OR is_shared = TRUE";
constexpr std::string_view kWhereOwner = " WHERE user_id = :user_id";
constexpr std::string_view kWhereShared = " WHERE is_shared = TRUE";
constexpr std::string_view kPageOrder =
    " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset";
constexpr std::string_view kUpdateRoom =
    "UPDATE room SET name = :name, user_id = :user_id, created_at = :created_at, "
    "zulip_auto_post = :zulip_auto_post, zulip_stream = :zulip_stream, "
    "zulip_topic = :zulip_topic, is_locked = :is_locked, room_mode = :room_mode, "
    "recording_type = :recording_type, recording_trigger = :recording_trigger, "
    "is_shared = :is_shared, webhook_url = :webhook_url, webhook_secret = :webhook_secret, "
    "ics_url = :ics_url, ics_fetch_interval = :ics_fetch_interval, ics_enabled = :ics_enabled, "
    "ics_last_sync = :ics_last_sync, ics_last_etag = :ics_last_etag, platform = :platform, "
    "skip_consent = :skip_consent WHERE id = :id";
constexpr std::string_view kDeleteRoom = "DELETE FROM room WHERE id = :id";

#undef REFLECTOR_ROOM_COLUMNS

SqlParams RoomParams(const Room& room) {
  SqlParams params;
  params.Text("id", room.id)
      .Text("name", room.name)
      .Text("user_id", room.user_id)
      .Time("created_at", room.created_at)
      .Bool("zulip_auto_post", room.zulip_auto_post)
      .Text("zulip_stream", room.zulip_stream)
      .Text("zulip_topic", room.zulip_topic)
      .Bool("is_locked", room.is_locked)
      .Text("room_mode", room.room_mode)
      .Text("recording_type", room.recording_type)
      .Text("recording_trigger", room.recording_trigger)
      .Bool("is_shared", room.is_shared)
      .OptText("webhook_url", room.webhook_url)
      .OptText("webhook_secret", room.webhook_secret)
      .OptText("ics_url", room.ics_url)
      .Int("ics_fetch_interval", room.ics_fetch_interval)
      .Bool("ics_enabled", room.ics_enabled)
      .OptTime("ics_last_sync", room.ics_last_sync)
      .OptText("ics_last_etag", room.ics_last_etag)
      .Text("platform", room.platform)
      .Bool("skip_consent", room.skip_consent);
  return params;
}

Result<Room> ReadRoom(const SqlRow& row) {
  RowReader r(row);
  Room room;
  room.id = r.Text();
  room.name = r.Text();
  room.user_id = r.Text();
  room.created_at = r.Time();
  room.zulip_auto_post = r.Bool();
  room.zulip_stream = r.Text();
  room.zulip_topic = r.Text();
  room.is_locked = r.Bool();
  room.room_mode = r.Text();
  room.recording_type = r.Text();
  room.recording_trigger = r.Text();
  room.is_shared = r.Bool();
  room.webhook_url = r.OptText();
  room.webhook_secret = r.OptText();
  room.ics_url = r.OptText();
  room.ics_fetch_interval = r.Int();
  room.ics_enabled = r.Bool();
  room.ics_last_sync = r.OptTime();
  room.ics_last_etag = r.OptText();
  room.platform = r.Text();
  room.skip_consent = r.Bool();
  REFLECTOR_RETURN_IF_ERROR(r.Finish());
  return room;
}

Error NameTaken(Error error) {
  error.message = "Room name is not unique";
  return error;
}

Result<Room> GetOne(Session& session, std::string_view sql, SqlParams params) {
  auto row = QueryOptional(session, sql, params, kRoomColumnCount);
  if (!row) return Err(row.error());
  if (!*row) return Err(Code::kNotFound, "Room not found");
  return ReadRoom(**row);
}

}  // namespace

Result<Room> RoomRepository::Create(Session& session, Room room) {
  if (room.id.empty()) room.id = NewUuid4();
  auto rows = Query(session, kInsertRoom, RoomParams(room), kRoomColumnCount);
  if (!rows) {
    if (rows.error().code == Code::kAlreadyExists) return Err(NameTaken(rows.error()));
    return Err(rows.error());
  }
  return ReadRoom(rows->front());
}

Result<Room> RoomRepository::GetById(Session& session, std::string_view id) {
  return GetOne(session, kSelectRoomById, SqlParams().Text("id", std::string(id)));
}

Result<Room> RoomRepository::GetByName(Session& session, std::string_view name) {
  return GetOne(session, kSelectRoomByName, SqlParams().Text("name", std::string(name)));
}

Result<RoomPage> RoomRepository::List(Session& session, const std::optional<std::string>& user_id,
                                      bool include_shared, int page, int size) {
  if (page < 1) return Err(Code::kInvalidArgument, "page must be at least 1");
  if (size < 1) return Err(Code::kInvalidArgument, "size must be at least 1");
  std::string_view where;
  SqlParams filter;
  if (user_id) {
    where = include_shared ? kWhereOwnerOrShared : kWhereOwner;
    filter.Text("user_id", *user_id);
  } else if (include_shared) {
    where = kWhereShared;
  }

  auto counted = Query(session, std::string(kCountRooms) + std::string(where), filter, 1);
  if (!counted) return Err(counted.error());
  RowReader count_reader(counted->front());
  RoomPage result;
  result.total = count_reader.Int();
  REFLECTOR_RETURN_IF_ERROR(count_reader.Finish());

  SqlParams page_params = filter;
  page_params.Int("limit", size).Int("offset", static_cast<int64_t>(page - 1) * size);
  auto rows =
      Query(session, std::string(kSelectRooms) + std::string(where) + std::string(kPageOrder),
            page_params, kRoomColumnCount);
  if (!rows) return Err(rows.error());
  result.items.reserve(rows->size());
  for (const auto& row : *rows) {
    auto room = ReadRoom(row);
    if (!room) return Err(room.error());
    result.items.push_back(std::move(*room));
  }
  return result;
}

Status RoomRepository::Update(Session& session, const Room& room) {
  auto changed = Exec(session, kUpdateRoom, RoomParams(room));
  if (!changed) {
    if (changed.error().code == Code::kAlreadyExists) return Err(NameTaken(changed.error()));
    return Err(changed.error());
  }
  if (*changed == 0) return Err(Code::kNotFound, "Room not found");
  return Ok();
}

Status RoomRepository::Delete(Session& session, std::string_view id) {
  auto changed = Exec(session, kDeleteRoom, SqlParams().Text("id", std::string(id)));
  if (!changed) return Err(changed.error());
  if (*changed == 0) return Err(Code::kNotFound, "Room not found");
  return Ok();
}

}  // namespace reflector::store
