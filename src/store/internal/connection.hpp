// The pooled connection behind a Session, and the one place that turns SOCI exceptions into
// Errors. Internal to store/: only .cpp files of store/ include this (it pulls in SOCI).
#pragma once

#include <soci/soci.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.hpp"
#include "store/database.hpp"
#include "store/internal/database_url.hpp"

namespace reflector::store::internal {

// A statement prepared once on a connection and re-executed with new values (SQLite only; see
// sql.cpp). SOCI binds by reference, so the values, indicators and result cells live here.
struct CachedStatement {
  std::unique_ptr<soci::statement> statement;
  std::vector<long long> integers;  // one slot per parameter (used when it is an integer)
  std::vector<std::string> texts;   // one slot per parameter (used when it is text)
  std::vector<soci::indicator> indicators;
  std::vector<std::string> cells;  // result columns, as text
  std::vector<soci::indicator> cell_indicators;
};

struct Connection {
  std::unique_ptr<soci::session> sql;  // null after a failed reconnect
  // Prepared statements of `sql`, by SQL text and parameter signature. Declared after `sql` so
  // they are destroyed first; cleared whenever `sql` is replaced.
  std::unordered_map<std::string, std::unique_ptr<CachedStatement>> statements;
  // Lost (or suspected lost): reconnect before the next statement. PostgreSQL only.
  bool broken = false;
  bool in_transaction = false;
  // The first error inside the open transaction; the transaction is doomed once set.
  std::optional<Error> transaction_error;
  std::chrono::steady_clock::time_point last_used{};
  uint64_t lease = 0;  // incremented by every Pool::Take
  // SQLite: statements are interrupted past this (Session::SetSqliteDeadline); max(): none.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// Owns the connections of one Database. Thread-safe.
class Pool {
 public:
  Pool(DatabaseUrl url, size_t size) : url_(std::move(url)), size_(size) {}

  // Opens every connection. kUnavailable when one cannot be opened.
  Status Open();

  const DatabaseUrl& url() const { return url_; }
  Dialect dialect() const { return url_.dialect; }

  // A free connection, waiting up to `timeout`; null after that.
  Connection* Take(std::chrono::milliseconds timeout);
  void Give(Connection* connection);

  // Before a lease: checks a PostgreSQL connection that sat idle (one round trip) and marks it
  // broken if the server went away, so that it is reconnected before its first statement.
  void Refresh(Connection& connection);

  // Makes `connection` usable: reconnects it if broken (never inside a transaction: that is
  // lost with the connection). kUnavailable when that fails.
  Status EnsureConnected(Connection& connection);

 private:
  Status Connect(Connection& connection);

  const DatabaseUrl url_;
  const size_t size_;
  std::vector<std::unique_ptr<Connection>> connections_;  // fixed after Open()
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Connection*> idle_;  // guarded by mutex_
};

struct SessionAccess {
  static Connection* connection(Session& session) { return session.connection_; }
  static Pool* pool(Session& session) { return session.pool_; }
};

// Ends the open transaction on `connection` (ROLLBACK, errors ignored) and clears its state.
void RollbackQuietly(Pool& pool, Connection& connection);

// Translates the exception being handled (call only inside a catch block) into an Error, marking
// the connection broken when the failure means it was lost.
Error TranslateCurrentException(Connection& connection, Dialect dialect);

// Runs `fn(soci::session&)` on the session's connection: reconnects first if needed, refuses to run
// in a doomed transaction, and turns exceptions into Errors (dooming the open transaction).
template <typename T, typename Fn>
Result<T> Run(Session& session, Fn&& fn) {
  Connection* connection = SessionAccess::connection(session);
  if (connection == nullptr) {
    return Err(Code::kUnavailable, "database unavailable",
               "no database connection free in the pool");
  }
  if (connection->transaction_error) return Err(*connection->transaction_error);
  Pool* pool = SessionAccess::pool(session);
  if (auto connected = pool->EnsureConnected(*connection); !connected) {
    if (connection->in_transaction) connection->transaction_error = connected.error();
    return Err(connected.error());
  }
  try {
    T value = fn(*connection->sql);
    connection->last_used = std::chrono::steady_clock::now();
    return value;
  } catch (...) {
    Error error = TranslateCurrentException(*connection, pool->dialect());
    if (connection->in_transaction) connection->transaction_error = error;
    return Err(std::move(error));
  }
}

}  // namespace reflector::store::internal
