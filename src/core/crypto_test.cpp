#include "core/crypto.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/encoding.hpp"

namespace reflector {
namespace {

std::string Repeat(char c, size_t n) { return std::string(n, c); }

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

struct HmacCase {
  const char* name;
  std::string key;
  std::string data;
  std::string expected_hex;  // full HMAC-SHA256, or its first 16 bytes for case 5
};

// RFC 4231 §4.2–§4.8, HMAC-SHA-256 column.
TEST(CryptoTest, HmacSha256Rfc4231Vectors) {
  const HmacCase cases[] = {
      {"case1", Repeat('\x0b', 20), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"case2", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"case3", Repeat('\xaa', 20), Repeat('\xdd', 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"case4", FromHex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Repeat('\xcd', 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"case5_truncated_128", Repeat('\x0c', 20), "Test With Truncation",
       "a3b6167473100ee06e0c796c2955552b"},
      {"case6", Repeat('\xaa', 131), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"case7", Repeat('\xaa', 131),
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string mac = HmacSha256(c.key, c.data);
    ASSERT_EQ(mac.size(), 32u);
    EXPECT_EQ(HexEncode(mac).substr(0, c.expected_hex.size()), c.expected_hex);
  }
}

TEST(CryptoTest, HmacSha256AcceptsEmptyKeyAndMessage) {
  // Known answer (Python: hmac.new(b"", b"", hashlib.sha256).hexdigest()).
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(CryptoTest, Sha256HexKnownAnswers) {
  // FIPS 180-2 examples.
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

// reflector-reference.md §2.5: the raw-tracks recording instanceId of a meeting.
TEST(CryptoTest, UuidV5ReferenceVectors) {
  constexpr std::string_view kNamespace = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
  const std::pair<const char*, const char*> cases[] = {
      {"4ad503b6-8189-4910-a8f7-68cdd1b7f990", "784b3af3-c7dd-57f0-ac54-2ee91c6927cb"},
      {"550e8400-e29b-41d4-a716-446655440000", "7b9ec21a-15b2-5ba8-8b95-6333eb5e470b"},
  };
  for (const auto& [name, expected] : cases) {
    auto id = UuidV5(kNamespace, name);
    ASSERT_TRUE(id) << id.error().ToString();
    EXPECT_EQ(*id, expected) << name;
  }
}

TEST(CryptoTest, UuidV5Rfc4122DnsExample) {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
  auto id = UuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST(CryptoTest, UuidV5AcceptsUppercaseNamespace) {
  auto id = UuidV5("A1B2C3D4-E5F6-7890-ABCD-EF1234567890", "4ad503b6-8189-4910-a8f7-68cdd1b7f990");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "784b3af3-c7dd-57f0-ac54-2ee91c6927cb");
}

TEST(CryptoTest, UuidV5RejectsMalformedNamespace) {
  const char* bad[] = {
      "",
      "a1b2c3d4e5f67890abcdef1234567890",        // no hyphens
      "a1b2c3d4-e5f6-7890-abcd-ef123456789",     // one digit short
      "a1b2c3d4-e5f6-7890-abcd-ef12345678901",   // one digit long
      "a1b2c3d4-e5f6-7890-abcd_ef1234567890",    // wrong separator
      "g1b2c3d4-e5f6-7890-abcd-ef1234567890",    // non-hex digit
      "{a1b2c3d4-e5f6-7890-abcd-ef1234567890}",  // braces
      "a1b2c3d-4e5f6-7890-abcd-ef1234567890",    // hyphen misplaced
  };
  for (const char* ns : bad) {
    auto id = UuidV5(ns, "x");
    ASSERT_FALSE(id) << ns;
    EXPECT_EQ(id.error().code, Code::kInvalidArgument) << ns;
  }
}

}  // namespace
}  // namespace reflector
