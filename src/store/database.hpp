// Database access: a pool of connections to SQLite or PostgreSQL, leased as Sessions.
//
// `Database` owns the connections; `Session` is an RAII lease of one of them (returned to the pool
// when it goes out of scope); `Transaction` is an RAII transaction on a session (rolled back unless
// committed). Repositories (store/rooms.hpp, ...) are stateless and take `Session&`, so the same
// call works inside and outside a transaction. SQL itself runs through store/sql.hpp.
//
// Errors (every fallible call here and in the repositories):
//   kUnavailable        database unreachable, connection lost, SQLite busy/locked beyond the busy
//                       timeout, PostgreSQL serialization failure/deadlock — retry may succeed.
//   kAlreadyExists      unique or primary-key violation.
//   kFailedPrecondition foreign-key violation or a rule enforced by a trigger.
//   kInternal           anything else; the driver's message is in Error::detail, never in message.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/status.hpp"

namespace reflector::store {

namespace internal {
class Checkpointer;
class Pool;
struct Connection;
struct SessionAccess;
}  // namespace internal

enum class Dialect { kSqlite, kPostgres };

// kWrite on SQLite takes the write lock up front (BEGIN IMMEDIATE) so that concurrent writers queue
// on the busy timeout instead of failing when a read transaction tries to upgrade. On PostgreSQL
// both are a plain BEGIN (READ COMMITTED).
enum class TxMode { kRead, kWrite };

class Transaction;

// A leased connection. Move-only; not thread-safe (one thread uses a session at a time). Must not
// outlive the Database it came from.
class Session {
 public:
  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();  // Rolls back a transaction still open, then returns the connection to the pool.

  // False when no connection could be leased (pool exhausted); every operation then returns
  // kUnavailable.
  bool valid() const { return connection_ != nullptr; }
  Dialect dialect() const;
  bool in_transaction() const;

  // SQLite: statements run on this session after `deadline` stop with kDeadlineExceeded (checked
  // every few thousand steps of SQLite's virtual machine); nullopt lifts it. PostgreSQL: no
  // effect (use SET LOCAL statement_timeout in a transaction).
  void SetSqliteDeadline(std::optional<std::chrono::steady_clock::time_point> deadline);

  // Starts a transaction on this session. kFailedPrecondition if one is already open;
  // kUnavailable if the database is unreachable or (SQLite) the write lock is not obtained within
  // the busy timeout. The Transaction follows the connection (moving the Session is fine); once
  // the Session is released, a leftover Transaction is inert.
  Result<Transaction> Begin(TxMode mode = TxMode::kWrite);

 private:
  friend class Database;
  friend struct internal::SessionAccess;
  Session(internal::Pool* pool, internal::Connection* connection);
  void Release();

  internal::Pool* pool_ = nullptr;
  internal::Connection* connection_ = nullptr;  // null: no connection leased
};

// An open transaction. Move-only. If any statement inside it fails, the transaction is doomed:
// later statements and Commit() return that first error and the transaction is rolled back (the
// same behaviour on both engines, as PostgreSQL aborts the transaction on any error anyway).
class Transaction {
 public:
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();  // Rolls back if neither committed nor rolled back.

  // Commits. On failure the transaction is rolled back and the error returned (kUnavailable
  // when the connection is lost or the database is busy; the first error of a doomed
  // transaction otherwise).
  Status Commit();
  // Rolls back explicitly. Errors only when the connection is lost (the database then discards
  // the transaction anyway).
  Status Rollback();

 private:
  friend class Session;
  Transaction(internal::Pool* pool, internal::Connection* connection);
  bool Active() const;

  internal::Pool* pool_ = nullptr;
  internal::Connection* connection_ = nullptr;  // null once finished
  uint64_t lease_ = 0;  // which lease of the connection this transaction belongs to
};

class Database {
 public:
  // Opens `pool_size` connections to the database named by `url`:
  //   sqlite:///relative/path.db  sqlite:////absolute/path.db  sqlite::memory: (pool size forced
  //   to 1, so a second concurrent Acquire waits), postgresql://user:pass@host:port/db?sslmode=...
  //   (also postgres://; a "+driver" suffix such as postgresql+asyncpg:// is ignored, so the
  //   Python Reflector's URLs keep working).
  // SQLite: creates the parent directory; every connection uses WAL, busy_timeout 5 s,
  // foreign_keys=ON, synchronous=NORMAL. PostgreSQL: every connection uses TIME ZONE 'UTC' and
  // client_min_messages=error (libpq would print notices to stderr);
  // connect_timeout defaults to 5 s.
  // kInvalidArgument for a malformed URL or pool size < 1 (the message says what is wrong and never
  // contains the password); kUnavailable when the database cannot be opened or reached.
  // `acquire_timeout`: how long Acquire() waits for a free connection.
  static Result<std::unique_ptr<Database>> Open(
      const std::string& url, int pool_size,
      std::chrono::milliseconds acquire_timeout = std::chrono::seconds(10));

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Dialect dialect() const;
  // "sqlite ./data/reflector.db", "postgresql reflector@127.0.0.1:5432/reflector". No password.
  std::string Describe() const;

  // SELECT 1 on a pooled connection. kUnavailable when the database is unreachable. Thread-safe.
  Status Ping();

  // Leases a connection, waiting up to the acquire timeout for one to be free (an invalid Session
  // after that). A PostgreSQL connection that was lost (a statement failed with a connection
  // error, or it sat idle for over a second and fails a liveness check here) is reconnected
  // transparently before the lease's first statement. Thread-safe.
  Session Acquire();

 private:
  Database(std::unique_ptr<internal::Pool> pool, std::chrono::milliseconds acquire_timeout);
  std::unique_ptr<internal::Pool> pool_;
  const std::chrono::milliseconds acquire_timeout_;
  // SQLite files: WAL checkpoints on a background connection, not inside writers' commits.
  std::unique_ptr<internal::Checkpointer> checkpointer_;
};

}  // namespace reflector::store
