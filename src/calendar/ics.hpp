// iCalendar (RFC 5545) feeds as calendar events in a time window (contract §8, reference §6.6).
//
// Parsing is libical's (no hand-written ICS parsing); this layer turns the VEVENTs of a feed into
// plain values:
//  - recurring events are expanded in the window: RRULE (libical's iterator), RDATE, EXDATE, and
//    RECURRENCE-ID overrides, which replace the instance they name (an override may move it into
//    or out of the window);
//  - times are converted to UTC: a TZID is resolved against the feed's own VTIMEZONE blocks first,
//    then the system's IANA zones, then Outlook's Windows zone names ("W. Europe Standard Time")
//    mapped to IANA; floating times are read as UTC, all-day dates as midnight UTC (reference);
//  - DTEND missing: start + DURATION, else + 1 day for an all-day date (RFC 5545 §3.6.1), else
//    + 1 hour (reference);
//  - STATUS:CANCELLED events and instances are dropped;
//  - attendees as reference §6.6: each ATTENDEE (a comma-joined value gives one entry per address,
//    CN/PARTSTAT/ROLE going to the first), then the ORGANIZER with role "ORGANIZER"; "mailto:"
//    stripped.
// libical is confined to ics.cpp. Thread-safe: no shared state beyond libical's zone cache.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"

namespace reflector::calendar {

struct Attendee {
  std::string email;
  std::optional<std::string> name;    // CN
  std::optional<std::string> status;  // PARTSTAT
  std::optional<std::string> role;    // ROLE, or "ORGANIZER"

  bool operator==(const Attendee&) const = default;
};

// One occurrence of a VEVENT that starts inside the window.
struct IcsEvent {
  std::string uid;  // UID of the VEVENT
  // Unique per feed: the UID for a single event, "<UID>#<recurrence id in UTC, 20261205T090000Z>"
  // for an instance of a recurring event (or an override). Stored as calendar_event.ics_uid.
  std::string key;
  std::optional<TimePoint> recurrence_id;  // the instance's original start, recurring events only
  std::string title;                       // SUMMARY
  std::string description;
  std::string location;
  TimePoint start{};
  TimePoint end{};
  bool all_day = false;
  std::vector<Attendee> attendees;
  std::string raw;  // the VEVENT as iCalendar text (the override's own when there is one)
};

struct ParsedCalendar {
  std::vector<IcsEvent> events;  // starting in [from, to], cancelled ones dropped, by start
  int vevents = 0;               // VEVENT components in the feed
  // With a `keep` predicate: an iCalendar text holding the feed's VTIMEZONEs and every VEVENT
  // (master and overrides) of each UID that has a component the predicate keeps — enough to
  // expand those events again later (the sync keeps it for 304 answers instead of the feed).
  std::string slice;
};

// Whether a VEVENT matters to the caller, from its LOCATION and DESCRIPTION.
using KeepEvent = std::function<bool(std::string_view location, std::string_view description)>;

// Limits that keep a hostile feed bounded.
inline constexpr int kMaxRecurrenceSteps = 100'000;  // iterator steps per recurring VEVENT

// Parses `text` and returns the occurrences starting within [from, to].
// kInvalidArgument with a reason for people when the text is not an iCalendar feed ("no
// VCALENDAR", "not iCalendar data"). VEVENTs that lack DTSTART or carry an unusable time are
// skipped (`vevents` still counts them).
// With `keep`, also fills `slice`.
Result<ParsedCalendar> ParseIcs(std::string_view text, TimePoint from, TimePoint to,
                                const KeepEvent& keep = {});

// The IANA name of a Windows time zone name as Outlook/Exchange writes it in TZID
// ("Pacific Standard Time" → "America/Los_Angeles"); nullopt when unknown.
std::optional<std::string> WindowsZoneToIana(std::string_view windows_name);

// Attendees as the JSON stored in calendar_event.attendees: [{email,name,status,role}].
std::string AttendeesJson(const std::vector<Attendee>& attendees);

}  // namespace reflector::calendar
