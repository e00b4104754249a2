#include "net/retrying_transport.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

namespace reflector::net {
namespace {

using std::chrono::milliseconds;

// ---- HTTP-date (RFC 9110 §5.6.7) ----

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

// A left-to-right reader over a date string; every method consumes only on success.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : rest_(text) {}

  bool done() const { return rest_.empty(); }

  bool Literal(std::string_view lit) {
    if (!rest_.starts_with(lit)) return false;
    rest_.remove_prefix(lit.size());
    return true;
  }

  // Exactly `count` ASCII digits.
  bool Digits(int count, int& out) {
    if (rest_.size() < static_cast<std::size_t>(count)) return false;
    int value = 0;
    for (int i = 0; i < count; ++i) {
      char c = rest_[static_cast<std::size_t>(i)];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    rest_.remove_prefix(static_cast<std::size_t>(count));
    out = value;
    return true;
  }

  // One of `names` (case-insensitive); `index` receives its position.
  template <std::size_t N>
  bool OneOf(const std::array<std::string_view, N>& names, int& index) {
    for (std::size_t i = 0; i < N; ++i) {
      std::string_view name = names[i];
      if (rest_.size() >= name.size() && EqualsIgnoreCase(rest_.substr(0, name.size()), name)) {
        rest_.remove_prefix(name.size());
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }

  // "HH:MM:SS"
  bool TimeOfDay(int& h, int& m, int& s) {
    return Digits(2, h) && Literal(":") && Digits(2, m) && Literal(":") && Digits(2, s);
  }

 private:
  std::string_view rest_;
};

constexpr std::array<std::string_view, 7> kShortDays = {"Mon", "Tue", "Wed", "Thu",
                                                        "Fri", "Sat", "Sun"};
// Longest first is not needed: no long name is a prefix of another.
constexpr std::array<std::string_view, 7> kLongDays = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct DateFields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// "Sun, 06 Nov 1994 08:49:37 GMT"
bool ParseImfFixdate(std::string_view text, DateFields& f) {
  Cursor c(text);
  int ignored = 0;
  return c.OneOf(kShortDays, ignored) && c.Literal(", ") && c.Digits(2, f.day) && c.Literal(" ") &&
         c.OneOf(kMonths, f.month) && c.Literal(" ") && c.Digits(4, f.year) && c.Literal(" ") &&
         c.TimeOfDay(f.hour, f.minute, f.second) && c.Literal(" GMT") && c.done();
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
bool ParseRfc850(std::string_view text, DateFields& f) {
  Cursor c(text);
  int ignored = 0;
  if (!(c.OneOf(kLongDays, ignored) && c.Literal(", ") && c.Digits(2, f.day) && c.Literal("-") &&
        c.OneOf(kMonths, f.month) && c.Literal("-") && c.Digits(2, f.year) && c.Literal(" ") &&
        c.TimeOfDay(f.hour, f.minute, f.second) && c.Literal(" GMT") && c.done())) {
    return false;
  }
  // Two-digit years: RFC 9110 says a date more than 50 years ahead means the past century;
  // for a Retry-After, 70..99 → 19xx and 00..69 → 20xx is that rule in practice.
  f.year += f.year < 70 ? 2000 : 1900;
  return true;
}

// "Sun Nov  6 08:49:37 1994"
bool ParseAsctime(std::string_view text, DateFields& f) {
  Cursor c(text);
  int ignored = 0;
  if (!(c.OneOf(kShortDays, ignored) && c.Literal(" ") && c.OneOf(kMonths, f.month) &&
        c.Literal(" "))) {
    return false;
  }
  if (!(c.Literal(" ") ? c.Digits(1, f.day) : c.Digits(2, f.day))) return false;
  return c.Literal(" ") && c.TimeOfDay(f.hour, f.minute, f.second) && c.Literal(" ") &&
         c.Digits(4, f.year) && c.done();
}

std::optional<TimePoint> ParseHttpDate(std::string_view text) {
  DateFields f;
  if (!ParseImfFixdate(text, f) && !ParseRfc850(text, f) && !ParseAsctime(text, f)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{f.year},
                                         std::chrono::month{static_cast<unsigned>(f.month + 1)},
                                         std::chrono::day{static_cast<unsigned>(f.day)}};
  // Second 60 is a leap second.
  if (!date.ok() || f.hour > 23 || f.minute > 59 || f.second > 60) return std::nullopt;
  return TimePoint(std::chrono::sys_days(date)) + std::chrono::hours(f.hour) +
         std::chrono::minutes(f.minute) + std::chrono::seconds(f.second);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsRetryableStatus(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

}  // namespace

std::optional<milliseconds> ParseRetryAfter(std::string_view value, TimePoint now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Saturate: a century is as good as forever, and keeps the arithmetic far from overflow.
    constexpr std::int64_t kMaxSeconds = std::int64_t{100} * 365 * 24 * 3600;
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = std::min(kMaxSeconds, seconds * 10 + (c - '0'));
    }
    return std::chrono::duration_cast<milliseconds>(std::chrono::seconds(seconds));
  }
  std::optional<TimePoint> when = ParseHttpDate(value);
  if (!when) return std::nullopt;
  if (*when <= now) return milliseconds::zero();
  // Round up: waking a little late is fine, asking again before the date is not.
  return std::chrono::ceil<milliseconds>(*when - now);
}

struct RetryingTransport::Random {
  std::mutex mu;
  std::mt19937_64 engine{std::random_device{}()};  // guarded by mu
};

RetryingTransport::RetryingTransport(HttpTransport& inner, const Clock& clock, RetryPolicy policy,
                                     RetryHooks hooks)
    : inner_(inner),
      clock_(clock),
      policy_(policy),
      sleep_(std::move(hooks.sleep)),
      random_(std::move(hooks.random)) {
  policy_.max_attempts = std::max(1, policy_.max_attempts);
  policy_.jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  policy_.base_delay = std::max(milliseconds::zero(), policy_.base_delay);
  policy_.max_delay = std::max(milliseconds::zero(), policy_.max_delay);
  if (!sleep_) {
    sleep_ = [](milliseconds delay) { std::this_thread::sleep_for(delay); };
  }
  if (!random_) {
    default_random_ = std::make_unique<Random>();
    random_ = [state = default_random_.get()] {
      std::lock_guard lock(state->mu);
      return std::uniform_real_distribution<double>(0.0, 1.0)(state->engine);
    };
  }
}

RetryingTransport::~RetryingTransport() = default;

milliseconds RetryingTransport::Backoff(int retry) {
  milliseconds ceiling = policy_.base_delay;
  for (int i = 0; i < retry && ceiling < policy_.max_delay; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, policy_.max_delay);
  const double u = std::clamp(random_(), 0.0, 1.0);
  const double wait = static_cast<double>(ceiling.count()) * (1.0 - policy_.jitter * u);
  return milliseconds(static_cast<milliseconds::rep>(wait));
}

Result<OutboundResponse> RetryingTransport::Send(const OutboundRequest& request) {
  for (int attempt = 1;; ++attempt) {
    Result<OutboundResponse> result = inner_.Send(request);
    if (attempt >= policy_.max_attempts) return result;
    const int retry = attempt - 1;

    milliseconds wait{};
    if (!result) {
      const Error& error = result.error();
      const bool transient =
          error.code == Code::kUnavailable || error.code == Code::kDeadlineExceeded;
      // Repeating a POST the server may already have acted on could duplicate its effect.
      const bool safe = !RequestMayHaveBeenSent(error) || request.idempotent();
      if (!transient || !safe) return result;
      wait = Backoff(retry);
    } else if (result->status == 429 || result->status == 503) {
      std::optional<std::string_view> header = result->GetHeader("Retry-After");
      std::optional<milliseconds> asked =
          header ? ParseRetryAfter(*header, clock_.Now()) : std::nullopt;
      if (asked && *asked > policy_.max_retry_after) return result;
      wait = asked ? *asked : Backoff(retry);
    } else if (IsRetryableStatus(result->status)) {
      wait = Backoff(retry);
    } else {
      return result;
    }
    sleep_(wait);
  }
}

}  // namespace reflector::net
