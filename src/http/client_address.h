// client_address.h: which address a request counts against for abuse limits
// (issue 4, "Abuse limits"): trusted proxy ranges, X-Forwarded-For, and the
// bucket key of an address. It does not read any other forwarded header.
#pragma once

#include "http/types.h"

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace guestpass::http {

// A set of CIDR ranges whose X-Forwarded-For is believed. Immutable after
// Parse, so concurrent reads are safe. An empty set trusts nobody.
class TrustedProxies {
 public:
  TrustedProxies() = default;

  // Parses "CIDR[,CIDR...]", e.g. "10.0.0.0/8, 192.168.0.0/16,::1/128".
  // Whitespace around entries is ignored; an empty or all-blank list gives an
  // empty set. An entry without "/len" is one host (/32 or /128). IPv4-mapped
  // IPv6 ranges ("::ffff:10.0.0.0/104") are stored as their IPv4 range.
  // Returns InvalidArgument (kInvalidParameter) naming the first bad entry:
  // an empty entry, an address that does not parse (scope ids such as
  // "%eth0" included), a prefix length that is not 0..32 (IPv4) or 0..128
  // (IPv6) in plain decimal, or host bits set beyond the prefix
  // ("10.0.0.1/8" is refused rather than silently widened).
  static core::Result<TrustedProxies> Parse(std::string_view list);

  // True if `a` lies in one of the ranges. An IPv4-mapped IPv6 address
  // ("::ffff:10.1.2.3", what a dual-stack socket reports) is matched as IPv4.
  bool Contains(const boost::asio::ip::address& a) const;

  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    bool v4 = false;
    std::array<unsigned char, 16> bytes{};  // network address; first 4 bytes for IPv4
    int prefix = 0;
  };
  std::vector<Range> ranges_;
};

// The address a request counts against.
// If `peer` (the TCP peer) is not in `trusted`, the client is `peer` and
// `x_forwarded_for` is ignored. Otherwise X-Forwarded-For is walked from the
// right: the first entry not in `trusted` is the client; if every entry is
// trusted, the left-most one is. An entry that is not a plain IPv4 or IPv6
// address (empty, "unknown", with a port, brackets or a scope id) stops the
// walk, and the last good address seen (the peer if none) is the client.
// Entries are separated by commas; spaces and tabs around them are ignored.
// REQUIRES: several X-Forwarded-For header lines are joined with "," in
// order before the call. Forwarded, X-Real-IP and the like are never read.
boost::asio::ip::address ClientAddress(const boost::asio::ip::address& peer, std::string_view x_forwarded_for,
                                       const TrustedProxies& trusted);

// ClientAddress of a request: its X-Forwarded-For lines joined in order
// (a proxy may append its own line after one the client sent, and the walk
// must see both); `trusted` nullptr: no proxy is.
boost::asio::ip::address ClientAddressOf(const Request& req, const boost::asio::ip::address& peer,
                                         const TrustedProxies* trusted);

// The rate-limit key of an address: IPv4 in dotted form ("203.0.113.7"),
// IPv4-mapped IPv6 as that IPv4, other IPv6 masked to its /64 and written
// with the suffix ("2001:db8:1:2::/64"), since one host usually holds a
// whole /64. The scope id is dropped.
std::string AddressKey(const boost::asio::ip::address& a);

}  // namespace guestpass::http
