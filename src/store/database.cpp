#include "store/database.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>  // also declares SQLite's API, in namespace sqlite_api
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "store/internal/connection.hpp"
#include "store/internal/database_url.hpp"
#include "store/sqlite_rank.hpp"

namespace reflector::store {
namespace {

// The sqlite3* under a SOCI SQLite session.
sqlite_api::sqlite3* SqliteHandle(soci::session& sql) {
  return static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
}

}  // namespace

namespace internal {
namespace {

// A PostgreSQL connection idle for longer than this is checked (one round trip) before a lease,
// so that a server restart costs no failed request.
constexpr std::chrono::milliseconds kIdleCheckAfter{1'000};

// Collapses a multi-line driver message ("connection to server ... failed: Connection refused\n\t
// Is the server running ...") into one line.
std::string OneLine(std::string text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

Status Pool::Connect(Connection& connection) {
  connection.statements.clear();
  connection.sql.reset();
  connection.broken = true;
  try {
    if (url_.dialect == Dialect::kSqlite) {
      // Quoted so that spaces and '=' in the path survive SOCI's "key=value" parsing.
      auto sql = std::make_unique<soci::session>(*soci::factory_sqlite3(),
                                                 "db=\"" + url_.sqlite_path + "\" timeout=5");
      *sql << "PRAGMA busy_timeout = 5000";
      std::string journal_mode;
      *sql << "PRAGMA journal_mode = WAL", soci::into(journal_mode);
      *sql << "PRAGMA foreign_keys = ON";
      *sql << "PRAGMA synchronous = NORMAL";
      // 16 MiB of page cache per connection (SQLite's default is 2 MiB): a search for a word in
      // every transcript reads a 6 MB doclist, re-read from the OS on every query otherwise
      // (29 → 24 ms on 10 000 transcripts). At most 128 MiB with the default 8 connections.
      *sql << "PRAGMA cache_size = -16384";
      if (url_.sqlite_path != ":memory:") {
        // Checkpoints run on the Database's background connection (Checkpointer), so that a
        // writer's commit never includes copying the WAL back (and its fdatasync).
        *sql << "PRAGMA wal_autocheckpoint = 0";
      }
      if (!RegisterSqliteRank(SqliteHandle(*sql))) {
        throw std::runtime_error("SQLite has no FTS5 (needed by transcript search)");
      }
      connection.sql = std::move(sql);
    } else {
      auto sql = std::make_unique<soci::session>(*soci::factory_postgresql(), url_.pg_conninfo);
      *sql << "SET TIME ZONE 'UTC'";
      // libpq prints NOTICEs and WARNINGs ("table ... does not exist, skipping") to stderr; errors
      // reach us as exceptions anyway.
      *sql << "SET client_min_messages = error";
      connection.sql = std::move(sql);
    }
  } catch (const std::exception& e) {
    connection.sql.reset();
    const std::string reason = OneLine(e.what());
    return Err(Code::kUnavailable, "cannot connect to " + url_.description + ": " + reason, reason);
  }
  connection.broken = false;
  connection.last_used = std::chrono::steady_clock::now();
  return Ok();
}

Status Pool::Open() {
  if (url_.dialect == Dialect::kSqlite && url_.sqlite_path != ":memory:") {
    const std::filesystem::path parent = std::filesystem::path(url_.sqlite_path).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return Err(Code::kUnavailable,
                   "cannot create directory " + parent.string() + ": " + ec.message());
      }
    }
  }
  connections_.reserve(size_);
  for (size_t i = 0; i < size_; ++i) {
    auto connection = std::make_unique<Connection>();
    REFLECTOR_RETURN_IF_ERROR(Connect(*connection));
    connections_.push_back(std::move(connection));
  }
  std::lock_guard lock(mutex_);
  for (auto& connection : connections_) idle_.push_back(connection.get());
  return Ok();
}

Connection* Pool::Take(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!available_.wait_for(lock, timeout, [this] { return !idle_.empty(); })) return nullptr;
  Connection* connection = idle_.back();
  idle_.pop_back();
  ++connection->lease;
  return connection;
}

void Pool::Give(Connection* connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(connection);
  }
  available_.notify_one();
}

void Pool::Refresh(Connection& connection) {
  if (url_.dialect != Dialect::kPostgres || connection.broken || connection.sql == nullptr) return;
  if (std::chrono::steady_clock::now() - connection.last_used > kIdleCheckAfter) {
    // is_connected() sends an empty query and looks at the connection status afterwards.
    if (!connection.sql->is_connected()) connection.broken = true;
    connection.last_used = std::chrono::steady_clock::now();
  }
}

Status Pool::EnsureConnected(Connection& connection) {
  if (!connection.broken && connection.sql != nullptr) return Ok();
  if (connection.in_transaction) {
    // Reconnecting now would silently run the rest of the transaction outside of it.
    return Err(Code::kUnavailable, "database unavailable", "connection lost during a transaction");
  }
  auto connected = Connect(connection);
  if (!connected) {
    return Err(Code::kUnavailable, "database unavailable", connected.error().message);
  }
  return Ok();
}

void RollbackQuietly(Pool& pool, Connection& connection) {
  if (!connection.broken && connection.sql != nullptr) {
    try {
      *connection.sql << "ROLLBACK";
    } catch (...) {
      // SQLite: the engine may already have rolled back (e.g. after SQLITE_FULL), which makes
      // ROLLBACK fail harmlessly. PostgreSQL: the connection is in an unknown state; start over.
      if (pool.dialect() == Dialect::kPostgres) connection.broken = true;
    }
  }
  connection.in_transaction = false;
  connection.transaction_error.reset();
}

}  // namespace internal

// ---- Session ----

Session::Session(internal::Pool* pool, internal::Connection* connection)
    : pool_(pool), connection_(connection) {}

Session::Session(Session&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::exchange(other.connection_, nullptr)) {}

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::exchange(other.connection_, nullptr);
  }
  return *this;
}

Session::~Session() { Release(); }

void Session::Release() {
  if (connection_ != nullptr) {
    if (connection_->in_transaction) internal::RollbackQuietly(*pool_, *connection_);
    pool_->Give(connection_);
  }
  connection_ = nullptr;
}

Dialect Session::dialect() const { return pool_ != nullptr ? pool_->dialect() : Dialect::kSqlite; }

bool Session::in_transaction() const {
  return connection_ != nullptr && connection_->in_transaction;
}

namespace {

int PastDeadline(void* connection) {
  return std::chrono::steady_clock::now() > static_cast<internal::Connection*>(connection)->deadline
             ? 1
             : 0;
}

}  // namespace

void Session::SetSqliteDeadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (connection_ == nullptr || connection_->sql == nullptr || dialect() != Dialect::kSqlite) {
    return;
  }
  connection_->deadline = deadline.value_or(std::chrono::steady_clock::time_point::max());
  // Every 1 000 steps: a clock read per ~10 µs of work.
  sqlite_api::sqlite3_progress_handler(SqliteHandle(*connection_->sql), deadline ? 1000 : 0,
                                       deadline ? PastDeadline : nullptr, connection_);
}

Result<Transaction> Session::Begin(TxMode mode) {
  if (connection_ != nullptr && connection_->in_transaction) {
    return Err(Code::kFailedPrecondition, "a transaction is already open on this session");
  }
  const char* begin =
      (dialect() == Dialect::kSqlite && mode == TxMode::kWrite) ? "BEGIN IMMEDIATE" : "BEGIN";
  auto started = internal::Run<int>(*this, [begin](soci::session& sql) {
    sql << begin;
    return 0;
  });
  if (!started) return Err(started.error());
  connection_->in_transaction = true;
  connection_->transaction_error.reset();
  return Transaction(pool_, connection_);
}

// ---- Transaction ----

Transaction::Transaction(Transaction&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::exchange(other.connection_, nullptr)),
      lease_(other.lease_) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    (void)Rollback();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::exchange(other.connection_, nullptr);
    lease_ = other.lease_;
  }
  return *this;
}

Transaction::Transaction(internal::Pool* pool, internal::Connection* connection)
    : pool_(pool), connection_(connection), lease_(connection->lease) {}

Transaction::~Transaction() { (void)Rollback(); }

bool Transaction::Active() const {
  // The lease check makes a Transaction that outlived its Session harmless.
  return connection_ != nullptr && connection_->lease == lease_ && connection_->in_transaction;
}

Status Transaction::Commit() {
  if (!Active()) {
    connection_ = nullptr;
    return Err(Code::kFailedPrecondition, "the transaction is no longer open");
  }
  internal::Connection* connection = std::exchange(connection_, nullptr);
  if (connection->transaction_error) {
    Error error = *connection->transaction_error;
    internal::RollbackQuietly(*pool_, *connection);
    return Err(std::move(error));
  }
  if (connection->broken) {
    internal::RollbackQuietly(*pool_, *connection);
    return Err(Code::kUnavailable, "database unavailable", "connection lost during a transaction");
  }
  try {
    *connection->sql << "COMMIT";
  } catch (...) {
    Error error = internal::TranslateCurrentException(*connection, pool_->dialect());
    internal::RollbackQuietly(*pool_, *connection);
    return Err(std::move(error));
  }
  connection->in_transaction = false;
  connection->transaction_error.reset();
  connection->last_used = std::chrono::steady_clock::now();
  return Ok();
}

Status Transaction::Rollback() {
  if (!Active()) {
    connection_ = nullptr;
    return Ok();
  }
  internal::Connection* connection = std::exchange(connection_, nullptr);
  const bool lost = connection->broken;
  internal::RollbackQuietly(*pool_, *connection);
  if (lost || connection->broken) {
    return Err(Code::kUnavailable, "database unavailable", "connection lost during a transaction");
  }
  return Ok();
}

// ---- Database ----

namespace internal {

// Copies the WAL back into the database file from its own connection: a PASSIVE checkpoint
// (never waits for readers or writers) every kInterval and a last one at shutdown. SQLite's own
// automatic checkpoint (every 1 000 pages, inside whichever commit crosses the mark, with an
// fdatasync) is off on the pool's connections.
class Checkpointer {
 public:
  static constexpr auto kInterval = std::chrono::milliseconds(200);

  explicit Checkpointer(std::string path) : path_(std::move(path)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Checkpointer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  void Loop() {
    std::unique_ptr<soci::session> sql;
    try {
      sql = std::make_unique<soci::session>(*soci::factory_sqlite3(),
                                            "db=\"" + path_ + "\" timeout=5");
      *sql << "PRAGMA busy_timeout = 5000";
    } catch (const std::exception& e) {
      spdlog::warn("sqlite checkpointer: no connection ({}); the WAL is not checkpointed",
                   e.what());
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      const bool stopping = wake_.wait_for(lock, kInterval, [&] { return stopping_; });
      lock.unlock();
      Checkpoint(*sql);
      lock.lock();
      if (stopping) return;
    }
  }

  // A PASSIVE checkpoint: copies what no reader still needs, waits for nobody; next to nothing
  // when the WAL holds no new frames.
  static void Checkpoint(soci::session& sql) {
    try {
      int busy = 0, log_frames = 0, checkpointed = 0;
      sql << "PRAGMA wal_checkpoint(PASSIVE)", soci::into(busy), soci::into(log_frames),
          soci::into(checkpointed);
    } catch (const std::exception& e) {
      spdlog::debug("sqlite checkpointer: {}", e.what());
    }
  }

  const std::string path_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace internal

Database::Database(std::unique_ptr<internal::Pool> pool, std::chrono::milliseconds acquire_timeout)
    : pool_(std::move(pool)), acquire_timeout_(acquire_timeout) {}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::Open(const std::string& url, int pool_size,
                                                 std::chrono::milliseconds acquire_timeout) {
  if (pool_size < 1) return Err(Code::kInvalidArgument, "database pool size must be at least 1");
  auto parsed = internal::ParseDatabaseUrl(url);
  if (!parsed) return Err(parsed.error());
  // Every connection to ":memory:" is a separate, empty database.
  const size_t size = parsed->sqlite_path == ":memory:" ? 1 : static_cast<size_t>(pool_size);
  if (parsed->dialect == Dialect::kSqlite) {
    // SQLite's allocation statistics take one process-wide mutex on every malloc, which threads
    // serving requests on separate connections then fight over. We never read the statistics.
    // Only possible before SQLite initialises (the first Open); later calls are refused,
    // harmlessly.
    static const int memstatus_off = sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)memstatus_off;
  }
  auto pool = std::make_unique<internal::Pool>(std::move(*parsed), size);
  REFLECTOR_RETURN_IF_ERROR(pool->Open());
  const internal::DatabaseUrl& opened = pool->url();
  std::unique_ptr<Database> db(new Database(std::move(pool), acquire_timeout));
  if (opened.dialect == Dialect::kSqlite && opened.sqlite_path != ":memory:") {
    db->checkpointer_ = std::make_unique<internal::Checkpointer>(opened.sqlite_path);
  }
  return db;
}

Dialect Database::dialect() const { return pool_->dialect(); }

std::string Database::Describe() const { return pool_->url().description; }

Status Database::Ping() {
  Session session = Acquire();
  auto one = internal::Run<int>(session, [](soci::session& sql) {
    int value = 0;
    sql << "SELECT 1", soci::into(value);
    return value;
  });
  if (!one) return Err(one.error());
  return Ok();
}

Session Database::Acquire() {
  internal::Connection* connection = pool_->Take(acquire_timeout_);
  if (connection != nullptr) pool_->Refresh(*connection);
  return Session(pool_.get(), connection);
}

}  // namespace reflector::store
