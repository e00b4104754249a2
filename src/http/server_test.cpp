#include "http/server.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/log.hpp"

namespace reflector::http {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

// ---- A tiny blocking HTTP/1.1 client on raw sockets, with deadlines (never bare sleeps) ----

struct RawResponse {
  int status = 0;
  std::vector<Header> headers;
  std::string body;

  std::optional<std::string> Get(std::string_view name) const {
    for (const auto& h : headers) {
      if (HeaderNameEquals(h.name, name)) return h.value;
    }
    return std::nullopt;
  }
  nlohmann::json Json() const { return nlohmann::json::parse(body); }
};

class Conn {
 public:
  // Connects to 127.0.0.1:port; fd() < 0 and error() set on failure.
  explicit Conn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      error_ = errno;
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  int fd() const { return fd_; }
  int error() const { return error_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response framed by Content-Length (the server always sends one). For a response
  // to HEAD pass `head` so that no body is expected. nullopt on EOF, error or deadline.
  std::optional<RawResponse> Read(bool head = false, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    RawResponse r;
    const std::string head_text = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    size_t line_end = head_text.find("\r\n");
    const std::string status_line = head_text.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head_text.find("\r\n", start);
      const std::string line = head_text.substr(start, line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.push_back(Header{line.substr(0, colon), value});
    }
    const auto length = r.Get("Content-Length");
    const size_t body_size = (head || !length) ? 0 : std::stoul(*length);
    while (buffer_.size() < body_size) {
      if (!Fill(deadline)) return std::nullopt;
    }
    r.body = buffer_.substr(0, body_size);
    buffer_.erase(0, body_size);
    return r;
  }

  // True when the peer closes the connection (EOF or reset) before the deadline, reading and
  // discarding anything else that arrives.
  bool WaitForClose(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      const int n = Recv(deadline);
      if (n == 0) return true;  // EOF or reset
      if (n < 0) return false;  // deadline
    }
  }

  // Tells the server we are done sending (as a client does once it has its response).
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // Bytes received but not consumed by Read().
  const std::string& pending() const { return buffer_; }

 private:
  // >0 bytes appended to buffer_, 0 on EOF/reset, -1 on deadline.
  int Recv(Clock::time_point deadline) {
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return -1;
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) return -1;
      char chunk[16384];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return 0;
      buffer_.append(chunk, static_cast<size_t>(n));
      return static_cast<int>(n);
    }
  }
  bool Fill(Clock::time_point deadline) { return Recv(deadline) > 0; }

  int fd_ = -1;
  int error_ = 0;
  std::string buffer_;
};

std::string Get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) +
         "\r\n";
}

std::string Post(std::string_view target, std::string_view body) {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

// Records log lines together with the request id bound to the logging thread.
class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  struct Line {
    spdlog::level::level_enum level;
    std::string text;
    std::string request_id;
  };
  std::vector<Line> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.push_back(
        Line{msg.level, std::string(msg.payload.data(), msg.payload.size()), CurrentRequestId()});
  }
  void flush_() override {}

 private:
  std::vector<Line> lines_;
};

// A gate that a handler blocks on until the test opens it.
struct Gate {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
};

// Sets a promise when destroyed; lets a test observe when the server drops its handlers.
struct DestroyNotifier {
  std::promise<void> destroyed;
  ~DestroyNotifier() { destroyed.set_value(); }
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_shared<CaptureSink>();
    previous_logger_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>("http_test", sink_);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);

    router_.Add(Method::kGet, "/json", [](Request&) {
      return Response::Json(200, nlohmann::json{{"ok", true}});
    });
    router_.Add(Method::kGet, "/rooms/{room_id}", [](Request& r) {
      return Response::Json(200, nlohmann::json{{"room_id", r.PathParam("room_id")},
                                                {"path", r.path},
                                                {"query", r.query},
                                                {"page", r.QueryParam("page").value_or("")},
                                                {"route", r.route},
                                                {"remote", r.remote_address}});
    });
    router_.Add(Method::kDelete, "/rooms/{room_id}", [](Request&) {
      return Response{204, {}, {}};
    });
    router_.Add(Method::kPost, "/echo", [](Request& r) {
      return Response::Json(200, nlohmann::json{{"size", r.body.size()}});
    });
    router_.Add(Method::kPost, "/files/{name}", [this](Request& r) {
      nlohmann::json out = {{"size", r.body.size()}, {"file", r.body_file}};
      if (!r.body_file.empty()) {
        std::ifstream in(r.body_file, std::ios::binary);
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        out["file_size"] = content.size();
        out["file_ok"] = content == std::string(content.size(), 'x');
        if (r.PathParam("name") == "keep") {  // a handler that moves the file away keeps it
          std::filesystem::rename(r.body_file, kept_path_);
        }
      }
      return Response::Json(200, out);
    });
    router_.Add(Method::kGet, "/whoami", [](Request& r) {
      return Response::Json(
          200, nlohmann::json{{"request_id", r.request_id}, {"bound", CurrentRequestId()}});
    });
    router_.Add(Method::kGet, "/throw",
                [](Request&) -> Response { throw std::runtime_error("boom from handler"); });
    router_.Add(Method::kGet, "/text", [](Request&) {
      Response r;
      r.body = "no type";
      return r;
    });
    router_.Add(Method::kGet, "/bye", [](Request&) {
      Response r = Response::Json(200, nlohmann::json::object());
      r.SetHeader("Connection", "close");
      return r;
    });
    router_.Add(Method::kGet, "/stop", [this](Request&) {
      server_->Stop();
      return Response::Json(200, nlohmann::json{{"stopping", true}});
    });
    // Deferred answers (Request::Defer): completed later from another thread, dropped
    // unanswered, or deferred by a handler that then throws.
    router_.Add(Method::kGet, "/later", [](Request& r) {
      auto respond = r.Defer();
      std::thread([respond, id = r.request_id] {
        std::this_thread::sleep_for(40ms);  // slow work: the answer comes well after the handler
        respond(Response::Json(200, nlohmann::json{{"later", true}, {"request_id", id}}));
        respond(Response::Json(500, nlohmann::json{{"second", true}}));  // ignored
      }).detach();
      return Response::Json(200, nlohmann::json{{"not", "this"}});
    });
    router_.Add(Method::kGet, "/dropped", [](Request& r) {
      (void)r.Defer();
      return Response::Json(200, nlohmann::json{{"not", "this"}});
    });
    router_.Add(Method::kGet, "/defer-then-throw", [](Request& r) -> Response {
      auto respond = r.Defer();
      std::thread([respond] {
        // Fires while the next request on the connection (a /later) is still waiting.
        std::this_thread::sleep_for(10ms);
        respond(Response::Json(200, nlohmann::json{{"stale", true}}));
      }).detach();
      throw std::runtime_error("boom after deferring");
    });
    router_.Add(Method::kGet, "/block", [gate = gate_](Request&) {
      gate->entered.set_value();
      gate->released.wait();
      return Response::Json(200, nlohmann::json{{"unblocked", true}});
    });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (run_thread_.joinable()) run_thread_.join();
    server_.reset();
    spdlog::set_default_logger(previous_logger_);
  }

  ServerOptions Options() {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 3;
    o.handle_signals = false;
    return o;
  }

  void Start(const ServerOptions& options) {
    server_ = std::make_unique<Server>(options, router_, metrics_);
    const Status listening = server_->Listen();
    ASSERT_TRUE(listening) << listening.error().ToString();
    ASSERT_NE(server_->port(), 0);
    port_ = server_->port();
    run_thread_ = std::thread([this] {
      server_->Run();
      run_returned_.set_value();
    });
  }
  void Start() { Start(Options()); }

  // Runs one request on a fresh connection.
  RawResponse Roundtrip(const std::string& request, bool head = false) {
    Conn c(port_);
    EXPECT_GE(c.fd(), 0);
    EXPECT_TRUE(c.Send(request));
    auto r = c.Read(head);
    EXPECT_TRUE(r.has_value()) << request;
    return r.value_or(RawResponse{});
  }

  bool WaitForRunToReturn(std::chrono::seconds timeout = 5s) {
    return run_returned_future_.wait_for(timeout) == std::future_status::ready;
  }

  std::shared_ptr<CaptureSink> sink_;
  std::shared_ptr<spdlog::logger> previous_logger_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  Router router_;
  std::string kept_path_;  // where /files/keep moves its spooled body
  Metrics metrics_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::thread run_thread_;
  std::promise<void> run_returned_;
  std::future<void> run_returned_future_ = run_returned_.get_future();
};

TEST_F(ServerTest, JsonGet) {
  Start();
  const RawResponse r = Roundtrip(Get("/json"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_EQ(r.Get("Content-Type"), "application/json");
  EXPECT_EQ(r.Get("Content-Length"), "11");
  EXPECT_EQ(r.Get("Server"), "reflector");
  EXPECT_THAT(r.Get("X-Request-Id").value_or(""),
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_EQ(r.Get("Access-Control-Allow-Origin"), std::nullopt);  // CORS off by default
}

TEST_F(ServerTest, PathParamsAndQuery) {
  Start();
  const RawResponse r = Roundtrip(Get("/rooms/a%20b%2Fc?page=2&x=%41"));
  ASSERT_EQ(r.status, 200);
  const auto j = r.Json();
  EXPECT_EQ(j["room_id"], "a b/c");
  EXPECT_EQ(j["path"], "/rooms/a b/c");
  EXPECT_EQ(j["query"], "page=2&x=%41");
  EXPECT_EQ(j["page"], "2");
  EXPECT_EQ(j["route"], "/rooms/{room_id}");
  EXPECT_EQ(j["remote"], "127.0.0.1");

  // Absolute-form request target.
  const RawResponse abs = Roundtrip(Get("http://test:80/rooms/abs?page=3"));
  ASSERT_EQ(abs.status, 200);
  EXPECT_EQ(abs.Json()["room_id"], "abs");
  EXPECT_EQ(abs.Json()["page"], "3");
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Start();
  Conn c(port_);
  ASSERT_GE(c.fd(), 0);
  ASSERT_TRUE(c.Send(Get("/json")));
  auto first = c.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->Get("Connection"), std::nullopt);
  ASSERT_TRUE(c.Send(Get("/rooms/r2")));
  auto second = c.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->Json()["room_id"], "r2");
  EXPECT_NE(first->Get("X-Request-Id"), second->Get("X-Request-Id"));

  // Pipelined: two requests in one write, answered in order.
  ASSERT_TRUE(c.Send(Get("/rooms/p1") + Get("/rooms/p2")));
  auto p1 = c.Read();
  auto p2 = c.Read();
  ASSERT_TRUE(p1 && p2);
  EXPECT_EQ(p1->Json()["room_id"], "p1");
  EXPECT_EQ(p2->Json()["room_id"], "p2");
}

TEST_F(ServerTest, DeferredAnswersComeFromTheResponderInOrderOnOneConnection) {
  Start();
  Conn c(port_);
  ASSERT_GE(c.fd(), 0);
  // Deferred, then a normal request, then one whose Responder is dropped (500), then one that
  // throws after deferring (500 now; its late Responder must not answer the next request).
  ASSERT_TRUE(c.Send(Get("/later")));
  auto later = c.Read();
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200);
  EXPECT_EQ(later->Json()["later"], true);
  EXPECT_EQ(later->Json()["request_id"], later->Get("X-Request-Id").value_or("?"));
  ASSERT_TRUE(c.Send(Get("/json")));
  auto plain = c.Read();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body, R"({"ok":true})");
  ASSERT_TRUE(c.Send(Get("/dropped")));
  auto dropped = c.Read();
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->status, 500);
  ASSERT_TRUE(c.Send(Get("/defer-then-throw")));
  auto thrown = c.Read();
  ASSERT_TRUE(thrown);
  EXPECT_EQ(thrown->status, 500);
  ASSERT_TRUE(c.Send(Get("/later")));
  auto after = c.Read();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->Json()["later"], true) << after->body;
  // Metrics count a deferred request once, under its route.
  EXPECT_NE(metrics_.Render().find("route=\"/later\",status=\"200\"} 2"), std::string::npos)
      << metrics_.Render();
}

TEST_F(ServerTest, ConnectionCloseAndHttp10CloseAfterResponse) {
  Start();
  {
    Conn c(port_);
    ASSERT_TRUE(c.Send(Get("/json", "Connection: close\r\n")));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Get("Connection"), "close");
    EXPECT_TRUE(c.WaitForClose());
  }
  {
    Conn c(port_);
    ASSERT_TRUE(c.Send("GET /json HTTP/1.0\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(c.WaitForClose());
  }
  {
    // A handler can ask for the connection to be closed.
    Conn c(port_);
    ASSERT_TRUE(c.Send(Get("/bye")));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Get("Connection"), "close");
    EXPECT_TRUE(c.WaitForClose());
  }
  {
    // HTTP/1.0 with keep-alive stays open.
    Conn c(port_);
    ASSERT_TRUE(c.Send("GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Get("Connection"), "keep-alive");
    ASSERT_TRUE(c.Send("GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    EXPECT_TRUE(c.Read());
  }
}

TEST_F(ServerTest, RequestIdEchoedOrGeneratedAndBoundWhileHandling) {
  Start();
  RawResponse r = Roundtrip(Get("/whoami", "X-Request-Id: abc.DEF_12-3\r\n"));
  EXPECT_EQ(r.Get("X-Request-Id"), "abc.DEF_12-3");
  EXPECT_EQ(r.Json()["request_id"], "abc.DEF_12-3");
  EXPECT_EQ(r.Json()["bound"], "abc.DEF_12-3");

  for (const std::string& bad :
       {std::string("has space"), std::string("semi;colon"), std::string(65, 'a'), std::string()}) {
    SCOPED_TRACE(bad);
    r = Roundtrip(Get("/whoami", "X-Request-Id: " + bad + "\r\n"));
    const std::string id = r.Get("X-Request-Id").value_or("");
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.size(), 36u);
    EXPECT_EQ(r.Json()["bound"], id);
  }
  EXPECT_EQ(Roundtrip(Get("/whoami", "X-Request-Id: " + std::string(64, 'b') + "\r\n"))
                .Get("X-Request-Id"),
            std::string(64, 'b'));
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowed) {
  Start();
  RawResponse r = Roundtrip(Get("/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"detail":"Not Found"})");
  EXPECT_EQ(r.Get("Content-Type"), "application/json");

  r = Roundtrip(Post("/rooms/x", "{}"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.body, R"({"detail":"Method Not Allowed"})");
  EXPECT_EQ(r.Get("Allow"), "GET, HEAD, DELETE");
}

TEST_F(ServerTest, HeadHasNoBodyAndNoContentStatusesHaveNoLength) {
  Start();
  Conn c(port_);
  ASSERT_TRUE(c.Send("HEAD /json HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = c.Read(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Get("Content-Length"), "11");
  EXPECT_EQ(head->Get("Content-Type"), "application/json");
  // The next response on the connection starts right away: no body bytes were sent.
  ASSERT_TRUE(c.Send("DELETE /rooms/x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto deleted = c.Read();
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 204);
  EXPECT_EQ(deleted->Get("Content-Length"), std::nullopt);
  EXPECT_EQ(deleted->Get("Content-Type"), std::nullopt);
  ASSERT_TRUE(c.Send(Get("/json")));
  auto after = c.Read();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, R"({"ok":true})");
}

TEST_F(ServerTest, DefaultContentTypeIsJson) {
  Start();
  const RawResponse r = Roundtrip(Get("/text"));
  EXPECT_EQ(r.body, "no type");
  EXPECT_EQ(r.Get("Content-Type"), "application/json");
}

TEST_F(ServerTest, BodyLimit) {
  ServerOptions o = Options();
  o.body_limit = 1 << 20;
  Start(o);

  // Exactly at the limit is fine.
  RawResponse ok = Roundtrip(Post("/echo", std::string(o.body_limit, 'x')));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Json()["size"], o.body_limit);

  // 2 MiB declared and sent: 413, then the connection closes.
  {
    Conn c(port_);
    ASSERT_TRUE(c.Send(Post("/echo", std::string(2 << 20, 'y'))));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->body, R"({"detail":"Request body too large"})");
    EXPECT_EQ(r->Get("Connection"), "close");
    c.ShutdownWrite();
    EXPECT_TRUE(c.WaitForClose());
  }
  // Chunked body that grows past the limit.
  {
    Conn c(port_);
    std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string chunk(size_t{256} * 1024, 'z');
    for (int i = 0; i < 5; ++i) request += "40000\r\n" + chunk + "\r\n";
    request += "0\r\n\r\n";
    ASSERT_TRUE(c.Send(request));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    c.ShutdownWrite();
    EXPECT_TRUE(c.WaitForClose());
  }
  // A small chunked body is fine.
  EXPECT_EQ(Roundtrip("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                .Json()["size"],
            5);
}

// Routes that take files have their own limit, decided from the header before the body is read;
// every other route keeps the default (Content-Length checked then too, chunked while reading).
TEST_F(ServerTest, LargeBodyRoutesHaveTheirOwnLimit) {
  ServerOptions o = Options();
  o.body_limit = 1 << 20;
  o.large_body_routes = {{"/files/{name}", size_t{4} << 20}};
  Start(o);
  RawResponse big = Roundtrip(Post("/files/a", std::string(3 << 20, 'x')));
  EXPECT_EQ(big.status, 200);
  EXPECT_EQ(big.Json()["size"], 3 << 20);
  RawResponse too_big = Roundtrip(Post("/files/a", std::string(5 << 20, 'x')));
  EXPECT_EQ(too_big.status, 413);
  RawResponse elsewhere = Roundtrip(Post("/echo", std::string(2 << 20, 'y')));
  EXPECT_EQ(elsewhere.status, 413);
  // Chunked past the default on an ordinary route.
  Conn c(port_);
  std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(size_t{256} * 1024, 'z');
  for (int i = 0; i < 6; ++i) request += "40000\r\n" + chunk + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(c.Send(request));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

// With spool_dir the large routes' bodies go to a file (never memory), removed after the
// handler unless it moved the file; an oversized body leaves nothing behind.
TEST_F(ServerTest, LargeBodiesAreSpooledToFiles) {
  const std::filesystem::path spool =
      std::filesystem::temp_directory_path() / ("reflector-spool-" + std::to_string(::getpid()));
  std::filesystem::remove_all(spool);
  kept_path_ = (spool.parent_path() / ("reflector-kept-" + std::to_string(::getpid()))).string();
  ServerOptions o = Options();
  o.body_limit = 1 << 20;
  o.large_body_routes = {{"/files/{name}", size_t{4} << 20}};
  o.spool_dir = spool.string();
  Start(o);
  auto files_in_spool = [&] {
    size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(spool, ec);
         !ec && it != std::filesystem::directory_iterator(); ++it) {
      ++n;
    }
    return n;
  };
  RawResponse big = Roundtrip(Post("/files/a", std::string(3 << 20, 'x')));
  ASSERT_EQ(big.status, 200);
  EXPECT_EQ(big.Json()["size"], 0);  // nothing in memory
  EXPECT_EQ(big.Json()["file_size"], 3 << 20);
  EXPECT_EQ(big.Json()["file_ok"], true);
  EXPECT_THAT(big.Json()["file"].get<std::string>(), ::testing::StartsWith(spool.string()));
  EXPECT_EQ(files_in_spool(), 0u);

  RawResponse kept = Roundtrip(Post("/files/keep", std::string(100, 'x')));
  ASSERT_EQ(kept.status, 200);
  EXPECT_EQ(std::filesystem::file_size(kept_path_), 100u);
  std::filesystem::remove(kept_path_);

  EXPECT_EQ(Roundtrip(Post("/files/a", std::string(5 << 20, 'x'))).status, 413);
  // Chunked past the route's limit: refused while spooling, the partial file removed.
  Conn c(port_);
  std::string request = "POST /files/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(size_t{256} * 1024, 'x');
  for (int i = 0; i < 20; ++i) request += "40000\r\n" + chunk + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(c.Send(request));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  c.ShutdownWrite();
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(files_in_spool(), 0u);
  // Ordinary routes keep their bodies in memory.
  RawResponse echo = Roundtrip(Post("/echo", "abc"));
  EXPECT_EQ(echo.Json()["size"], 3);
  std::filesystem::remove_all(spool);
}

TEST_F(ServerTest, ExpectContinue) {
  Start();
  Conn c(port_);
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
             "Expect: 100-continue\r\n\r\n"));
  auto interim = c.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send("abcd"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Json()["size"], 4);
}

TEST_F(ServerTest, MalformedRequestsGet400AndClose) {
  Start();
  for (const std::string& request :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /json HTTP/9.9\r\n\r\n"),
        std::string("GET /json HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("POST /echo HTTP/1.1\r\nContent-Length: nope\r\n\r\n")}) {
    SCOPED_TRACE(request);
    Conn c(port_);
    ASSERT_TRUE(c.Send(request));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->body, R"({"detail":"Bad Request"})");
    c.ShutdownWrite();
    EXPECT_TRUE(c.WaitForClose());
  }
}

TEST_F(ServerTest, OversizedHeaderRejected) {
  Start();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/json", "X-Big: " + std::string(size_t{70} * 1024, 'h') + "\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  c.ShutdownWrite();
  EXPECT_TRUE(c.WaitForClose());
}

TEST_F(ServerTest, HandlerExceptionBecomes500AndIsLoggedWithRequestId) {
  Start();
  const RawResponse r = Roundtrip(Get("/throw", "X-Request-Id: req-500\r\n"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"detail":"Internal Server Error"})");
  EXPECT_THAT(r.body, Not(HasSubstr("boom")));
  bool logged = false;
  for (const auto& line : sink_->lines()) {
    if (line.level == spdlog::level::err &&
        line.text.find("boom from handler") != std::string::npos) {
      logged = true;
      EXPECT_EQ(line.request_id, "req-500");
    }
  }
  EXPECT_TRUE(logged);
}

TEST_F(ServerTest, AccessLogOmitsQueryString) {
  Start();
  Roundtrip(Get("/rooms/r9?token=secret"));
  bool logged = false;
  for (const auto& line : sink_->lines()) {
    if (line.level == spdlog::level::debug && line.text.find("/rooms/r9") != std::string::npos) {
      logged = true;
      EXPECT_THAT(line.text, HasSubstr("GET /rooms/r9 200"));
      EXPECT_THAT(line.text, Not(HasSubstr("secret")));
    }
  }
  EXPECT_TRUE(logged);
}

TEST_F(ServerTest, MetricsUseRoutePatternLabels) {
  Start();
  Roundtrip(Get("/rooms/one"));
  Roundtrip(Get("/rooms/two"));
  Roundtrip(Get("/nope/123"));
  Roundtrip(Post("/rooms/one", ""));
  const std::string text = metrics_.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE http_requests_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE http_request_duration_seconds histogram"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(http_requests_total{method="GET",route="/rooms/{room_id}",status="200"} 2)"));
  EXPECT_THAT(text,
              HasSubstr(R"(http_requests_total{method="GET",route="unmatched",status="404"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(http_requests_total{method="POST",route="/rooms/{room_id}",status="405"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(http_request_duration_seconds_count{method="GET",route="/rooms/{room_id}"} 2)"));
  EXPECT_THAT(text, Not(HasSubstr("/rooms/one")));
  EXPECT_THAT(text, Not(HasSubstr("/nope/123")));
}

TEST_F(ServerTest, Cors) {
  ServerOptions o = Options();
  o.cors_origin = "https://app.example, https://other.example";
  o.cors_allow_credentials = true;
  Start(o);

  RawResponse pre = Roundtrip(
      "OPTIONS /rooms/x HTTP/1.1\r\nHost: t\r\nOrigin: https://app.example\r\n"
      "Access-Control-Request-Method: DELETE\r\n"
      "Access-Control-Request-Headers: authorization, content-type\r\n\r\n");
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.Get("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(pre.Get("Access-Control-Allow-Credentials"), "true");
  EXPECT_THAT(pre.Get("Access-Control-Allow-Methods").value_or(""), HasSubstr("DELETE"));
  EXPECT_EQ(pre.Get("Access-Control-Allow-Headers"), "authorization, content-type");
  EXPECT_EQ(pre.Get("Access-Control-Max-Age"), "600");
  EXPECT_EQ(pre.Get("Vary"), "Origin");
  EXPECT_EQ(pre.Get("Content-Length"), std::nullopt);

  RawResponse get = Roundtrip(Get("/json", "Origin: https://other.example\r\n"));
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.Get("Access-Control-Allow-Origin"), "https://other.example");
  EXPECT_EQ(get.Get("Vary"), "Origin");

  RawResponse foreign = Roundtrip(Get("/json", "Origin: https://evil.example\r\n"));
  EXPECT_EQ(foreign.status, 200);
  EXPECT_EQ(foreign.Get("Access-Control-Allow-Origin"), std::nullopt);
  EXPECT_EQ(foreign.Get("Vary"), "Origin");

  // OPTIONS without Access-Control-Request-Method is not a preflight: normal routing.
  EXPECT_EQ(Roundtrip("OPTIONS /rooms/x HTTP/1.1\r\nHost: t\r\n\r\n").status, 405);
}

TEST_F(ServerTest, CorsWildcardWithoutCredentials) {
  ServerOptions o = Options();
  o.cors_origin = "*";
  Start(o);
  RawResponse r = Roundtrip(Get("/json", "Origin: https://any.example\r\n"));
  EXPECT_EQ(r.Get("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(r.Get("Access-Control-Allow-Credentials"), std::nullopt);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions o = Options();
  o.idle_timeout = 1s;
  Start(o);
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/json")));
  ASSERT_TRUE(c.Read());
  const auto start = Clock::now();
  EXPECT_TRUE(c.WaitForClose(5s));
  EXPECT_GE(Clock::now() - start, 900ms);
}

TEST_F(ServerTest, IncompleteRequestTimesOut) {
  ServerOptions o = Options();
  o.header_timeout = 1s;
  Start(o);
  Conn c(port_);
  ASSERT_TRUE(c.Send("GET /json HTTP/1.1\r\nHost: t\r\n"));  // never finished
  EXPECT_TRUE(c.WaitForClose(5s));
}

TEST_F(ServerTest, GracefulStopFinishesInFlightRequest) {
  Start();
  // An idle keep-alive connection.
  Conn idle(port_);
  ASSERT_TRUE(idle.Send(Get("/json")));
  ASSERT_TRUE(idle.Read());

  // A request in flight, blocked inside its handler.
  Conn busy(port_);
  ASSERT_TRUE(busy.Send(Get("/block")));
  ASSERT_EQ(gate_->entered.get_future().wait_for(5s), std::future_status::ready);

  server_->Stop();
  server_->Stop();  // idempotent

  // Idle connections are closed at once, and (by then) the listener is gone.
  EXPECT_TRUE(idle.WaitForClose(5s));
  Conn refused(port_);
  EXPECT_LT(refused.fd(), 0);
  EXPECT_EQ(refused.error(), ECONNREFUSED);
  EXPECT_FALSE(WaitForRunToReturn(0s));

  gate_->release.set_value();
  auto r = busy.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Json()["unblocked"], true);
  EXPECT_EQ(r->Get("Connection"), "close");
  EXPECT_TRUE(busy.WaitForClose());
  EXPECT_TRUE(WaitForRunToReturn());

  bool shutting_down = false;
  bool stopped = false;
  for (const auto& line : sink_->lines()) {
    shutting_down |=
        line.level == spdlog::level::info && line.text.find("shutting down") != std::string::npos;
    stopped |= line.level == spdlog::level::info && line.text.find("stopped") != std::string::npos;
  }
  EXPECT_TRUE(shutting_down);
  EXPECT_TRUE(stopped);
}

TEST_F(ServerTest, StopFromHandler) {
  Start();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/stop")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Get("Connection"), "close");
  EXPECT_TRUE(WaitForRunToReturn());
}

TEST_F(ServerTest, StopBeforeRunReturnsImmediately) {
  server_ = std::make_unique<Server>(Options(), router_, metrics_);
  ASSERT_TRUE(server_->Listen());
  server_->Stop();
  server_->Run();
}

// Threads of this process right now (Linux: entries of /proc/self/task).
size_t ThreadCount() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task"))
    ++n;
  return n;
}

TEST_F(ServerTest, ForcedShutdownAfterGraceReturnsWhileHandlerStuck) {
  const size_t threads_before = ThreadCount();
  auto notifier = std::make_shared<DestroyNotifier>();
  auto destroyed = notifier->destroyed.get_future();
  auto stuck = std::make_shared<Gate>();
  Router router;
  router.Add(Method::kGet, "/stuck", [stuck, notifier](Request&) {
    stuck->entered.set_value();
    stuck->released.wait();
    return Response::Json(200, nlohmann::json::object());
  });
  notifier.reset();
  router_ = router;
  router = Router();

  ServerOptions o = Options();
  o.shutdown_grace = 1s;
  Start(o);
  router_ = Router();  // the server holds the only remaining copy of the handler

  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/stuck")));
  ASSERT_EQ(stuck->entered.get_future().wait_for(5s), std::future_status::ready);
  const auto start = Clock::now();
  server_->Stop();
  ASSERT_TRUE(WaitForRunToReturn(5s));
  EXPECT_GE(Clock::now() - start, 900ms);
  run_thread_.join();
  server_.reset();

  // Unblocking the abandoned handler lets its thread finish and release the server's state.
  stuck->release.set_value();
  EXPECT_EQ(destroyed.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(c.WaitForClose());
  // ...and the abandoned thread itself exits (its thread-local state, e.g. OpenSSL's, is freed
  // then; LeakSanitizer would report it if the process ended first).
  const auto deadline = Clock::now() + 5s;
  while (ThreadCount() > threads_before && Clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_LE(ThreadCount(), threads_before);
}

TEST_F(ServerTest, ForcedShutdownClosesRequestStillBeingRead) {
  ServerOptions o = Options();
  o.shutdown_grace = 1s;
  Start(o);
  Conn slow(port_);
  // The interim 100 response proves that the server is reading this request's body.
  ASSERT_TRUE(
      slow.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n"
                "Expect: 100-continue\r\n\r\n"));
  auto interim = slow.Read();
  ASSERT_TRUE(interim);
  ASSERT_EQ(interim->status, 100);
  ASSERT_TRUE(slow.Send("abc"));  // ...and never the rest
  const auto start = Clock::now();
  server_->Stop();
  EXPECT_TRUE(slow.WaitForClose(5s));
  EXPECT_GE(Clock::now() - start, 900ms);
  EXPECT_TRUE(WaitForRunToReturn());
}

TEST_F(ServerTest, SigtermStopsServer) {
  ServerOptions o = Options();
  o.handle_signals = true;
  Start(o);
  ASSERT_EQ(Roundtrip(Get("/json")).status, 200);
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  EXPECT_TRUE(WaitForRunToReturn());
}

TEST_F(ServerTest, ListenFailsWhenPortIsTaken) {
  Start();
  ServerOptions o = Options();
  o.port = port_;
  Server second(o, router_, metrics_);
  const Status s = second.Listen();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Code::kUnavailable);
  EXPECT_THAT(s.error().message,
              HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(port_) + ": "));

  o.host = "256.1.1.1.invalid";
  o.port = 0;
  Server bad_host(o, router_, metrics_);
  EXPECT_EQ(bad_host.Listen().error().code, Code::kUnavailable);
}

// Response::body_file: a file range streamed in pieces, same framing as a string body.
TEST_F(ServerTest, FileBodiesAreStreamedFromTheFile) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("reflector-filebody-" + std::to_string(::getpid()));
  std::string content(size_t{5} << 20, '\0');  // 5 MiB, not a multiple of the 64 KiB piece
  content.resize(content.size() + 12345);
  uint32_t x = 12345;
  for (char& ch : content) {
    x = x * 1103515245u + 12345u;
    ch = static_cast<char>(x >> 24);
  }
  {
    std::ofstream out(file, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  router_.Add(Method::kGet, "/file", [file, size = content.size()](Request& r) {
    const uint64_t offset = std::stoull(r.QueryParam("offset").value_or("0"));
    const uint64_t length = std::stoull(r.QueryParam("length").value_or(std::to_string(size)));
    auto path = r.QueryParam("missing") ? file.string() + ".missing" : file.string();
    auto response = Response::File(206, path, offset, length, "audio/mpeg");
    response.SetHeader("Accept-Ranges", "bytes");
    return response;
  });
  Start();
  Conn c(port_);
  ASSERT_GE(c.fd(), 0);
  // Whole file, then a middle range on the same keep-alive connection.
  ASSERT_TRUE(c.Send(Get("/file")));
  auto whole = c.Read(/*head=*/false, 20s);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 206);
  EXPECT_EQ(whole->Get("Content-Length"), std::to_string(content.size()));
  EXPECT_EQ(whole->Get("Content-Type"), "audio/mpeg");
  EXPECT_EQ(whole->Get("Accept-Ranges"), "bytes");
  EXPECT_TRUE(whole->Get("X-Request-Id"));
  EXPECT_EQ(whole->Get("Connection"), std::nullopt);
  EXPECT_TRUE(whole->body == content);
  ASSERT_TRUE(c.Send(Get("/file?offset=1000001&length=2000003")));
  auto middle = c.Read(/*head=*/false, 20s);
  ASSERT_TRUE(middle);
  EXPECT_EQ(middle->Get("Content-Length"), "2000003");
  EXPECT_TRUE(middle->body == content.substr(1000001, 2000003));
  // HEAD: the length, no body — the next response follows at once.
  ASSERT_TRUE(c.Send("HEAD /file?offset=10&length=777 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = c.Read(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 206);
  EXPECT_EQ(head->Get("Content-Length"), "777");
  // Zero length and the last byte.
  ASSERT_TRUE(c.Send(Get("/file?offset=0&length=0")));
  auto empty = c.Read();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->Get("Content-Length"), "0");
  EXPECT_EQ(empty->body, "");
  ASSERT_TRUE(c.Send(Get("/file?offset=" + std::to_string(content.size() - 1) + "&length=1")));
  auto last = c.Read();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, content.substr(content.size() - 1));
  // Missing file, or a range past its end: 500 with a detail, and the connection still works.
  ASSERT_TRUE(c.Send(Get("/file?missing=1")));
  auto missing = c.Read();
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 500);
  EXPECT_EQ(missing->Json()["detail"], "Internal Server Error");
  ASSERT_TRUE(c.Send(Get("/file?offset=" + std::to_string(content.size()) + "&length=1")));
  auto past = c.Read();
  ASSERT_TRUE(past);
  EXPECT_EQ(past->status, 500);
  ASSERT_TRUE(c.Send(Get("/json")));
  auto after = c.Read();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, R"({"ok":true})");
  std::filesystem::remove(file);
}

// body_file_remove: a handler's temporary file is sent whole and is gone once opened, also for
// HEAD and when it is shorter than the range (500). head_content_length: HEAD's Content-Length
// without a body.
TEST_F(ServerTest, TemporaryFileBodiesAreRemovedAndHeadLengthsKept) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("reflector-tempbody-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string content(300000, 'x');
  int next = 0;
  router_.Add(Method::kGet, "/temp", [&](Request& r) {
    const auto path = dir / std::to_string(next++);
    std::ofstream(path, std::ios::binary) << content;
    const uint64_t length = r.QueryParam("short") ? content.size() + 1 : content.size();
    auto response = Response::File(200, path.string(), 0, length, "audio/mpeg");
    response.body_file_remove = true;
    return response;
  });
  router_.Add(Method::kGet, "/sized", [](Request& r) {
    if (r.method != Method::kHead) return Response::Text(200, "twelve bytes");
    auto response = Response::Text(200, "", "audio/mpeg");
    response.head_content_length = 12;
    return response;
  });
  Start();
  Conn c(port_);
  ASSERT_GE(c.fd(), 0);
  auto files_left = [&] {
    return std::distance(std::filesystem::directory_iterator(dir),
                         std::filesystem::directory_iterator());
  };
  ASSERT_TRUE(c.Send(Get("/temp")));
  auto whole = c.Read();
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_TRUE(whole->body == content);
  EXPECT_EQ(files_left(), 0);
  ASSERT_TRUE(c.Send("HEAD /temp HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = c.Read(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->Get("Content-Length"), std::to_string(content.size()));
  EXPECT_EQ(files_left(), 0);
  ASSERT_TRUE(c.Send(Get("/temp?short=1")));
  auto refused = c.Read();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 500);
  EXPECT_EQ(files_left(), 0);

  ASSERT_TRUE(c.Send("HEAD /sized HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto sized = c.Read(/*head=*/true);
  ASSERT_TRUE(sized);
  EXPECT_EQ(sized->Get("Content-Length"), "12");
  ASSERT_TRUE(c.Send(Get("/sized")));
  auto got = c.Read();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->body, "twelve bytes");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace reflector::http
