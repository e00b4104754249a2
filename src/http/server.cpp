#include "http/server.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/ids.hpp"
#include "core/log.hpp"

namespace reflector::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr uint32_t kHeaderLimit = 64 * 1024;
constexpr size_t kReadChunk = size_t{16} * 1024;
// A file body (Response::body_file) is read and written in pieces of at most this size.
constexpr size_t kFileChunk = size_t{64} * 1024;
// After an error response we read and discard what the client is still sending (e.g. the rest
// of a rejected upload), so that closing with unread data does not reset the connection before
// the client has read the response. Bounded in time, silence and bytes.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr auto kLingerQuiet = std::chrono::milliseconds(500);
constexpr size_t kLingerLimit = size_t{8} * 1024 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kRequestsTotal = "http_requests_total";
constexpr std::string_view kRequestDuration = "http_request_duration_seconds";

std::string ToString(beast::string_view s) { return std::string(s.data(), s.size()); }

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Headers the server owns; a handler's values for them are ignored ("Connection: close" is
// honoured by closing the connection).
bool IsHopByHop(std::string_view name) {
  return HeaderNameEquals(name, "Connection") || HeaderNameEquals(name, "Content-Length") ||
         HeaderNameEquals(name, "Transfer-Encoding") || HeaderNameEquals(name, "Keep-Alive") ||
         HeaderNameEquals(name, "Upgrade");
}

// Splits a request target into path and raw query. Absolute-form targets
// ("http://host/path?q") are reduced to their path.
void SplitTarget(std::string_view target, std::string_view& path, std::string_view& query) {
  if (!target.empty() && target.front() != '/') {
    const size_t scheme = target.find("://");
    if (scheme != std::string_view::npos) {
      const size_t start = target.find_first_of("/?", scheme + 3);
      if (start == std::string_view::npos) {
        target = "/";
      } else if (target[start] == '?') {
        path = "/";
        query = target.substr(start + 1);
        return;
      } else {
        target = target.substr(start);
      }
    }
  }
  const size_t q = target.find('?');
  path = target.substr(0, q);
  query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

std::string JoinMethods(const std::vector<Method>& methods) {
  std::string out;
  for (Method m : methods) {
    if (!out.empty()) out += ", ";
    out += MethodName(m);
  }
  return out;
}

}  // namespace

// Shared state of a server. Owned by Server and by the threads running it, so that threads
// abandoned after a forced shutdown keep it alive. Sessions refer to it by reference: they only
// live inside io_context_ (in handlers) or on its threads, and io_context_ is destroyed first.
class Server::Impl : public std::enable_shared_from_this<Server::Impl> {
 public:
  class Session;

  Impl(ServerOptions options, const Router& router, Metrics& metrics);
  ~Impl();

  Status Listen();
  void Run();
  void Stop();
  uint16_t port() const { return port_; }

 private:
  void StartServing();
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void BeginShutdown();
  void ForceClose();
  void RunThread(size_t index);
  void RemoveSession(Session* session);

  // Counts handlers in progress, so that a forced shutdown knows whether threads are stuck.
  // EnterHandler() refuses (returns false) once a forced shutdown has begun.
  bool EnterHandler();
  void LeaveHandler();

  bool CorsEnabled() const { return !options_.cors_origin.empty(); }
  void ApplyCors(const Request& request, bhttp::response<bhttp::string_body>& response) const;
  Response Preflight(const Request& request) const;
  void Record(std::string_view method, const std::string& route, int status,
              SteadyClock::duration elapsed);

  // Declared (and so destroyed) before io_context_: destroying io_context_ destroys pending
  // handlers, and with them sessions, which unregister here.
  std::mutex sessions_mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;  // GUARDED_BY(sessions_mu_)
  bool shutdown_started_ = false;                                  // GUARDED_BY(sessions_mu_)
  bool destroying_ = false;                                        // GUARDED_BY(sessions_mu_)

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  int running_threads_ = 0;        // GUARDED_BY(run_mu_)
  int in_handler_ = 0;             // GUARDED_BY(run_mu_)
  bool forced_ = false;            // GUARDED_BY(run_mu_)
  std::vector<bool> thread_done_;  // GUARDED_BY(run_mu_)

  const ServerOptions options_;
  // The largest body any route accepts: the limit while a header is read (see ReadHeader).
  const size_t max_body_limit_ = [this] {
    size_t m = options_.body_limit;
    for (const auto& [route, limit] : options_.large_body_routes) m = std::max(m, limit);
    return m;
  }();
  const Router router_;
  Metrics& metrics_;
  std::vector<std::string> cors_origins_;
  bool cors_any_origin_ = false;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> abandoned_{false};  // forced shutdown happened; Metrics may be gone
  uint16_t port_ = 0;

  net::io_context io_context_;
  // Serializes the acceptor, the signal set and the shutdown timers.
  net::strand<net::io_context::executor_type> control_;
  tcp::acceptor acceptor_;
  std::optional<net::signal_set> signals_;
  net::steady_timer grace_timer_;
  net::steady_timer accept_backoff_;
};

// One client connection. Every member function runs on the connection's strand.
class Server::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& server, tcp::socket socket, std::string remote)
      : server_(server),
        stream_(std::move(socket)),
        remote_(std::move(remote)),
        connected_at_(SteadyClock::now()) {}

  ~Session() {
    DropSpool();
    DropFileBody();
    server_.RemoveSession(this);
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

  void Start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::WaitForRequest, shared_from_this()));
  }

  // Graceful shutdown: idle connections go now; a request being read, handled or answered
  // finishes (its response carries `Connection: close`).
  void OnShutdown() {
    if (phase_ == Phase::kIdle) Close();
  }

  void ForceClose() { Close(); }

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kClosing, kClosed };

  // Waits for the first bytes of the next request. The wait is bounded by header_timeout for a
  // new connection and by idle_timeout between keep-alive requests.
  void WaitForRequest() {
    if (server_.stopping_.load()) return Close();
    phase_ = Phase::kIdle;
    parser_.reset();
    DropSpool();
    DropFileBody();
    response_ = {};
    if (buffer_.size() > 0) {  // pipelined request already buffered
      request_deadline_ = SteadyClock::now() + server_.options_.header_timeout;
      return ReadHeader();
    }
    if (first_request_) {
      stream_.expires_at(connected_at_ + server_.options_.header_timeout);
    } else {
      stream_.expires_after(server_.options_.idle_timeout);
    }
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            beast::bind_front_handler(&Session::OnFirstBytes, shared_from_this()));
  }

  void OnFirstBytes(beast::error_code ec, size_t bytes) {
    if (ec) return Close();  // EOF, idle/header timeout, or closed by shutdown
    buffer_.commit(bytes);
    request_deadline_ = first_request_ ? connected_at_ + server_.options_.header_timeout
                                       : SteadyClock::now() + server_.options_.header_timeout;
    ReadHeader();
  }

  void ReadHeader() {
    phase_ = Phase::kReading;
    request_started_ = SteadyClock::now();
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    // Beast checks Content-Length against the limit while it reads the header, before the route
    // is known: read the header under the largest limit of any route, then apply the route's own
    // in OnHeader.
    parser_->body_limit(static_cast<std::uint64_t>(server_.max_body_limit_));
    stream_.expires_at(request_deadline_);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return HandleRequest();
    const auto& request = parser_->get();
    size_t limit = server_.options_.body_limit;
    bool spool = false;
    if (!server_.options_.large_body_routes.empty()) {
      // File-taking routes get their own body limit and time, decided before the body is read.
      std::string_view target(request.target().data(), request.target().size());
      target = target.substr(0, target.find('?'));
      const auto match =
          server_.router_.Find(ParseMethod(ToString(request.method_string())), target);
      const auto large = server_.options_.large_body_routes.find(match.route);
      if (match.found() && large != server_.options_.large_body_routes.end()) {
        limit = large->second;
        spool = !server_.options_.spool_dir.empty();
        stream_.expires_after(server_.options_.large_body_timeout);
      }
    }
    const auto declared = parser_->content_length();
    if (declared && *declared > limit) return SendError(413, "Request body too large");
    parser_->body_limit(static_cast<std::uint64_t>(limit));
    if (spool && !StartSpool(limit)) return SendError(500, "Cannot store the request body");
    if (request.version() >= 11 && beast::iequals(request[bhttp::field::expect], "100-continue")) {
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       beast::bind_front_handler(&Session::OnContinueSent, shared_from_this()));
      return;
    }
    ReadBody();
  }

  void OnContinueSent(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return Close();
    ReadBody();
  }

  void ReadBody() {
    if (file_parser_) {
      bhttp::async_read(stream_, buffer_, *file_parser_,
                        beast::bind_front_handler(&Session::OnBody, shared_from_this()));
      return;
    }
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  // Moves the request (header read, no body yet) to a parser that writes its body into a new
  // file of spool_dir. false (logged) when the file cannot be created.
  bool StartSpool(size_t limit) {
    std::error_code fs_ec;
    std::filesystem::create_directories(server_.options_.spool_dir, fs_ec);
    spool_path_ =
        (std::filesystem::path(server_.options_.spool_dir) / ("body-" + NewUuid4())).string();
    file_parser_.emplace(std::move(*parser_));
    parser_.reset();
    file_parser_->body_limit(static_cast<std::uint64_t>(limit));
    beast::error_code ec;
    file_parser_->get().body().open(spool_path_.c_str(), beast::file_mode::write_new, ec);
    if (ec) {
      spdlog::error("http: cannot create {} for a request body: {}", spool_path_, ec.message());
      spool_path_.clear();
      return false;
    }
    return true;
  }

  // Removes the spooled body file unless the handler moved it away; forgets the file parser.
  void DropSpool() {
    if (file_parser_) {
      beast::error_code ec;
      file_parser_->get().body().file().close(ec);
    }
    file_parser_.reset();
    if (!spool_path_.empty()) {
      std::error_code ec;
      std::filesystem::remove(spool_path_, ec);
      spool_path_.clear();
    }
  }

  // The header of the request being read, from whichever parser holds it (nullptr before one).
  const bhttp::request_header<>* ParsedHeader() const {
    if (file_parser_) return &file_parser_->get();
    if (parser_) return &parser_->get();
    return nullptr;
  }

  void OnBody(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    HandleRequest();
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return SendError(413, "Request body too large");
    }
    if (ec == bhttp::error::header_limit) {
      return SendError(431, "Request Header Fields Too Large");
    }
    // Parse errors are in Beast's HTTP category; the ones below mean the client went away.
    const bool parse_error =
        ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
    if (parse_error) {
      spdlog::debug("http: malformed request from {}: {}", remote_, ec.message());
      return SendError(400, "Bad Request");
    }
    Close();  // timeout, EOF mid-request, reset, or closed by shutdown
  }

  // Answers a request that could not be read, then closes the connection.
  void SendError(int status, std::string_view detail) {
    phase_ = Phase::kHandling;
    std::string method = "OTHER";
    unsigned version = 11;
    Request request;  // what was parsed, for X-Request-Id and CORS
    if (const auto* header = ParsedHeader()) {
      const auto& message = *header;
      method = MethodName(ParseMethod(ToString(message.method_string())));
      if (message.version() == 10) version = 10;
      for (const auto& field : message) {
        request.headers.push_back(Header{ToString(field.name_string()), ToString(field.value())});
      }
    }
    DropSpool();  // a refused body is not kept
    const auto client_id = request.GetHeader("X-Request-Id");
    request.request_id =
        client_id && IsSaneRequestId(*client_id) ? std::string(*client_id) : NewUuid4();
    ScopedRequestId scoped(request.request_id);
    server_.Record(method, "unmatched", status, SteadyClock::now() - request_started_);
    spdlog::debug("http: {} - {} (rejected)", method, status);
    Send(request, Response::Detail(status, detail), version, /*keep_alive=*/false, /*head=*/false,
         /*linger=*/true);
  }

  void HandleRequest() {
    phase_ = Phase::kHandling;
    const bhttp::request_header<>& message = *ParsedHeader();

    Request request;
    request.method_name = ToString(message.method_string());
    request.method = ParseMethod(request.method_name);
    request.target = ToString(message.target());
    std::string_view raw_path;
    std::string_view raw_query;
    SplitTarget(request.target, raw_path, raw_query);
    request.path = PercentDecode(raw_path, /*plus_as_space=*/false);
    request.query = std::string(raw_query);
    // Handlers get the Request mutable; keep what the access log needs out of their reach.
    const std::string log_path(raw_path);
    const std::string log_method = request.method_name;
    for (const auto& field : message) {
      request.headers.push_back(Header{ToString(field.name_string()), ToString(field.value())});
    }
    if (file_parser_) {
      beast::error_code ec;
      file_parser_->get().body().file().close(ec);
      request.body_file = spool_path_;
    } else {
      request.body = std::move(parser_->get().body());
    }
    request.remote_address = remote_;
    const auto client_id = request.GetHeader("X-Request-Id");
    request.request_id =
        client_id && IsSaneRequestId(*client_id) ? std::string(*client_id) : NewUuid4();
    const bool keep_alive =
        file_parser_ ? file_parser_->get().keep_alive() : parser_->get().keep_alive();
    const unsigned version = message.version();
    const bool head = request.method == Method::kHead;

    ScopedRequestId scoped(request.request_id);
    Response response;
    std::string route = "unmatched";
    if (server_.CorsEnabled() && request.method == Method::kOptions &&
        request.GetHeader("Access-Control-Request-Method")) {
      response = server_.Preflight(request);
    } else {
      Router::Match match = server_.router_.Find(request.method, log_path);
      if (match.found()) {
        route = match.route;
        request.route = std::move(match.route);
        request.path_params = std::move(match.params);
        const uint64_t sequence = ++request_sequence_;
        request.defer_hook = [this, sequence] { return MakeResponder(sequence); };
        bool deferred = false;
        response = Invoke(*match.handler, request, deferred);
        DropSpool();  // the handler has moved the body file away, or it is not needed
        if (deferred) {
          // Answered by FinishDeferred, posted on this session's strand by the Responder — so
          // never before this function has returned.
          deferred_ = Pending{sequence,         std::move(request),
                              std::move(route), log_method,
                              log_path,         version,
                              keep_alive,       head};
          return;
        }
      } else if (match.method_not_allowed()) {
        route = std::move(match.route);
        response = Response::Detail(405, "Method Not Allowed");
        response.SetHeader("Allow", JoinMethods(match.allowed));
      } else {
        response = Response::Detail(404, "Not Found");
      }
    }
    Answer(request, std::move(response), route, log_method, log_path, version, keep_alive, head);
  }

  // Validates, records and sends a handler's response.
  void Answer(const Request& request, Response response, const std::string& route,
              const std::string& log_method, const std::string& log_path, unsigned version,
              bool keep_alive, bool head) {
    if (response.status < 100 || response.status > 999) {
      spdlog::error("http: handler for {} {} returned invalid status {}", log_method, route,
                    response.status);
      response = Response::Detail(500, "Internal Server Error");
    }
    const auto elapsed = SteadyClock::now() - request_started_;
    const std::string_view method_label = MethodName(request.method);
    server_.Record(method_label, route, response.status, elapsed);
    spdlog::debug("http: {} {} {} {:.1f}ms", log_method, log_path, response.status,
                  std::chrono::duration<double, std::milli>(elapsed).count());
    Send(request, std::move(response), version, keep_alive, head, /*linger=*/false);
  }

  // A deferred request waiting for its Responder (HandleRequest → FinishDeferred).
  struct Pending {
    uint64_t sequence = 0;  // which request of the connection
    Request request;
    std::string route;
    std::string log_method;
    std::string log_path;
    unsigned version = 11;
    bool keep_alive = true;
    bool head = false;
  };

  // Shared by the copies of one Responder: the first call answers; dropping it unanswered
  // answers 500 (a handler bug must not leave the client hanging).
  struct Completion {
    Completion(std::shared_ptr<Session> s, uint64_t seq) : session(std::move(s)), sequence(seq) {}
    ~Completion() {
      if (!done.exchange(true)) {
        spdlog::error("http: a deferred request was dropped without an answer");
        Post(Response::Detail(500, "Internal Server Error"));
      }
    }
    void Complete(Response response) {
      if (done.exchange(true)) return;
      Post(std::move(response));
    }
    void Post(Response response) {
      auto self = session;
      net::post(self->stream_.get_executor(),
                [self, seq = sequence, response = std::move(response)]() mutable {
                  self->FinishDeferred(seq, std::move(response));
                });
    }
    std::shared_ptr<Session> session;
    const uint64_t sequence;
    std::atomic<bool> done{false};
  };

  Request::Responder MakeResponder(uint64_t sequence) {
    auto completion = std::make_shared<Completion>(shared_from_this(), sequence);
    return [completion](Response response) { completion->Complete(std::move(response)); };
  }

  // On the strand, after HandleRequest returned.
  void FinishDeferred(uint64_t sequence, Response response) {
    // Not waiting for this request: its handler threw after deferring and it was answered 500.
    if (!deferred_ || deferred_->sequence != sequence) return;
    Pending pending = std::move(*deferred_);
    deferred_.reset();
    server_.LeaveHandler();  // entered in Invoke, kept while the answer was pending
    ScopedRequestId scoped(pending.request.request_id);
    Answer(pending.request, std::move(response), pending.route, pending.log_method,
           pending.log_path, pending.version, pending.keep_alive, pending.head);
  }

  // `deferred`: the handler called Request::Defer() and returned normally; it stays "in a handler"
  // (graceful stop waits for it) until FinishDeferred.
  Response Invoke(const Handler& handler, Request& request, bool& deferred) {
    struct InHandler {
      explicit InHandler(Impl& s) : server(s), entered(s.EnterHandler()) {}
      ~InHandler() {
        if (entered && !keep) server.LeaveHandler();
      }
      Impl& server;
      const bool entered;
      bool keep = false;  // deferred: FinishDeferred leaves
    } in_handler(server_);
    if (!in_handler.entered) return Response::Detail(503, "Service Unavailable");
    try {
      Response response = handler(request);
      deferred = request.deferred();
      in_handler.keep = deferred;
      return response;
    } catch (const std::exception& e) {
      spdlog::error("http: handler for {} {} threw: {}", request.method_name, request.route,
                    e.what());
    } catch (...) {
      spdlog::error("http: handler for {} {} threw a non-standard exception", request.method_name,
                    request.route);
    }
    // A handler that deferred and then threw is answered now; its Responder then does nothing.
    return Response::Detail(500, "Internal Server Error");
  }

  void Send(const Request& request, Response response, unsigned version, bool keep_alive, bool head,
            bool linger) {
    if (server_.abandoned_.load()) {
      if (response.body_file_remove) ::unlink(response.body_file.c_str());
      return Close();
    }
    if (!response.body_file.empty()) {
      // Opened now, so that a missing or short file can still be answered with 500.
      const bool opened = OpenFileBody(response);
      if (response.body_file_remove) ::unlink(response.body_file.c_str());  // read through the fd
      if (!opened) {
        response = Response::Detail(500, "Internal Server Error");
      } else if (head) {
        DropFileBody();  // HEAD: the GET's Content-Length below, no body
      }
    }
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(response.status));
    bool handler_wants_close = false;
    bool has_content_type = false;
    for (const auto& header : response.headers) {
      if (HeaderNameEquals(header.name, "Connection")) {
        handler_wants_close |= beast::iequals(Trim(header.value), "close");
        continue;
      }
      if (IsHopByHop(header.name)) continue;
      if (header.name.empty() || header.name.find_first_of("\r\n:") != std::string::npos ||
          header.value.find_first_of("\r\n") != std::string::npos) {
        // Would corrupt the response (or split it, with attacker-controlled values).
        spdlog::error("http: dropping malformed response header '{}'", header.name);
        continue;
      }
      has_content_type |= HeaderNameEquals(header.name, "Content-Type");
      response_.insert(header.name, header.value);
    }
    response_.set(bhttp::field::server, "reflector");
    response_.set("X-Request-Id", request.request_id);
    if (!has_content_type && !response.body.empty()) {
      response_.set(bhttp::field::content_type, "application/json");
    }
    server_.ApplyCors(request, response_);

    const int status = response.status;
    const bool bodiless_status = status < 200 || status == 204 || status == 304;
    if (!bodiless_status) {
      // HEAD: the length the GET body would have, but no body.
      if (!response.body_file.empty()) {
        response_.content_length(response.body_file_length);
      } else {
        const bool head_length = head && response.body.empty() && response.head_content_length;
        response_.content_length(head_length ? *response.head_content_length
                                             : response.body.size());
        if (!head) response_.body() = std::move(response.body);
      }
    } else {
      DropFileBody();
    }

    keep_alive_ = keep_alive && !handler_wants_close && !linger && !server_.stopping_.load();
    response_.keep_alive(keep_alive_);
    linger_ = linger;

    phase_ = Phase::kWriting;
    // A client that stops reading its response for idle_timeout is dropped.
    stream_.expires_after(server_.options_.idle_timeout);
    if (file_fd_ >= 0) {
      // Same header as a string body, then the file in kFileChunk pieces (buffer_body).
      file_response_.emplace(std::move(response_.base()));
      file_serializer_.emplace(*file_response_);
      return WriteFileChunk();
    }
    bhttp::async_write(stream_, response_,
                       beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  // Opens response.body_file for Send; false (and logged) when it is missing or shorter than the
  // range.
  bool OpenFileBody(const Response& response) {
    DropFileBody();
    const int fd = ::open(response.body_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      spdlog::error("http: cannot open response file {}: {}", response.body_file,
                    std::strerror(errno));
      return false;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<uint64_t>(st.st_size) < response.body_file_offset ||
        static_cast<uint64_t>(st.st_size) - response.body_file_offset < response.body_file_length) {
      spdlog::error("http: response file {} is not a regular file of at least {} bytes",
                    response.body_file, response.body_file_offset + response.body_file_length);
      ::close(fd);
      return false;
    }
    file_fd_ = fd;
    file_offset_ = response.body_file_offset;
    file_remaining_ = response.body_file_length;
    return true;
  }

  void DropFileBody() {
    file_serializer_.reset();
    file_response_.reset();
    if (file_fd_ >= 0) ::close(file_fd_);
    file_fd_ = -1;
    file_remaining_ = 0;
  }

  // Reads the next piece of the file body and writes it (the first call also writes the header).
  void WriteFileChunk() {
    auto& body = file_response_->body();
    if (file_remaining_ == 0) {
      body.data = nullptr;
      body.size = 0;
      body.more = false;
    } else {
      file_chunk_.resize(kFileChunk);
      const size_t want = static_cast<size_t>(std::min<uint64_t>(kFileChunk, file_remaining_));
      ssize_t got;
      do {
        got = ::pread(file_fd_, file_chunk_.data(), want, static_cast<off_t>(file_offset_));
      } while (got < 0 && errno == EINTR);
      if (got <= 0) {
        // The file shrank (or failed) after the header promised its length: the client must
        // not take a short body for a whole one, so the connection ends here.
        spdlog::error("http: response file became short while sending; closing the connection");
        return Close();
      }
      file_offset_ += static_cast<uint64_t>(got);
      file_remaining_ -= static_cast<uint64_t>(got);
      body.data = file_chunk_.data();
      body.size = static_cast<size_t>(got);
      body.more = true;
    }
    stream_.expires_after(server_.options_.idle_timeout);
    bhttp::async_write(stream_, *file_serializer_,
                       beast::bind_front_handler(&Session::OnFileWrite, shared_from_this()));
  }

  void OnFileWrite(beast::error_code ec, size_t /*bytes*/) {
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) return Close();
    if (!file_serializer_->is_done()) return WriteFileChunk();
    DropFileBody();
    file_chunk_.clear();
    file_chunk_.shrink_to_fit();
    OnWrite({}, 0);
  }

  void OnWrite(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return Close();
    if (linger_) return LingeringClose();
    if (!keep_alive_) return Close();
    first_request_ = false;
    WaitForRequest();
  }

  void LingeringClose() {
    phase_ = Phase::kClosing;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    linger_until_ = SteadyClock::now() + kLingerTime;
    Drain();
  }

  void Drain() {
    stream_.expires_at(std::min(linger_until_, SteadyClock::now() + kLingerQuiet));
    stream_.async_read_some(net::buffer(drain_buffer_),
                            beast::bind_front_handler(&Session::OnDrain, shared_from_this()));
  }

  void OnDrain(beast::error_code ec, size_t bytes) {
    drained_ += bytes;
    if (ec || drained_ > kLingerLimit) return Close();
    Drain();
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    DropSpool();
    DropFileBody();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  // Instead of parser_ once a large-body route's body is spooled to spool_path_.
  std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;
  std::string spool_path_;
  bhttp::response<bhttp::string_body> response_;  // kept alive while being written
  // A Response::body_file being sent: header moved from response_, then the file piece by piece.
  std::optional<bhttp::response<bhttp::buffer_body>> file_response_;
  std::optional<bhttp::response_serializer<bhttp::buffer_body>> file_serializer_;
  std::vector<char> file_chunk_;
  int file_fd_ = -1;
  uint64_t file_offset_ = 0;
  uint64_t file_remaining_ = 0;
  std::optional<Pending> deferred_;  // a request answered later (Request::Defer)
  uint64_t request_sequence_ = 0;
  const std::string remote_;
  const SteadyClock::time_point connected_at_;
  SteadyClock::time_point request_deadline_;
  SteadyClock::time_point request_started_;
  Phase phase_ = Phase::kIdle;
  bool first_request_ = true;
  bool keep_alive_ = false;
  bool linger_ = false;
  size_t drained_ = 0;
  SteadyClock::time_point linger_until_;
  std::array<char, 4096> drain_buffer_{};
};

Server::Impl::Impl(ServerOptions options, const Router& router, Metrics& metrics)
    : options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      io_context_(std::max(1, options_.threads)),
      control_(net::make_strand(io_context_)),
      acceptor_(control_),
      grace_timer_(control_),
      accept_backoff_(control_) {
  std::string_view rest = options_.cors_origin;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view origin = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (origin == "*") {
      cors_any_origin_ = true;
    } else if (!origin.empty()) {
      cors_origins_.emplace_back(origin);
    }
  }
  metrics_.Describe(std::string(kRequestsTotal), "counter",
                    "HTTP requests answered, by method, route pattern and status.");
  metrics_.Describe(std::string(kRequestDuration), "histogram",
                    "Time from receiving a request to having its response ready, in seconds.");
}

Server::Impl::~Impl() {
  std::lock_guard lock(sessions_mu_);
  destroying_ = true;
}

Status Server::Impl::Listen() {
  const auto fail = [&](const std::string& reason) -> Status {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return Err(Code::kUnavailable,
               fmt::format("cannot listen on {}:{}: {}", options_.host, options_.port, reason));
  };
  beast::error_code ec;
  tcp::endpoint endpoint;
  const auto address = net::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(io_context_);
    const auto results =
        resolver.resolve(options_.host, std::to_string(options_.port), tcp::resolver::passive, ec);
    if (ec) return fail(ec.message());
    if (results.empty()) return fail("host not found");
    endpoint = *results.begin();
  }
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail(ec.message());
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail(ec.message());
  acceptor_.bind(endpoint, ec);
  if (ec) return fail(ec.message());
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec.message());
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return fail(ec.message());

  if (options_.handle_signals) {
    // Installed here rather than in Run() so that a signal arriving between the two is not lost.
    signals_.emplace(control_, SIGINT, SIGTERM);
  }
  spdlog::info("http: listening on {}:{}", options_.host, port_);
  return Ok();
}

void Server::Impl::StartServing() {
  net::post(control_, [this] {
    if (stopping_.load()) return;
    if (!acceptor_.is_open()) {
      spdlog::error("http: Run() called without a successful Listen()");
      return;
    }
    DoAccept();
    if (signals_) {
      signals_->async_wait([this](beast::error_code ec, int signal) {
        if (ec) return;
        spdlog::info("http: received signal {}", signal);
        Stop();
      });
    }
  });
}

void Server::Impl::DoAccept() {
  acceptor_.async_accept(
      net::make_strand(io_context_),
      [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping_.load()) {
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    spdlog::warn("http: accept failed: {}", ec.message());
    // Out of descriptors or memory: back off instead of spinning on the failing accept.
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
        ec == net::error::no_memory || ec.value() == ENFILE) {
      accept_backoff_.expires_after(std::chrono::milliseconds(100));
      accept_backoff_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && !stopping_.load()) DoAccept();
      });
      return;
    }
    return DoAccept();
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  const auto peer = socket.remote_endpoint(ec);
  std::string remote = ec ? std::string() : peer.address().to_string();
  auto session = std::make_shared<Session>(*this, std::move(socket), std::move(remote));
  {
    std::lock_guard lock(sessions_mu_);
    sessions_.emplace(session.get(), session);
  }
  session->Start();
  DoAccept();
}

void Server::Impl::RemoveSession(Session* session) {
  std::lock_guard lock(sessions_mu_);
  sessions_.erase(session);
  if (shutdown_started_ && sessions_.empty() && !destroying_) {
    // The last connection is gone: nothing left to wait for.
    net::post(control_, [this] { grace_timer_.cancel(); });
  }
}

void Server::Impl::Stop() {
  if (stopping_.exchange(true)) return;
  net::post(control_, [this] { BeginShutdown(); });
}

void Server::Impl::BeginShutdown() {
  spdlog::info("http: shutting down");
  beast::error_code ignored;
  acceptor_.close(ignored);
  accept_backoff_.cancel();
  if (signals_) {
    signals_->cancel(ignored);
    // Restores the default actions, so a second SIGTERM/SIGINT ends the process at once.
    signals_->clear(ignored);
  }
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mu_);
    shutdown_started_ = true;
    for (auto& [raw, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  if (live.empty()) return;
  for (auto& session : live) {
    net::post(session->executor(), [session] { session->OnShutdown(); });
  }
  grace_timer_.expires_after(options_.shutdown_grace);
  grace_timer_.async_wait([this](beast::error_code ec) {
    if (!ec) ForceClose();
  });
}

void Server::Impl::ForceClose() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mu_);
    for (auto& [raw, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  if (live.empty()) return;
  spdlog::warn("http: shutdown grace period expired; closing {} connection(s)", live.size());
  abandoned_.store(true);
  bool stuck = false;
  {
    std::lock_guard lock(run_mu_);
    forced_ = true;
    stuck = in_handler_ > 0;
  }
  for (auto& session : live) {
    net::post(session->executor(), [session] { session->ForceClose(); });
  }
  if (stuck) {
    // A running handler is outstanding work that would keep every thread in run(); stop the
    // loop so that Run() can return without it.
    io_context_.stop();
  }
  run_cv_.notify_all();
}

bool Server::Impl::EnterHandler() {
  std::lock_guard lock(run_mu_);
  if (forced_) return false;
  ++in_handler_;
  return true;
}

void Server::Impl::LeaveHandler() {
  {
    std::lock_guard lock(run_mu_);
    --in_handler_;
  }
  run_cv_.notify_all();
}

void Server::Impl::RunThread(size_t index) {
  while (true) {
    try {
      io_context_.run();
      break;
    } catch (const std::exception& e) {
      spdlog::error("http: unexpected exception on an I/O thread: {}", e.what());
    }
  }
  {
    std::lock_guard lock(run_mu_);
    --running_threads_;
    thread_done_[index] = true;
  }
  run_cv_.notify_all();
}

void Server::Impl::Run() {
  const size_t count = static_cast<size_t>(std::max(1, options_.threads));
  {
    std::lock_guard lock(run_mu_);
    running_threads_ = static_cast<int>(count);
    thread_done_.assign(count, false);
  }
  StartServing();
  std::vector<std::thread> threads;
  threads.reserve(count);
  auto self = shared_from_this();
  for (size_t i = 0; i < count; ++i) {
    threads.emplace_back([self, i] { self->RunThread(i); });
  }

  std::vector<bool> done;
  {
    std::unique_lock lock(run_mu_);
    // Normally every thread returns once the io_context runs out of work. After a forced
    // shutdown, threads stuck in handlers are left behind.
    run_cv_.wait(lock, [&] {
      return running_threads_ == 0 || (forced_ && running_threads_ <= in_handler_);
    });
    done = thread_done_;
  }
  size_t abandoned = 0;
  for (size_t i = 0; i < count; ++i) {
    if (done[i]) {
      threads[i].join();
    } else {
      threads[i].detach();
      ++abandoned;
    }
  }
  if (abandoned > 0) {
    spdlog::warn("http: abandoned {} thread(s) still inside request handlers", abandoned);
  }
  spdlog::info("http: stopped");
}

void Server::Impl::ApplyCors(const Request& request,
                             bhttp::response<bhttp::string_body>& response) const {
  if (!CorsEnabled()) return;
  const auto origin = request.GetHeader("Origin");
  std::string allow;
  if (origin &&
      std::find(cors_origins_.begin(), cors_origins_.end(), *origin) != cors_origins_.end()) {
    allow = std::string(*origin);
  } else if (cors_any_origin_) {
    // "*" may not be combined with credentials; browsers need the origin echoed then.
    if (!options_.cors_allow_credentials) {
      allow = "*";
    } else if (origin) {
      allow = std::string(*origin);
    }
  }
  if (!allow.empty()) {
    response.set(bhttp::field::access_control_allow_origin, allow);
    response.set(bhttp::field::access_control_expose_headers, "X-Request-Id");
    if (options_.cors_allow_credentials) {
      response.set(bhttp::field::access_control_allow_credentials, "true");
    }
  }
  const auto vary = response.find(bhttp::field::vary);
  if (vary == response.end()) {
    response.set(bhttp::field::vary, "Origin");
  } else {
    response.set(bhttp::field::vary, ToString(vary->value()) + ", Origin");
  }
}

Response Server::Impl::Preflight(const Request& request) const {
  Response response;
  response.status = 204;
  response.SetHeader("Access-Control-Allow-Methods",
                     "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
  const auto requested = request.GetHeader("Access-Control-Request-Headers");
  response.SetHeader("Access-Control-Allow-Headers",
                     requested ? std::string(*requested)
                               : std::string("Authorization, Content-Type, X-Request-Id"));
  response.SetHeader("Access-Control-Max-Age", "600");
  return response;
}

void Server::Impl::Record(std::string_view method, const std::string& route, int status,
                          SteadyClock::duration elapsed) {
  if (abandoned_.load()) return;
  const std::string method_label(method);
  metrics_.IncCounter(
      std::string(kRequestsTotal),
      {{"method", method_label}, {"route", route}, {"status", std::to_string(status)}});
  metrics_.ObserveHistogram(std::string(kRequestDuration),
                            {{"method", method_label}, {"route", route}},
                            std::chrono::duration<double>(elapsed).count());
}

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_shared<Impl>(std::move(options), router, metrics)) {}

Server::~Server() = default;

Status Server::Listen() { return impl_->Listen(); }

uint16_t Server::port() const { return impl_->port(); }

void Server::Run() { impl_->Run(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace reflector::http
