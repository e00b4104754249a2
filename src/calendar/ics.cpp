#include "calendar/ics.hpp"

extern "C" {
#include <libical/ical.h>
}

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace reflector::calendar {
namespace {

using Seconds = std::chrono::seconds;

struct ComponentDeleter {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using ComponentPtr = std::unique_ptr<icalcomponent, ComponentDeleter>;

struct IteratorDeleter {
  void operator()(icalrecur_iterator* i) const { icalrecur_iterator_free(i); }
};

void InitLibicalOnce() {
  static std::once_flag once;
  // A malformed value must come back as an error value, never abort the process.
  std::call_once(once, [] { icalerror_set_errors_are_fatal(0); });
}

int64_t ToUnix(TimePoint t) {
  return std::chrono::duration_cast<Seconds>(t.time_since_epoch()).count();
}
// system_clock counts nanoseconds in 64 bits (±292 years around 1970): feed values beyond
// ±272 years are clamped so a hostile year (DTEND:24200816T…) cannot overflow it.
constexpr int64_t kTimeLimit = int64_t{1} << 33;
TimePoint FromUnix(int64_t s) { return TimePoint(Seconds(std::clamp(s, -kTimeLimit, kTimeLimit))); }

bool IStartsWith(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string StripMailto(std::string_view address) {
  std::string_view s = address;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  if (IStartsWith(s, "mailto:")) s.remove_prefix(7);
  return Trimmed(s);
}

std::optional<std::string> Param(icalproperty* prop, const char* name) {
  const char* value = icalproperty_get_parameter_as_string(prop, name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string Text(icalcomponent* event, icalproperty_kind kind) {
  icalproperty* prop = icalcomponent_get_first_property(event, kind);
  if (prop == nullptr) return {};
  icalvalue* value = icalproperty_get_value(prop);
  if (value == nullptr || icalvalue_isa(value) != ICAL_TEXT_VALUE) {
    const char* s = icalproperty_get_value_as_string(prop);
    return s == nullptr ? std::string() : std::string(s);
  }
  const char* s = icalvalue_get_text(value);
  return s == nullptr ? std::string() : std::string(s);
}

// Resolves a TZID: the feed's own VTIMEZONE, then the system zones, then Windows names.
// nullptr: UTC / floating / unknown (read as UTC).
icaltimezone* ResolveZone(icalcomponent* vcalendar, const std::optional<std::string>& tzid) {
  if (!tzid) return nullptr;
  if (icaltimezone* embedded = icalcomponent_get_timezone(vcalendar, tzid->c_str())) {
    return embedded;
  }
  std::string name = *tzid;
  // Some producers quote or prefix the name ("/mozilla.org/20050126_1/Europe/Berlin").
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  if (name == "UTC" || name == "GMT" || name == "Z" || name == "Etc/UTC") return nullptr;
  if (icaltimezone* builtin = icaltimezone_get_builtin_timezone(name.c_str())) return builtin;
  for (size_t slash = name.find('/', 1); slash != std::string::npos;
       slash = name.find('/', slash + 1)) {
    // Try the longest IANA-looking suffix ("Europe/Berlin") of a prefixed name.
    const std::string suffix = name.substr(slash + 1);
    if (suffix.find('/') != std::string::npos) {
      if (icaltimezone* z = icaltimezone_get_builtin_timezone(suffix.c_str())) return z;
    }
  }
  if (auto iana = WindowsZoneToIana(name)) {
    return icaltimezone_get_builtin_timezone(iana->c_str());
  }
  return nullptr;
}

// A date-time property's value and zone.
struct ZonedTime {
  icaltimetype local = icaltime_null_time();  // zone cleared: wall time in `zone`
  icaltimezone* zone = nullptr;               // nullptr: UTC / floating
  bool is_date = false;
};

std::optional<ZonedTime> ReadTime(icalcomponent* vcalendar, icalproperty* prop, icaltimetype t) {
  if (prop == nullptr || icaltime_is_null_time(t) || !icaltime_is_valid_time(t)) {
    return std::nullopt;
  }
  ZonedTime out;
  out.is_date = icaltime_is_date(t) != 0;
  if (!out.is_date && icaltime_is_utc(t) == 0) {
    out.zone = ResolveZone(vcalendar, Param(prop, "TZID"));
  }
  t.zone = nullptr;
  out.local = t;
  return out;
}

// UTC of a wall time in `zone` (all-day dates: midnight UTC, floating: UTC).
int64_t UtcSeconds(icaltimetype local, icaltimezone* zone, bool is_date) {
  local.zone = nullptr;
  if (is_date) {
    local.is_date = 1;
    return static_cast<int64_t>(icaltime_as_timet(local));
  }
  if (zone == nullptr) return static_cast<int64_t>(icaltime_as_timet(local));
  return static_cast<int64_t>(icaltime_as_timet_with_zone(local, zone));
}

icaltimetype LocalOf(int64_t utc, icaltimezone* zone, bool is_date) {
  icaltimetype t = icaltime_from_timet_with_zone(static_cast<time_t>(utc), is_date ? 1 : 0,
                                                 is_date ? nullptr : zone);
  t.zone = nullptr;
  return t;
}

std::string FormatBasicUtc(int64_t utc) {
  const std::time_t t = static_cast<std::time_t>(utc);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::vector<Attendee> ReadAttendees(icalcomponent* event) {
  std::vector<Attendee> out;
  for (icalproperty* p = icalcomponent_get_first_property(event, ICAL_ATTENDEE_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(event, ICAL_ATTENDEE_PROPERTY)) {
    const char* value = icalproperty_get_attendee(p);
    if (value == nullptr) continue;
    // Reference §6.6: a comma-joined value is one entry per address, parameters on the first.
    std::string_view rest(value);
    bool first = true;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string email = StripMailto(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (email.empty()) continue;
      Attendee a;
      a.email = email;
      if (first) {
        a.name = Param(p, "CN");
        a.status = Param(p, "PARTSTAT");
        a.role = Param(p, "ROLE");
      }
      first = false;
      out.push_back(std::move(a));
    }
  }
  if (icalproperty* org = icalcomponent_get_first_property(event, ICAL_ORGANIZER_PROPERTY)) {
    const char* value = icalproperty_get_organizer(org);
    if (value != nullptr && !StripMailto(value).empty()) {
      Attendee a;
      a.email = StripMailto(value);
      a.name = Param(org, "CN");
      a.role = "ORGANIZER";
      out.push_back(std::move(a));
    }
  }
  return out;
}

std::string RawText(icalcomponent* event) {
  char* text = icalcomponent_as_ical_string_r(event);
  if (text == nullptr) return {};
  std::string out(text);
  icalmemory_free_buffer(text);
  return out;
}

// The parts of a VEVENT every occurrence shares.
struct EventData {
  icalcomponent* component = nullptr;
  std::string uid;
  ZonedTime start;
  int64_t duration = 3600;  // seconds
  bool cancelled = false;
  std::optional<int64_t> recurrence_id;  // UTC, for overrides
};

std::optional<EventData> ReadEvent(icalcomponent* vcalendar, icalcomponent* event) {
  EventData data;
  data.component = event;
  const char* uid = icalcomponent_get_uid(event);
  data.uid = uid == nullptr ? std::string() : Trimmed(uid);
  icalproperty* dtstart = icalcomponent_get_first_property(event, ICAL_DTSTART_PROPERTY);
  if (dtstart == nullptr) return std::nullopt;
  auto start = ReadTime(vcalendar, dtstart, icalproperty_get_dtstart(dtstart));
  if (!start) return std::nullopt;
  data.start = *start;
  const int64_t start_utc = UtcSeconds(start->local, start->zone, start->is_date);
  if (icalproperty* dtend = icalcomponent_get_first_property(event, ICAL_DTEND_PROPERTY)) {
    auto end = ReadTime(vcalendar, dtend, icalproperty_get_dtend(dtend));
    if (end) data.duration = UtcSeconds(end->local, end->zone, end->is_date) - start_utc;
  } else if (icalproperty* dur = icalcomponent_get_first_property(event, ICAL_DURATION_PROPERTY)) {
    data.duration = icaldurationtype_as_int(icalproperty_get_duration(dur));
  } else if (start->is_date) {
    data.duration = 24 * 3600;
  }
  data.duration = std::clamp<int64_t>(data.duration, 0, kTimeLimit);
  data.cancelled = icalcomponent_get_status(event) == ICAL_STATUS_CANCELLED;
  if (icalproperty* rid = icalcomponent_get_first_property(event, ICAL_RECURRENCEID_PROPERTY)) {
    auto t = ReadTime(vcalendar, rid, icalproperty_get_recurrenceid(rid));
    if (t) data.recurrence_id = UtcSeconds(t->local, t->zone, t->is_date);
  }
  return data;
}

IcsEvent MakeEvent(const EventData& data, int64_t start_utc, std::optional<int64_t> instance) {
  IcsEvent e;
  e.uid = data.uid;
  e.key = data.uid;
  if (instance) {
    e.recurrence_id = FromUnix(*instance);
    e.key += "#" + FormatBasicUtc(*instance);
  }
  icalcomponent* c = data.component;
  e.title = Text(c, ICAL_SUMMARY_PROPERTY);
  e.description = Text(c, ICAL_DESCRIPTION_PROPERTY);
  e.location = Text(c, ICAL_LOCATION_PROPERTY);
  e.start = FromUnix(start_utc);
  e.end = FromUnix(start_utc + data.duration);
  e.all_day = data.start.is_date;
  e.attendees = ReadAttendees(c);
  e.raw = RawText(c);
  return e;
}

// Instances (UTC starts) of a recurring master that start within [from, to]: RRULE occurrences
// and RDATEs, minus EXDATEs.
std::set<int64_t> ExpandMaster(icalcomponent* vcalendar, const EventData& master, int64_t from,
                               int64_t to) {
  std::set<int64_t> out;
  const ZonedTime& start = master.start;
  // Wall-time bounds with a day of margin either side (more than any UTC offset), so the
  // iterator's values are compared cheaply and only candidates are converted.
  const icaltimetype local_from = LocalOf(from - 86400, start.zone, false);
  const icaltimetype local_to = LocalOf(to + 86400, start.zone, false);
  auto consider = [&](int64_t utc) {
    if (utc >= from && utc <= to) out.insert(utc);
  };
  consider(UtcSeconds(start.local, start.zone, start.is_date));  // DTSTART is an instance
  for (icalproperty* p = icalcomponent_get_first_property(master.component, ICAL_RRULE_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(master.component, ICAL_RRULE_PROPERTY)) {
    const icalrecurrencetype rule = icalproperty_get_rrule(p);
    if (rule.freq == ICAL_NO_RECURRENCE) continue;
    std::unique_ptr<icalrecur_iterator, IteratorDeleter> it(
        icalrecur_iterator_new(rule, start.local));
    if (!it) continue;
    // Jump close to the window when the rule allows it (COUNT needs every step from DTSTART).
    if (rule.count == 0 && icaltime_compare(start.local, local_from) < 0) {
      icaltimetype jump = local_from;
      if (start.is_date) {
        jump.is_date = 1;
        jump.hour = jump.minute = jump.second = 0;
      }
      icalrecur_iterator_set_start(it.get(), jump);
    }
    for (int step = 0; step < kMaxRecurrenceSteps; ++step) {
      icaltimetype next = icalrecur_iterator_next(it.get());
      if (icaltime_is_null_time(next)) break;
      next.zone = nullptr;
      if (icaltime_compare(next, local_to) > 0) break;
      if (icaltime_compare(next, local_from) < 0) continue;
      consider(UtcSeconds(next, start.zone, start.is_date));
    }
  }
  for (icalproperty* p = icalcomponent_get_first_property(master.component, ICAL_RDATE_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(master.component, ICAL_RDATE_PROPERTY)) {
    const icaldatetimeperiodtype rdate = icalproperty_get_rdate(p);
    icaltimetype t = icaltime_is_null_time(rdate.time) ? rdate.period.start : rdate.time;
    auto zoned = ReadTime(vcalendar, p, t);
    if (zoned) consider(UtcSeconds(zoned->local, zoned->zone, zoned->is_date));
  }
  for (icalproperty* p = icalcomponent_get_first_property(master.component, ICAL_EXDATE_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(master.component, ICAL_EXDATE_PROPERTY)) {
    auto zoned = ReadTime(vcalendar, p, icalproperty_get_exdate(p));
    if (!zoned) continue;
    int64_t utc = UtcSeconds(zoned->local, zoned->zone, zoned->is_date);
    if (zoned->is_date && !start.is_date) {
      // A date EXDATE on a timed event removes that day's instance.
      for (auto i = out.lower_bound(utc); i != out.end() && *i < utc + 86400;) i = out.erase(i);
      continue;
    }
    out.erase(utc);
  }
  return out;
}

bool IsRecurring(icalcomponent* event) {
  return icalcomponent_get_first_property(event, ICAL_RRULE_PROPERTY) != nullptr ||
         icalcomponent_get_first_property(event, ICAL_RDATE_PROPERTY) != nullptr;
}

// Appends the VTIMEZONEs of `vcalendar` and the VEVENTs of the UIDs `keep` selects to `slice`,
// each serialised by libical (no clone of the tree: the slice is built while the whole feed is in
// memory). `tzids` are the zones already written.
void AddToSlice(icalcomponent* vcalendar, const KeepEvent& keep, std::set<std::string>& tzids,
                std::string& slice) {
  std::set<std::string> uids;
  for (icalcomponent* c = icalcomponent_get_first_component(vcalendar, ICAL_VEVENT_COMPONENT);
       c != nullptr; c = icalcomponent_get_next_component(vcalendar, ICAL_VEVENT_COMPONENT)) {
    const char* uid = icalcomponent_get_uid(c);
    if (uid == nullptr) continue;
    if (keep(Text(c, ICAL_LOCATION_PROPERTY), Text(c, ICAL_DESCRIPTION_PROPERTY))) {
      uids.insert(Trimmed(uid));
    }
  }
  if (uids.empty()) return;
  for (icalcomponent* c = icalcomponent_get_first_component(vcalendar, ICAL_VTIMEZONE_COMPONENT);
       c != nullptr; c = icalcomponent_get_next_component(vcalendar, ICAL_VTIMEZONE_COMPONENT)) {
    icalproperty* tzid_prop = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
    const char* tzid = tzid_prop == nullptr ? nullptr : icalproperty_get_tzid(tzid_prop);
    if (tzid == nullptr || !tzids.insert(tzid).second) continue;
    slice += RawText(c);
  }
  for (icalcomponent* c = icalcomponent_get_first_component(vcalendar, ICAL_VEVENT_COMPONENT);
       c != nullptr; c = icalcomponent_get_next_component(vcalendar, ICAL_VEVENT_COMPONENT)) {
    const char* uid = icalcomponent_get_uid(c);
    if (uid != nullptr && uids.count(Trimmed(uid)) > 0) slice += RawText(c);
  }
}

void CollectCalendar(icalcomponent* vcalendar, int64_t from, int64_t to, ParsedCalendar& out) {
  std::vector<EventData> masters;
  std::vector<EventData> overrides;
  for (icalcomponent* c = icalcomponent_get_first_component(vcalendar, ICAL_VEVENT_COMPONENT);
       c != nullptr; c = icalcomponent_get_next_component(vcalendar, ICAL_VEVENT_COMPONENT)) {
    ++out.vevents;
    auto data = ReadEvent(vcalendar, c);
    if (!data || data->uid.empty()) continue;
    if (data->recurrence_id) {
      overrides.push_back(std::move(*data));
    } else {
      masters.push_back(std::move(*data));
    }
  }
  // Instances replaced by an override, per UID.
  std::map<std::string, std::set<int64_t>> overridden;
  std::set<std::string> recurring_uids;
  for (const auto& o : overrides) overridden[o.uid].insert(*o.recurrence_id);
  for (const auto& m : masters) {
    if (!IsRecurring(m.component)) {
      if (m.cancelled) continue;
      const int64_t start = UtcSeconds(m.start.local, m.start.zone, m.start.is_date);
      if (start >= from && start <= to) out.events.push_back(MakeEvent(m, start, std::nullopt));
      continue;
    }
    recurring_uids.insert(m.uid);
    if (m.cancelled) {
      overridden.erase(m.uid);  // a cancelled series takes its overrides with it
      continue;
    }
    const auto replaced = overridden.find(m.uid);
    for (int64_t instance : ExpandMaster(vcalendar, m, from, to)) {
      if (replaced != overridden.end() && replaced->second.count(instance) > 0) continue;
      out.events.push_back(MakeEvent(m, instance, instance));
    }
  }
  for (const auto& o : overrides) {
    if (o.cancelled || overridden.count(o.uid) == 0) continue;
    const int64_t start = UtcSeconds(o.start.local, o.start.zone, o.start.is_date);
    if (start >= from && start <= to) out.events.push_back(MakeEvent(o, start, o.recurrence_id));
  }
}

}  // namespace

Result<ParsedCalendar> ParseIcs(std::string_view text, TimePoint from, TimePoint to,
                                const KeepEvent& keep) {
  InitLibicalOnce();
  size_t begin = 0;
  while (begin < text.size() && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  if (text.size() - begin >= 3 && text.substr(begin, 3) == "\xEF\xBB\xBF") begin += 3;  // BOM
  if (!IStartsWith(text.substr(begin), "BEGIN:VCALENDAR")) {
    return Err(Code::kInvalidArgument,
               "not iCalendar data: the feed does not start with BEGIN:VCALENDAR");
  }
  // libical reads the text through a line generator (fgets-like), so the feed is not copied.
  struct Reader {
    std::string_view rest;
  } reader{text.substr(begin)};
  auto next_line = [](char* out, size_t size, void* d) -> char* {
    auto* r = static_cast<Reader*>(d);
    if (r->rest.empty() || size < 2) return nullptr;
    size_t n = std::min(r->rest.size(), size - 1);
    const size_t newline = r->rest.substr(0, n).find('\n');
    if (newline != std::string_view::npos) n = newline + 1;
    std::copy_n(r->rest.data(), n, out);
    out[n] = '\0';
    r->rest.remove_prefix(n);
    return out;
  };
  std::unique_ptr<icalparser, void (*)(icalparser*)> parser(icalparser_new(), &icalparser_free);
  if (!parser) return Err(Code::kInternal, "libical could not allocate a parser");
  icalparser_set_gen_data(parser.get(), &reader);
  ComponentPtr root(icalparser_parse(parser.get(), next_line));
  if (!root) return Err(Code::kInvalidArgument, "not iCalendar data: libical could not parse it");
  ParsedCalendar out;
  const int64_t from_s = ToUnix(from);
  const int64_t to_s = ToUnix(to);
  std::vector<icalcomponent*> calendars;
  if (icalcomponent_isa(root.get()) == ICAL_VCALENDAR_COMPONENT) {
    calendars.push_back(root.get());
  } else {
    for (icalcomponent* c = icalcomponent_get_first_component(root.get(), ICAL_VCALENDAR_COMPONENT);
         c != nullptr; c = icalcomponent_get_next_component(root.get(), ICAL_VCALENDAR_COMPONENT)) {
      calendars.push_back(c);
    }
  }
  if (calendars.empty()) return Err(Code::kInvalidArgument, "not iCalendar data: no VCALENDAR");
  for (icalcomponent* c : calendars) CollectCalendar(c, from_s, to_s, out);
  if (keep) {
    // The wrapper lines are RFC 5545's fixed VCALENDAR envelope; the content is libical's.
    out.slice = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Reflector//room slice//EN\r\n";
    std::set<std::string> tzids;
    for (icalcomponent* c : calendars) AddToSlice(c, keep, tzids, out.slice);
    out.slice += "END:VCALENDAR\r\n";
  }
  std::sort(out.events.begin(), out.events.end(), [](const IcsEvent& a, const IcsEvent& b) {
    return a.start != b.start ? a.start < b.start : a.key < b.key;
  });
  return out;
}

std::optional<std::string> WindowsZoneToIana(std::string_view windows_name) {
  // The common entries of Unicode CLDR's windowsZones.xml (territory "001").
  static const std::map<std::string_view, std::string_view> kZones = {
      {"Dateline Standard Time", "Etc/GMT+12"},
      {"Hawaiian Standard Time", "Pacific/Honolulu"},
      {"Alaskan Standard Time", "America/Anchorage"},
      {"Pacific Standard Time", "America/Los_Angeles"},
      {"Pacific Standard Time (Mexico)", "America/Tijuana"},
      {"US Mountain Standard Time", "America/Phoenix"},
      {"Mountain Standard Time", "America/Denver"},
      {"Central America Standard Time", "America/Guatemala"},
      {"Central Standard Time", "America/Chicago"},
      {"Central Standard Time (Mexico)", "America/Mexico_City"},
      {"Canada Central Standard Time", "America/Regina"},
      {"SA Pacific Standard Time", "America/Bogota"},
      {"Eastern Standard Time", "America/New_York"},
      {"US Eastern Standard Time", "America/Indianapolis"},
      {"Atlantic Standard Time", "America/Halifax"},
      {"Newfoundland Standard Time", "America/St_Johns"},
      {"E. South America Standard Time", "America/Sao_Paulo"},
      {"Argentina Standard Time", "America/Buenos_Aires"},
      {"SA Eastern Standard Time", "America/Cayenne"},
      {"Greenland Standard Time", "America/Godthab"},
      {"UTC", "Etc/UTC"},
      {"Coordinated Universal Time", "Etc/UTC"},
      {"GMT Standard Time", "Europe/London"},
      {"Greenwich Standard Time", "Atlantic/Reykjavik"},
      {"W. Europe Standard Time", "Europe/Berlin"},
      {"Central Europe Standard Time", "Europe/Budapest"},
      {"Romance Standard Time", "Europe/Paris"},
      {"Central European Standard Time", "Europe/Warsaw"},
      {"W. Central Africa Standard Time", "Africa/Lagos"},
      {"GTB Standard Time", "Europe/Bucharest"},
      {"E. Europe Standard Time", "Europe/Chisinau"},
      {"FLE Standard Time", "Europe/Kiev"},
      {"Israel Standard Time", "Asia/Jerusalem"},
      {"Egypt Standard Time", "Africa/Cairo"},
      {"South Africa Standard Time", "Africa/Johannesburg"},
      {"Turkey Standard Time", "Europe/Istanbul"},
      {"Russian Standard Time", "Europe/Moscow"},
      {"Arab Standard Time", "Asia/Riyadh"},
      {"Arabian Standard Time", "Asia/Dubai"},
      {"Iran Standard Time", "Asia/Tehran"},
      {"Pakistan Standard Time", "Asia/Karachi"},
      {"India Standard Time", "Asia/Calcutta"},
      {"Nepal Standard Time", "Asia/Katmandu"},
      {"Bangladesh Standard Time", "Asia/Dhaka"},
      {"SE Asia Standard Time", "Asia/Bangkok"},
      {"China Standard Time", "Asia/Shanghai"},
      {"Singapore Standard Time", "Asia/Singapore"},
      {"Taipei Standard Time", "Asia/Taipei"},
      {"W. Australia Standard Time", "Australia/Perth"},
      {"Tokyo Standard Time", "Asia/Tokyo"},
      {"Korea Standard Time", "Asia/Seoul"},
      {"Cen. Australia Standard Time", "Australia/Adelaide"},
      {"AUS Central Standard Time", "Australia/Darwin"},
      {"E. Australia Standard Time", "Australia/Brisbane"},
      {"AUS Eastern Standard Time", "Australia/Sydney"},
      {"Tasmania Standard Time", "Australia/Hobart"},
      {"New Zealand Standard Time", "Pacific/Auckland"},
  };
  const auto it = kZones.find(windows_name);
  if (it == kZones.end()) return std::nullopt;
  return std::string(it->second);
}

std::string AttendeesJson(const std::vector<Attendee>& attendees) {
  nlohmann::json out = nlohmann::json::array();
  auto opt = [](const std::optional<std::string>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  for (const auto& a : attendees) {
    out.push_back({{"email", a.email},
                   {"name", opt(a.name)},
                   {"status", opt(a.status)},
                   {"role", opt(a.role)}});
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace reflector::calendar
