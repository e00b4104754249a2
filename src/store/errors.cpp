// SOCI exceptions → Errors. See the error table in store/database.hpp.
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <exception>
#include <string>
#include <string_view>

#include "store/internal/connection.hpp"

namespace reflector::store::internal {
namespace {

// SQLite primary result codes (sqlite3.h); SOCI reports the primary code of sqlite3_step.
constexpr int kSqliteBusy = 5;
constexpr int kSqliteLocked = 6;
constexpr int kSqliteInterrupt = 9;
constexpr int kSqliteIoErr = 10;
constexpr int kSqliteFull = 13;
constexpr int kSqliteCantOpen = 14;
constexpr int kSqliteConstraint = 19;

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// SOCI prefixes driver messages with its own context; keep the driver's words.
std::string CleanMessage(std::string message) {
  // SQLite: "sqlite3_statement_backend::loadOne: UNIQUE constraint failed: room.name"
  if (message.rfind("sqlite3_", 0) == 0) {
    if (const size_t colon = message.find(": "); colon != std::string::npos) {
      message.erase(0, colon + 2);
    }
  }
  // PostgreSQL: "Cannot execute query. Fatal error. ERROR:  duplicate key value ..."
  constexpr std::string_view kPgPrefix = "Cannot execute query. Fatal error. ";
  if (message.rfind(kPgPrefix, 0) == 0) message.erase(0, kPgPrefix.size());
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

Error Make(Code code, std::string message, std::string detail) {
  return Error{code, std::move(message), std::move(detail), 0};
}

Error Unavailable(std::string detail) {
  return Make(Code::kUnavailable, "database unavailable", std::move(detail));
}

Error FromPostgres(const soci::postgresql_soci_error& e, Connection& connection) {
  const std::string state = e.sqlstate();
  std::string detail = CleanMessage(e.get_error_message());
  if (state == "23505") return Make(Code::kAlreadyExists, "already exists", std::move(detail));
  if (state == "23503") {
    return Make(Code::kFailedPrecondition, "references a row that does not exist or is in use",
                std::move(detail));
  }
  // restrict_violation: raised by our triggers (e.g. participant_session.left_at immutability).
  if (state == "23001") {
    return Make(Code::kFailedPrecondition, "change not allowed", std::move(detail));
  }
  // serialization_failure, deadlock_detected, lock_not_available: retryable.
  if (state == "40001" || state == "40P01" || state == "55P03") {
    return Make(Code::kUnavailable, "database busy, retry", std::move(detail));
  }
  // query_canceled: statement_timeout, or a cancel request (pg_cancel_backend, e.g. an operator
  // stopping a long migration). Retryable too, but not "busy".
  if (state == "57014") {
    const bool timeout = Contains(detail, "statement timeout");
    return Make(Code::kUnavailable, timeout ? "statement timed out" : "statement cancelled",
                std::move(detail));
  }
  // connection_exception (08...), admin/crash shutdown, cannot_connect_now (57P0x),
  // insufficient_resources (53...): the server is going away or overloaded.
  if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 || state.rfind("53", 0) == 0 ||
      e.get_error_category() == soci::soci_error::connection_error) {
    connection.broken = true;
    return Unavailable(std::move(detail));
  }
  return Make(Code::kInternal, "database error", std::move(detail));
}

Error FromSqlite(const soci::sqlite3_soci_error& e) {
  const int code = e.result() & 0xff;
  std::string detail = CleanMessage(e.get_error_message());
  if (code == kSqliteBusy || code == kSqliteLocked) {
    return Make(Code::kUnavailable, "database busy, retry", std::move(detail));
  }
  if (code == kSqliteIoErr || code == kSqliteFull || code == kSqliteCantOpen) {
    return Unavailable(std::move(detail));
  }
  if (code == kSqliteInterrupt) {  // Session::SetSqliteDeadline
    return Make(Code::kDeadlineExceeded, "statement interrupted at its deadline",
                std::move(detail));
  }
  if (code == kSqliteConstraint) {
    // SOCI reports only the primary code (not SQLITE_CONSTRAINT_UNIQUE etc.), so the kind of
    // constraint comes from SQLite's fixed message texts.
    if (Contains(detail, "UNIQUE constraint failed") ||
        Contains(detail, "PRIMARY KEY constraint failed")) {
      return Make(Code::kAlreadyExists, "already exists", std::move(detail));
    }
    if (Contains(detail, "FOREIGN KEY constraint failed")) {
      return Make(Code::kFailedPrecondition, "references a row that does not exist or is in use",
                  std::move(detail));
    }
    if (Contains(detail, "NOT NULL constraint failed") ||
        Contains(detail, "CHECK constraint failed")) {
      return Make(Code::kInternal, "database error", std::move(detail));
    }
    // RAISE(ABORT, ...) in a trigger.
    return Make(Code::kFailedPrecondition, "change not allowed", std::move(detail));
  }
  return Make(Code::kInternal, "database error", std::move(detail));
}

}  // namespace

Error TranslateCurrentException(Connection& connection, Dialect dialect) {
  try {
    throw;
  } catch (const soci::postgresql_soci_error& e) {
    return FromPostgres(e, connection);
  } catch (const soci::sqlite3_soci_error& e) {
    return FromSqlite(e);
  } catch (const soci::soci_error& e) {
    std::string detail = CleanMessage(e.get_error_message());
    if (e.get_error_category() == soci::soci_error::connection_error) {
      connection.broken = dialect == Dialect::kPostgres;
      return Unavailable(std::move(detail));
    }
    // Errors raised by SOCI itself (e.g. a type conversion) or by libpq before the server
    // answered. For the latter the connection may be gone: find out.
    if (dialect == Dialect::kPostgres && connection.sql != nullptr &&
        !connection.sql->is_connected()) {
      connection.broken = true;
      return Unavailable(std::move(detail));
    }
    return Make(Code::kInternal, "database error", std::move(detail));
  } catch (const std::exception& e) {
    return Make(Code::kInternal, "database error", e.what());
  } catch (...) {
    return Make(Code::kInternal, "database error", "unknown exception");
  }
}

}  // namespace reflector::store::internal
