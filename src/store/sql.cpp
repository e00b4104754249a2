#include "store/sql.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "core/time_format.hpp"
#include "store/internal/connection.hpp"
#include "store/internal/sql_text.hpp"

namespace reflector::store {
namespace internal {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

namespace {

// Calls `found(position, length)` for each `:name` placeholder of `sql` (position of the colon,
// length with it), skipping what PlaceholderNames documents.
template <typename Found>
void ForEachPlaceholder(std::string_view sql, Found found) {
  size_t i = 0;
  const size_t n = sql.size();
  while (i < n) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      const size_t close = sql.find(c, i + 1);
      i = close == std::string_view::npos ? n : close + 1;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      const size_t eol = sql.find('\n', i);
      i = eol == std::string_view::npos ? n : eol + 1;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      const size_t close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? n : close + 2;
    } else if (c == '$') {
      // $tag$ ... $tag$ (PostgreSQL function bodies).
      size_t j = i + 1;
      while (j < n && IsNameChar(sql[j])) ++j;
      if (j < n && sql[j] == '$') {
        const std::string_view tag = sql.substr(i, j - i + 1);
        const size_t close = sql.find(tag, j + 1);
        i = close == std::string_view::npos ? n : close + tag.size();
      } else {
        i = j;
      }
    } else if (c == ':') {
      if (i + 1 < n && sql[i + 1] == ':') {
        i += 2;
      } else if (i + 1 < n && IsNameStart(sql[i + 1])) {
        size_t j = i + 1;
        while (j < n && IsNameChar(sql[j])) ++j;
        found(i, j - i);
        i = j;
      } else {
        ++i;
      }
    } else {
      ++i;
    }
  }
}

}  // namespace

std::vector<std::string> PlaceholderNames(std::string_view sql) {
  std::vector<std::string> names;
  ForEachPlaceholder(
      sql, [&](size_t at, size_t length) { names.emplace_back(sql.substr(at + 1, length - 1)); });
  return names;
}

std::string RenamePlaceholders(std::string_view sql, std::string_view suffix) {
  std::string out;
  out.reserve(sql.size() + 16);
  size_t copied = 0;
  ForEachPlaceholder(sql, [&](size_t at, size_t length) {
    out.append(sql.substr(copied, at + length - copied));
    out.append(suffix);
    copied = at + length;
  });
  out.append(sql.substr(copied));
  return out;
}

}  // namespace internal

namespace {

Status CheckPlaceholders(std::string_view sql, const SqlParams& params) {
  const std::vector<std::string> used = internal::PlaceholderNames(sql);
  const std::set<std::string> in_sql(used.begin(), used.end());
  std::set<std::string> bound;
  for (const auto& value : params.values()) {
    if (!bound.insert(value.name).second) {
      return Err(Code::kInternal, "database error", "parameter bound twice: " + value.name);
    }
    if (in_sql.count(value.name) == 0) {
      return Err(Code::kInternal, "database error",
                 "parameter :" + value.name + " is not used in: " + std::string(sql));
    }
  }
  for (const auto& name : in_sql) {
    if (bound.count(name) == 0) {
      return Err(Code::kInternal, "database error",
                 "placeholder :" + name + " is not bound in: " + std::string(sql));
    }
  }
  return Ok();
}

// SOCI binds by reference: `values` and `indicators` must stay put until the statement is done.
void BindParams(soci::statement& statement, std::vector<SqlParams::Value>& values,
                std::vector<soci::indicator>& indicators) {
  indicators.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    auto& value = values[i];
    indicators[i] = value.is_null ? soci::i_null : soci::i_ok;
    if (value.is_int) {
      statement.exchange(soci::use(value.integer, indicators[i], value.name));
    } else {
      statement.exchange(soci::use(value.text, indicators[i], value.name));
    }
  }
}

}  // namespace

// ---- SqlParams ----

SqlParams& SqlParams::Text(std::string_view name, std::string value) {
  values_.push_back(Value{std::string(name), false, false, std::move(value), 0});
  return *this;
}

SqlParams& SqlParams::Alias(std::string_view name, std::string_view alias) {
  for (size_t i = 0; i < values_.size(); ++i) {
    if (values_[i].name == name) {
      Value copy = values_[i];
      copy.name = std::string(alias);
      values_.push_back(std::move(copy));
      break;
    }
  }
  return *this;
}

SqlParams& SqlParams::OptText(std::string_view name, std::optional<std::string> value) {
  if (!value) return Null(name);
  return Text(name, std::move(*value));
}

SqlParams& SqlParams::Int(std::string_view name, int64_t value) {
  values_.push_back(Value{std::string(name), true, false, {}, static_cast<long long>(value)});
  return *this;
}

SqlParams& SqlParams::OptInt(std::string_view name, std::optional<int64_t> value) {
  if (!value) return Null(name);
  return Int(name, *value);
}

SqlParams& SqlParams::Bool(std::string_view name, bool value) { return Int(name, value ? 1 : 0); }

SqlParams& SqlParams::Real(std::string_view name, double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return Text(name, std::string(buffer, result.ptr));
}

SqlParams& SqlParams::OptReal(std::string_view name, std::optional<double> value) {
  if (!value) return Null(name);
  return Real(name, *value);
}

SqlParams& SqlParams::Time(std::string_view name, TimePoint value) {
  return Text(name, FormatIso8601(value));
}

SqlParams& SqlParams::OptTime(std::string_view name, std::optional<TimePoint> value) {
  if (!value) return Null(name);
  return Time(name, *value);
}

SqlParams& SqlParams::Null(std::string_view name) {
  values_.push_back(Value{std::string(name), false, true, {}, 0});
  return *this;
}

// ---- RowReader ----

void RowReader::Fail(std::string what) {
  if (!error_) {
    error_ = Error{Code::kInternal, "database error",
                   "column " + std::to_string(current_) + ": " + std::move(what), 0};
  }
}

const std::optional<std::string>* RowReader::Next(bool nullable) {
  if (error_) return nullptr;
  current_ = index_;
  if (index_ >= row_.size()) {
    Fail("read past the last column (" + std::to_string(row_.size()) + ")");
    return nullptr;
  }
  const auto* cell = &row_[index_++];
  if (!cell->has_value() && !nullable) {
    Fail("unexpected NULL");
    return nullptr;
  }
  return cell;
}

std::string RowReader::Text() {
  const auto* cell = Next(false);
  return cell != nullptr ? **cell : std::string();
}

std::optional<std::string> RowReader::OptText() {
  const auto* cell = Next(true);
  return cell != nullptr ? *cell : std::nullopt;
}

std::optional<std::string> RowReader::TakeOptText() {
  const auto* cell = Next(true);
  if (cell == nullptr) return std::nullopt;
  if (mutable_row_ == nullptr) return *cell;
  return std::move((*mutable_row_)[index_ - 1]);
}

namespace {

std::optional<int64_t> ParseInt(const std::string& text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> ParseBool(const std::string& text) {
  // SQLite stores 0/1; PostgreSQL's text output of a boolean is t/f.
  if (text == "1" || text == "t" || text == "true" || text == "TRUE") return true;
  if (text == "0" || text == "f" || text == "false" || text == "FALSE") return false;
  return std::nullopt;
}

std::optional<double> ParseReal(const std::string& text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<int64_t> RowReader::OptInt() {
  const auto* cell = Next(true);
  if (cell == nullptr || !cell->has_value()) return std::nullopt;
  auto value = ParseInt(**cell);
  if (!value) Fail("not an integer: " + **cell);
  return value;
}

int64_t RowReader::Int() {
  const auto* cell = Next(false);
  if (cell == nullptr) return 0;
  auto value = ParseInt(**cell);
  if (!value) Fail("not an integer: " + **cell);
  return value.value_or(0);
}

std::optional<bool> RowReader::OptBool() {
  const auto* cell = Next(true);
  if (cell == nullptr || !cell->has_value()) return std::nullopt;
  auto value = ParseBool(**cell);
  if (!value) Fail("not a boolean: " + **cell);
  return value;
}

bool RowReader::Bool() {
  const auto* cell = Next(false);
  if (cell == nullptr) return false;
  auto value = ParseBool(**cell);
  if (!value) Fail("not a boolean: " + **cell);
  return value.value_or(false);
}

std::optional<double> RowReader::OptReal() {
  const auto* cell = Next(true);
  if (cell == nullptr || !cell->has_value()) return std::nullopt;
  auto value = ParseReal(**cell);
  if (!value) Fail("not a number: " + **cell);
  return value;
}

double RowReader::Real() {
  const auto* cell = Next(false);
  if (cell == nullptr) return 0;
  auto value = ParseReal(**cell);
  if (!value) Fail("not a number: " + **cell);
  return value.value_or(0);
}

std::optional<TimePoint> RowReader::OptTime() {
  const auto* cell = Next(true);
  if (cell == nullptr || !cell->has_value()) return std::nullopt;
  auto value = ParseIso8601(**cell);
  if (!value) {
    Fail("not a timestamp: " + **cell);
    return std::nullopt;
  }
  return *value;
}

TimePoint RowReader::Time() {
  const auto* cell = Next(false);
  if (cell == nullptr) return TimePoint{};
  auto value = ParseIso8601(**cell);
  if (!value) {
    Fail("not a timestamp: " + **cell);
    return TimePoint{};
  }
  return *value;
}

Status RowReader::Finish() const {
  if (error_) return Err(*error_);
  if (index_ != row_.size()) {
    return Err(
        Code::kInternal, "database error",
        "read " + std::to_string(index_) + " of " + std::to_string(row_.size()) + " columns");
  }
  return Ok();
}

// ---- Exec / Query ----

namespace {

// What one statement produced.
struct Outcome {
  int64_t affected = 0;
  std::vector<SqlRow> rows;
};

// Fetches the rows of an executed statement whose columns are bound to `cells`.
// The cells are moved out: SOCI assigns each one afresh on the next fetch (a search page's
// 20 WebVTT texts are 1.2 MB, copied once fewer).
void FetchRows(soci::statement& statement, bool got_first, std::vector<std::string>& cells,
               const std::vector<soci::indicator>& cell_indicators, std::vector<SqlRow>& rows) {
  if (!got_first) return;
  const size_t columns = cells.size();
  do {
    SqlRow row(columns);
    for (size_t i = 0; i < columns; ++i) {
      if (cell_indicators[i] != soci::i_null) row[i] = std::move(cells[i]);
    }
    rows.push_back(std::move(row));
  } while (statement.fetch());
}

// One-time statement: prepared, run and finalised (DDL and other statements not worth caching).
Outcome RunOnce(soci::session& db, std::string_view sql, const SqlParams& params, size_t columns) {
  // Every column is fetched as text: each backend converts any type to text faithfully
  // (a TIMESTAMPTZ keeps its microseconds, which SOCI's std::tm would drop).
  std::vector<std::string> cells(columns);
  std::vector<soci::indicator> cell_indicators(columns, soci::i_ok);
  std::vector<SqlParams::Value> values = params.values();
  std::vector<soci::indicator> indicators;
  soci::statement statement(db);
  for (size_t i = 0; i < columns; ++i) {
    statement.exchange(soci::into(cells[i], cell_indicators[i]));
  }
  BindParams(statement, values, indicators);
  statement.alloc();
  statement.prepare(std::string(sql), soci::details::st_one_time_query);
  statement.define_and_bind();
  Outcome outcome;
  FetchRows(statement, statement.execute(true), cells, cell_indicators, outcome.rows);
  if (columns == 0) outcome.affected = statement.get_affected_rows();
  return outcome;
}

// Prepared statements are cached per connection (see Cacheable): preparing — parsing and planning,
// on PostgreSQL also a round trip — costs as much as running a small query. SQLite re-prepares a
// cached statement by itself when the schema changes; PostgreSQL re-plans one too. Bounded: a
// connection that has seen this many distinct statements starts over.
constexpr size_t kMaxCachedStatements = 256;

// The cache key: SQL text, result width, and the name and kind of every parameter in order (the
// bindings are made once, at prepare time).
std::string StatementKey(std::string_view sql, const SqlParams& params, size_t columns) {
  std::string key(sql);
  key += '\0';
  key += std::to_string(columns);
  for (const auto& value : params.values()) {
    key += '\0';
    key += value.is_int ? 'i' : 't';
    key += value.name;
  }
  return key;
}

std::unique_ptr<internal::CachedStatement> Prepare(soci::session& db, std::string_view sql,
                                                   const SqlParams& params, size_t columns) {
  auto entry = std::make_unique<internal::CachedStatement>();
  const auto& values = params.values();
  entry->integers.resize(values.size());
  entry->texts.resize(values.size());
  entry->indicators.resize(values.size(), soci::i_ok);
  entry->cells.resize(columns);
  entry->cell_indicators.resize(columns, soci::i_ok);
  entry->statement = std::make_unique<soci::statement>(db);
  soci::statement& statement = *entry->statement;
  for (size_t i = 0; i < columns; ++i) {
    statement.exchange(soci::into(entry->cells[i], entry->cell_indicators[i]));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].is_int) {
      statement.exchange(soci::use(entry->integers[i], entry->indicators[i], values[i].name));
    } else {
      statement.exchange(soci::use(entry->texts[i], entry->indicators[i], values[i].name));
    }
  }
  statement.alloc();
  statement.prepare(std::string(sql), soci::details::st_repeatable_query);
  statement.define_and_bind();
  return entry;
}

Outcome RunCached(internal::Connection& connection, soci::session& db, const std::string& key,
                  std::string_view sql, const SqlParams& params, size_t columns) {
  auto found = connection.statements.find(key);
  if (found == connection.statements.end()) {
    if (connection.statements.size() >= kMaxCachedStatements) connection.statements.clear();
    found = connection.statements.emplace(key, Prepare(db, sql, params, columns)).first;
  }
  internal::CachedStatement& entry = *found->second;
  const auto& values = params.values();
  for (size_t i = 0; i < values.size(); ++i) {
    entry.indicators[i] = values[i].is_null ? soci::i_null : soci::i_ok;
    if (values[i].is_int) {
      entry.integers[i] = values[i].integer;
    } else {
      entry.texts[i] = values[i].text;
    }
  }
  try {
    Outcome outcome;
    FetchRows(*entry.statement, entry.statement->execute(true), entry.cells, entry.cell_indicators,
              outcome.rows);
    if (columns == 0) outcome.affected = entry.statement->get_affected_rows();
    return outcome;
  } catch (...) {
    // The statement's state after a failure is not worth reasoning about: prepare it afresh.
    connection.statements.erase(found);
    throw;
  }
}

// Which statements are prepared once per connection. SQLite: all (it re-prepares by itself after
// a schema change). PostgreSQL: data statements only (a server-side prepared statement per
// connection, planned once); DDL and session commands run one-time, so migrations never leave
// plans behind, and no cached statement selects `*` (a changed column list would break it).
bool Cacheable(Dialect dialect, std::string_view sql) {
  if (dialect == Dialect::kSqlite) return true;
  size_t start = 0;
  while (start < sql.size() && std::isspace(static_cast<unsigned char>(sql[start]))) ++start;
  auto starts_with = [&](std::string_view word) {
    if (sql.size() - start < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(sql[start + i])) != word[i]) return false;
    }
    return true;
  };
  if (sql.find('*') != std::string_view::npos && sql.find("COUNT(*)") == std::string_view::npos) {
    return false;
  }
  return starts_with("SELECT") || starts_with("INSERT") || starts_with("UPDATE") ||
         starts_with("DELETE") || starts_with("WITH");
}

Result<Outcome> Execute(Session& session, std::string_view sql, const SqlParams& params,
                        size_t columns) {
  internal::Connection* connection = internal::SessionAccess::connection(session);
  if (connection == nullptr || !Cacheable(session.dialect(), sql)) {
    REFLECTOR_RETURN_IF_ERROR(CheckPlaceholders(sql, params));
    return internal::Run<Outcome>(
        session, [&](soci::session& db) { return RunOnce(db, sql, params, columns); });
  }
  const std::string key = StatementKey(sql, params, columns);
  // A cached key has had its placeholders checked when it was first prepared.
  if (connection->statements.count(key) == 0) {
    REFLECTOR_RETURN_IF_ERROR(CheckPlaceholders(sql, params));
  }
  return internal::Run<Outcome>(session, [&](soci::session& db) {
    return RunCached(*connection, db, key, sql, params, columns);
  });
}

}  // namespace

Result<int64_t> Exec(Session& session, std::string_view sql, const SqlParams& params) {
  auto outcome = Execute(session, sql, params, 0);
  if (!outcome) return Err(outcome.error());
  return outcome->affected;
}

Result<std::vector<SqlRow>> Query(Session& session, std::string_view sql, const SqlParams& params,
                                  size_t columns) {
  if (columns == 0) return Err(Code::kInternal, "database error", "query with zero columns");
  auto outcome = Execute(session, sql, params, columns);
  if (!outcome) return Err(outcome.error());
  return std::move(outcome->rows);
}

Result<std::optional<SqlRow>> QueryOptional(Session& session, std::string_view sql,
                                            const SqlParams& params, size_t columns) {
  auto rows = Query(session, sql, params, columns);
  if (!rows) return Err(rows.error());
  if (rows->empty()) return std::optional<SqlRow>();
  if (rows->size() > 1) {
    return Err(Code::kInternal, "database error",
               "expected at most one row, got " + std::to_string(rows->size()));
  }
  return std::optional<SqlRow>(std::move(rows->front()));
}

TimePoint TruncateToMicros(TimePoint t) { return std::chrono::floor<std::chrono::microseconds>(t); }

}  // namespace reflector::store
