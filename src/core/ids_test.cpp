#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace reflector {
namespace {

TEST(IdsTest, Uuid4HasVersionAndVariantBits) {
  const std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuid4();
    ASSERT_TRUE(std::regex_match(id, shape)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdsTest, UrlSafeTokenIs43CharsFor32Bytes) {
  const std::string token = RandomUrlSafeToken(32);
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  EXPECT_NE(token, RandomUrlSafeToken(32));
  EXPECT_EQ(RandomUrlSafeToken(1).size(), 2u);
  EXPECT_EQ(RandomUrlSafeToken(2).size(), 3u);
}

}  // namespace
}  // namespace reflector
