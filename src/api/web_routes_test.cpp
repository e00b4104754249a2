#include "api/web_routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>

namespace reflector::api {
namespace {

constexpr std::array<WebAsset, 2> kAssets = {{
    {"index.html", "text/html; charset=utf-8", "<html>app</html>", "GZIPPED-INDEX", "\"idx1\""},
    {"assets/app-1a2b.js", "text/javascript; charset=utf-8", "console.log(1)", "", "\"js1\""},
}};

http::Router MakeRouter() {
  http::Router router;
  router.Add(http::Method::kGet, "/health",
             [](http::Request&) { return http::Response::Text(200, "healthy"); });
  router.Add(http::Method::kPost, "/v1/rooms",
             [](http::Request&) { return http::Response::Text(200, "created"); });
  InstallWebUi(router, kAssets);
  return router;
}

http::Response Get(const http::Router& router, std::string path,
                   std::vector<http::Header> headers = {},
                   http::Method method = http::Method::kGet) {
  http::Router::Match match = router.Find(method, path);
  if (!match.found()) return http::Response::Text(match.method_not_allowed() ? 405 : 404, "miss");
  http::Request request;
  request.method = method;
  request.path = path;
  request.headers = std::move(headers);
  return (*match.handler)(request);
}

std::string HeaderOf(const http::Response& r, std::string_view name) {
  auto value = r.GetHeader(name);
  return value ? std::string(*value) : "<none>";
}

TEST(WebRoutesTest, RootServesIndexRevalidatedEveryTime) {
  http::Router router = MakeRouter();
  http::Response r = Get(router, "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<html>app</html>");
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(HeaderOf(r, "ETag"), "\"idx1\"");
  EXPECT_EQ(HeaderOf(r, "Vary"), "Accept-Encoding");
  EXPECT_EQ(HeaderOf(r, "Content-Encoding"), "<none>");
}

TEST(WebRoutesTest, EveryFileCarriesTheSecurityHeaders) {
  http::Router router = MakeRouter();
  for (std::string path : {"/", "/rooms", "/standup/0f3c", "/index.html", "/assets/app-1a2b.js"}) {
    http::Response r = Get(router, path, {{"Accept-Encoding", "gzip"}});
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(HeaderOf(r, "Content-Security-Policy"), kWebContentSecurityPolicy) << path;
    EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(HeaderOf(r, "Referrer-Policy"), "strict-origin-when-cross-origin") << path;
    EXPECT_EQ(HeaderOf(r, "X-Frame-Options"), "DENY") << path;
  }
  // A revalidation refreshes the cached headers too.
  http::Response not_modified = Get(router, "/", {{"If-None-Match", "\"idx1\""}});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(HeaderOf(not_modified, "Content-Security-Policy"), kWebContentSecurityPolicy);
  // The API's own answers are not the web UI's: no policy there.
  EXPECT_EQ(HeaderOf(Get(router, "/health"), "Content-Security-Policy"), "<none>");
}

// The policy's sources, directive by directive: only our origin, and the providers as frames.
TEST(WebRoutesTest, ContentSecurityPolicyAllowsOnlyWhatTheAppUses) {
  std::map<std::string, std::string> directives;
  std::string_view policy = kWebContentSecurityPolicy;
  while (!policy.empty()) {
    const size_t semi = policy.find(';');
    std::string_view d = policy.substr(0, semi);
    while (d.starts_with(' ')) d.remove_prefix(1);
    const size_t space = d.find(' ');
    directives[std::string(d.substr(0, space))] = std::string(d.substr(space + 1));
    if (semi == std::string_view::npos) break;
    policy.remove_prefix(semi + 1);
  }
  const std::map<std::string, std::string> expected = {
      {"default-src", "'none'"},
      {"script-src", "'self'"},
      {"style-src", "'self'"},
      {"img-src", "'self'"},
      {"font-src", "'self'"},
      {"media-src", "'self'"},
      {"connect-src", "'self'"},
      {"manifest-src", "'self'"},
      {"frame-src", "https://*.daily.co https://whereby.com https://*.whereby.com"},
      {"base-uri", "'none'"},
      {"form-action", "'self'"},
      {"frame-ancestors", "'none'"},
  };
  EXPECT_EQ(directives, expected);
  EXPECT_THAT(
      std::string(kWebContentSecurityPolicy),
      ::testing::Not(::testing::AnyOf(::testing::HasSubstr("unsafe"), ::testing::HasSubstr("data:"),
                                      ::testing::HasSubstr("blob:"), ::testing::HasSubstr(" * "))));
}

TEST(WebRoutesTest, HashedAssetsAreImmutable) {
  http::Router router = MakeRouter();
  http::Response r = Get(router, "/assets/app-1a2b.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "console.log(1)");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/javascript; charset=utf-8");
}

TEST(WebRoutesTest, GzipWhenAcceptedAndPrecompressed) {
  http::Router router = MakeRouter();
  http::Response gz = Get(router, "/", {{"Accept-Encoding", "br, gzip;q=0.8"}});
  EXPECT_EQ(gz.body, "GZIPPED-INDEX");
  EXPECT_EQ(HeaderOf(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderOf(gz, "Vary"), "Accept-Encoding");
  // Refused with q=0, or not offered: the plain body.
  EXPECT_EQ(Get(router, "/", {{"Accept-Encoding", "gzip;q=0"}}).body, "<html>app</html>");
  EXPECT_EQ(Get(router, "/", {{"Accept-Encoding", "identity"}}).body, "<html>app</html>");
  // A file without a gzip copy is sent plain even to gzip clients.
  http::Response js = Get(router, "/assets/app-1a2b.js", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(HeaderOf(js, "Content-Encoding"), "<none>");
}

TEST(WebRoutesTest, MatchingEtagAnswers304WithoutBody) {
  http::Router router = MakeRouter();
  http::Response r = Get(router, "/assets/app-1a2b.js", {{"If-None-Match", "\"other\", \"js1\""}});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(HeaderOf(r, "ETag"), "\"js1\"");
  EXPECT_EQ(Get(router, "/assets/app-1a2b.js", {{"If-None-Match", "\"stale\""}}).status, 200);
}

TEST(WebRoutesTest, AppRoutesFallBackToIndex) {
  http::Router router = MakeRouter();
  for (std::string path :
       {"/rooms", "/standup", "/standup/0f3c2b1a-1111", "/transcripts/abc", "/browse"}) {
    http::Response r = Get(router, path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "<html>app</html>") << path;
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache") << path;
  }
  EXPECT_EQ(Get(router, "/standup", {}, http::Method::kHead).status, 200);
}

TEST(WebRoutesTest, ServerPathsAndFileNamesKeepTheir404) {
  http::Router router = MakeRouter();
  for (std::string path :
       {"/v1/nope", "/v1", "/metrics", "/openapi.json", "/openapi.json/x", "/health/", "/mock/x/y",
        "/assets/missing-1234.js", "/favicon.ico", "/room/file.txt"}) {
    http::Response r = Get(router, path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_THAT(r.body, ::testing::Not(::testing::HasSubstr("app"))) << path;
  }
  EXPECT_EQ(Get(router, "/health").body, "healthy");
  // Other methods are not the app's: a POST to an unknown path is a plain 404, a known path with
  // the wrong method a 405.
  EXPECT_EQ(Get(router, "/standup", {}, http::Method::kPost).status, 404);
  EXPECT_EQ(Get(router, "/v1/rooms", {}, http::Method::kGet).status, 405);
}

TEST(WebRoutesTest, NoAssetsInstallsNothing) {
  http::Router router;
  InstallWebUi(router, {});
  EXPECT_FALSE(router.Find(http::Method::kGet, "/").found());
  EXPECT_FALSE(router.Find(http::Method::kGet, "/rooms").found());
}

TEST(AcceptsGzipTest, ReadsCodingsAndQualities) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(AcceptsGzip("xgzip"));
}

}  // namespace
}  // namespace reflector::api
