// The ICS layer over feeds shaped like Google Calendar, Outlook/Exchange, iCloud and Fastmail
// exports (tests/support/ics_fixtures.hpp): every expected occurrence is computed there from the
// C library's zone rules, not from our output.
#include "calendar/ics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "calendar/sync.hpp"
#include "support/ics_fixtures.hpp"

namespace reflector::calendar {
namespace {

using namespace reflector::testing_ics;
using ::testing::HasSubstr;

constexpr const char* kUrl = "https://reflector.example.com/team-room";

int64_t NowSeconds() {
  return Unix(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
}

struct Got {
  std::string key;
  int64_t start;
  int64_t end;
  std::string title;
  bool operator==(const Got&) const = default;
};

void PrintTo(const Got& g, std::ostream* os) {
  *os << "{" << g.key << ", " << BasicUtc(g.start) << ", " << BasicUtc(g.end) << ", " << g.title
      << "}";
}

std::vector<Got> Sorted(std::vector<Got> v) {
  std::sort(v.begin(), v.end(), [](const Got& a, const Got& b) {
    return a.start != b.start ? a.start < b.start : a.key < b.key;
  });
  return v;
}

std::vector<Got> ExpectedOf(const Fixture& f) {
  std::vector<Got> out;
  for (const auto& e : f.expected) out.push_back({e.key, e.start, e.end, e.title});
  return Sorted(out);
}

std::vector<Got> Parse(const std::string& ics, int64_t now) {
  auto parsed = ParseIcs(ics, At(now - 3600), At(now + 86400));
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().ToString());
  std::vector<Got> out;
  if (!parsed) return out;
  for (const auto& e : parsed->events) {
    out.push_back({e.key, Unix(e.start), Unix(e.end), e.title});
  }
  return out;  // ParseIcs sorts by start, then key
}

class FixtureTest : public ::testing::TestWithParam<std::string> {};

Fixture Make(const std::string& name, int64_t now) {
  if (name == "google") return Google(now, kUrl);
  if (name == "outlook") return Outlook(now, kUrl);
  if (name == "icloud") return ICloud(now, kUrl);
  return Fastmail(now, kUrl);
}

TEST_P(FixtureTest, ExpandsEveryOccurrenceInTheWindow) {
  const int64_t now = NowSeconds();
  const Fixture f = Make(GetParam(), now);
  EXPECT_EQ(Parse(f.ics, now), ExpectedOf(f)) << f.ics;
}

TEST_P(FixtureTest, ExpandsTheSameAtOtherTimesOfDay) {
  // The same feed shape generated for instants spread over a year (DST changes included).
  const int64_t base = NowSeconds();
  for (int64_t shift : {int64_t{0}, int64_t{5 * 3600 + 1234}, int64_t{40 * 86400 + 7 * 3600},
                        int64_t{117 * 86400 + 13 * 3600}, int64_t{201 * 86400 + 21 * 3600}}) {
    const int64_t now = base + shift;
    const Fixture f = Make(GetParam(), now);
    EXPECT_EQ(Parse(f.ics, now), ExpectedOf(f)) << "now=" << BasicUtc(now);
  }
}

INSTANTIATE_TEST_SUITE_P(Exports, FixtureTest,
                         ::testing::Values("google", "outlook", "icloud", "fastmail"));

TEST(IcsTest, AttendeesAndOrganizerAsTheReferenceStoresThem) {
  const int64_t now = NowSeconds();
  auto parsed = ParseIcs(Outlook(now, kUrl).ics, At(now - 3600), At(now + 86400));
  ASSERT_TRUE(parsed.has_value());
  const auto it = std::find_if(parsed->events.begin(), parsed->events.end(),
                               [](const IcsEvent& e) { return e.title == "Quarterly review"; });
  ASSERT_NE(it, parsed->events.end());
  EXPECT_EQ(nlohmann::json::parse(AttendeesJson(it->attendees)), nlohmann::json::parse(R"([
    {"email":"dan@example.com","name":"Dan Doe","status":"NEEDS-ACTION","role":"REQ-PARTICIPANT"},
    {"email":"eve@example.com","name":"Eve","status":"TENTATIVE","role":"OPT-PARTICIPANT"},
    {"email":"carol@example.com","name":"Carol Chair","status":null,"role":"ORGANIZER"}])"));
  EXPECT_EQ(it->location, kUrl);
  EXPECT_THAT(it->raw, HasSubstr("UID:040000008200E00074C5B7101A82E00800000000A1"));
}

TEST(IcsTest, FoldedDescriptionIsUnfoldedBeforeMatching) {
  const int64_t now = NowSeconds();
  auto parsed = ParseIcs(ICloud(now, kUrl).ics, At(now - 3600), At(now + 86400));
  ASSERT_TRUE(parsed.has_value());
  ASSERT_FALSE(parsed->events.empty());
  EXPECT_TRUE(NamesRoom(parsed->events.front().description, kUrl))
      << parsed->events.front().description;
}

TEST(IcsTest, SliceKeepsWhatExpandsTheSelectedEventsAgain) {
  // The sync keeps the room's slice for 304 answers: expanding it must give the same
  // occurrences of the kept events as the whole feed, and nothing else.
  const int64_t now = NowSeconds();
  for (const Fixture& f : {Google(now, kUrl), Outlook(now, kUrl), Fastmail(now, kUrl)}) {
    const KeepEvent keep = [](std::string_view location, std::string_view description) {
      return NamesRoom(location, kUrl) || NamesRoom(description, kUrl);
    };
    auto whole = ParseIcs(f.ics, At(now - 3600), At(now + 86400), keep);
    ASSERT_TRUE(whole.has_value()) << f.name;
    std::vector<Got> expected;
    for (const auto& e : f.expected) {
      if (e.names_room) expected.push_back({e.key, e.start, e.end, e.title});
    }
    EXPECT_EQ(Parse(whole->slice, now), Sorted(expected)) << f.name << "\n" << whole->slice;
    EXPECT_LT(whole->slice.size(), f.ics.size() + 200) << f.name;
  }
}

TEST(IcsTest, RejectsWhatIsNotICalendar) {
  const auto from = At(0);
  const auto to = At(int64_t{4'000'000'000});
  for (const std::string text : {"", "<html><body>Sign in</body></html>",
                                 "BEGIN:VCARD\nEND:VCARD\n", "\xEF\xBB\xBF{\"calendar\":true}"}) {
    auto parsed = ParseIcs(text, from, to);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, Code::kInvalidArgument);
    EXPECT_THAT(parsed.error().message, HasSubstr("not iCalendar data"));
  }
}

TEST(IcsTest, SkipsEventsWithoutStartAndCountsThem) {
  const std::string ics =
      "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nSUMMARY:No start\nEND:VEVENT\n"
      "BEGIN:VEVENT\nUID:y\nDTSTART:20300101T100000Z\nSUMMARY:Later\nEND:VEVENT\nEND:VCALENDAR\n";
  auto parsed = ParseIcs(ics, At(1893492000 - 10), At(1893492000 + 10));  // 2030-01-01T10:00Z
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->vevents, 2);
  ASSERT_EQ(parsed->events.size(), 1u);
  EXPECT_EQ(parsed->events[0].key, "y");
  EXPECT_EQ(Unix(parsed->events[0].end), 1893492000 + 3600);  // no DTEND: one hour
}

TEST(IcsTest, ConcatenatedCalendarsAreAllRead) {
  // Aggregated feeds sometimes serve several VCALENDARs back to back; libical returns them under
  // one XROOT component.
  const int64_t now = NowSeconds();
  const Fixture google = Google(now, kUrl);
  const Fixture outlook = Outlook(now, kUrl);
  std::vector<Got> expected = ExpectedOf(google);
  for (const auto& g : ExpectedOf(outlook)) expected.push_back(g);
  EXPECT_EQ(Parse(google.ics + outlook.ics, now), Sorted(expected));
}

TEST(IcsTest, WindowsZoneNamesMapToIana) {
  EXPECT_EQ(WindowsZoneToIana("Pacific Standard Time"), "America/Los_Angeles");
  EXPECT_EQ(WindowsZoneToIana("W. Europe Standard Time"), "Europe/Berlin");
  EXPECT_EQ(WindowsZoneToIana("Nowhere Standard Time"), std::nullopt);
}

TEST(IcsTest, RoomUrlMatchIsCaseInsensitiveAndStopsAtTheName) {
  const std::string url = "https://reflector.example.com/team";
  EXPECT_TRUE(NamesRoom("Join HTTPS://Reflector.example.com/TEAM now", url));
  EXPECT_TRUE(NamesRoom("https://reflector.example.com/team", url));
  EXPECT_TRUE(NamesRoom("at https://reflector.example.com/team.", url));
  EXPECT_TRUE(NamesRoom("<https://reflector.example.com/team>", url));
  EXPECT_FALSE(NamesRoom("https://reflector.example.com/team2", url));
  EXPECT_FALSE(NamesRoom("https://reflector.example.com/team-b", url));
  EXPECT_FALSE(NamesRoom("https://reflector.example.com/", url));
}

}  // namespace
}  // namespace reflector::calendar
