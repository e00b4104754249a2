// End-to-end: ICS calendars of rooms through the real binary, on SQLite and PostgreSQL (contract
// §8, reference §5.2 ICS rows and §6.6). Feeds in the shapes Google, Outlook, iCloud and Fastmail
// export (tests/support/ics_fixtures.hpp, dates relative to now, expected occurrences computed
// there) are served by a loopback fake with ETag/If-None-Match. Covered: sync counts, status,
// meetings and upcoming, redaction for non-owners, 304, changes and soft-deletion, a malformed
// feed keeping the stored events, a private address refused, meetings created ahead of events
// (once), and the periodic job doing it all without the endpoint.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "core/time_format.hpp"
#include "fakes/fake_calendar_server.hpp"
#include "support/ics_fixtures.hpp"
#include "support/reflector_server.hpp"

namespace reflector::testing {
namespace {

using namespace std::chrono_literals;
using namespace reflector::testing_ics;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kUiBase[] = "https://reflector.example.com";

int64_t NowSeconds() {
  return Unix(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
}

int64_t ParseTime(const json& v) {
  auto t = ParseIso8601(v.get<std::string>());
  EXPECT_TRUE(t.has_value()) << v;
  return t ? Unix(*t) : 0;
}

class CalendarE2E : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { REFLECTOR_SKIP_IF_NO_BACKEND(GetParam()); }

  void Start(int worker_threads = 0) {
    server_ = std::make_unique<ReflectorServer>(
        GetParam(),
        std::map<std::string, std::string>{{"UI_BASE_URL", kUiBase},
                                           {"DOWNLOAD_ALLOWED_HOSTS", "127.0.0.1"},
                                           {"WORKER_THREADS", std::to_string(worker_threads)},
                                           {"TRANSCRIPT_BACKEND", "none"},
                                           {"LOG_LEVEL", "info"}});
    ASSERT_TRUE(server_->started()) << server_->error() << "\n" << server_->Output();
  }

  httplib::Client& api() { return server_->client(); }

  static std::string RoomUrl(const std::string& room) { return std::string(kUiBase) + "/" + room; }

  void CreateRoom(const std::string& name, const std::string& ics_url, int interval = 300) {
    auto r = api().Post("/v1/rooms",
                        json{{"name", name},
                             {"platform", "mock"},
                             {"ics_url", ics_url},
                             {"ics_enabled", true},
                             {"ics_fetch_interval", interval}}
                            .dump(),
                        "application/json");
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  }

  // POST …/ics/sync (?force=true unless `force` is false): status and body.
  std::pair<int, json> Sync(const std::string& room, bool force = true) {
    auto r = api().Post("/v1/rooms/" + room + "/ics/sync" + (force ? "?force=true" : ""), "",
                        "application/json");
    EXPECT_TRUE(r) << "no answer";
    if (!r) return {0, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  }

  json Get(const std::string& path, const httplib::Headers& headers = {}) {
    auto r = api().Get(path, headers);
    EXPECT_TRUE(r && r->status == 200) << path << ": " << (r ? r->body : "no answer");
    if (!r) return json();
    return json::parse(r->body, nullptr, false);
  }

  fakes::FakeCalendarServer feeds_;
  std::unique_ptr<ReflectorServer> server_;
};

TEST_P(CalendarE2E, EveryExportShapeSyncsToItsExpectedEvents) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const int64_t now = NowSeconds();
  for (const std::string shape : {"google", "outlook", "icloud", "fastmail"}) {
    SCOPED_TRACE(shape);
    const std::string room = "cal-" + shape;
    const Fixture f = shape == "google"    ? Google(now, RoomUrl(room))
                      : shape == "outlook" ? Outlook(now, RoomUrl(room))
                      : shape == "icloud"  ? ICloud(now, RoomUrl(room))
                                           : Fastmail(now, RoomUrl(room));
    feeds_.Set("/" + shape + ".ics", f.ics);
    ASSERT_NO_FATAL_FAILURE(CreateRoom(room, feeds_.base_url() + "/" + shape + ".ics"));
    std::map<std::string, std::pair<int64_t, int64_t>> expected;  // key → start, end
    for (const auto& e : f.expected) {
      if (e.names_room) expected[e.key] = {e.start, e.end};
    }

    auto [status, result] = Sync(room);
    ASSERT_EQ(status, 200) << result.dump();
    EXPECT_EQ(result["status"], "success");
    EXPECT_EQ(result["total_events"], static_cast<int>(f.expected.size()));
    EXPECT_EQ(result["events_found"], static_cast<int>(expected.size()));
    EXPECT_EQ(result["events_created"], static_cast<int>(expected.size()));
    EXPECT_EQ(result["events_updated"], 0);
    EXPECT_EQ(result["events_deleted"], 0);

    const json events = Get("/v1/rooms/" + room + "/meetings");
    std::map<std::string, std::pair<int64_t, int64_t>> got;
    int64_t previous_start = 0;
    for (const auto& e : events) {
      got[e["ics_uid"]] = {ParseTime(e["start_time"]), ParseTime(e["end_time"])};
      EXPECT_GE(ParseTime(e["start_time"]), previous_start) << "start ascending";
      previous_start = ParseTime(e["start_time"]);
    }
    EXPECT_EQ(got, expected);

    const json st = Get("/v1/rooms/" + room + "/ics/status");
    EXPECT_EQ(st["status"], "enabled");
    EXPECT_EQ(st["events_count"], static_cast<int>(expected.size()));
    EXPECT_EQ(st["last_etag"], result["hash"]);
    EXPECT_TRUE(st["last_error"].is_null());
    EXPECT_EQ(ParseTime(st["next_sync"]) - ParseTime(st["last_sync"]), 300);
  }
}

TEST_P(CalendarE2E, UnchangedFeedIs304AndChangesAreCountedOnce) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const int64_t now = NowSeconds();
  const std::string room = "team";
  Fixture f = Google(now, RoomUrl(room));
  feeds_.Set("/team.ics", f.ics);
  ASSERT_NO_FATAL_FAILURE(CreateRoom(room, feeds_.base_url() + "/team.ics"));
  auto [s1, first] = Sync(room);
  ASSERT_EQ(s1, 200) << first.dump();
  ASSERT_EQ(first["events_created"], 4);

  // Within the interval and not forced: skipped, nothing fetched.
  const size_t fetched = feeds_.requests().size();
  auto [s2, skipped] = Sync(room, /*force=*/false);
  EXPECT_EQ(s2, 200);
  EXPECT_EQ(skipped["status"], "skipped");
  EXPECT_EQ(skipped["reason"], "Not time to sync yet");
  EXPECT_EQ(feeds_.requests().size(), fetched);

  // Same feed: the server answers 304 to our If-None-Match; nothing changes.
  auto [s3, same] = Sync(room);
  ASSERT_EQ(s3, 200) << same.dump();
  const auto requests = feeds_.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.back().if_none_match, feeds_.ETagOf("/team.ics"));
  EXPECT_EQ(requests.back().status, 304);
  EXPECT_EQ(same["status"], "success");
  EXPECT_EQ(same["hash"], first["hash"]);
  EXPECT_EQ(same["events_found"], 4);
  EXPECT_EQ(same["events_created"], 0);
  EXPECT_EQ(same["events_updated"], 0);
  EXPECT_EQ(same["events_deleted"], 0);
  EXPECT_THAT(same["reason"].get<std::string>(), HasSubstr("304"));

  // One event renamed, one gone from the feed (future: soft-deleted).
  std::string changed = f.ics;
  const std::string from = "SUMMARY:Offsite";
  changed.replace(changed.find(from), from.size(), "SUMMARY:Offsite (booked)");
  const size_t retro = changed.find("SUMMARY:Retro (late)");
  ASSERT_NE(retro, std::string::npos);
  const size_t begin = changed.rfind("BEGIN:VEVENT", retro);
  const size_t end = changed.find("END:VEVENT\r\n", retro) + std::string("END:VEVENT\r\n").size();
  changed.erase(begin, end - begin);
  feeds_.Set("/team.ics", changed);
  auto [s4, after] = Sync(room);
  ASSERT_EQ(s4, 200) << after.dump();
  EXPECT_EQ(after["events_created"], 0);
  EXPECT_EQ(after["events_updated"], 1);
  EXPECT_EQ(after["events_deleted"], 1);
  EXPECT_NE(after["hash"], first["hash"]);
  const json events = Get("/v1/rooms/" + room + "/meetings");
  std::set<std::string> titles;
  for (const auto& e : events) titles.insert(e["title"].get<std::string>());
  EXPECT_EQ(titles,
            (std::set<std::string>{"Daily standup", "One on one (moved)", "Offsite (booked)"}));
}

TEST_P(CalendarE2E, MalformedFeedKeepsTheEventsAndSaysWhy) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string room = "keep";
  feeds_.Set("/keep.ics", Outlook(NowSeconds(), RoomUrl(room)).ics);
  ASSERT_NO_FATAL_FAILURE(CreateRoom(room, feeds_.base_url() + "/keep.ics"));
  auto [s1, first] = Sync(room);
  ASSERT_EQ(s1, 200) << first.dump();
  ASSERT_EQ(first["events_created"], 2);

  feeds_.Set("/keep.ics", "<html><body>Please sign in to view this calendar</body></html>");
  auto [s2, failed] = Sync(room);
  EXPECT_EQ(s2, 500);
  EXPECT_THAT(failed["detail"].get<std::string>(), HasSubstr("not iCalendar data"));
  EXPECT_EQ(Get("/v1/rooms/" + room + "/meetings").size(), 2u);
  const json st = Get("/v1/rooms/" + room + "/ics/status");
  EXPECT_EQ(st["events_count"], 2);
  EXPECT_THAT(st["last_error"].get<std::string>(), HasSubstr("not iCalendar data"));
  EXPECT_EQ(st["last_etag"], first["hash"]);

  // A good feed again clears the error.
  feeds_.Set("/keep.ics", Outlook(NowSeconds(), RoomUrl(room)).ics);
  auto [s3, again] = Sync(room);
  EXPECT_EQ(s3, 200) << again.dump();
  EXPECT_TRUE(Get("/v1/rooms/" + room + "/ics/status")["last_error"].is_null());
}

TEST_P(CalendarE2E, PrivateAddressIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Start());
  feeds_.Set("/private.ics", Outlook(NowSeconds(), RoomUrl("inside")).ics);
  // "localhost" is loopback and not in DOWNLOAD_ALLOWED_HOSTS (only "127.0.0.1" is).
  ASSERT_NO_FATAL_FAILURE(
      CreateRoom("inside", "http://localhost:" + std::to_string(feeds_.port()) + "/private.ics"));
  auto [status, body] = Sync("inside");
  EXPECT_EQ(status, 500);
  EXPECT_THAT(body["detail"].get<std::string>(), HasSubstr("download refused: private address"));
  EXPECT_TRUE(feeds_.requests().empty());
  EXPECT_THAT(Get("/v1/rooms/inside/ics/status")["last_error"].get<std::string>(),
              HasSubstr("private address"));
}

TEST_P(CalendarE2E, NonOwnersSeeRedactedEventsAndNoSyncOrStatus) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string room = "open";
  feeds_.Set("/open.ics", Outlook(NowSeconds(), RoomUrl(room)).ics);
  ASSERT_NO_FATAL_FAILURE(CreateRoom(room, feeds_.base_url() + "/open.ics"));
  auto [status, result] = Sync(room);
  ASSERT_EQ(status, 200) << result.dump();

  const json owner = Get("/v1/rooms/" + room + "/meetings");
  ASSERT_EQ(owner.size(), 2u);
  EXPECT_TRUE(owner[0]["attendees"].is_array());
  EXPECT_FALSE(owner[1]["description"].is_null());

  const std::string key = server_->CreateApiKey("bob");
  ASSERT_FALSE(key.empty()) << server_->last_command_output();
  const httplib::Headers bob = {{"X-API-Key", key}};
  for (const std::string path :
       {"/v1/rooms/open/meetings", "/v1/rooms/open/meetings/upcoming?minutes_ahead=1440"}) {
    const json events = Get(path, bob);
    ASSERT_EQ(events.size(), 2u) << path;
    for (const auto& e : events) {
      EXPECT_TRUE(e["description"].is_null()) << path;
      EXPECT_TRUE(e["attendees"].is_null()) << path;
      EXPECT_FALSE(e["title"].is_null()) << path;
    }
  }
  auto sync = api().Post("/v1/rooms/open/ics/sync", bob, "", "application/json");
  ASSERT_TRUE(sync);
  EXPECT_EQ(sync->status, 403);
  EXPECT_THAT(sync->body, HasSubstr("Only room owner can trigger ICS sync"));
  auto st = api().Get("/v1/rooms/open/ics/status", bob);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->status, 403);
  EXPECT_THAT(st->body, HasSubstr("Only room owner can view ICS status"));
  auto missing = api().Get("/v1/rooms/nope/meetings");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto bad = api().Get("/v1/rooms/open/meetings/upcoming?minutes_ahead=soon");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);
}

std::string SmallFeed(int64_t now, const std::string& url) {
  const int64_t soon = now + 5 * 60;    // inside the 7-minute lead
  const int64_t later = now + 30 * 60;  // outside it
  return Crlf(
      "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test//EN\n"
      "BEGIN:VEVENT\nUID:soon@example.com\nDTSTAMP:" +
      BasicUtc(now) + "\nDTSTART:" + BasicUtc(soon) + "\nDTEND:" + BasicUtc(soon + 1800) +
      "\nSUMMARY:Design review\nDESCRIPTION:Room: " + url +
      "\nATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com\nEND:VEVENT\n"
      "BEGIN:VEVENT\nUID:later@example.com\nDTSTAMP:" +
      BasicUtc(now) + "\nDTSTART:" + BasicUtc(later) + "\nDTEND:" + BasicUtc(later + 1800) +
      "\nSUMMARY:Later\nLOCATION:" + url + "\nEND:VEVENT\nEND:VCALENDAR\n");
}

TEST_P(CalendarE2E, MeetingIsCreatedAheadOfAnEventOnce) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string room = "ahead";
  const int64_t now = NowSeconds();
  feeds_.Set("/ahead.ics", SmallFeed(now, RoomUrl(room)));
  ASSERT_NO_FATAL_FAILURE(CreateRoom(room, feeds_.base_url() + "/ahead.ics"));
  auto [status, result] = Sync(room);
  ASSERT_EQ(status, 200) << result.dump();
  ASSERT_EQ(result["events_created"], 2);
  const json events = Get("/v1/rooms/" + room + "/meetings");
  std::string soon_id;
  for (const auto& e : events) {
    if (e["ics_uid"] == "soon@example.com") soon_id = e["id"];
  }
  ASSERT_FALSE(soon_id.empty()) << events.dump();

  auto calendar_meetings = [&] {
    json out = json::array();
    for (const auto& m : Get("/v1/rooms/" + room + "/meetings/active")) {
      if (!m["calendar_event_id"].is_null()) out.push_back(m);
    }
    return out;
  };
  json meetings = calendar_meetings();
  ASSERT_EQ(meetings.size(), 1u) << meetings.dump();
  EXPECT_EQ(meetings[0]["calendar_event_id"], soon_id);
  EXPECT_EQ(ParseTime(meetings[0]["start_date"]), now + 300);
  EXPECT_EQ(ParseTime(meetings[0]["end_date"]), now + 2100);
  EXPECT_EQ(meetings[0]["platform"], "mock");
  json metadata = meetings[0]["calendar_metadata"];
  if (metadata.is_string()) metadata = json::parse(metadata.get<std::string>());
  EXPECT_EQ(metadata["title"], "Design review");
  EXPECT_EQ(metadata["attendees"][0]["email"], "bob@example.com");

  // Another sync (and its pre-creation run) adds nothing.
  auto [again_status, again] = Sync(room);
  ASSERT_EQ(again_status, 200) << again.dump();
  EXPECT_EQ(calendar_meetings().size(), 1u);
}

TEST_P(CalendarE2E, PeriodicJobsSyncAndCreateMeetingsWithoutTheEndpoint) {
  const std::string room = "auto";
  feeds_.Set("/auto.ics", SmallFeed(NowSeconds(), RoomUrl(room)));
  ASSERT_NO_FATAL_FAILURE(Start(/*worker_threads=*/2));
  ASSERT_NO_FATAL_FAILURE(CreateRoom(room, feeds_.base_url() + "/auto.ics"));
  // calendar.sync_due runs at start-up and then every 60 s; the room was created after the first
  // run, so wait (for a condition, up to 75 s) for the next one.
  const auto deadline = std::chrono::steady_clock::now() + 75s;
  bool created = false;
  while (!created && std::chrono::steady_clock::now() < deadline) {
    auto r = api().Get("/v1/rooms/" + room + "/meetings/active");
    if (r && r->status == 200) {
      for (const auto& m : json::parse(r->body)) created |= !m["calendar_event_id"].is_null();
    }
    if (!created) std::this_thread::sleep_for(250ms);
  }
  ASSERT_TRUE(created) << server_->Output();
  EXPECT_EQ(Get("/v1/rooms/" + room + "/meetings").size(), 2u);
  EXPECT_FALSE(feeds_.requests().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, CalendarE2E, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace reflector::testing
