// ICS feeds in the shapes Google Calendar, Outlook/Exchange, iCloud and Fastmail export, with dates
// relative to a given "now", and the times they should expand to — computed here from the zone
// rules of the C library (TZ + mktime), independently of libical.
#pragma once

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace reflector::testing_ics {

inline int64_t Unix(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline TimePoint At(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

// Broken-down wall time of `utc` in `zone` (IANA), via TZ.
inline std::tm LocalTm(int64_t utc, const char* zone) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", zone, 1);
  tzset();
  std::tm tm{};
  const std::time_t t = static_cast<std::time_t>(utc);
  localtime_r(&t, &tm);
  if (old)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
  return tm;
}

// UTC of a wall time in `zone` (tm_isdst = -1: the zone decides).
inline int64_t UtcOf(std::tm tm, const char* zone) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", zone, 1);
  tzset();
  tm.tm_isdst = -1;
  const int64_t out = static_cast<int64_t>(std::mktime(&tm));
  if (old)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
  return out;
}

inline std::string Basic(const std::tm& tm) {
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  return buf;
}
inline std::string BasicUtc(int64_t utc) {
  std::tm tm{};
  const std::time_t t = static_cast<std::time_t>(utc);
  gmtime_r(&t, &tm);
  return Basic(tm) + "Z";
}
inline std::string DateOnly(int64_t utc) {
  std::tm tm{};
  const std::time_t t = static_cast<std::time_t>(utc);
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

// The wall time `days` days from `base` in `zone`, at `hour`:00.
inline std::tm ShiftDays(std::tm base, int days, int hour) {
  base.tm_mday += days;
  base.tm_hour = hour;
  base.tm_min = 0;
  base.tm_sec = 0;
  base.tm_isdst = -1;
  // Normalise (timegm treats the fields as UTC, which is fine for calendar arithmetic).
  std::time_t t = timegm(&base);
  std::tm out{};
  gmtime_r(&t, &out);
  return out;
}

inline std::string Crlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += "\r\n";
    else
      out += c;
  }
  return out;
}

// RFC 5545 line folding at 75 octets (iCloud and Outlook fold long lines).
inline std::string Fold(const std::string& line) {
  std::string out;
  size_t i = 0;
  size_t width = 75;
  while (line.size() - i > width) {
    out += line.substr(i, width) + "\r\n ";
    i += width;
    width = 74;
  }
  return out + line.substr(i);
}

inline const char* kBerlinVtimezone = R"(BEGIN:VTIMEZONE
TZID:Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
)";

inline const char* kOutlookWEuropeVtimezone = R"(BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
)";

inline const char* kNewYorkVtimezone = R"(BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
)";

struct Expected {
  std::string key;  // UID, or UID#<original start in UTC>
  int64_t start = 0;
  int64_t end = 0;
  std::string title;
  bool names_room = true;  // LOCATION or DESCRIPTION names the room URL
};

struct Fixture {
  std::string name;
  std::string ics;
  std::vector<Expected> expected;  // every occurrence starting in [now - 1 h, now + 24 h]
};

inline int64_t HourFloor(int64_t t) { return t - t % 3600; }

// Google Calendar: embedded VTIMEZONE, DAILY series with EXDATE and RECURRENCE-ID overrides (one
// moving an out-of-window instance into the window), a cancelled event, an all-day event and an
// event that does not name the room.
inline Fixture Google(int64_t now, const std::string& url) {
  const char* berlin = "Europe/Berlin";
  const std::tm t = LocalTm(now + 2 * 3600, berlin);
  const int h = t.tm_hour;
  auto at = [&](int days, int hour, int minute = 0) {
    std::tm x = ShiftDays(t, days, hour);
    x.tm_min = minute;
    return x;
  };
  auto utc = [&](int days, int hour, int minute = 0) {
    return UtcOf(at(days, hour, minute), berlin);
  };
  Fixture f;
  f.name = "google";
  std::string s =
      "BEGIN:VCALENDAR\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\nVERSION:2.0\n"
      "CALSCALE:GREGORIAN\nMETHOD:PUBLISH\nX-WR-CALNAME:Team\nX-WR-TIMEZONE:Europe/Berlin\n";
  s += kBerlinVtimezone;
  auto vevent = [&](const std::string& uid, const std::string& body) {
    s += "BEGIN:VEVENT\n" + body + "DTSTAMP:" + BasicUtc(now) + "\nUID:" + uid +
         "\nSEQUENCE:0\nTRANSP:OPAQUE\nEND:VEVENT\n";
  };
  const std::string attendees =
      "ORGANIZER;CN=Alice Owner:mailto:alice@example.com\n"
      "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Bob;X-NUM-GUESTS=0:"
      "mailto:bob@example.com\n";
  // A: daily standup.
  vevent("a@google.com", "DTSTART;TZID=Europe/Berlin:" + Basic(at(-20, h)) +
                             "\nDTEND;TZID=Europe/Berlin:" + Basic(at(-20, h, 30)) +
                             "\nRRULE:FREQ=DAILY\nSUMMARY:Daily standup\nLOCATION:" + url + "\n" +
                             attendees);
  f.expected.push_back(
      {"a@google.com#" + BasicUtc(utc(0, h)), utc(0, h), utc(0, h, 30), "Daily standup"});
  // B: today's instance excluded.
  vevent("b@google.com", "DTSTART;TZID=Europe/Berlin:" + Basic(at(-10, h)) +
                             "\nDTEND;TZID=Europe/Berlin:" + Basic(at(-10, h, 15)) +
                             "\nRRULE:FREQ=DAILY\nEXDATE;TZID=Europe/Berlin:" + Basic(at(0, h)) +
                             "\nSUMMARY:Planning\nDESCRIPTION:Join at " + url + "\n");
  // C: today's instance moved an hour later and renamed.
  vevent("c@google.com", "DTSTART;TZID=Europe/Berlin:" + Basic(at(-5, h)) +
                             "\nDTEND;TZID=Europe/Berlin:" + Basic(at(-5, h, 30)) +
                             "\nRRULE:FREQ=DAILY;UNTIL=" + BasicUtc(now + 40 * 86400) +
                             "\nSUMMARY:One on one\nLOCATION:" + url + "\n");
  vevent("c@google.com", "RECURRENCE-ID;TZID=Europe/Berlin:" + Basic(at(0, h)) +
                             "\nDTSTART;TZID=Europe/Berlin:" + Basic(at(0, h + 1)) +
                             "\nDTEND;TZID=Europe/Berlin:" + Basic(at(0, h + 1, 30)) +
                             "\nSUMMARY:One on one (moved)\nLOCATION:" + url + "\n");
  f.expected.push_back({"c@google.com#" + BasicUtc(utc(0, h)), utc(0, h + 1), utc(0, h + 1, 30),
                        "One on one (moved)"});
  // D: weekly on yesterday's weekday; yesterday's instance moved into the window.
  vevent("d@google.com", "DTSTART;TZID=Europe/Berlin:" + Basic(at(-1 - 21, h)) +
                             "\nDTEND;TZID=Europe/Berlin:" + Basic(at(-1 - 21, h, 45)) +
                             "\nRRULE:FREQ=WEEKLY\nSUMMARY:Retro\nLOCATION:" + url + "\n");
  vevent("d@google.com", "RECURRENCE-ID;TZID=Europe/Berlin:" + Basic(at(-1, h)) +
                             "\nDTSTART;TZID=Europe/Berlin:" + Basic(at(0, h + 2)) +
                             "\nDTEND;TZID=Europe/Berlin:" + Basic(at(0, h + 2, 45)) +
                             "\nSUMMARY:Retro (late)\nLOCATION:" + url + "\n");
  f.expected.push_back(
      {"d@google.com#" + BasicUtc(utc(-1, h)), utc(0, h + 2), utc(0, h + 2, 45), "Retro (late)"});
  // E: cancelled.
  vevent("e@google.com", "DTSTART;TZID=Europe/Berlin:" + Basic(at(0, h)) +
                             "\nDTEND;TZID=Europe/Berlin:" + Basic(at(0, h, 30)) +
                             "\nSTATUS:CANCELLED\nSUMMARY:Cancelled sync\nLOCATION:" + url + "\n");
  // F: all day tomorrow (UTC date of now + 24 h): midnight UTC.
  const std::string day = DateOnly(now + 86400);
  const int64_t midnight = (now + 86400) - (now + 86400) % 86400;
  vevent("f@google.com", "DTSTART;VALUE=DATE:" + day +
                             "\nDTEND;VALUE=DATE:" + DateOnly(midnight + 86400) +
                             "\nSUMMARY:Offsite\nDESCRIPTION:" + url + "\n");
  f.expected.push_back({"f@google.com", midnight, midnight + 86400, "Offsite"});
  // G: does not name the room.
  vevent("g@google.com", "DTSTART;TZID=Europe/Berlin:" + Basic(at(0, h)) +
                             "\nDTEND;TZID=Europe/Berlin:" + Basic(at(0, h, 30)) +
                             "\nSUMMARY:Lunch\nLOCATION:Canteen\n");
  f.expected.push_back({"g@google.com", utc(0, h), utc(0, h, 30), "Lunch", false});
  s += "END:VCALENDAR\n";
  f.ics = Crlf(s);
  return f;
}

// Outlook / Exchange: Windows zone names, one with its VTIMEZONE block and one without.
inline Fixture Outlook(int64_t now, const std::string& url) {
  const std::tm be = LocalTm(now + 2 * 3600, "Europe/Berlin");
  const std::tm la = LocalTm(now + 5 * 3600, "America/Los_Angeles");
  Fixture f;
  f.name = "outlook";
  std::string s =
      "BEGIN:VCALENDAR\nMETHOD:PUBLISH\nPRODID:Microsoft Exchange Server 2010\nVERSION:2.0\n"
      "X-WR-CALNAME:Calendar\n";
  s += kOutlookWEuropeVtimezone;
  std::tm start = ShiftDays(be, 0, be.tm_hour);
  std::tm end = ShiftDays(be, 0, be.tm_hour + 1);
  s += "BEGIN:VEVENT\nDESCRIPTION:\\n\nUID:040000008200E00074C5B7101A82E00800000000A1\n"
       "SUMMARY:Quarterly review\nDTSTART;TZID=W. Europe Standard Time:" +
       Basic(start) + "\nDTEND;TZID=W. Europe Standard Time:" + Basic(end) +
       "\nCLASS:PUBLIC\nPRIORITY:5\nDTSTAMP:" + BasicUtc(now) +
       "\nTRANSP:OPAQUE\nSTATUS:CONFIRMED\nSEQUENCE:0\nLOCATION:" + url +
       "\nORGANIZER;CN=Carol Chair:mailto:carol@example.com\n"
       "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Dan "
       "Doe:mailto:dan@example.com\n"
       "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE;RSVP=TRUE;CN=Eve:mailto:eve@example.com\n"
       "END:VEVENT\n";
  f.expected.push_back({"040000008200E00074C5B7101A82E00800000000A1", UtcOf(start, "Europe/Berlin"),
                        UtcOf(end, "Europe/Berlin"), "Quarterly review"});
  std::tm ls = ShiftDays(la, 0, la.tm_hour);
  std::tm le = ShiftDays(la, 0, la.tm_hour);
  le.tm_min = 50;
  s += "BEGIN:VEVENT\n" +
       Fold(
           "DESCRIPTION:Agenda in the doc. Microsoft Teams alternative: none. Join "
           "the Reflector room " +
           url + " a few minutes early please.") +
       "\nUID:040000008200E00074C5B7101A82E00800000000B2\nSUMMARY:West coast sync\n"
       "DTSTART;TZID=Pacific Standard Time:" +
       Basic(ls) + "\nDTEND;TZID=Pacific Standard Time:" + Basic(le) +
       "\nDTSTAMP:" + BasicUtc(now) + "\nEND:VEVENT\n";
  f.expected.push_back({"040000008200E00074C5B7101A82E00800000000B2",
                        UtcOf(ls, "America/Los_Angeles"), UtcOf(le, "America/Los_Angeles"),
                        "West coast sync"});
  s += "END:VCALENDAR\n";
  f.ics = Crlf(s);
  return f;
}

// iCloud: UTC times, DURATION instead of DTEND, COUNT, RDATE, folded lines, Apple extensions.
inline Fixture ICloud(int64_t now, const std::string& url) {
  const int64_t first = HourFloor(now + 3 * 3600) - 300 * 86400;
  Fixture f;
  f.name = "icloud";
  std::string s =
      "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Apple Inc.//macOS 14.0//EN\n"
      "CALSCALE:GREGORIAN\nX-WR-CALNAME:Home\n";
  const int64_t rdate = HourFloor(now + 6 * 3600) + 30 * 60;
  s += "BEGIN:VEVENT\nCREATED:" + BasicUtc(first) + "\nDTSTART:" + BasicUtc(first) +
       "\nDURATION:PT45M\nRRULE:FREQ=DAILY;COUNT=400\nRDATE:" + BasicUtc(rdate) +
       "\nUID:5F0D7C1E-8D9A-4E1B-9F0A-ICLOUD1\nSUMMARY:Family call\n" +
       Fold("DESCRIPTION:Every day, same place: " + url +
            " (tap the link, allow the microphone and camera, and wait for the others)") +
       "\nX-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\nDTSTAMP:" + BasicUtc(now) +
       "\nSEQUENCE:1\nEND:VEVENT\n";
  for (int64_t k = 0; k < 400; ++k) {
    const int64_t at = first + k * 86400;
    if (at >= now - 3600 && at <= now + 86400) {
      f.expected.push_back(
          {"5F0D7C1E-8D9A-4E1B-9F0A-ICLOUD1#" + BasicUtc(at), at, at + 2700, "Family call"});
    }
  }
  f.expected.push_back(
      {"5F0D7C1E-8D9A-4E1B-9F0A-ICLOUD1#" + BasicUtc(rdate), rdate, rdate + 2700, "Family call"});
  s += "END:VCALENDAR\n";
  f.ics = Crlf(s);
  return f;
}

// Fastmail: embedded America/New_York, comma-separated EXDATE, a cancelled override, and a
// floating time (read as UTC).
inline Fixture Fastmail(int64_t now, const std::string& url) {
  const char* ny = "America/New_York";
  const std::tm t = LocalTm(now + 2 * 3600, ny);
  const int h = t.tm_hour;
  auto at = [&](int days, int hour, int minute = 0) {
    std::tm x = ShiftDays(t, days, hour);
    x.tm_min = minute;
    return x;
  };
  Fixture f;
  f.name = "fastmail";
  std::string s = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Fastmail/2020.5/EN\n";
  s += kNewYorkVtimezone;
  s += "BEGIN:VEVENT\nUID:fm-1@fastmail.com\nSEQUENCE:0\nDTSTAMP:" + BasicUtc(now) +
       "\nDTSTART;TZID=America/New_York:" + Basic(at(-3, h)) +
       "\nDTEND;TZID=America/New_York:" + Basic(at(-3, h, 30)) +
       "\nRRULE:FREQ=DAILY\nEXDATE;TZID=America/New_York:" + Basic(at(-1, h)) + "," +
       Basic(at(0, h)) + "\nSUMMARY:Skipped twice\nLOCATION:" + url + "\nEND:VEVENT\n";
  s += "BEGIN:VEVENT\nUID:fm-2@fastmail.com\nSEQUENCE:0\nDTSTAMP:" + BasicUtc(now) +
       "\nDTSTART;TZID=America/New_York:" + Basic(at(-3, h + 1)) +
       "\nDTEND;TZID=America/New_York:" + Basic(at(-3, h + 1, 30)) +
       "\nRRULE:FREQ=DAILY\nSUMMARY:Cancelled today\nLOCATION:" + url + "\nEND:VEVENT\n";
  s += "BEGIN:VEVENT\nUID:fm-2@fastmail.com\nSEQUENCE:1\nDTSTAMP:" + BasicUtc(now) +
       "\nRECURRENCE-ID;TZID=America/New_York:" + Basic(at(0, h + 1)) +
       "\nDTSTART;TZID=America/New_York:" + Basic(at(0, h + 1)) +
       "\nDTEND;TZID=America/New_York:" + Basic(at(0, h + 1, 30)) +
       "\nSTATUS:CANCELLED\nSUMMARY:Cancelled today\nLOCATION:" + url + "\nEND:VEVENT\n";
  const int64_t floating = HourFloor(now + 4 * 3600);
  std::tm ft{};
  const std::time_t ftt = static_cast<std::time_t>(floating);
  gmtime_r(&ftt, &ft);
  s += "BEGIN:VEVENT\nUID:fm-3@fastmail.com\nDTSTAMP:" + BasicUtc(now) + "\nDTSTART:" + Basic(ft) +
       "\nSUMMARY:Floating\nDESCRIPTION:" + url + "\nEND:VEVENT\n";
  f.expected.push_back({"fm-3@fastmail.com", floating, floating + 3600, "Floating"});
  s += "END:VCALENDAR\n";
  f.ics = s;  // Fastmail's feed with bare LF line ends (libical accepts both)
  return f;
}

}  // namespace reflector::testing_ics
