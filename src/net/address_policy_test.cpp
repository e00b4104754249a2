#include "net/address_policy.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace reflector::net {
namespace {

struct Case {
  const char* address;
  bool is_public;
};

// Contract §7.3: private, loopback, link-local and unique-local addresses (and the other
// special-purpose blocks) are refused; globally routable unicast addresses pass.
TEST(AddressPolicyTest, ClassifiesAddresses) {
  const Case cases[] = {
      {"8.8.8.8", true},
      {"1.1.1.1", true},
      {"93.184.216.34", true},
      {"0.0.0.0", false},
      {"0.1.2.3", false},
      {"10.0.0.5", false},
      {"10.255.255.255", false},
      {"100.64.0.1", false},
      {"100.127.255.255", false},
      {"100.128.0.1", true},
      {"127.0.0.1", false},
      {"127.0.0.2", false},
      {"169.254.169.254", false},
      {"172.15.255.255", true},
      {"172.16.0.1", false},
      {"172.31.255.255", false},
      {"172.32.0.1", true},
      {"192.0.0.8", false},
      {"192.0.2.1", false},
      {"192.168.1.1", false},
      {"198.18.0.1", false},
      {"198.51.100.7", false},
      {"203.0.113.9", false},
      {"224.0.0.1", false},
      {"239.255.255.250", false},
      {"240.0.0.1", false},
      {"255.255.255.255", false},
      {"2606:4700:4700::1111", true},
      {"2a00:1450:4001:80b::200e", true},
      {"::", false},
      {"::1", false},
      {"[::1]", false},
      {"::ffff:127.0.0.2", false},
      {"[::ffff:127.0.0.2]", false},
      {"::ffff:10.0.0.1", false},
      {"::ffff:8.8.8.8", true},
      {"::127.0.0.1", false},
      {"64:ff9b::a00:1", false},   // NAT64 of 10.0.0.1
      {"64:ff9b::808:808", true},  // NAT64 of 8.8.8.8
      {"2002:a00:1::1", false},    // 6to4 of 10.0.0.1
      {"2002:808:808::1", true},   // 6to4 of 8.8.8.8
      {"2001:db8::1", false},
      {"2001::1", false},  // Teredo
      {"fc00::1", false},
      {"fd12:3456:789a::1", false},
      {"fe80::1", false},
      {"febf::1", false},
      {"fec0::1", false},
      {"ff02::1", false},
      {"100::1", false},
      {"4000::1", false},  // not allocated for unicast
      {"not-an-address", false},
      {"", false},
      {"127.1", false},  // inet_pton rejects shorthand: not public either way
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsPublicAddress(c.address), c.is_public) << c.address;
  }
}

TEST(AddressPolicyTest, ClassifiesSocketAddresses) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ASSERT_EQ(inet_pton(AF_INET, "192.168.0.10", &v4.sin_addr), 1);
  EXPECT_FALSE(IsPublicSockaddr(reinterpret_cast<sockaddr*>(&v4)));
  EXPECT_EQ(SockaddrToString(reinterpret_cast<sockaddr*>(&v4)), "192.168.0.10");
  ASSERT_EQ(inet_pton(AF_INET, "8.8.4.4", &v4.sin_addr), 1);
  EXPECT_TRUE(IsPublicSockaddr(reinterpret_cast<sockaddr*>(&v4)));

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:127.0.0.2", &v6.sin6_addr), 1);
  EXPECT_FALSE(IsPublicSockaddr(reinterpret_cast<sockaddr*>(&v6)));
  EXPECT_EQ(SockaddrToString(reinterpret_cast<sockaddr*>(&v6)), "::ffff:127.0.0.2");

  sockaddr unix_like{};
  unix_like.sa_family = AF_UNIX;
  EXPECT_FALSE(IsPublicSockaddr(&unix_like));
  EXPECT_FALSE(IsPublicSockaddr(nullptr));
}

TEST(AddressPolicyTest, AllowListMatchesNormalisedHosts) {
  HostAllowList list({"127.0.0.1", "Files.Example.COM", "[::1]", ""});
  EXPECT_TRUE(list.Contains("127.0.0.1"));
  EXPECT_TRUE(list.Contains("files.example.com"));
  EXPECT_TRUE(list.Contains("files.example.com."));
  EXPECT_TRUE(list.Contains("::1"));
  EXPECT_TRUE(list.Contains("[::1]"));
  EXPECT_FALSE(list.Contains("127.0.0.2"));
  EXPECT_FALSE(list.Contains("example.com"));
  EXPECT_FALSE(list.Contains(""));
  EXPECT_TRUE(HostAllowList().empty());
}

}  // namespace
}  // namespace reflector::net
