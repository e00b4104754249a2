// Running SQL on a Session without touching the driver: named parameters in, text columns out.
//
// One SQL text serves both engines. Write `:name` placeholders, TRUE/FALSE literals (never 1/0 for
// booleans: PostgreSQL rejects an integer literal in a boolean column), CAST(x AS type) rather
// than `x::type`, RETURNING and ON CONFLICT (both engines support them). Every value travels as
// text or a 64-bit integer:
//   - timestamps are bound as FormatIso8601 strings ("2026-11-22T05:23:18.123456Z"): TIMESTAMPTZ
//     on PostgreSQL, TEXT on SQLite, where the fixed format makes them sort and compare correctly.
//     Read back, PostgreSQL answers "2026-11-22 05:23:18.123456+00"; RowReader parses both.
//   - booleans are bound as 0/1 (PostgreSQL accepts the untyped '1'/'0' for a boolean parameter)
//     and read back from "1"/"0" (SQLite) or "t"/"f" (PostgreSQL).
//   - JSON is bound and read as text. PostgreSQL stores JSONB and returns it re-serialised (keys
//     sorted, ", " and ": " spacing), so compare parsed JSON, not strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "store/database.hpp"

namespace reflector::store {

// Named parameters of one statement. Every name bound must appear in the SQL and every placeholder
// in the SQL must be bound (checked before running; a mismatch is kInternal).
class SqlParams {
 public:
  struct Value {
    std::string name;
    bool is_int = false;
    bool is_null = false;
    std::string text;
    long long integer = 0;
  };

  SqlParams& Text(std::string_view name, std::string value);
  SqlParams& OptText(std::string_view name, std::optional<std::string> value);
  SqlParams& Int(std::string_view name, int64_t value);
  SqlParams& OptInt(std::string_view name, std::optional<int64_t> value);
  SqlParams& Bool(std::string_view name, bool value);
  SqlParams& Real(std::string_view name, double value);
  SqlParams& OptReal(std::string_view name, std::optional<double> value);
  SqlParams& Time(std::string_view name, TimePoint value);
  SqlParams& OptTime(std::string_view name, std::optional<TimePoint> value);
  SqlParams& Json(std::string_view name, std::string json) { return Text(name, std::move(json)); }
  SqlParams& OptJson(std::string_view name, std::optional<std::string> json) {
    return OptText(name, std::move(json));
  }
  SqlParams& Null(std::string_view name);
  // Binds `alias` to a copy of the value bound as `name` (nothing when `name` is not bound):
  // for SQL that uses one value under two names, as each name is bound once
  // (internal::RenamePlaceholders).
  SqlParams& Alias(std::string_view name, std::string_view alias);

  const std::vector<Value>& values() const { return values_; }

 private:
  std::vector<Value> values_;
};

// One result row: every column as text, nullopt for NULL.
using SqlRow = std::vector<std::optional<std::string>>;

// Reads the columns of a row in order, converting each. The first conversion failure is sticky:
// later reads return defaults and Finish() reports it (kInternal, the column index in detail).
class RowReader {
 public:
  explicit RowReader(const SqlRow& row) : row_(row) {}
  // A reader that may move text out of `row` (TakeOptText).
  explicit RowReader(SqlRow& row) : row_(row), mutable_row_(&row) {}

  std::string Text();
  std::optional<std::string> OptText();
  // As OptText, moving the text out of the row when the reader was given a mutable one (a
  // search page's captions are megabytes).
  std::optional<std::string> TakeOptText();
  int64_t Int();
  std::optional<int64_t> OptInt();
  bool Bool();
  std::optional<bool> OptBool();
  double Real();
  std::optional<double> OptReal();
  TimePoint Time();
  std::optional<TimePoint> OptTime();

  // OK when every read succeeded and every column was read.
  Status Finish() const;

 private:
  const std::optional<std::string>* Next(bool nullable);
  void Fail(std::string what);

  const SqlRow& row_;
  SqlRow* mutable_row_ = nullptr;
  size_t index_ = 0;    // next column to read
  size_t current_ = 0;  // column being converted, for error messages
  std::optional<Error> error_;
};

// Error codes of Exec/Query/QueryOptional: as listed in store/database.hpp (kAlreadyExists,
// kFailedPrecondition, kUnavailable, kInternal), plus kInternal for a placeholder/parameter
// mismatch. Inside a transaction, the first error dooms it (see Transaction).

// Runs a statement that returns no rows; returns the number of rows it changed.
Result<int64_t> Exec(Session& session, std::string_view sql, const SqlParams& params = {});

// Runs a query whose rows have exactly `columns` columns.
Result<std::vector<SqlRow>> Query(Session& session, std::string_view sql, const SqlParams& params,
                                  size_t columns);

// As Query, for at most one row: nullopt when there is none.
Result<std::optional<SqlRow>> QueryOptional(Session& session, std::string_view sql,
                                            const SqlParams& params, size_t columns);

// Number of columns in a select list such as "id, CAST(x AS INTEGER), name" (commas inside
// parentheses or quotes do not count). For column-list constants next to their reader.
constexpr size_t CountColumns(std::string_view list) {
  size_t count = list.empty() ? 0 : 1;
  int depth = 0;
  char quote = 0;
  for (char c : list) {
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      ++count;
    }
  }
  return count;
}

// Microsecond precision: what the database keeps of a TimePoint.
TimePoint TruncateToMicros(TimePoint t);

}  // namespace reflector::store
