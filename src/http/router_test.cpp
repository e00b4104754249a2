#include "http/router.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace reflector::http {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Params = std::vector<std::pair<std::string, std::string>>;

// Each handler answers with its own route pattern, so a test can tell which one matched.
Handler Named(const std::string& name) {
  return [name](Request&) { return Response::Text(200, name); };
}

Router MakeRouter() {
  Router r;
  r.Add(Method::kGet, "/", Named("root"));
  r.Add(Method::kGet, "/health", Named("health"));
  r.Add(Method::kGet, "/v1/rooms", Named("list"));
  r.Add(Method::kPost, "/v1/rooms", Named("create"));
  r.Add(Method::kGet, "/v1/rooms/{room_id}", Named("get"));
  r.Add(Method::kPatch, "/v1/rooms/{room_id}", Named("patch"));
  r.Add(Method::kDelete, "/v1/rooms/{room_id}", Named("delete"));
  r.Add(Method::kGet, "/v1/rooms/name/{room_name}", Named("by_name"));
  r.Add(Method::kPost, "/v1/rooms/{room_id}/meeting", Named("meeting"));
  r.Add(Method::kGet, "/v1/rooms/{room_id}/meetings/{meeting_id}", Named("one_meeting"));
  r.Add(Method::kHead, "/v1/files/{key}", Named("head_file"));
  r.Add(Method::kGet, "/v1/files/{key}", Named("get_file"));
  r.Add(Method::kGet, "/slash/", Named("slash"));
  // Backtracking: "/a/b/c" must reach the parameter branch because "/a/b/x" is the only literal.
  r.Add(Method::kGet, "/a/b/x", Named("abx"));
  r.Add(Method::kGet, "/a/{p}/c", Named("apc"));
  return r;
}

std::string Call(const Router::Match& m) {
  Request req;
  return (*m.handler)(req).body;
}

struct FoundCase {
  Method method;
  std::string_view path;
  std::string_view want_handler;
  std::string_view want_route;
  Params want_params;
};

TEST(RouterTest, FindsRoutes) {
  const Router router = MakeRouter();
  const FoundCase cases[] = {
      {Method::kGet, "/", "root", "/", {}},
      {Method::kGet, "/health", "health", "/health", {}},
      {Method::kGet, "/v1/rooms", "list", "/v1/rooms", {}},
      {Method::kPost, "/v1/rooms", "create", "/v1/rooms", {}},
      {Method::kGet, "/v1/rooms/abc", "get", "/v1/rooms/{room_id}", {{"room_id", "abc"}}},
      {Method::kPatch, "/v1/rooms/abc", "patch", "/v1/rooms/{room_id}", {{"room_id", "abc"}}},
      {Method::kDelete, "/v1/rooms/abc", "delete", "/v1/rooms/{room_id}", {{"room_id", "abc"}}},
      // Literal beats parameter.
      {Method::kGet,
       "/v1/rooms/name/my-room",
       "by_name",
       "/v1/rooms/name/{room_name}",
       {{"room_name", "my-room"}}},
      // ...but "name" alone is still a valid room id for the one-segment route.
      {Method::kGet, "/v1/rooms/name", "get", "/v1/rooms/{room_id}", {{"room_id", "name"}}},
      {Method::kPost,
       "/v1/rooms/r1/meeting",
       "meeting",
       "/v1/rooms/{room_id}/meeting",
       {{"room_id", "r1"}}},
      {Method::kGet,
       "/v1/rooms/r1/meetings/m2",
       "one_meeting",
       "/v1/rooms/{room_id}/meetings/{meeting_id}",
       {{"room_id", "r1"}, {"meeting_id", "m2"}}},
      // Percent-decoding of parameters; an encoded slash stays inside one segment.
      {Method::kGet, "/v1/rooms/a%20b", "get", "/v1/rooms/{room_id}", {{"room_id", "a b"}}},
      {Method::kGet, "/v1/rooms/a%2Fb", "get", "/v1/rooms/{room_id}", {{"room_id", "a/b"}}},
      {Method::kGet,
       "/v1/rooms/caf%C3%A9",
       "get",
       "/v1/rooms/{room_id}",
       {{"room_id", "caf\xc3\xa9"}}},
      // Literal segments compare after decoding.
      {Method::kGet, "/v1/%72ooms", "list", "/v1/rooms", {}},
      // HEAD falls back to GET, but an explicit HEAD route wins.
      {Method::kHead, "/v1/rooms/abc", "get", "/v1/rooms/{room_id}", {{"room_id", "abc"}}},
      {Method::kHead, "/v1/files/k", "head_file", "/v1/files/{key}", {{"key", "k"}}},
      {Method::kGet, "/v1/files/k", "get_file", "/v1/files/{key}", {{"key", "k"}}},
      // Trailing slash is significant in both directions.
      {Method::kGet, "/slash/", "slash", "/slash/", {}},
      // Backtracking out of a literal branch that has no matching route.
      {Method::kGet, "/a/b/c", "apc", "/a/{p}/c", {{"p", "b"}}},
      {Method::kGet, "/a/b/x", "abx", "/a/b/x", {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(MethodName(c.method)) + " " + std::string(c.path));
    const Router::Match m = router.Find(c.method, c.path);
    ASSERT_TRUE(m.found());
    EXPECT_FALSE(m.method_not_allowed());
    EXPECT_EQ(Call(m), c.want_handler);
    EXPECT_EQ(m.route, c.want_route);
    EXPECT_EQ(m.params, c.want_params);
    EXPECT_THAT(m.allowed, IsEmpty());
  }
}

TEST(RouterTest, NotFound) {
  const Router router = MakeRouter();
  for (std::string_view path :
       {"/nope", "/v1", "/v1/rooms/", "/health/", "/slash", "/v1/rooms//meeting",
        "/v1/rooms/a/b/c/d", "", "health", "/v1/rooms/r1/meeting/"}) {
    SCOPED_TRACE(path);
    const Router::Match m = router.Find(Method::kGet, path);
    EXPECT_FALSE(m.found());
    EXPECT_FALSE(m.method_not_allowed());
    EXPECT_EQ(m.route, "");
    EXPECT_THAT(m.allowed, IsEmpty());
    EXPECT_THAT(m.params, IsEmpty());
  }
}

struct NotAllowedCase {
  Method method;
  std::string_view path;
  std::string_view want_route;
  std::vector<Method> want_allowed;
};

TEST(RouterTest, MethodNotAllowedListsAllowedMethods) {
  const Router router = MakeRouter();
  const NotAllowedCase cases[] = {
      {Method::kDelete, "/health", "/health", {Method::kGet, Method::kHead}},
      {Method::kPut, "/v1/rooms", "/v1/rooms", {Method::kGet, Method::kHead, Method::kPost}},
      {Method::kPost,
       "/v1/rooms/abc",
       "/v1/rooms/{room_id}",
       {Method::kGet, Method::kHead, Method::kPatch, Method::kDelete}},
      {Method::kGet, "/v1/rooms/r1/meeting", "/v1/rooms/{room_id}/meeting", {Method::kPost}},
      // Both the literal route (GET) and the parameter route (GET, PATCH, DELETE) match the path.
      {Method::kPost,
       "/v1/rooms/name/x",
       "/v1/rooms/name/{room_name}",
       {Method::kGet, Method::kHead}},
      {Method::kOptions,
       "/v1/rooms/abc",
       "/v1/rooms/{room_id}",
       {Method::kGet, Method::kHead, Method::kPatch, Method::kDelete}},
      {Method::kOther, "/", "/", {Method::kGet, Method::kHead}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(MethodName(c.method)) + " " + std::string(c.path));
    const Router::Match m = router.Find(c.method, c.path);
    EXPECT_FALSE(m.found());
    ASSERT_TRUE(m.method_not_allowed());
    EXPECT_EQ(m.route, c.want_route);
    EXPECT_EQ(m.allowed, c.want_allowed);
  }
}

TEST(RouterTest, RoutesInRegistrationOrder) {
  Router r;
  r.Add(Method::kPost, "/b", Named("b"));
  r.Add(Method::kGet, "/a/{x}", Named("a"));
  EXPECT_THAT(r.Routes(), ElementsAre(std::pair<Method, std::string>{Method::kPost, "/b"},
                                      std::pair<Method, std::string>{Method::kGet, "/a/{x}"}));
}

TEST(RouterTest, ParameterNamesMayDifferPerRoute) {
  Router r;
  r.Add(Method::kGet, "/x/{a}", Named("get"));
  r.Add(Method::kDelete, "/x/{b}", Named("delete"));
  EXPECT_EQ(r.Find(Method::kGet, "/x/1").params, Params({{"a", "1"}}));
  EXPECT_EQ(r.Find(Method::kDelete, "/x/1").params, Params({{"b", "1"}}));
}

TEST(RouterTest, RejectsBadPatterns) {
  for (std::string_view pattern :
       {"", "no-slash", "/a/{", "/a/}", "/a/x{id}", "/a/{}", "/a/{id}/{id}", "/a/{i{d}"}) {
    SCOPED_TRACE(pattern);
    Router r;
    EXPECT_THROW(r.Add(Method::kGet, std::string(pattern), Named("x")), std::invalid_argument);
    EXPECT_THAT(r.Routes(), IsEmpty());
  }
  Router r;
  r.Add(Method::kGet, "/a/{id}", Named("x"));
  EXPECT_THROW(r.Add(Method::kGet, "/a/{other}", Named("y")), std::invalid_argument);
  EXPECT_THROW(r.Add(Method::kOther, "/b", Named("y")), std::invalid_argument);
  EXPECT_EQ(r.Routes().size(), 1u);
  r.Add(Method::kPost, "/a/{id}", Named("z"));  // another method on the same pattern is fine
  EXPECT_EQ(r.Routes().size(), 2u);
}

TEST(RouterTest, CopyIsIndependentAndWorks) {
  Router original = MakeRouter();
  Router copy = original;
  original = Router();
  const Router::Match m = copy.Find(Method::kGet, "/v1/rooms/abc");
  ASSERT_TRUE(m.found());
  EXPECT_EQ(Call(m), "get");
  EXPECT_FALSE(original.Find(Method::kGet, "/v1/rooms/abc").found());
}

}  // namespace
}  // namespace reflector::http

namespace reflector::http {
namespace {

std::string Answer(const Router& router, Method method, std::string_view path) {
  Router::Match match = router.Find(method, path);
  if (!match.found()) return "<miss>";
  Request request;
  return (*match.handler)(request).body;
}

TEST(RouterFallbackTest, AnswersGetAndHeadOnlyWhenNoRouteMatchesThePath) {
  Router r = MakeRouter();
  r.SetFallback(Named("fallback"));
  EXPECT_EQ(Answer(r, Method::kGet, "/standup"), "fallback");
  EXPECT_EQ(Answer(r, Method::kHead, "/standup/123"), "fallback");
  EXPECT_EQ(r.Find(Method::kGet, "/standup").route, Router::kFallbackRoute);
  EXPECT_THAT(r.Find(Method::kGet, "/standup").params, IsEmpty());
  // Registered routes keep their handlers.
  EXPECT_EQ(Answer(r, Method::kGet, "/health"), "health");
  EXPECT_EQ(Answer(r, Method::kGet, "/v1/rooms/abc"), "get");
  // Other methods on unknown paths stay 404.
  EXPECT_FALSE(r.Find(Method::kPost, "/standup").found());
  EXPECT_FALSE(r.Find(Method::kPost, "/standup").method_not_allowed());
  // A path known for other methods stays a 405, not the fallback.
  Router::Match wrong_method = r.Find(Method::kPut, "/v1/rooms");
  EXPECT_TRUE(wrong_method.method_not_allowed());
}

TEST(RouterFallbackTest, PathsTheFilterRefusesStayPlainMisses) {
  Router r = MakeRouter();
  r.SetFallback(Named("fallback"), [](std::string_view path) { return !path.starts_with("/v1/"); });
  EXPECT_EQ(Answer(r, Method::kGet, "/standup"), "fallback");
  Router::Match refused = r.Find(Method::kGet, "/v1/nothing");
  EXPECT_FALSE(refused.found());
  EXPECT_FALSE(refused.method_not_allowed());
  EXPECT_EQ(refused.route, "");
  Router copy(r);
  EXPECT_FALSE(copy.Find(Method::kGet, "/v1/nothing").found());
  EXPECT_EQ(Answer(copy, Method::kGet, "/standup"), "fallback");
}

TEST(RouterFallbackTest, NoFallbackByDefaultAndCopiesKeepIt) {
  Router plain = MakeRouter();
  EXPECT_FALSE(plain.Find(Method::kGet, "/standup").found());
  Router r = MakeRouter();
  r.SetFallback(Named("fallback"));
  Router copy(r);
  EXPECT_EQ(Answer(copy, Method::kGet, "/x"), "fallback");
  Router assigned;
  assigned = r;
  EXPECT_EQ(Answer(assigned, Method::kGet, "/x"), "fallback");
}

}  // namespace
}  // namespace reflector::http
