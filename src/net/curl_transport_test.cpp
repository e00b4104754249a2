// CurlTransport against a real loopback HTTP server (cpp-httplib on 127.0.0.1, ephemeral port).
#include "net/curl_transport.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace reflector::net {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// What the server saw of the last request to /echo.
struct Seen {
  std::string method;
  std::string path;
  std::string query;
  std::multimap<std::string, std::string> headers;  // as parsed by httplib
  std::string body;
  int remote_port = 0;

  bool Has(const std::string& name) const { return headers.count(name) > 0; }
  std::string Get(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string("<absent>") : it->second;
  }
};

// A loopback server with a few fixed routes. Handlers never sleep blindly: /slow waits for
// Release(), which the destructor calls before stopping the server.
class LoopbackServer {
 public:
  LoopbackServer() {
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_timeout(1);

    auto echo = [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        seen_.method = req.method;
        seen_.path = req.path;
        seen_.query = req.get_param_value("q");
        seen_.headers.clear();
        for (const auto& [name, value] : req.headers) seen_.headers.emplace(name, value);
        seen_.body = req.body;
        seen_.remote_port = req.remote_port;
      }
      res.status = 200;
      res.set_content(req.body, "application/octet-stream");
    };
    server_.Get("/echo", echo);
    server_.Post("/echo", echo);
    server_.Put("/echo", echo);
    server_.Patch("/echo", echo);
    server_.Delete("/echo", echo);
    server_.Options("/echo", echo);

    server_.Get(R"(/status/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      res.status = std::stoi(req.matches[1]);
      res.set_header("X-Reply", "yes");
      res.set_header("X-Multi", "first");
      res.set_header("X-Multi", "second");
      res.set_content("status body " + std::string(req.matches[1]), "text/plain");
    });
    server_.Get("/redirect", [](const httplib::Request&, httplib::Response& res) {
      res.status = 302;
      res.set_header("Location", "/status/200");
      res.set_header("X-Hop", "1");
    });
    server_.Get(R"(/big/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(std::string(std::stoul(req.matches[1]), 'x'), "text/plain");
    });
    server_.Get(R"(/chunked/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      const std::size_t total = std::stoul(req.matches[1]);
      res.set_chunked_content_provider("text/plain", [total](std::size_t offset,
                                                             httplib::DataSink& sink) {
        if (offset >= total) {
          sink.done();
          return true;
        }
        const std::string chunk(std::min<std::size_t>(std::size_t{16} * 1024, total - offset), 'y');
        return sink.write(chunk.data(), chunk.size());
      });
    });
    auto slow = [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock lock(mu_);
      ++slow_arrivals_;
      released_cv_.wait(lock, [this] { return released_; });
      res.set_content("late", "text/plain");
    };
    server_.Get("/slow", slow);
    server_.Post("/slow", slow);

    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs; wait for it so the destructor cannot hang.
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
  }

  ~LoopbackServer() {
    Release();
    server_.stop();
    thread_.join();
  }

  void Release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    released_cv_.notify_all();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  Seen seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

  int slow_arrivals() const {
    std::lock_guard lock(mu_);
    return slow_arrivals_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable released_cv_;
  bool released_ = false;  // guarded by mu_
  int slow_arrivals_ = 0;  // guarded by mu_
  Seen seen_;              // guarded by mu_
};

OutboundRequest Request(std::string method, std::string url, std::string body = {}) {
  OutboundRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.body = std::move(body);
  request.timeout = milliseconds(5000);
  return request;
}

class CurlTransportTest : public ::testing::Test {
 protected:
  LoopbackServer server_;
  CurlTransport transport_;
};

TEST_F(CurlTransportTest, PostDeliversMethodPathHeadersAndUtf8JsonBodyExactly) {
  const std::string json = R"({"name":"Zoë — 会議 🎥","n":1})";
  OutboundRequest request = Request("POST", server_.Url("/echo?q=a%20b"), json);
  request.headers = {{"Content-Type", "application/json; charset=utf-8"},
                     {"Authorization", "Bearer k-123"}};

  Result<OutboundResponse> response = transport_.Send(request);

  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, json);
  const Seen seen = server_.seen();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/echo");
  EXPECT_EQ(seen.query, "a b");
  EXPECT_EQ(seen.body, json);
  EXPECT_EQ(seen.Get("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(seen.Get("Authorization"), "Bearer k-123");
  EXPECT_EQ(seen.Get("Content-Length"), std::to_string(json.size()));
  EXPECT_FALSE(seen.Has("Expect"));
}

TEST_F(CurlTransportTest, BinaryBodiesRoundTripByteForByte) {
  std::string bytes;
  for (int round = 0; round < 3; ++round) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  }
  OutboundRequest request = Request("PUT", server_.Url("/echo"), bytes);
  request.headers = {{"Content-Type", "application/octet-stream"}};

  Result<OutboundResponse> response = transport_.Send(request);

  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(server_.seen().method, "PUT");
  EXPECT_EQ(server_.seen().body, bytes);
  EXPECT_EQ(response->body, bytes);
}

TEST_F(CurlTransportTest, BodyWithoutContentTypeIsNotLabelledAsAForm) {
  Result<OutboundResponse> response = transport_.Send(Request("POST", server_.Url("/echo"), "x"));

  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_FALSE(server_.seen().Has("Content-Type"));
}

TEST_F(CurlTransportTest, LargeBodyIsSentWithoutExpectContinue) {
  const std::string big(std::size_t{2} * 1024 * 1024, 'b');
  Result<OutboundResponse> response = transport_.Send(Request("POST", server_.Url("/echo"), big));

  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(server_.seen().body.size(), big.size());
  EXPECT_FALSE(server_.seen().Has("Expect"));
}

TEST_F(CurlTransportTest, EachMethodArrivesAsItself) {
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    SCOPED_TRACE(method);
    Result<OutboundResponse> response = transport_.Send(Request(method, server_.Url("/echo")));
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(server_.seen().method, method);
    EXPECT_EQ(server_.seen().body, "");
  }
  // Bodiless PUT still says how long its (empty) body is.
  ASSERT_TRUE(transport_.Send(Request("PUT", server_.Url("/echo"))).has_value());
  EXPECT_EQ(server_.seen().Get("Content-Length"), "0");
}

TEST_F(CurlTransportTest, StatusHeadersAndBodyAreReturned) {
  Result<OutboundResponse> response = transport_.Send(Request("GET", server_.Url("/status/201")));

  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "status body 201");
  EXPECT_EQ(response->GetHeader("x-reply"), "yes");
  EXPECT_EQ(response->GetHeader("Content-Type"), "text/plain");
  std::vector<std::string> multi;
  for (const HeaderField& h : response->headers) {
    if (h.name == "X-Multi") multi.push_back(h.value);
  }
  EXPECT_EQ(multi, (std::vector<std::string>{"first", "second"}));
}

TEST_F(CurlTransportTest, ClientAndServerErrorsAreResponsesNotErrors) {
  for (int status : {400, 401, 404, 429, 500, 503}) {
    SCOPED_TRACE(status);
    Result<OutboundResponse> response =
        transport_.Send(Request("GET", server_.Url("/status/" + std::to_string(status))));
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    EXPECT_EQ(response->status, status);
    EXPECT_EQ(response->body, "status body " + std::to_string(status));
  }
}

TEST_F(CurlTransportTest, RedirectsAreNotFollowedByDefault) {
  Result<OutboundResponse> response = transport_.Send(Request("GET", server_.Url("/redirect")));

  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(response->GetHeader("Location"), "/status/200");
}

TEST_F(CurlTransportTest, FollowedRedirectReturnsOnlyTheLastResponsesHeaders) {
  CurlTransport::Options options;
  options.follow_redirects = true;
  CurlTransport following(options);

  Result<OutboundResponse> response = following.Send(Request("GET", server_.Url("/redirect")));

  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->GetHeader("X-Reply"), "yes");
  EXPECT_EQ(response->GetHeader("X-Hop"), std::nullopt);
  EXPECT_EQ(response->GetHeader("Location"), std::nullopt);
}

TEST_F(CurlTransportTest, SlowServerTimesOutWithDeadlineExceededAfterSending) {
  OutboundRequest request = Request("POST", server_.Url("/slow"), "{}");
  request.timeout = milliseconds(300);

  const auto start = Clock::now();
  Result<OutboundResponse> response = transport_.Send(request);
  const auto elapsed = Clock::now() - start;

  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, Code::kDeadlineExceeded) << response.error().ToString();
  EXPECT_TRUE(RequestMayHaveBeenSent(response.error()));
  EXPECT_EQ(server_.slow_arrivals(), 1);
  EXPECT_GE(elapsed, milliseconds(280));
  EXPECT_LT(elapsed, milliseconds(1500));
}

// ---- Without a server ----

// A TCP port on 127.0.0.1 that is bound but not listening: connecting is refused, and no other
// process can take the port while this is alive.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    socklen_t len = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port_ = ntohs(addr.sin_port);
  }
  ~RefusingPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(CurlTransportErrorsTest, ConnectionRefusedIsUnavailableAndNotSent) {
  RefusingPort refusing;
  ASSERT_NE(refusing.port(), 0);
  CurlTransport transport;
  OutboundRequest request = Request(
      "POST", "http://127.0.0.1:" + std::to_string(refusing.port()) + "/v1/rooms?token=abc", "{}");
  request.headers = {{"Authorization", "Bearer sekret-123"}};

  Result<OutboundResponse> response = transport.Send(request);

  ASSERT_FALSE(response.has_value());
  const Error& error = response.error();
  EXPECT_EQ(error.code, Code::kUnavailable) << error.ToString();
  EXPECT_FALSE(RequestMayHaveBeenSent(error));
  // Names what failed, but never credentials, the path or the query.
  EXPECT_NE(error.message.find("POST http://127.0.0.1:" + std::to_string(refusing.port())),
            std::string::npos)
      << error.message;
  for (const std::string& text : {error.message, error.detail}) {
    EXPECT_EQ(text.find("sekret"), std::string::npos) << text;
    EXPECT_EQ(text.find("token"), std::string::npos) << text;
    EXPECT_EQ(text.find("/v1/rooms"), std::string::npos) << text;
  }
}

TEST(CurlTransportErrorsTest, MalformedRequestsAreInvalidArgumentAndNotSent) {
  CurlTransport transport;
  std::vector<OutboundRequest> bad;
  for (const char* url : {"", "not a url", "http://[::1", "ftp://127.0.0.1/file",
                          "file:///etc/passwd", "127.0.0.1:80/no-scheme", "http://"}) {
    bad.push_back(Request("GET", url));
  }
  bad.push_back(Request("GE T", "http://127.0.0.1:1/"));
  bad.push_back(Request("", "http://127.0.0.1:1/"));
  OutboundRequest injected = Request("GET", "http://127.0.0.1:1/");
  injected.headers = {{"X-A", "1\r\nX-Injected: 1"}};
  bad.push_back(injected);
  OutboundRequest bad_name = Request("GET", "http://127.0.0.1:1/");
  bad_name.headers = {{"Bad Name", "1"}};
  bad.push_back(bad_name);
  OutboundRequest no_timeout = Request("GET", "http://127.0.0.1:1/");
  no_timeout.timeout = milliseconds(0);
  bad.push_back(no_timeout);

  for (const OutboundRequest& request : bad) {
    SCOPED_TRACE(request.method + " " + request.url);
    Result<OutboundResponse> response = transport.Send(request);
    ASSERT_FALSE(response.has_value());
    EXPECT_EQ(response.error().code, Code::kInvalidArgument) << response.error().ToString();
    EXPECT_FALSE(RequestMayHaveBeenSent(response.error()));
  }
}

// Accepts one connection on 127.0.0.1, records the raw request bytes, answers 204 and closes:
// shows what went on the wire, which a parsing server (httplib drops empty header values) hides.
class RawServer {
 public:
  RawServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 1) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RawServer() {
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // The request bytes; call after the client's Send returned.
  std::string Raw() {
    if (thread_.joinable()) thread_.join();
    return raw_;
  }

 private:
  void Serve() {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 3000) != 1) return;  // no client: give up rather than hang the test
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    char buffer[4096];
    std::size_t need = std::string::npos;  // total bytes once the head is parsed
    while (need == std::string::npos || raw_.size() < need) {
      pollfd cfd{fd, POLLIN, 0};
      if (::poll(&cfd, 1, 3000) != 1) break;
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      raw_.append(buffer, static_cast<std::size_t>(n));
      std::size_t head_end = raw_.find("\r\n\r\n");
      if (need == std::string::npos && head_end != std::string::npos) {
        std::size_t body = 0;
        std::size_t cl = raw_.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) body = std::stoul(raw_.substr(cl + 16));
        need = head_end + 4 + body;
      }
    }
    const std::string reply = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(fd);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string raw_;  // written by the server thread, read after join
};

TEST(CurlTransportWireTest, HeadersGoOnTheWireExactlyAsGiven) {
  RawServer raw;
  CurlTransport transport;
  OutboundRequest request = Request("POST", raw.Url("/v1/rooms?x=1"), R"({"a":1})");
  request.headers = {
      {"Authorization", "Bearer k-123"}, {"Content-Type", "application/json"}, {"X-Empty", ""}};

  Result<OutboundResponse> response = transport.Send(request);

  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 204);
  const std::string wire = raw.Raw();
  EXPECT_TRUE(wire.starts_with("POST /v1/rooms?x=1 HTTP/1.1\r\n")) << wire;
  EXPECT_NE(wire.find("\r\nAuthorization: Bearer k-123\r\n"), std::string::npos) << wire;
  EXPECT_NE(wire.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << wire;
  EXPECT_NE(wire.find("\r\nX-Empty:\r\n"), std::string::npos) << wire;
  EXPECT_NE(wire.find("\r\nContent-Length: 7\r\n"), std::string::npos) << wire;
  EXPECT_EQ(wire.find("Expect"), std::string::npos) << wire;
  EXPECT_TRUE(wire.ends_with("\r\n\r\n{\"a\":1}")) << wire;
}

// ---- Response size cap ----

class CurlTransportCapTest : public ::testing::Test {
 protected:
  static CurlTransport::Options Capped() {
    CurlTransport::Options options;
    options.max_response_bytes = std::size_t{64} * 1024;
    return options;
  }
  LoopbackServer server_;
  CurlTransport transport_{Capped()};
};

TEST_F(CurlTransportCapTest, BodyAtTheCapIsAccepted) {
  Result<OutboundResponse> response =
      transport_.Send(Request("GET", server_.Url("/big/" + std::to_string(64 * 1024))));
  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->body.size(), 64u * 1024u);
}

TEST_F(CurlTransportCapTest, DeclaredLengthAboveTheCapIsResourceExhausted) {
  Result<OutboundResponse> response =
      transport_.Send(Request("GET", server_.Url("/big/" + std::to_string(64 * 1024 + 1))));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, Code::kResourceExhausted) << response.error().ToString();
}

TEST_F(CurlTransportCapTest, ChunkedBodyGrowingPastTheCapIsResourceExhausted) {
  Result<OutboundResponse> response =
      transport_.Send(Request("GET", server_.Url("/chunked/" + std::to_string(1024 * 1024))));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, Code::kResourceExhausted) << response.error().ToString();
}

TEST_F(CurlTransportCapTest, HeadOfALargeResourceIsNotCapped) {
  Result<OutboundResponse> response =
      transport_.Send(Request("HEAD", server_.Url("/big/" + std::to_string(1024 * 1024))));
  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->GetHeader("Content-Length"), std::to_string(1024 * 1024));
  EXPECT_EQ(response->body, "");
}

// ---- Connection reuse and concurrency ----

TEST_F(CurlTransportTest, SequentialRequestsReuseTheConnection) {
  ASSERT_TRUE(transport_.Send(Request("GET", server_.Url("/echo"))).has_value());
  const int first_port = server_.seen().remote_port;
  ASSERT_TRUE(transport_.Send(Request("GET", server_.Url("/echo"))).has_value());
  EXPECT_EQ(server_.seen().remote_port, first_port);
}

TEST_F(CurlTransportTest, ConcurrentSendsFromFourThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> ok{0};
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string body = "thread " + std::to_string(t) + " request " + std::to_string(i);
        Result<OutboundResponse> response =
            transport_.Send(Request("POST", server_.Url("/echo"), body));
        if (response && response->status == 200 && response->body == body) {
          ++ok;
        } else if (failures[t].empty()) {
          failures[t] = response ? response->body : response.error().ToString();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  for (const std::string& failure : failures) EXPECT_EQ(failure, "");
}

}  // namespace
}  // namespace reflector::net
