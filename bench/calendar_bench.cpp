// ICS sync of a large calendar (issue 14's performance target: < 1 s, < 50 MB peak RSS):
// a generated feed of 5 000 VEVENTs — 4 800 single events spread over two years (mostly outside
// the sync window), 200 recurring series (daily and weekly, Europe/Berlin, started months ago),
// a fifth of everything naming the room — synced into a fresh SQLite database through the real
// SyncRoomCalendar (fetch through the IcsFetcher seam from memory, so the figure is ours, not the
// network's). Prints the parse time and the first (inserting) and second (unchanged) syncs.
//
//   build/bench/bench_calendar [events=5000] [recurring=200]
//   /usr/bin/time -v build/bench/bench_calendar      (peak RSS: "Maximum resident set size")
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "calendar/ics.hpp"
#include "calendar/sync.hpp"
#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/rooms.hpp"

namespace {

using namespace reflector;

class MemoryFetcher final : public calendar::IcsFetcher {
 public:
  // Each Fetch returns a copy, as a download would; the feed itself is the bench's.
  explicit MemoryFetcher(const std::string& body) : body_(body) {}
  Result<calendar::FetchedIcs> Fetch(const std::string&,
                                     const std::optional<std::string>&) override {
    calendar::FetchedIcs out;
    out.body = body_;
    out.etag = "\"bench\"";
    return out;
  }

 private:
  const std::string& body_;
};

std::string Basic(int64_t utc, bool z) {
  const std::time_t t = static_cast<std::time_t>(utc);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, z ? "%Y%m%dT%H%M%SZ" : "%Y%m%dT%H%M%S", &tm);
  return buf;
}

std::string Feed(int64_t now, int events, int recurring, const std::string& url) {
  std::string s =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VTIMEZONE\r\n"
      "TZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
      "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
      "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nDTSTART:19701025T030000\r\n"
      "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";
  const int singles = events - recurring;
  for (int i = 0; i < events; ++i) {
    const bool names_room = i % 5 == 0;
    s += "BEGIN:VEVENT\r\nUID:bench-" + std::to_string(i) +
         "@example.com\r\nDTSTAMP:" + Basic(now, true) + "\r\nSUMMARY:Event " + std::to_string(i) +
         "\r\n";
    s += names_room ? "LOCATION:" + url + "\r\n" : "LOCATION:Room " + std::to_string(i) + "\r\n";
    s += "DESCRIPTION:Agenda for event " + std::to_string(i) +
         " with a few lines of text that a real invitation would carry.\r\n"
         "ORGANIZER;CN=Owner:mailto:owner@example.com\r\n"
         "ATTENDEE;CN=Guest;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:guest" +
         std::to_string(i) + "@example.com\r\n";
    if (i < singles) {
      // Spread over [now - 1 year, now + 1 year], on the hour.
      const int64_t start = now - 365 * 86400 + int64_t(i) * (730 * 86400 / singles);
      const int64_t on_hour = start - start % 3600;
      s += "DTSTART:" + Basic(on_hour, true) + "\r\nDTEND:" + Basic(on_hour + 1800, true) + "\r\n";
    } else {
      const int64_t began = now - (60 + i % 300) * 86400;
      s += "DTSTART;TZID=Europe/Berlin:" + Basic(began - began % 3600, false) +
           "\r\nDURATION:PT30M\r\n";
      s += i % 2 == 0 ? "RRULE:FREQ=DAILY\r\n" : "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR\r\n";
      s += "EXDATE;TZID=Europe/Berlin:" + Basic(began - began % 3600 + 7 * 86400, false) + "\r\n";
    }
    s += "END:VEVENT\r\n";
  }
  return s + "END:VCALENDAR\r\n";
}

long PeakKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int events = argc > 1 ? std::atoi(argv[1]) : 5000;
  const int recurring = argc > 2 ? std::atoi(argv[2]) : 200;
  SystemClock clock;
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  const std::string url = "https://reflector.example.com/bench";
  const std::string feed = Feed(now, events, recurring, url);

  const long peak_feed = PeakKb();
  auto t0 = std::chrono::steady_clock::now();
  auto parsed = calendar::ParseIcs(
      std::getenv("BENCH_SKIP_PARSE") ? std::string_view() : std::string_view(feed),
      clock.Now() - calendar::kWindowBefore, clock.Now() + calendar::kWindowAfter);
  auto t1 = std::chrono::steady_clock::now();
  if (!parsed && !std::getenv("BENCH_SKIP_PARSE")) {
    std::fprintf(stderr, "parse failed: %s\n", parsed.error().ToString().c_str());
    return 1;
  }

  const long peak_parse = PeakKb();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("reflector-calendar-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto db = store::Database::Open("sqlite:///" + (dir / "bench.db").string(), 2);
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().ToString().c_str());
    return 1;
  }
  if (auto up = store::MigrateUp(**db); !up) {
    std::fprintf(stderr, "%s\n", up.error().ToString().c_str());
    return 1;
  }
  store::Room room;
  room.name = "bench";
  room.user_id = "owner";
  room.created_at = clock.Now();
  room.ics_url = "https://calendar.example.com/bench.ics";
  room.ics_enabled = true;
  {
    auto session = (*db)->Acquire();
    auto created = store::RoomRepository::Create(session, room);
    if (!created) return 1;
    room = *created;
  }
  MemoryFetcher fetcher(feed);
  calendar::SyncOptions options;
  options.ui_base_url = "https://reflector.example.com";
  options.force = true;
  auto t2 = std::chrono::steady_clock::now();
  auto first = calendar::SyncRoomCalendar(**db, clock, fetcher, options, room.id);
  auto t3 = std::chrono::steady_clock::now();
  auto second = calendar::SyncRoomCalendar(**db, clock, fetcher, options, room.id);
  auto t4 = std::chrono::steady_clock::now();
  if (!first || !second || first->status != "success") {
    std::fprintf(stderr, "sync failed\n");
    return 1;
  }
  std::printf("peak RSS: %ld KB after the feed was made, %ld after parsing, %ld after the syncs\n",
              peak_feed, peak_parse, PeakKb());
  std::printf("feed: %d VEVENTs (%d recurring), %.2f MiB\n", events, recurring,
              feed.size() / 1048576.0);
  std::printf("parse + expand: %.1f ms, %zu occurrence(s) in the window\n", Ms(t1 - t0),
              parsed ? parsed->events.size() : 0);
  std::printf("first sync:  %.1f ms (total_events %d, found %d, created %d)\n", Ms(t3 - t2),
              first->total_events, first->events_found, first->events_created);
  std::printf("second sync: %.1f ms (created %d, updated %d, deleted %d)\n", Ms(t4 - t3),
              second->events_created, second->events_updated, second->events_deleted);
  std::filesystem::remove_all(dir);
  return 0;
}
