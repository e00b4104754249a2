// The HTTP/1.1 server that feeds requests to Router handlers.
//
// Handlers are synchronous (they may block on the database), so they run directly on the I/O
// thread pool; `threads` bounds how many requests are handled at once. The server owns request
// ids, access logging, request metrics, CORS, body/header limits, timeouts and graceful shutdown;
// handlers see only http::Request and return http::Response.
//
// Boost.Beast stays inside server.cpp: this header is standard C++ only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/metrics.hpp"
#include "core/status.hpp"
#include "http/router.hpp"

namespace reflector::http {

struct ServerOptions {
  std::string host = "127.0.0.1";  // address (or resolvable name) to bind
  uint16_t port = 0;               // 0 = pick a free port; see Server::port()
  int threads = 4;                 // I/O + handler threads
  size_t body_limit = 1 << 20;     // max request body bytes; larger → 413
  // Routes that take files (uploads): route pattern → their own body limit, and the time such a
  // request's body may take. Matched on the route the request resolves to.
  std::map<std::string, size_t> large_body_routes;
  std::chrono::seconds large_body_timeout{600};
  // When set, the bodies of large_body_routes are streamed into a new file in this directory
  // (created when missing) instead of memory: the handler gets Request::body_file (and an empty
  // body). The file is removed once the handler returns, unless the handler moved it away first
  // (rename it: put the directory on the same file system as where the files go).
  std::string spool_dir;
  std::chrono::seconds header_timeout{30};  // a request must arrive completely within this
  std::chrono::seconds idle_timeout{60};    // keep-alive connections idle longer are closed
  std::chrono::seconds shutdown_grace{10};  // in-flight requests get this long after Stop()
  std::string cors_origin;  // empty = no CORS; "*" or comma-separated allowed origins
  bool cors_allow_credentials = false;
  bool handle_signals = true;  // SIGTERM/SIGINT trigger Stop() (installed by Listen())
};

class Server {
 public:
  // The router is copied; `metrics` must outlive the server. Registers the request metrics.
  Server(ServerOptions options, const Router& router, Metrics& metrics);
  // Must not run concurrently with Run(): call Stop() and wait for Run() to return first.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens, and installs the signal handlers when `handle_signals`.
  // Returns kUnavailable "cannot listen on host:port: <reason>" on failure. Call once.
  Status Listen();

  // The bound port; valid after a successful Listen().
  uint16_t port() const;

  // Serves on `threads` threads until Stop() (or a signal), then shuts down gracefully and
  // returns. Call once, after Listen(). When shutdown_grace expires, remaining connections are
  // force-closed; if handlers are still running, Run() returns without waiting for them: their
  // threads are detached and keep the server's internals (not `metrics`, which is no longer
  // touched) alive until the handlers return, and their connections close then.
  void Run();

  // Begins graceful shutdown: stops accepting, closes idle connections, lets in-flight requests
  // finish (answering them with `Connection: close`). Thread-safe and idempotent; may be called
  // from a handler and before or during Run().
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace reflector::http
