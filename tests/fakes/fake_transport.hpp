// FakeTransport: an in-memory HttpTransport for unit tests of anything that sends outbound HTTP
// (provider clients, the retry decorator). It records every request and answers from a script.
//
// Answer lookup, per request, first match wins:
//   1. one-shot replies queued for a route (method + URL prefix), routes in the order first used;
//   2. one-shot replies queued with Push(), in order;
//   3. standing replies set with Always() for a route, in the order added;
//   4. otherwise kFailedPrecondition "FakeTransport: no scripted reply for <METHOD> <url>",
//      so a missing script fails the test loudly instead of hanging or passing by accident.
// An empty method in a route matches any method; an empty prefix matches any URL.
//
//   FakeTransport fake;
//   fake.Push(FakeTransport::Reply(429, "", {{"Retry-After", "2"}}));
//   fake.PushFor("POST", "https://api.daily.co/v1/rooms",
//                FakeTransport::Json(200, R"({"name":"r"})"));
//   fake.Push(FakeTransport::ConnectFailure());
//   ... code under test ...
//   EXPECT_EQ(fake.requests().size(), 2u);
//
// Thread-safe: Send and every other method may be called from many threads at once.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"
#include "net/http_transport.hpp"

namespace reflector::fakes {

class FakeTransport final : public net::HttpTransport {
 public:
  using Answer = Result<net::OutboundResponse>;

  // ---- Building answers ----

  static Answer Reply(int status, std::string body = {},
                      std::vector<net::HeaderField> headers = {}) {
    return net::OutboundResponse{status, std::move(headers), std::move(body)};
  }
  // A response with "Content-Type: application/json".
  static Answer Json(int status, std::string body) {
    return Reply(status, std::move(body), {{"Content-Type", "application/json"}});
  }
  // A transport error; `request_sent` as CurlTransport would report it.
  static Answer Failure(Code code, std::string message, bool request_sent) {
    return Err(
        net::TransportError(code, std::move(message), "scripted by FakeTransport", request_sent));
  }
  // Could not connect: the server never saw the request.
  static Answer ConnectFailure() {
    return Failure(Code::kUnavailable, "could not connect (fake)", false);
  }
  // Timed out after the request went out.
  static Answer TimeoutAfterSend() {
    return Failure(Code::kDeadlineExceeded, "timed out (fake)", true);
  }

  // ---- Scripting ----

  // Queues a one-shot answer for any request.
  void Push(Answer answer) {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(answer));
  }
  // Queues a one-shot answer for requests whose method equals `method` (empty: any) and whose
  // URL starts with `url_prefix`.
  void PushFor(std::string method, std::string url_prefix, Answer answer) {
    std::lock_guard lock(mu_);
    for (Route& route : routes_) {
      if (route.method == method && route.url_prefix == url_prefix) {
        route.queue.push_back(std::move(answer));
        return;
      }
    }
    routes_.push_back(Route{std::move(method), std::move(url_prefix), {std::move(answer)}});
  }
  // Answers every matching request with `answer` once the one-shot queues have nothing for it.
  void Always(std::string method, std::string url_prefix, Answer answer) {
    std::lock_guard lock(mu_);
    standing_.push_back(Standing{std::move(method), std::move(url_prefix), std::move(answer)});
  }
  // Forgets the script and the recorded requests.
  void Reset() {
    std::lock_guard lock(mu_);
    queue_.clear();
    routes_.clear();
    standing_.clear();
    requests_.clear();
  }

  // ---- Inspecting ----

  // Every request sent so far, in arrival order (a copy).
  std::vector<net::OutboundRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t request_count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  // One-shot answers not consumed yet (all queues).
  std::size_t pending() const {
    std::lock_guard lock(mu_);
    std::size_t n = queue_.size();
    for (const Route& route : routes_) n += route.queue.size();
    return n;
  }

  // ---- HttpTransport ----

  Answer Send(const net::OutboundRequest& request) override {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    for (Route& route : routes_) {
      if (!route.queue.empty() && Matches(route.method, route.url_prefix, request)) {
        Answer answer = std::move(route.queue.front());
        route.queue.pop_front();
        return answer;
      }
    }
    if (!queue_.empty()) {
      Answer answer = std::move(queue_.front());
      queue_.pop_front();
      return answer;
    }
    for (const Standing& standing : standing_) {
      if (Matches(standing.method, standing.url_prefix, request)) return standing.answer;
    }
    return Err(Code::kFailedPrecondition,
               "FakeTransport: no scripted reply for " + request.method + " " + request.url);
  }

 private:
  struct Route {
    std::string method;
    std::string url_prefix;
    std::deque<Answer> queue;
  };
  struct Standing {
    std::string method;
    std::string url_prefix;
    Answer answer;
  };

  static bool Matches(const std::string& method, const std::string& url_prefix,
                      const net::OutboundRequest& request) {
    return (method.empty() || method == request.method) && request.url.starts_with(url_prefix);
  }

  mutable std::mutex mu_;
  std::deque<Answer> queue_;                    // guarded by mu_
  std::vector<Route> routes_;                   // guarded by mu_
  std::vector<Standing> standing_;              // guarded by mu_
  std::vector<net::OutboundRequest> requests_;  // guarded by mu_
};

}  // namespace reflector::fakes
