#include "calendar/sync.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "calendar/ics.hpp"
#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "net/safe_download.hpp"
#include "store/calendar_events.hpp"
#include "store/room_lock.hpp"
#include "store/rooms.hpp"

namespace reflector::calendar {
namespace {

std::string Md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool RoomNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
}

std::optional<std::string> NonEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

bool SameJson(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  auto ja = nlohmann::json::parse(*a, nullptr, false);
  auto jb = nlohmann::json::parse(*b, nullptr, false);
  if (ja.is_discarded() || jb.is_discarded()) return *a == *b;
  return ja == jb;
}

// Whether the stored row differs from the feed's version in anything people see.
bool Changed(const store::CalendarEvent& stored, const store::CalendarEvent& fresh) {
  return stored.is_deleted || stored.title != fresh.title ||
         stored.description != fresh.description || stored.start_time != fresh.start_time ||
         stored.end_time != fresh.end_time || stored.location != fresh.location ||
         !SameJson(stored.attendees, fresh.attendees);
}

TimePoint Micros(TimePoint t) { return std::chrono::time_point_cast<std::chrono::microseconds>(t); }

SyncResult ErrorResult(std::string message) {
  SyncResult r;
  r.status = "error";
  r.error = std::move(message);
  return r;
}

// Records a failed attempt; the stored events and the last good copy stay as they are.
Status RecordFailure(store::Database& db, const std::string& room_id,
                     const std::optional<store::CalendarSyncState>& previous,
                     const std::string& error, TimePoint now) {
  auto session = db.Acquire();
  store::CalendarSyncState state;
  if (previous) state = *previous;
  state.room_id = room_id;
  state.last_status = "error";
  state.last_error = error;
  state.last_attempt_at = now;
  state.body.reset();  // keep the stored copy as it is
  return store::CalendarSyncStateRepository::Put(session, state);
}

}  // namespace

Result<FetchedIcs> SafeIcsFetcher::Fetch(const std::string& url,
                                         const std::optional<std::string>& if_none_match) {
  const std::filesystem::path dir =
      options_.temp_dir.empty() ? std::filesystem::temp_directory_path() : options_.temp_dir;
  const std::filesystem::path path = dir / ("reflector-ics-" + NewUuid4() + ".ics");
  struct Cleanup {
    std::filesystem::path path;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } cleanup{path};
  net::DownloadOptions options;
  options.max_bytes = options_.max_bytes;
  options.connect_timeout = options_.connect_timeout;
  options.read_timeout = options_.read_timeout;
  options.max_attempts = 2;
  options.initial_backoff = std::chrono::milliseconds(200);
  options.allowed_hosts = options_.allowed_hosts;
  options.headers.push_back({"Accept", "text/calendar, */*;q=0.5"});
  if (if_none_match) options.headers.push_back({"If-None-Match", *if_none_match});
  auto downloaded = net::DownloadToFile(url, path.string(), options);
  if (!downloaded) {
    Error error = std::move(downloaded.error());
    if (error.code == Code::kResourceExhausted) {
      error.message = "calendar too large: more than " + net::HumanBytes(options_.max_bytes);
    }
    return Err(std::move(error));
  }
  FetchedIcs out;
  out.not_modified = downloaded->not_modified;
  if (!downloaded->etag.empty()) out.etag = downloaded->etag;
  if (out.not_modified) return out;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof())
    return Err(Code::kInternal, "could not read the downloaded calendar");
  out.body = std::move(text).str();
  return out;
}

bool NamesRoom(std::string_view text, std::string_view room_url) {
  if (room_url.empty() || text.size() < room_url.size()) return false;
  for (size_t i = 0; i + room_url.size() <= text.size(); ++i) {
    size_t j = 0;
    while (j < room_url.size() && Lower(text[i + j]) == Lower(room_url[j])) ++j;
    if (j != room_url.size()) continue;
    const size_t after = i + j;
    // "…/team." at the end of a sentence still names /team.
    const bool boundary =
        after == text.size() || !RoomNameChar(text[after]) ||
        (text[after] == '.' && (after + 1 == text.size() || !RoomNameChar(text[after + 1])));
    if (boundary) return true;
  }
  return false;
}

Result<std::vector<std::string>> RoomsDueForSync(store::Database& db, TimePoint now) {
  auto session = db.Acquire();
  auto rooms = store::CalendarSyncStateRepository::ListEnabledRooms(session);
  if (!rooms) return Err(std::move(rooms.error()));
  std::vector<std::string> out;
  for (const auto& room : *rooms) {
    if (!room.last_sync || now - *room.last_sync >= std::chrono::seconds(room.fetch_interval)) {
      out.push_back(room.id);
    }
  }
  return out;
}

Result<SyncResult> SyncRoomCalendar(store::Database& db, const Clock& clock, IcsFetcher& fetcher,
                                    const SyncOptions& options, std::string_view room_id) {
  std::optional<store::Room> room;
  std::optional<store::CalendarSyncState> previous;
  {
    auto session = db.Acquire();
    auto found = store::RoomRepository::GetById(session, room_id);
    if (!found) return Err(std::move(found.error()));
    room = std::move(*found);
    auto state = store::CalendarSyncStateRepository::Get(session, room_id);
    if (!state) return Err(std::move(state.error()));
    previous = std::move(*state);
  }
  const TimePoint started = clock.Now();
  if (!room->ics_enabled || !room->ics_url || room->ics_url->empty()) {
    SyncResult r;
    r.status = "skipped";
    r.reason = "ICS not configured";
    return r;
  }
  if (!options.force && room->ics_last_sync &&
      started - *room->ics_last_sync < std::chrono::seconds(room->ics_fetch_interval)) {
    SyncResult r;
    r.status = "skipped";
    r.reason = "Not time to sync yet";
    return r;
  }

  // Fetch (outside any transaction: it may take seconds).
  const bool have_copy = previous && previous->body && previous->http_etag;
  auto fetched =
      fetcher.Fetch(*room->ics_url, have_copy ? previous->http_etag : std::optional<std::string>());
  if (!fetched) {
    const std::string message = fetched.error().message;
    REFLECTOR_RETURN_IF_ERROR(RecordFailure(db, room->id, previous, message, clock.Now()));
    return ErrorResult(message);
  }
  std::string body;  // the feed, or on 304 the stored slice of it
  std::optional<std::string> reason;
  if (fetched->not_modified) {
    if (!have_copy) {
      const std::string message = "the calendar server answered 304 Not Modified unasked";
      REFLECTOR_RETURN_IF_ERROR(RecordFailure(db, room->id, previous, message, clock.Now()));
      return ErrorResult(message);
    }
    body = *previous->body;
    reason = "Calendar unchanged (HTTP 304)";
  } else {
    body = std::move(fetched->body);
  }
  const std::string hash =
      fetched->not_modified && previous->content_hash ? *previous->content_hash : Md5Hex(body);
  if (!reason && previous && previous->content_hash == hash) reason = "Calendar unchanged";

  const TimePoint now = clock.Now();
  std::string room_url = options.ui_base_url;
  while (!room_url.empty() && room_url.back() == '/') room_url.pop_back();
  room_url += "/" + room->name;
  const KeepEvent names_room = [&room_url](std::string_view location, std::string_view text) {
    return NamesRoom(location, room_url) || NamesRoom(text, room_url);
  };
  // A 304 re-expands the stored slice (already only this room's events); a new body is parsed
  // whole and its slice kept for the next 304.
  const bool new_body = !fetched->not_modified;
  auto parsed =
      ParseIcs(body, now - kWindowBefore, now + kWindowAfter, new_body ? names_room : KeepEvent());
  if (!parsed) {
    const std::string message = parsed.error().message;
    REFLECTOR_RETURN_IF_ERROR(RecordFailure(db, room->id, previous, message, now));
    return ErrorResult(message);
  }

  SyncResult result;
  result.status = "success";
  result.hash = hash;
  result.reason = reason;
  result.total_events = static_cast<int>(parsed->events.size());

  const TimePoint stamp = Micros(now);
  std::vector<store::CalendarEvent> matched;
  for (auto& e : parsed->events) {
    if (!NamesRoom(e.location, room_url) && !NamesRoom(e.description, room_url)) continue;
    store::CalendarEvent row;
    row.room_id = room->id;
    row.ics_uid = e.key;
    row.title = NonEmpty(e.title);
    row.description = NonEmpty(e.description);
    row.start_time = Micros(e.start);
    row.end_time = Micros(e.end);
    row.attendees = AttendeesJson(e.attendees);
    row.location = NonEmpty(e.location);
    row.ics_raw_data = std::move(e.raw);
    row.last_synced = stamp;
    row.created_at = stamp;
    row.updated_at = stamp;
    matched.push_back(std::move(row));
  }
  result.events_found = static_cast<int>(matched.size());

  auto session = db.Acquire();
  auto tx = store::RoomLock::Acquire(session, room->id);
  if (!tx) return Err(std::move(tx.error()));
  auto existing = store::CalendarEventRepository::ListAll(session, room->id);
  if (!existing) return Err(std::move(existing.error()));
  std::map<std::string, store::CalendarEvent*> by_key;
  for (auto& e : *existing) by_key[e.ics_uid] = &e;
  std::set<std::string> seen;
  for (auto& fresh : matched) {
    seen.insert(fresh.ics_uid);
    auto it = by_key.find(fresh.ics_uid);
    if (it == by_key.end()) {
      auto inserted = store::CalendarEventRepository::Insert(session, fresh);
      if (!inserted) return Err(std::move(inserted.error()));
      ++result.events_created;
      continue;
    }
    store::CalendarEvent& stored = *it->second;
    if (!Changed(stored, fresh)) continue;
    fresh.id = stored.id;
    fresh.created_at = stored.created_at;
    REFLECTOR_RETURN_IF_ERROR(store::CalendarEventRepository::Update(session, fresh));
    ++result.events_updated;
  }
  for (const auto& stored : *existing) {
    if (stored.is_deleted || stored.start_time <= now || seen.count(stored.ics_uid) > 0) continue;
    REFLECTOR_RETURN_IF_ERROR(
        store::CalendarEventRepository::SoftDelete(session, stored.id, stamp));
    ++result.events_deleted;
  }
  store::CalendarSyncState state;
  state.room_id = room->id;
  state.last_status = "success";
  state.last_attempt_at = stamp;
  state.http_etag = fetched->etag ? fetched->etag : (previous ? previous->http_etag : std::nullopt);
  state.content_hash = hash;
  // The room's slice of the feed is kept for 304s (unset: the stored one stays).
  if (new_body) state.body = std::move(parsed->slice);
  REFLECTOR_RETURN_IF_ERROR(store::CalendarSyncStateRepository::Put(session, state));
  REFLECTOR_RETURN_IF_ERROR(
      store::CalendarSyncStateRepository::MarkRoomSynced(session, room->id, stamp, hash));
  REFLECTOR_RETURN_IF_ERROR(tx->Commit());
  return result;
}

}  // namespace reflector::calendar
