#include "platforms/whereby/whereby_wire.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace reflector::platforms::whereby_internal {
namespace {

TEST(WherebyWireTest, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("/team-standup-793e9ec1"), "%2Fteam-standup-793e9ec1");
  EXPECT_EQ(PercentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncode("a b&c=d?e#f+g%"), "a%20b%26c%3Dd%3Fe%23f%2Bg%25");
  EXPECT_EQ(PercentEncode("é"), "%C3%A9");
  EXPECT_EQ(PercentEncode(std::string("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(WherebyWireTest, RoomNamePrefixLowercasesAndAppendsTheSeparator) {
  struct Case {
    std::string name;
    std::string prefix;
  };
  const Case cases[] = {
      {"team-standup", "team-standup-"},
      {"Team-StandUp", "team-standup-"},
      {"room42", "room42-"},
      {"-", "--"},
      {std::string(38, 'a'), std::string(38, 'a') + "-"},  // 39 characters: Whereby's maximum
  };
  for (const Case& c : cases) {
    auto prefix = RoomNamePrefix(c.name);
    ASSERT_TRUE(prefix) << c.name;
    EXPECT_EQ(*prefix, c.prefix) << c.name;
  }
}

TEST(WherebyWireTest, RoomNamePrefixRejectsWhatWherebyWouldRefuse) {
  struct Case {
    std::string name;
    std::string message;
  };
  const std::string kCharset =
      "Room name cannot be used as a Whereby room name prefix: only letters a-z, digits and '-' "
      "are allowed";
  const Case cases[] = {
      {"", "Room name is empty: Whereby needs a room name prefix"},
      {std::string(39, 'a'), "Room name is too long for Whereby: at most 38 characters"},
      {"team standup", kCharset},
      {"team_standup", kCharset},
      {"team/standup", kCharset},
      {"équipe", kCharset},
      {"room.1", kCharset},
  };
  for (const Case& c : cases) {
    auto prefix = RoomNamePrefix(c.name);
    ASSERT_FALSE(prefix) << c.name;
    EXPECT_EQ(prefix.error().code, Code::kInvalidArgument) << c.name;
    EXPECT_EQ(prefix.error().message, c.message) << c.name;
  }
}

TEST(WherebyWireTest, ImageContentTypeByExtension) {
  EXPECT_EQ(ImageContentType("./images/logo.png"), "image/png");
  EXPECT_EQ(ImageContentType("LOGO.PNG"), "image/png");
  EXPECT_EQ(ImageContentType("a.jpg"), "image/jpeg");
  EXPECT_EQ(ImageContentType("a.JPEG"), "image/jpeg");
  EXPECT_EQ(ImageContentType("a.gif"), "image/gif");
  EXPECT_EQ(ImageContentType("a.svg"), "image/svg+xml");
  EXPECT_EQ(ImageContentType("a.webp"), "image/webp");
  EXPECT_EQ(ImageContentType("a.bmp"), "application/octet-stream");
  EXPECT_EQ(ImageContentType("png"), "application/octet-stream");
}

TEST(WherebyWireTest, MultipartBodyHasTheRfc7578Shape) {
  MultipartFile file{"image", "lo\"go\r\n.png", "image/png", std::string("\x89PNG\r\n\0x", 8)};
  EXPECT_EQ(BuildMultipartBody(file, "BOUNDARY"),
            std::string("--BOUNDARY\r\n"
                        "Content-Disposition: form-data; name=\"image\"; filename=\"logo.png\"\r\n"
                        "Content-Type: image/png\r\n"
                        "\r\n") +
                std::string("\x89PNG\r\n\0x", 8) + "\r\n--BOUNDARY--\r\n");
}

TEST(WherebyWireTest, BoundaryIsRandomAndAbsentFromTheContent) {
  std::string a = NewMultipartBoundary("content");
  std::string b = NewMultipartBoundary("content");
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.starts_with("reflector-"));
  EXPECT_EQ(a.size(), 42u);
  for (char c : a) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << a;
  }
}

TEST(WherebyWireTest, JsonNestingLimit) {
  EXPECT_TRUE(JsonNestingWithin(R"({"a":[1,{"b":2}]})", 3));
  EXPECT_FALSE(JsonNestingWithin(R"({"a":[1,{"b":2}]})", 2));
  EXPECT_TRUE(JsonNestingWithin(R"({"a":"[[[[[[\"[[["})", 1));  // brackets inside strings
  EXPECT_FALSE(JsonNestingWithin(std::string(100'000, '['), 64));
}

TEST(WherebyWireTest, RedactRemovesEverySecretOccurrence) {
  EXPECT_EQ(Redact("key k3y and k3y", "k3y"), "key [redacted] and [redacted]");
  EXPECT_EQ(Redact("nothing", ""), "nothing");
}

}  // namespace
}  // namespace reflector::platforms::whereby_internal
