#include "api/web_routes.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "platforms/selection.hpp"

namespace reflector::api {
namespace {

using nlohmann::json;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kNoCache = "no-cache";

// Paths the server answers itself: a miss there is a 404, never the app.
constexpr std::array<std::string_view, 4> kServerPrefixes = {"/v1/", "/mock/", "/assets/", "/api/"};
constexpr std::array<std::string_view, 4> kServerPaths = {"/v1", "/health", "/metrics",
                                                          "/openapi.json"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Whether an If-None-Match value names `etag` (or is "*").
bool MatchesEtag(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const size_t comma = if_none_match.find(',');
    std::string_view tag = Trim(if_none_match.substr(0, comma));
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

http::Response Serve(const WebAsset& asset, const http::Request& request) {
  http::Response response;
  const bool immutable = asset.path.starts_with("assets/");
  response.SetHeader("Cache-Control", std::string(immutable ? kImmutable : kNoCache));
  response.SetHeader("ETag", std::string(asset.etag));
  response.SetHeader("Vary", "Accept-Encoding");
  response.SetHeader("Content-Security-Policy", std::string(kWebContentSecurityPolicy));
  response.SetHeader("X-Content-Type-Options", "nosniff");
  response.SetHeader("Referrer-Policy", "strict-origin-when-cross-origin");
  response.SetHeader("X-Frame-Options", "DENY");
  if (auto inm = request.GetHeader("If-None-Match"); inm && MatchesEtag(*inm, asset.etag)) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.SetHeader("Content-Type", std::string(asset.content_type));
  const auto accept = request.GetHeader("Accept-Encoding");
  if (!asset.gzip.empty() && accept && AcceptsGzip(*accept)) {
    response.SetHeader("Content-Encoding", "gzip");
    response.body.assign(asset.gzip);
  } else {
    response.body.assign(asset.body);
  }
  return response;
}

// Whether `path` belongs to the app (answered with index.html) rather than to the server.
bool IsAppRoute(std::string_view path) {
  for (std::string_view prefix : kServerPrefixes) {
    if (path.starts_with(prefix)) return false;
  }
  for (std::string_view own : kServerPaths) {
    if (path.starts_with(own) && (path.size() == own.size() || path[own.size()] == '/')) {
      return false;
    }
  }
  const size_t last_slash = path.rfind('/');
  const std::string_view last = path.substr(last_slash == std::string_view::npos ? 0 : last_slash);
  return last.find('.') == std::string_view::npos;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view entry = Trim(accept_encoding.substr(0, comma));
    const size_t semi = entry.find(';');
    const std::string_view coding = Trim(entry.substr(0, semi));
    if (EqualsIgnoreCase(coding, "gzip") || coding == "*") {
      bool zero_q = false;
      if (semi != std::string_view::npos) {
        std::string_view params = Trim(entry.substr(semi + 1));
        if (params.starts_with("q=") || params.starts_with("Q=")) {
          std::string_view q = Trim(params.substr(2));
          zero_q = !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
        }
      }
      if (!zero_q) return true;
    }
    if (comma == std::string_view::npos) break;
    accept_encoding.remove_prefix(comma + 1);
  }
  return false;
}

void InstallWebUi(http::Router& router, std::span<const WebAsset> assets) {
  const WebAsset* index = nullptr;
  for (const WebAsset& asset : assets) {
    const WebAsset* file = &asset;
    router.Add(http::Method::kGet, "/" + std::string(asset.path),
               [file](http::Request& request) { return Serve(*file, request); });
    if (asset.path == "index.html") index = file;
  }
  if (index == nullptr) return;
  router.Add(http::Method::kGet, "/",
             [index](http::Request& request) { return Serve(*index, request); });
  // Paths the app does not own stay the server's plain 404 (route "unmatched" in the metrics).
  router.SetFallback([index](http::Request& request) { return Serve(*index, request); },
                     IsAppRoute);
}

void RegisterWebApiRoutes(ApiRoutes& routes, ApiContext& context) {
  ApiContext* ctx = &context;
  routes.Add(
      http::Method::kGet, "/v1/platforms",
      {{"summary", "Configured video platforms"},
       {"description",
        "The platforms a room may use on this server (those whose credentials are configured; "
        "`mock` always) and the platform new rooms get by default."},
       {"tags", {"rooms"}},
       {"responses",
        {{"200",
          {{"description", "Platform names"},
           {"content",
            {{"application/json",
              {{"schema",
                {{"type", "object"},
                 {"required", {"platforms", "default"}},
                 {"properties",
                  {{"platforms", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                   {"default", {{"type", "string"}}}}}}}}}}}}}}}},
      [ctx](http::Request&) {
        json names = json::array();
        for (const std::string& name : ctx->platforms.Names()) {
          if (ctx->platforms.Get(name)) names.push_back(name);
        }
        return http::Response::Json(
            200, {{"platforms", names},
                  {"default", platforms::DefaultPlatformForNewRoom(ctx->config.platforms)}});
      });
}

}  // namespace reflector::api
