#include "net/address_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace reflector::net {
namespace {

struct V4Block {
  uint32_t network;
  int prefix;
};

constexpr uint32_t Ip(int a, int b, int c, int d) {
  return (static_cast<uint32_t>(a) << 24) | (static_cast<uint32_t>(b) << 16) |
         (static_cast<uint32_t>(c) << 8) | static_cast<uint32_t>(d);
}

// IANA IPv4 special-purpose registry (RFC 6890 and successors): everything that is not a
// globally reachable unicast address.
constexpr std::array<V4Block, 16> kV4Special = {{
    {Ip(0, 0, 0, 0), 8},        // "this network"
    {Ip(10, 0, 0, 0), 8},       // private
    {Ip(100, 64, 0, 0), 10},    // shared address space (carrier-grade NAT)
    {Ip(127, 0, 0, 0), 8},      // loopback
    {Ip(169, 254, 0, 0), 16},   // link-local (cloud metadata lives here)
    {Ip(172, 16, 0, 0), 12},    // private
    {Ip(192, 0, 0, 0), 24},     // IETF protocol assignments
    {Ip(192, 0, 2, 0), 24},     // documentation (TEST-NET-1)
    {Ip(192, 88, 99, 0), 24},   // 6to4 relay anycast (deprecated)
    {Ip(192, 168, 0, 0), 16},   // private
    {Ip(198, 18, 0, 0), 15},    // benchmarking
    {Ip(198, 51, 100, 0), 24},  // documentation (TEST-NET-2)
    {Ip(203, 0, 113, 0), 24},   // documentation (TEST-NET-3)
    {Ip(224, 0, 0, 0), 4},      // multicast
    {Ip(240, 0, 0, 0), 4},      // reserved, and 255.255.255.255 broadcast
    {Ip(255, 255, 255, 255), 32},
}};

bool IsPublicV4(uint32_t ip) {
  for (const auto& block : kV4Special) {
    const uint32_t mask = block.prefix == 0 ? 0 : ~uint32_t{0} << (32 - block.prefix);
    if ((ip & mask) == (block.network & mask)) return false;
  }
  return true;
}

uint32_t V4At(const uint8_t* bytes) {
  return (static_cast<uint32_t>(bytes[0]) << 24) | (static_cast<uint32_t>(bytes[1]) << 16) |
         (static_cast<uint32_t>(bytes[2]) << 8) | static_cast<uint32_t>(bytes[3]);
}

bool StartsWithBytes(const uint8_t* a, std::initializer_list<uint8_t> prefix) {
  size_t i = 0;
  for (uint8_t b : prefix) {
    if (a[i++] != b) return false;
  }
  return true;
}

bool IsPublicV6(const uint8_t* a) {
  static constexpr uint8_t kZero[16] = {};
  // ::/96 covers :: (unspecified), ::1 (loopback) and the deprecated IPv4-compatible block.
  if (std::memcmp(a, kZero, 12) == 0) return false;
  // ::ffff:0:0/96 IPv4-mapped: judged by the embedded IPv4 address.
  if (std::memcmp(a, kZero, 10) == 0 && a[10] == 0xff && a[11] == 0xff)
    return IsPublicV4(V4At(a + 12));
  // 64:ff9b::/96 NAT64 (RFC 6052) and 64:ff9b:1::/48 local-use NAT64.
  if (StartsWithBytes(a, {0x00, 0x64, 0xff, 0x9b})) {
    if (a[4] == 0x00 && a[5] == 0x01) return false;
    return IsPublicV4(V4At(a + 12));
  }
  // 2002::/16 6to4: the IPv4 address follows the prefix.
  if (a[0] == 0x20 && a[1] == 0x02) return IsPublicV4(V4At(a + 2));
  // 2001::/23 IETF protocol assignments (Teredo 2001::/32 included), 2001:db8::/32 documentation.
  if (a[0] == 0x20 && a[1] == 0x01 && (a[2] & 0xfe) == 0x00) return false;
  if (StartsWithBytes(a, {0x20, 0x01, 0x0d, 0xb8})) return false;
  // 100::/64 discard-only.
  if (StartsWithBytes(a, {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})) return false;
  if ((a[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return false;  // fec0::/10 site-local (deprecated)
  if (a[0] == 0xff) return false;                           // ff00::/8 multicast
  // Only 2000::/3 is allocated for global unicast.
  return (a[0] & 0xe0) == 0x20;
}

}  // namespace

std::string NormalizeHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string out(host);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!out.empty() && out.back() == '.') out.pop_back();  // "example.com." is example.com
  return out;
}

bool IsPublicAddress(std::string_view address) {
  const std::string text = NormalizeHost(address);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return IsPublicV4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return IsPublicV6(v6.s6_addr);
  return false;
}

bool IsPublicSockaddr(const sockaddr* address) {
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return IsPublicV4(ntohl(in->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    return IsPublicV6(in6->sin6_addr.s6_addr);
  }
  return false;
}

std::string SockaddrToString(const sockaddr* address) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (address == nullptr) return {};
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf) != nullptr) return buf;
  } else if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    if (inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf) != nullptr) return buf;
  }
  return {};
}

HostAllowList::HostAllowList(const std::vector<std::string>& hosts) {
  for (const auto& h : hosts) {
    std::string n = NormalizeHost(h);
    if (!n.empty()) hosts_.push_back(std::move(n));
  }
}

bool HostAllowList::Contains(std::string_view host) const {
  const std::string n = NormalizeHost(host);
  return std::find(hosts_.begin(), hosts_.end(), n) != hosts_.end();
}

}  // namespace reflector::net
