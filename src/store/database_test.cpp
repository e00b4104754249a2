// Database, Session, Transaction and the SQL helpers, on SQLite and PostgreSQL.
#include "store/database.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/time_format.hpp"
#include "fakes/test_databases.hpp"
#include "store/sql.hpp"

namespace reflector::store {
namespace {

using testing::DatabaseTest;
using ::testing::HasSubstr;
using ::testing::Not;

// A loopback TCP forwarder that can be switched off and on again on the same port, to make a
// PostgreSQL server "unreachable" and "back" without stopping it.
class TcpProxy {
 public:
  explicit TcpProxy(int target_port) : target_port_(target_port) {}
  ~TcpProxy() { Stop(); }

  // Listens on 127.0.0.1:port (0 = any free port). False on failure.
  bool Start(int port = 0) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd_ < 0) return false;
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listen_fd_, 16) != 0) {
      close(listen_fd_);
      listen_fd_ = -1;
      return false;
    }
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (pipe(wake_) != 0) return false;
    thread_ = std::thread([this] { Loop(); });
    return true;
  }

  // Closes the listener and every forwarded connection.
  void Stop() {
    if (!thread_.joinable()) return;
    const char byte = 'x';
    (void)!write(wake_[1], &byte, 1);
    thread_.join();
    for (auto [a, b] : pairs_) {
      close(a);
      close(b);
    }
    pairs_.clear();
    close(listen_fd_);
    close(wake_[0]);
    close(wake_[1]);
    listen_fd_ = -1;
  }

  int port() const { return port_; }

 private:
  void Loop() {
    while (true) {
      std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      for (auto [a, b] : pairs_) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents != 0) return;
      if (fds[1].revents & POLLIN) Accept();
      for (size_t i = 2; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        const size_t pair = (i - 2) / 2;
        if (pair >= pairs_.size()) break;
        const int from = fds[i].fd;
        const int to = (i % 2 == 0) ? pairs_[pair].second : pairs_[pair].first;
        char buffer[16384];
        const ssize_t n = read(from, buffer, sizeof buffer);
        if (n <= 0 || write(to, buffer, static_cast<size_t>(n)) != n) {
          close(pairs_[pair].first);
          close(pairs_[pair].second);
          pairs_.erase(pairs_.begin() + static_cast<ptrdiff_t>(pair));
          break;  // indices shifted; poll again
        }
      }
    }
  }

  void Accept() {
    const int client = accept(listen_fd_, nullptr, nullptr);
    if (client < 0) return;
    const int upstream = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(target_port_));
    if (connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(client);
      close(upstream);
      return;
    }
    pairs_.emplace_back(client, upstream);
  }

  const int target_port_;
  int port_ = 0;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::vector<std::pair<int, int>> pairs_;  // (client, upstream); only touched by the thread
                                            // while it runs
};

// A loopback port with nothing listening on it.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// "postgresql://u@127.0.0.1:5432/db" → 5432.
int PortOf(const std::string& url) {
  const size_t at = url.find('@');
  const size_t colon = url.find(':', at == std::string::npos ? 13 : at);
  return std::stoi(url.substr(colon + 1));
}

std::string ReplacePort(const std::string& url, int port) {
  const size_t at = url.find('@');
  const size_t colon = url.find(':', at == std::string::npos ? 13 : at);
  const size_t slash = url.find('/', colon);
  return url.substr(0, colon + 1) + std::to_string(port) + url.substr(slash);
}

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

Result<std::string> QueryText(Session& session, std::string_view sql,
                              const SqlParams& params = {}) {
  auto rows = Query(session, sql, params, 1);
  if (!rows) return Err(rows.error());
  if (rows->size() != 1 || !rows->front()[0]) {
    return Err(Code::kInternal, "expected one non-null value");
  }
  return *rows->front()[0];
}

// PostgreSQL: the process id of the server backend behind `session`'s connection.
Result<std::string> BackendPid(Session& session) {
  return QueryText(session, "SELECT CAST(pg_backend_pid() AS TEXT)");
}

int64_t CountRows(Session& session, std::string_view table) {
  auto rows = Query(session, "SELECT COUNT(*) FROM " + std::string(table), {}, 1);
  EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
  if (!rows) return -1;
  RowReader r(rows->front());
  return r.Int();
}

// ---- Open / URL / connection settings (no fixture database needed) ----

TEST(DatabaseOpenTest, BadUrlIsInvalidArgument) {
  for (const char* url : {"mysql://root:pw@localhost/x", "sqlite://x.db", "postgresql://h"}) {
    auto db = Database::Open(url, 2);
    ASSERT_FALSE(db.has_value()) << url;
    EXPECT_EQ(db.error().code, Code::kInvalidArgument) << url;
  }
  auto zero = Database::Open("sqlite::memory:", 0);
  ASSERT_FALSE(zero.has_value());
  EXPECT_EQ(zero.error().code, Code::kInvalidArgument);
}

TEST(DatabaseOpenTest, UnreachablePostgresIsUnavailableWithoutPassword) {
  const std::string url =
      "postgresql://reflector:hunter2@127.0.0.1:" + std::to_string(ClosedPort()) + "/reflector";
  auto db = Database::Open(url, 1);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, Code::kUnavailable);
  EXPECT_THAT(db.error().message, HasSubstr("cannot connect to postgresql reflector@127.0.0.1:"));
  EXPECT_THAT(db.error().message, HasSubstr("Connection refused"));
  EXPECT_THAT(db.error().message, Not(HasSubstr("hunter2")));
  EXPECT_THAT(db.error().detail, Not(HasSubstr("hunter2")));
}

TEST(DatabaseOpenTest, SqliteCreatesTheParentDirectoryAndDescribesItself) {
  const auto dir = std::filesystem::temp_directory_path() / ("reflector-open-" + NewUuid4());
  const std::string path = (dir / "a b" / "x=y.db").string();
  {
    auto db = Database::Open("sqlite:///" + path, 2);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    EXPECT_EQ((*db)->dialect(), Dialect::kSqlite);
    EXPECT_EQ((*db)->Describe(), "sqlite " + path);
    EXPECT_TRUE((*db)->Ping().has_value());
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  std::filesystem::remove_all(dir);
}

// Writers never checkpoint (wal_autocheckpoint=0 on the pool's connections); the Database's
// background connection copies the WAL into the database file. Without it, the file would stay
// at its initial size however much is committed.
TEST(DatabaseOpenTest, SqliteWalIsCheckpointedInTheBackground) {
  const auto dir = std::filesystem::temp_directory_path() / ("reflector-ckpt-" + NewUuid4());
  const std::string path = (dir / "wal.db").string();
  {
    auto db = Database::Open("sqlite:///" + path, 2);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    auto session = (*db)->Acquire();
    EXPECT_EQ(QueryText(session, "PRAGMA wal_autocheckpoint").value_or("?"), "0");
    ASSERT_TRUE(Exec(session, "CREATE TABLE blob (id INTEGER PRIMARY KEY, body TEXT)"));
    const auto size_before = std::filesystem::file_size(path);
    auto tx = session.Begin();
    ASSERT_TRUE(tx.has_value());
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(Exec(session, "INSERT INTO blob (body) VALUES (:b)",
                       SqlParams().Text("b", std::string(1000, 'x'))));
    }
    ASSERT_TRUE(tx->Commit().has_value());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::filesystem::file_size(path) < size_before + 400'000 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_GE(std::filesystem::file_size(path), size_before + 400'000)
        << "the WAL was not checkpointed into the database file";
  }
  std::filesystem::remove_all(dir);
}

TEST(DatabaseOpenTest, SqliteInMemoryWorksWithOneConnection) {
  auto db = Database::Open("sqlite::memory:", 8);
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  auto session = (*db)->Acquire();
  ASSERT_TRUE(Exec(session, "CREATE TABLE t (a TEXT)").has_value());
  ASSERT_TRUE(Exec(session, "INSERT INTO t (a) VALUES ('x')").has_value());
  EXPECT_EQ(CountRows(session, "t"), 1);
}

class DatabaseBackendTest : public DatabaseTest {
 protected:
  bool MigrateOnSetUp() const override { return false; }

  void CreateScratchTable(Session& session) {
    const std::string ddl =
        postgres()
            ? "CREATE TABLE scratch (id TEXT PRIMARY KEY, flag BOOLEAN NOT NULL, at TIMESTAMPTZ, "
              "n BIGINT, doc JSONB, parent TEXT REFERENCES scratch (id))"
            : "CREATE TABLE scratch (id TEXT PRIMARY KEY, flag INTEGER NOT NULL, at TEXT, "
              "n INTEGER, doc TEXT, parent TEXT REFERENCES scratch (id))";
    ASSERT_TRUE(Exec(session, ddl).has_value());
  }
};

TEST_P(DatabaseBackendTest, EveryPooledConnectionHasTheSessionSettings) {
  std::vector<Session> sessions;
  for (int i = 0; i < 3; ++i) sessions.push_back(db().Acquire());
  for (auto& session : sessions) {
    ASSERT_TRUE(session.valid());
    if (postgres()) {
      EXPECT_EQ(QueryText(session, "SHOW TIME ZONE").value_or("?"), "UTC");
    } else {
      EXPECT_EQ(QueryText(session, "PRAGMA journal_mode").value_or("?"), "wal");
      EXPECT_EQ(QueryText(session, "PRAGMA foreign_keys").value_or("?"), "1");
      EXPECT_EQ(QueryText(session, "PRAGMA busy_timeout").value_or("?"), "5000");
      EXPECT_EQ(QueryText(session, "PRAGMA synchronous").value_or("?"), "1");  // NORMAL
    }
  }
  EXPECT_EQ(db().dialect(), postgres() ? Dialect::kPostgres : Dialect::kSqlite);
  EXPECT_EQ(db().Describe().rfind(postgres() ? "postgresql " : "sqlite ", 0), 0u)
      << db().Describe();
  EXPECT_TRUE(db().Ping().has_value());
}

TEST_P(DatabaseBackendTest, ValuesRoundTripExactly) {
  auto session = db().Acquire();
  CreateScratchTable(session);
  const std::string name = "Zoë — 会議 🎉 'quoted'";
  const TimePoint at = At("2026-11-22T05:23:18.123456Z");
  auto inserted =
      Exec(session, "INSERT INTO scratch (id, flag, at, n, doc) VALUES (:id, :flag, :at, :n, :doc)",
           SqlParams()
               .Text("id", name)
               .Bool("flag", true)
               .Time("at", at)
               .Int("n", 9'007'199'254'740'993)
               .Json("doc", R"({"a":[1,2]})"));
  ASSERT_TRUE(inserted.has_value()) << inserted.error().ToString();
  EXPECT_EQ(*inserted, 1);
  ASSERT_TRUE(Exec(session, "INSERT INTO scratch (id, flag) VALUES ('nulls', FALSE)").has_value());

  auto rows = Query(session, "SELECT id, flag, at, n, doc FROM scratch ORDER BY flag DESC", {}, 5);
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 2u);
  RowReader r((*rows)[0]);
  EXPECT_EQ(r.Text(), name);
  EXPECT_TRUE(r.Bool());
  EXPECT_EQ(r.Time(), at);
  EXPECT_EQ(r.Int(), 9'007'199'254'740'993);
  // JSONB comes back re-serialised.
  EXPECT_EQ(r.Text(), postgres() ? R"({"a": [1, 2]})" : R"({"a":[1,2]})");
  EXPECT_TRUE(r.Finish().has_value());

  RowReader nulls((*rows)[1]);
  EXPECT_EQ(nulls.Text(), "nulls");
  EXPECT_FALSE(nulls.Bool());
  EXPECT_EQ(nulls.OptTime(), std::nullopt);
  EXPECT_EQ(nulls.OptInt(), std::nullopt);
  EXPECT_EQ(nulls.OptText(), std::nullopt);
  EXPECT_TRUE(nulls.Finish().has_value());

  // Booleans bound as parameters compare on both engines; timestamps compare as times.
  auto count =
      Query(session, "SELECT COUNT(*) FROM scratch WHERE flag = :flag AND at > :after",
            SqlParams().Bool("flag", true).Time("after", At("2026-11-22T05:23:18.123455Z")), 1);
  ASSERT_TRUE(count.has_value()) << count.error().ToString();
  EXPECT_EQ((*count)[0][0], "1");
}

TEST_P(DatabaseBackendTest, DriverErrorsBecomeCanonicalCodes) {
  auto session = db().Acquire();
  CreateScratchTable(session);
  ASSERT_TRUE(Exec(session, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)").has_value());

  auto duplicate = Exec(session, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)");
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, Code::kAlreadyExists);

  auto orphan = Exec(session, "INSERT INTO scratch (id, flag, parent) VALUES ('b', TRUE, 'nope')");
  ASSERT_FALSE(orphan.has_value());
  EXPECT_EQ(orphan.error().code, Code::kFailedPrecondition);

  auto syntax = Exec(session, "INSERT INTO nowhere VALUES (1)");
  ASSERT_FALSE(syntax.has_value());
  EXPECT_EQ(syntax.error().code, Code::kInternal);
  EXPECT_EQ(syntax.error().message, "database error");
  EXPECT_THAT(syntax.error().detail, HasSubstr("nowhere"));

  auto unbound = Exec(session, "DELETE FROM scratch WHERE id = :id");
  ASSERT_FALSE(unbound.has_value());
  EXPECT_EQ(unbound.error().code, Code::kInternal);
  EXPECT_THAT(unbound.error().detail, HasSubstr("placeholder :id is not bound"));

  auto unused = Exec(session, "DELETE FROM scratch", SqlParams().Text("id", "a"));
  ASSERT_FALSE(unused.has_value());
  EXPECT_THAT(unused.error().detail, HasSubstr("parameter :id is not used"));

  // The session is still usable after errors (outside a transaction).
  EXPECT_EQ(CountRows(session, "scratch"), 1);
}

// The same SQL run again and again (a prepared statement reused on SQLite): new values every time,
// NULL and non-NULL alternating, a failure in between, rows of different lengths, and a schema
// change under the cached statement.
TEST_P(DatabaseBackendTest, RepeatedStatementsSeeTheirNewValues) {
  auto session = db().Acquire();
  CreateScratchTable(session);
  constexpr std::string_view kInsert = "INSERT INTO scratch (id, flag, n) VALUES (:id, TRUE, :n)";
  for (int i = 0; i < 5; ++i) {
    auto inserted = Exec(session, kInsert,
                         SqlParams()
                             .Text("id", "r" + std::to_string(i))
                             .OptInt("n", i % 2 == 0 ? std::optional<int64_t>(i) : std::nullopt));
    ASSERT_TRUE(inserted.has_value()) << inserted.error().ToString();
  }
  // A failing execution (duplicate key) does not break the next one of the same SQL.
  auto duplicate = Exec(session, kInsert, SqlParams().Text("id", "r0").OptInt("n", 9));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, Code::kAlreadyExists);
  ASSERT_TRUE(Exec(session, kInsert, SqlParams().Text("id", "r5").OptInt("n", 5)).has_value());

  constexpr std::string_view kSelect = "SELECT id, n FROM scratch WHERE id >= :from ORDER BY id";
  for (int from = 0; from <= 6; ++from) {
    auto rows = Query(session, kSelect, SqlParams().Text("from", "r" + std::to_string(from)), 2);
    ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
    ASSERT_EQ(rows->size(), static_cast<size_t>(6 - from)) << from;
    for (size_t k = 0; k < rows->size(); ++k) {
      const int i = from + static_cast<int>(k);
      EXPECT_EQ((*rows)[k][0], "r" + std::to_string(i));
      // r1 and r3 were inserted with NULL: the indicator is refreshed on every execution.
      EXPECT_EQ((*rows)[k][1].has_value(), i != 1 && i != 3) << i;
    }
  }
  // Stopping after the first row of a multi-row query leaves nothing half-read for the next run.
  auto first = QueryOptional(session, "SELECT id, n FROM scratch WHERE id = :id",
                             SqlParams().Text("id", "r4"), 2);
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_EQ((**first)[1], "4");

  // A schema change under a statement that was prepared before it.
  ASSERT_TRUE(Exec(session, "ALTER TABLE scratch ADD COLUMN extra TEXT").has_value());
  ASSERT_TRUE(Exec(session, "UPDATE scratch SET extra = id").has_value());
  auto after = Query(session, kSelect, SqlParams().Text("from", "r5"), 2);
  ASSERT_TRUE(after.has_value()) << after.error().ToString();
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0][1], "5");
}

TEST_P(DatabaseBackendTest, TransactionRollsBackOnDestruction) {
  auto session = db().Acquire();
  CreateScratchTable(session);
  {
    auto tx = session.Begin();
    ASSERT_TRUE(tx.has_value()) << tx.error().ToString();
    EXPECT_TRUE(session.in_transaction());
    ASSERT_TRUE(Exec(session, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)").has_value());
    EXPECT_EQ(CountRows(session, "scratch"), 1);
  }
  EXPECT_FALSE(session.in_transaction());
  EXPECT_EQ(CountRows(session, "scratch"), 0);
}

TEST_P(DatabaseBackendTest, CommittedTransactionIsVisibleToOtherSessions) {
  auto writer = db().Acquire();
  CreateScratchTable(writer);
  auto reader = db().Acquire();
  auto tx = writer.Begin(TxMode::kWrite);
  ASSERT_TRUE(tx.has_value()) << tx.error().ToString();
  ASSERT_TRUE(Exec(writer, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)").has_value());
  EXPECT_EQ(CountRows(reader, "scratch"), 0);  // not yet committed
  ASSERT_TRUE(tx->Commit().has_value());
  EXPECT_EQ(CountRows(reader, "scratch"), 1);
  EXPECT_FALSE(writer.in_transaction());
  // Finished transactions refuse a second commit; rollback is a no-op.
  EXPECT_EQ(tx->Commit().error().code, Code::kFailedPrecondition);
  EXPECT_TRUE(tx->Rollback().has_value());
  EXPECT_EQ(CountRows(reader, "scratch"), 1);
}

TEST_P(DatabaseBackendTest, ExplicitRollbackDiscards) {
  auto session = db().Acquire();
  CreateScratchTable(session);
  auto tx = session.Begin();
  ASSERT_TRUE(tx.has_value());
  ASSERT_TRUE(Exec(session, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)").has_value());
  ASSERT_TRUE(tx->Rollback().has_value());
  EXPECT_EQ(CountRows(session, "scratch"), 0);
}

TEST_P(DatabaseBackendTest, AnErrorDoomsTheTransactionOnBothEngines) {
  auto session = db().Acquire();
  CreateScratchTable(session);
  auto tx = session.Begin();
  ASSERT_TRUE(tx.has_value());
  ASSERT_TRUE(Exec(session, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)").has_value());
  auto duplicate = Exec(session, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)");
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, Code::kAlreadyExists);
  // Later statements and the commit report the first error; nothing is committed.
  auto later = Exec(session, "INSERT INTO scratch (id, flag) VALUES ('b', TRUE)");
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().code, Code::kAlreadyExists);
  auto committed = tx->Commit();
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, Code::kAlreadyExists);
  EXPECT_FALSE(session.in_transaction());
  EXPECT_EQ(CountRows(session, "scratch"), 0);
}

TEST_P(DatabaseBackendTest, NestedBeginIsRefused) {
  auto session = db().Acquire();
  auto tx = session.Begin();
  ASSERT_TRUE(tx.has_value());
  auto nested = session.Begin();
  ASSERT_FALSE(nested.has_value());
  EXPECT_EQ(nested.error().code, Code::kFailedPrecondition);
  EXPECT_TRUE(tx->Commit().has_value());
}

TEST_P(DatabaseBackendTest, SessionReleaseRollsBackAnOpenTransaction) {
  {
    auto session = db().Acquire();
    CreateScratchTable(session);
  }
  std::optional<Transaction> leaked;
  {
    auto session = db().Acquire();
    auto tx = session.Begin();
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(Exec(session, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)").has_value());
    leaked.emplace(std::move(*tx));
  }  // session returned to the pool with the transaction open
  auto other = db().Acquire();
  EXPECT_EQ(CountRows(other, "scratch"), 0);
  // The stale Transaction does not touch the connection's next lease.
  EXPECT_EQ(leaked->Commit().error().code, Code::kFailedPrecondition);
  leaked.reset();
}

TEST_P(DatabaseBackendTest, MovedSessionKeepsItsConnection) {
  auto first = db().Acquire();
  CreateScratchTable(first);
  auto tx = first.Begin();
  ASSERT_TRUE(tx.has_value());
  ASSERT_TRUE(Exec(first, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)").has_value());
  Session moved = std::move(first);
  EXPECT_FALSE(first.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_TRUE(moved.in_transaction());
  ASSERT_TRUE(tx->Commit().has_value());
  EXPECT_EQ(CountRows(moved, "scratch"), 1);
}

// PostgreSQL write transactions do not lock up front.
class SqliteOnlyTest : public DatabaseBackendTest {};

TEST_P(SqliteOnlyTest, WriteTransactionsSerialiseUpFront) {
  auto setup = db().Acquire();
  CreateScratchTable(setup);
  auto first = db().Acquire();
  auto tx = first.Begin(TxMode::kWrite);
  ASSERT_TRUE(tx.has_value());
  std::atomic<bool> second_began{false};
  std::thread second([&] {
    auto session = db().Acquire();
    auto tx2 = session.Begin(TxMode::kWrite);  // waits for the first (busy_timeout)
    ASSERT_TRUE(tx2.has_value()) << tx2.error().ToString();
    second_began = true;
    ASSERT_TRUE(Exec(session, "INSERT INTO scratch (id, flag) VALUES ('b', TRUE)").has_value());
    ASSERT_TRUE(tx2->Commit().has_value());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(second_began.load());
  ASSERT_TRUE(Exec(first, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)").has_value());
  ASSERT_TRUE(tx->Commit().has_value());
  second.join();
  EXPECT_TRUE(second_began.load());
  EXPECT_EQ(CountRows(setup, "scratch"), 2);
}

TEST_P(DatabaseBackendTest, ExhaustedPoolGivesAnInvalidSessionAfterTheTimeout) {
  auto small = Database::Open(url(), 1, std::chrono::milliseconds(200));
  ASSERT_TRUE(small.has_value()) << small.error().ToString();
  auto held = (*small)->Acquire();
  ASSERT_TRUE(held.valid());
  const auto start = std::chrono::steady_clock::now();
  auto starved = (*small)->Acquire();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_FALSE(starved.valid());
  auto result = Exec(starved, "SELECT 1");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, Code::kUnavailable);
  EXPECT_EQ(starved.Begin().error().code, Code::kUnavailable);
}

// Connection loss and recovery: SQLite has no connection to lose.
class PostgresOnlyTest : public DatabaseBackendTest {
 protected:
  // Ends the backend `pid` from another connection, as an administrator or a crash would.
  void TerminateBackend(const std::string& pid) {
    auto admin = db().Acquire();
    ASSERT_TRUE(Query(admin, "SELECT pg_terminate_backend(CAST(:pid AS INTEGER))",
                      SqlParams().Text("pid", pid), 1)
                    .has_value());
  }
};

TEST_P(PostgresOnlyTest, ConnectionKilledWhileIdleIsReplacedOnAcquire) {
  auto victim_db = OpenAnother(1);
  ASSERT_NE(victim_db, nullptr);
  std::string pid;
  {
    auto session = victim_db->Acquire();
    pid = BackendPid(session).value_or("");
  }
  ASSERT_NO_FATAL_FAILURE(TerminateBackend(pid));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past the idle check threshold
  auto session = victim_db->Acquire();
  auto after = BackendPid(session);
  ASSERT_TRUE(after.has_value()) << after.error().ToString();
  EXPECT_NE(*after, pid);
}

TEST_P(PostgresOnlyTest, ConnectionKilledWhileBusyFailsOnceThenReconnects) {
  auto victim_db = OpenAnother(1);
  ASSERT_NE(victim_db, nullptr);
  auto session = victim_db->Acquire();
  auto pid = BackendPid(session);
  ASSERT_TRUE(pid.has_value());
  ASSERT_NO_FATAL_FAILURE(TerminateBackend(*pid));
  auto lost = Exec(session, "SELECT 1");
  ASSERT_FALSE(lost.has_value());
  EXPECT_EQ(lost.error().code, Code::kUnavailable);
  // The same lease reconnects before its next statement.
  auto again = BackendPid(session);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_NE(*again, *pid);
}

TEST_P(PostgresOnlyTest, PingIsUnavailableWhileUnreachableAndRecovers) {
  TcpProxy proxy(PortOf(url()));
  ASSERT_TRUE(proxy.Start());
  const int port = proxy.port();
  auto through = Database::Open(ReplacePort(url(), port), 2);
  ASSERT_TRUE(through.has_value()) << through.error().ToString();
  EXPECT_TRUE((*through)->Ping().has_value());

  proxy.Stop();  // server unreachable: connections cut, port closed
  auto down = (*through)->Ping();
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().code, Code::kUnavailable);
  auto still_down = (*through)->Ping();  // reconnect attempt refused
  ASSERT_FALSE(still_down.has_value());
  EXPECT_EQ(still_down.error().code, Code::kUnavailable);

  ASSERT_TRUE(proxy.Start(port));  // back
  auto up = (*through)->Ping();
  EXPECT_TRUE(up.has_value()) << up.error().ToString();
  auto session = (*through)->Acquire();
  EXPECT_EQ(QueryText(session, "SHOW TIME ZONE").value_or("?"), "UTC");  // re-initialised
}

TEST_P(PostgresOnlyTest, TransactionLostMidwayIsNotSilentlyContinued) {
  auto victim_db = OpenAnother(1);
  ASSERT_NE(victim_db, nullptr);
  auto session = victim_db->Acquire();
  CreateScratchTable(session);
  auto tx = session.Begin();
  ASSERT_TRUE(tx.has_value());
  ASSERT_TRUE(Exec(session, "INSERT INTO scratch (id, flag) VALUES ('a', TRUE)").has_value());
  auto pid = BackendPid(session);
  ASSERT_TRUE(pid.has_value());
  ASSERT_NO_FATAL_FAILURE(TerminateBackend(*pid));
  auto lost = Exec(session, "INSERT INTO scratch (id, flag) VALUES ('b', TRUE)");
  ASSERT_FALSE(lost.has_value());
  EXPECT_EQ(lost.error().code, Code::kUnavailable);
  auto next = Exec(session, "INSERT INTO scratch (id, flag) VALUES ('c', TRUE)");
  ASSERT_FALSE(next.has_value());  // not run outside the (lost) transaction
  auto committed = tx->Commit();
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, Code::kUnavailable);
  EXPECT_EQ(CountRows(session, "scratch"), 0);  // reconnected, nothing was committed
}

// A statement cancelled by someone (pg_cancel_backend, e.g. an operator stopping a long
// migration) or by statement_timeout says which; both stay retryable (kUnavailable). They were
// reported as "database busy, retry".
TEST_P(PostgresOnlyTest, CancelledAndTimedOutStatementsSaySo) {
  auto victim_db = OpenAnother(1);
  ASSERT_NE(victim_db, nullptr);
  auto session = victim_db->Acquire();
  auto pid = BackendPid(session);
  ASSERT_TRUE(pid.has_value());
  std::atomic<bool> sent{false};
  std::thread canceller([&] {
    auto admin = db().Acquire();
    // Until the sleep runs (a cancel sent before it would hit nothing), for at most 10 s.
    for (int i = 0; i < 1000 && !sent; ++i) {
      auto running = QueryText(admin,
                               "SELECT CAST(COUNT(*) AS TEXT) FROM pg_stat_activity"
                               " WHERE pid = CAST(:pid AS INTEGER) AND state = 'active'"
                               " AND query LIKE '%pg_sleep%'",
                               SqlParams().Text("pid", *pid));
      if (running.value_or("0") == "1") {
        sent = QueryText(admin, "SELECT CAST(pg_cancel_backend(CAST(:pid AS INTEGER)) AS TEXT)",
                         SqlParams().Text("pid", *pid))
                   .value_or("") == "true";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  auto cancelled = QueryText(session, "SELECT CAST(pg_sleep(30) AS TEXT)");
  canceller.join();
  ASSERT_TRUE(sent);
  ASSERT_FALSE(cancelled.has_value());
  EXPECT_EQ(cancelled.error().code, Code::kUnavailable);
  EXPECT_EQ(cancelled.error().message, "statement cancelled");
  EXPECT_THAT(cancelled.error().detail, ::testing::HasSubstr("user request"));

  ASSERT_TRUE(Exec(session, "SET statement_timeout = 50").has_value());
  auto timed_out = QueryText(session, "SELECT CAST(pg_sleep(30) AS TEXT)");
  ASSERT_FALSE(timed_out.has_value());
  EXPECT_EQ(timed_out.error().code, Code::kUnavailable);
  EXPECT_EQ(timed_out.error().message, "statement timed out");
  EXPECT_THAT(timed_out.error().detail, ::testing::HasSubstr("statement timeout"));
  ASSERT_TRUE(Exec(session, "SET statement_timeout = 0").has_value());
  EXPECT_EQ(QueryText(session, "SELECT CAST(1 AS TEXT)").value_or("?"), "1");
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseBackendTest, testing::TestBackends(),
                         testing::BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, SqliteOnlyTest,
                         ::testing::Values(std::string(testing::kSqliteBackend)),
                         testing::BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, PostgresOnlyTest,
                         ::testing::Values(std::string(testing::kPostgresBackend)),
                         testing::BackendName);

}  // namespace
}  // namespace reflector::store
