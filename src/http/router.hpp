// Maps (method, path) to a handler registered for a route pattern such as
// "/v1/rooms/{room_id}/meeting".
//
// Matching rules:
// - Patterns and paths are split on '/'; a `{name}` segment captures one whole, non-empty,
//   percent-decoded segment ("a%2Fb" is one segment with value "a/b").
// - Literal segments win over parameters when both match ("/v1/rooms/name/{room_name}" beats
//   "/v1/rooms/{room_id}/{x}" for "/v1/rooms/name/x"), with backtracking when the literal branch
//   does not lead to a route for the request method.
// - A trailing slash is significant: "/x/" does not match the pattern "/x", and vice versa.
// - HEAD falls back to the GET route when no HEAD route exists.
// - A path that matches routes of other methods only is reported as "method not allowed" with
//   the methods it does accept (405); a path that matches nothing is "not found" (404).
//
// Build the router once at start-up; after that Find() and Routes() are const and may be called
// concurrently from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.hpp"

namespace reflector::http {

class Router {
 public:
  struct Match {
    // The handler for path and method; null on a miss. Points into the Router.
    const Handler* handler = nullptr;
    // Pattern of the matched route. On a 405 miss, the pattern of the first route whose path
    // matched; empty on a 404 miss.
    std::string route;
    // Captured `{name}` parameters, percent-decoded, in pattern order.
    std::vector<std::pair<std::string, std::string>> params;
    // On a 405 miss: methods accepted for this path, in enum order (HEAD listed when GET is).
    std::vector<Method> allowed;

    bool found() const { return handler != nullptr; }
    bool method_not_allowed() const { return handler == nullptr && !allowed.empty(); }
  };

  Router();
  ~Router();
  Router(const Router& other);
  Router& operator=(const Router& other);
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Registers `handler` for `method` and `pattern`. Throws std::invalid_argument for a malformed
  // pattern (must start with '/'; braces only around a whole segment; non-empty parameter name),
  // for Method::kOther, or when the same method is already registered for an equivalent pattern.
  // Start-up only.
  void Add(Method method, std::string pattern, Handler handler);

  // `path` is the request path as received: percent-encoded, without the query string.
  Match Find(Method method, std::string_view path) const;

  // Every registered (method, pattern), in registration order.
  std::vector<std::pair<Method, std::string>> Routes() const;

  // The handler for GET and HEAD requests whose path matches no route at all (a 404 miss; a 405
  // miss stays a 405) and that `accepts` (the path as given to Find; empty: every path), e.g. the
  // web UI's single-page-app answer. Find() reports it with the route kFallbackRoute and no
  // parameters; paths it does not accept stay plain 404 misses. Start-up only; replaces an
  // earlier fallback.
  static constexpr std::string_view kFallbackRoute = "/{*}";
  using PathFilter = std::function<bool(std::string_view path)>;
  void SetFallback(Handler handler, PathFilter accepts = {});

 private:
  struct Node;
  struct Entry {
    Method method;
    std::string pattern;
    Handler handler;
  };

  // Inserts entries_[index] into the trie.
  void Insert(size_t index);

  std::vector<Entry> entries_;   // registration order; the trie refers to entries by index
  Handler fallback_;             // empty: none
  PathFilter fallback_accepts_;  // empty: every path
  std::unique_ptr<Node> root_;
};

}  // namespace reflector::http
