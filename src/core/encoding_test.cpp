#include "core/encoding.hpp"

#include <gtest/gtest.h>

namespace reflector {
namespace {

TEST(EncodingTest, Base64KnownAnswers) {
  // RFC 4648 §10 test vectors.
  const std::pair<const char*, const char*> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(EncodingTest, Base64AcceptsMissingPaddingAndRejectsGarbage) {
  EXPECT_EQ(Base64Decode("Zm9vYg").value_or("?"), "foob");
  EXPECT_FALSE(Base64Decode("Zm9v!"));
  EXPECT_FALSE(Base64Decode("Z"));
  EXPECT_FALSE(Base64Decode("Zm 9v"));
}

TEST(EncodingTest, HexIsLowercase) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10\xAB", 4)), "00ff10ab");
}

}  // namespace
}  // namespace reflector
