// Which network addresses an outbound request built from untrusted input may reach (contract
// §7.3): no private, loopback, link-local, unique-local, multicast or otherwise special-purpose
// addresses, unless the request's host name is listed in DOWNLOAD_ALLOWED_HOSTS.
//
// Used by the safe downloader (recordings, calendars) and outgoing room webhooks. The check is
// made on the address a socket is about to connect to, not on what DNS said earlier, so a name
// that resolves to a public address first and a private one later (DNS rebinding) is still refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sockaddr;

namespace reflector::net {

// True when `address` (numeric IPv4 or IPv6 text, brackets allowed) is a globally routable
// unicast address. IPv4-mapped, NAT64 and 6to4 IPv6 addresses are judged by the IPv4 address
// they embed. Unparsable text → false.
bool IsPublicAddress(std::string_view address);

// The same for a socket address (AF_INET / AF_INET6; any other family → false).
bool IsPublicSockaddr(const sockaddr* address);

// Numeric text of a socket address ("10.0.0.5", "fd00::1"); empty for other families.
std::string SockaddrToString(const sockaddr* address);

// A host name as given in a URL (brackets of IPv6 literals removed, lower-cased) matched against
// an allow list of host names or literal addresses (same normalisation). Thread-safe.
class HostAllowList {
 public:
  HostAllowList() = default;
  explicit HostAllowList(const std::vector<std::string>& hosts);
  bool Contains(std::string_view host) const;
  bool empty() const { return hosts_.empty(); }

 private:
  std::vector<std::string> hosts_;
};

// Lower-cased host without IPv6 brackets.
std::string NormalizeHost(std::string_view host);

}  // namespace reflector::net
