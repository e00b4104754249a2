// HTTP request/response values handed between the server and handlers.
//
// Plain standard types only: nothing outside src/http/ sees Boost.Beast. Handlers receive a
// Request (with path parameters filled in by the Router) and return a Response by value.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reflector::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method m);
Method ParseMethod(std::string_view name);

struct Header {
  std::string name;
  std::string value;
};

// Case-insensitive ASCII comparison for header names.
bool HeaderNameEquals(std::string_view a, std::string_view b);

struct Response;

struct Request {
  Method method = Method::kGet;
  std::string method_name;  // as received, e.g. "GET"
  std::string target;       // raw request target, e.g. "/v1/rooms?page=2"
  std::string path;         // percent-decoded path without the query, e.g. "/v1/rooms"
  std::string query;        // raw query string without '?'
  std::vector<Header> headers;
  std::string body;
  // The body's file when the server spooled it to disk (ServerOptions::spool_dir); empty when
  // the body is in `body`.
  std::string body_file;
  std::string remote_address;  // peer IP
  std::string request_id;      // X-Request-Id from the client if sane, else generated
  std::string route;           // matched route pattern, e.g. "/v1/rooms/{room_id}"; empty if none
  std::vector<std::pair<std::string, std::string>> path_params;  // filled by the Router

  // First header with this name (case-insensitive), if any.
  std::optional<std::string_view> GetHeader(std::string_view name) const;
  // Percent-decoded value of the first query parameter with this name, if any.
  std::optional<std::string> QueryParam(std::string_view name) const;
  // Value of a `{name}` path parameter; empty if absent.
  std::string_view PathParam(std::string_view name) const;

  // Answering later. A handler that cannot answer without waiting (e.g. for a group commit) calls
  // Defer() and returns at once — what it returns is then ignored — and the server sends the
  // Response given to the Responder. The Responder may be called from any thread; the first call
  // counts, later ones are ignored, and a Responder dropped without being called answers 500.
  // Outside http::Server (a handler called directly) the Responder does nothing.
  using Responder = std::function<void(Response)>;
  Responder Defer();
  bool deferred() const { return deferred_; }
  // Set by http::Server before running the handler: makes the Responder.
  std::function<Responder()> defer_hook;

 private:
  bool deferred_ = false;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  // A body sent from a file instead of `body` (which is then ignored): `body_file_length` bytes
  // of the file `body_file` from `body_file_offset`, read and written by http::Server in pieces
  // of at most 64 KiB, so memory stays bounded whatever the length. Content-Length is
  // `body_file_length`; HEAD sends it with no body. A file that cannot be opened (or is shorter
  // than offset + length) when the response is sent gives 500; one that shrinks while being
  // sent closes the connection. Empty = the body is `body`.
  std::string body_file{};
  uint64_t body_file_offset = 0;
  uint64_t body_file_length = 0;
  // body_file is a temporary file of the handler's: the server removes it as soon as it has
  // opened it (the body is read through the open descriptor), or drops the response while
  // stopping. A response never sent otherwise (a deferred one whose connection closed) or a
  // crash in between leaves it to the spool directory's cleanup at the next start.
  bool body_file_remove = false;
  // HEAD only, with `body` empty and no body_file: the Content-Length the GET would have, for a
  // handler that answers HEAD without building the body (e.g. without fetching it from S3).
  std::optional<uint64_t> head_content_length{};

  // Replaces an existing header of the same name or appends it.
  void SetHeader(std::string name, std::string value);
  std::optional<std::string_view> GetHeader(std::string_view name) const;

  static Response Json(int status, const nlohmann::json& body);
  // A body that is already JSON text (e.g. from JsonWriter); sent as is.
  static Response JsonText(int status, std::string body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain");
  // `length` bytes of the file at `path` from `offset` as the body (see body_file).
  static Response File(int status, std::string path, uint64_t offset, uint64_t length,
                       std::string content_type);
  // `{"detail": message}` with the given status (FastAPI-compatible error body).
  static Response Detail(int status, std::string_view message);
};

using Handler = std::function<Response(Request&)>;

// Percent-decodes `s`; `plus_as_space` for query strings. Invalid escapes are kept verbatim.
std::string PercentDecode(std::string_view s, bool plus_as_space);

}  // namespace reflector::http
