#include "http/message.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace reflector::http {
namespace {

TEST(MethodTest, NamesRoundTrip) {
  for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                   Method::kDelete, Method::kOptions}) {
    EXPECT_EQ(ParseMethod(MethodName(m)), m) << MethodName(m);
  }
  EXPECT_EQ(ParseMethod("get"), Method::kOther);  // method names are case-sensitive
  EXPECT_EQ(ParseMethod("PROPFIND"), Method::kOther);
  EXPECT_EQ(MethodName(Method::kOther), "OTHER");
}

TEST(HeaderNameEqualsTest, IgnoresAsciiCase) {
  EXPECT_TRUE(HeaderNameEquals("Content-Type", "content-type"));
  EXPECT_TRUE(HeaderNameEquals("X-REQUEST-ID", "x-request-id"));
  EXPECT_FALSE(HeaderNameEquals("Content-Type", "Content-Typ"));
  EXPECT_FALSE(HeaderNameEquals("Accept", "Accept-"));
}

TEST(PercentDecodeTest, Table) {
  struct Case {
    std::string_view in;
    bool plus_as_space;
    std::string_view want;
  };
  const Case cases[] = {
      {"abc", false, "abc"},     {"a%20b", false, "a b"},
      {"a%2Fb", false, "a/b"},   {"%e2%82%AC", false, "\xe2\x82\xac"},
      {"a+b", false, "a+b"},     {"a+b", true, "a b"},
      {"100%", false, "100%"},    // truncated escape kept verbatim
      {"%4", false, "%4"},        // truncated escape kept verbatim
      {"%zz%41", false, "%zzA"},  // invalid escape kept, valid one decoded
      {"", false, ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(PercentDecode(c.in, c.plus_as_space), c.want) << c.in;
  }
}

TEST(RequestTest, HeadersAndParams) {
  Request r;
  r.headers = {{"Content-Type", "application/json"}, {"X-Thing", "1"}, {"x-thing", "2"}};
  r.query = "page=2&name=a+b%21&empty=&flag&page=3";
  r.path_params = {{"room_id", "abc"}};

  EXPECT_EQ(r.GetHeader("content-type"), "application/json");
  EXPECT_EQ(r.GetHeader("X-THING"), "1");
  EXPECT_EQ(r.GetHeader("Missing"), std::nullopt);

  EXPECT_EQ(r.QueryParam("page"), "2");
  EXPECT_EQ(r.QueryParam("name"), "a b!");
  EXPECT_EQ(r.QueryParam("empty"), "");
  EXPECT_EQ(r.QueryParam("flag"), "");
  EXPECT_EQ(r.QueryParam("nope"), std::nullopt);

  EXPECT_EQ(r.PathParam("room_id"), "abc");
  EXPECT_EQ(r.PathParam("other"), "");
}

TEST(ResponseTest, Helpers) {
  Response json = Response::Json(201, nlohmann::json{{"id", 7}});
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.body, R"({"id":7})");
  EXPECT_EQ(json.GetHeader("content-type"), "application/json");

  Response detail = Response::Detail(404, "Room not found");
  EXPECT_EQ(detail.status, 404);
  EXPECT_EQ(detail.body, R"({"detail":"Room not found"})");

  Response text = Response::Text(200, "hi");
  EXPECT_EQ(text.body, "hi");
  EXPECT_EQ(text.GetHeader("Content-Type"), "text/plain");

  text.SetHeader("content-type", "text/html");
  ASSERT_EQ(text.headers.size(), 1u);
  EXPECT_EQ(text.GetHeader("Content-Type"), "text/html");
  text.SetHeader("X-Other", "1");
  EXPECT_EQ(text.headers.size(), 2u);
}

TEST(ResponseTest, JsonWithInvalidUtf8DoesNotThrow) {
  Response r = Response::Detail(400, "bad \xff byte");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("bad "), std::string::npos);
}

}  // namespace
}  // namespace reflector::http
