#include "api/mock_routes.hpp"

namespace reflector::api {
namespace {

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

void RegisterMockRoutes(ApiRoutes& routes) {
  routes.Add(
      http::Method::kGet, "/mock/{room_name}",
      {{"summary", "Mock video platform room page"},
       {"tags", {"mock"}},
       {"responses",
        {{"200",
          {{"description", "HTML call page of the mock platform"},
           {"content", {{"text/html", {{"schema", {{"type", "string"}}}}}}}}}}}},
      [](http::Request& request) {
        const std::string room = EscapeHtml(request.PathParam("room_name"));
        std::string page =
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Mock room " +
            room +
            "</title></head><body>"
            "<h1>Mock room <code>" +
            room +
            "</code></h1>"
            "<p>This is Reflector's built-in mock video platform. No audio or video flows here; "
            "the room exists so meetings can be created and followed without provider "
            "credentials.</p></body></html>";
        auto response = http::Response::Text(200, std::move(page), "text/html; charset=utf-8");
        response.SetHeader("Content-Security-Policy", "default-src 'none'");
        return response;
      });
}

}  // namespace reflector::api
