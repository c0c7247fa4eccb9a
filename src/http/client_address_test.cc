// client_address_test.cc: trusted proxy ranges, the X-Forwarded-For walk and address keys.
#include "http/client_address.h"

#include <gtest/gtest.h>

#include <string>

namespace guestpass::http {
namespace {

namespace ip = boost::asio::ip;

ip::address A(const std::string& s) { return ip::make_address(s); }

TrustedProxies Trusted(std::string_view list) {
  auto r = TrustedProxies::Parse(list);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : TrustedProxies();
}

// ---- TrustedProxies::Parse and Contains ----

TEST(TrustedProxiesTest, ContainsAddressesInsideItsIpv4Ranges) {
  TrustedProxies t = Trusted("10.0.0.0/8,192.168.1.0/24");
  EXPECT_TRUE(t.Contains(A("10.255.1.2")));
  EXPECT_TRUE(t.Contains(A("192.168.1.77")));
  EXPECT_FALSE(t.Contains(A("192.168.2.1")));
  EXPECT_FALSE(t.Contains(A("11.0.0.1")));
}

TEST(TrustedProxiesTest, ContainsAddressesInsideItsIpv6Ranges) {
  TrustedProxies t = Trusted("::1/128, fd00::/8, 2001:db8:abcc::/47");
  EXPECT_TRUE(t.Contains(A("::1")));
  EXPECT_FALSE(t.Contains(A("::2")));
  EXPECT_TRUE(t.Contains(A("fd12:3456::9")));
  EXPECT_TRUE(t.Contains(A("2001:db8:abcd:ffff::1")));
  EXPECT_TRUE(t.Contains(A("2001:db8:abcc::1")));
  EXPECT_FALSE(t.Contains(A("2001:db8:abce::1")));
}

TEST(TrustedProxiesTest, NeverMatchesAnIpv4AddressAgainstAnIpv6RangeOrBack) {
  TrustedProxies t = Trusted("::/0");
  EXPECT_TRUE(t.Contains(A("2001:db8::1")));
  EXPECT_FALSE(t.Contains(A("10.0.0.1")));
  TrustedProxies v4 = Trusted("0.0.0.0/0");
  EXPECT_TRUE(v4.Contains(A("8.8.8.8")));
  EXPECT_FALSE(v4.Contains(A("2001:db8::1")));
}

TEST(TrustedProxiesTest, MatchesIpv4MappedAddressesAsIpv4) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  EXPECT_TRUE(t.Contains(A("::ffff:10.1.2.3")));
  EXPECT_FALSE(t.Contains(A("::ffff:11.1.2.3")));
  TrustedProxies mapped = Trusted("::ffff:10.0.0.0/104");
  EXPECT_TRUE(mapped.Contains(A("10.9.9.9")));
  EXPECT_TRUE(mapped.Contains(A("::ffff:10.9.9.9")));
  EXPECT_FALSE(mapped.Contains(A("11.9.9.9")));
}

TEST(TrustedProxiesTest, TakesABareAddressAsOneHost) {
  TrustedProxies t = Trusted("10.0.0.1, ::1");
  EXPECT_TRUE(t.Contains(A("10.0.0.1")));
  EXPECT_FALSE(t.Contains(A("10.0.0.2")));
  EXPECT_TRUE(t.Contains(A("::1")));
}

TEST(TrustedProxiesTest, AllowsWhitespaceAroundEntries) {
  TrustedProxies t = Trusted("  10.0.0.0/8 ,\t172.16.0.0/12  ,::1/128 ");
  EXPECT_TRUE(t.Contains(A("10.1.1.1")));
  EXPECT_TRUE(t.Contains(A("172.31.0.1")));
  EXPECT_TRUE(t.Contains(A("::1")));
}

TEST(TrustedProxiesTest, AnEmptyListTrustsNobody) {
  TrustedProxies t = Trusted("  ");
  EXPECT_TRUE(t.empty());
  EXPECT_FALSE(t.Contains(A("127.0.0.1")));
}

TEST(TrustedProxiesTest, PrefixZeroMatchesEverythingOfThatFamily) {
  EXPECT_TRUE(Trusted("0.0.0.0/0").Contains(A("203.0.113.9")));
}

void ExpectBadEntry(std::string_view list, const std::string& entry) {
  auto r = TrustedProxies::Parse(list);
  ASSERT_FALSE(r.ok()) << list;
  EXPECT_EQ(r.status().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(r.status().error_code(), core::ErrorCode::kInvalidParameter);
  EXPECT_NE(r.status().message().find("\"" + entry + "\""), std::string::npos) << r.status().message();
}

TEST(TrustedProxiesTest, RejectsABadPrefixLengthNamingTheEntry) {
  ExpectBadEntry("10.0.0.0/8, 10.0.0.0/33", "10.0.0.0/33");
  ExpectBadEntry("::1/129", "::1/129");
  ExpectBadEntry("10.0.0.0/", "10.0.0.0/");
  ExpectBadEntry("10.0.0.0/-1", "10.0.0.0/-1");
  ExpectBadEntry("10.0.0.0/+8", "10.0.0.0/+8");
  ExpectBadEntry("10.0.0.0/8x", "10.0.0.0/8x");
  ExpectBadEntry("10.0.0.0/8/8", "10.0.0.0/8/8");
  ExpectBadEntry("10.0.0.0/ 8", "10.0.0.0/ 8");
}

TEST(TrustedProxiesTest, RejectsABadAddressNamingTheEntry) {
  ExpectBadEntry("10.0.0.0/8, 300.0.0.0/8", "300.0.0.0/8");
  ExpectBadEntry("proxy.internal", "proxy.internal");
  ExpectBadEntry("10.0.0/24", "10.0.0/24");
  ExpectBadEntry("fe80::1%eth0/128", "fe80::1%eth0/128");
  ExpectBadEntry("[::1]/128", "[::1]/128");
}

TEST(TrustedProxiesTest, RejectsHostBitsAfterThePrefix) {
  ExpectBadEntry("10.0.0.1/8", "10.0.0.1/8");
  ExpectBadEntry("2001:db8::1/64", "2001:db8::1/64");
}

TEST(TrustedProxiesTest, RejectsEmptyEntries) {
  EXPECT_FALSE(TrustedProxies::Parse("10.0.0.0/8,").ok());
  EXPECT_FALSE(TrustedProxies::Parse(",10.0.0.0/8").ok());
  EXPECT_FALSE(TrustedProxies::Parse("10.0.0.0/8, ,::1").ok());
}

// ---- ClientAddress ----

TEST(ClientAddressTest, AnUntrustedPeerIgnoresXForwardedFor) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  EXPECT_EQ(ClientAddress(A("203.0.113.5"), "198.51.100.1", t), A("203.0.113.5"));
  EXPECT_EQ(ClientAddress(A("203.0.113.5"), "10.0.0.1", t), A("203.0.113.5"));
}

TEST(ClientAddressTest, NoTrustedProxiesMeansThePeerAlways) {
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "198.51.100.1", TrustedProxies()), A("10.0.0.1"));
}

TEST(ClientAddressTest, ATrustedPeerTakesTheRightMostUntrustedEntry) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  // The left entry is whatever the client claimed; only the right-most untrusted one is believed.
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "1.1.1.1, 198.51.100.7", t), A("198.51.100.7"));
}

TEST(ClientAddressTest, ATrustedPeerWithoutXForwardedForIsTheClient) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "", t), A("10.0.0.1"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "   ", t), A("10.0.0.1"));
}

TEST(ClientAddressTest, WalksAChainOfSeveralTrustedProxies) {
  TrustedProxies t = Trusted("10.0.0.0/8, 172.16.0.0/12");
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "6.6.6.6, 198.51.100.7, 172.16.5.5, 10.1.1.1", t), A("198.51.100.7"));
  // An untrusted hop in the middle stops the walk there, even if a trusted one is further left.
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "10.9.9.9, 203.0.113.1, 10.1.1.1", t), A("203.0.113.1"));
}

TEST(ClientAddressTest, AllTrustedEntriesGiveTheLeftMost) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "10.3.3.3, 10.2.2.2, 10.1.1.1", t), A("10.3.3.3"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "10.3.3.3", t), A("10.3.3.3"));
}

TEST(ClientAddressTest, AGarbageEntryStopsTheWalkAtTheLastGoodAddress) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "198.51.100.7, garbage, 10.2.2.2", t), A("10.2.2.2"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "198.51.100.7, garbage", t), A("10.0.0.1"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "unknown", t), A("10.0.0.1"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "198.51.100.7, , 10.2.2.2", t), A("10.2.2.2"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "198.51.100.7,", t), A("10.0.0.1"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "198.51.100.7:443", t), A("10.0.0.1"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "[2001:db8::1]", t), A("10.0.0.1"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "fe80::1%eth0", t), A("10.0.0.1"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "198.51.100.7 203.0.113.1", t), A("10.0.0.1"));
}

TEST(ClientAddressTest, IgnoresSpacesAndTabsAroundEntries) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "  198.51.100.7 ,\t10.2.2.2\t", t), A("198.51.100.7"));
  EXPECT_EQ(ClientAddress(A("10.0.0.1"), "198.51.100.7,10.2.2.2", t), A("198.51.100.7"));
}

TEST(ClientAddressTest, HandlesIpv6PeersAndEntries) {
  TrustedProxies t = Trusted("fd00::/8, ::1/128");
  EXPECT_EQ(ClientAddress(A("::1"), "2001:db8::7, fd00::2", t), A("2001:db8::7"));
  EXPECT_EQ(ClientAddress(A("fd00::1"), "198.51.100.7", t), A("198.51.100.7"));
  EXPECT_EQ(ClientAddress(A("2001:db8::9"), "198.51.100.7", t), A("2001:db8::9"));
}

TEST(ClientAddressTest, TrustsAnIpv4MappedPeerInAnIpv4Range) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  EXPECT_EQ(ClientAddress(A("::ffff:10.0.0.1"), "198.51.100.7", t), A("198.51.100.7"));
  EXPECT_EQ(ClientAddress(A("::ffff:10.0.0.1"), "198.51.100.7, ::ffff:10.2.2.2", t), A("198.51.100.7"));
  EXPECT_EQ(ClientAddress(A("::ffff:11.0.0.1"), "198.51.100.7", t), A("::ffff:11.0.0.1"));
}

// ---- AddressKey ----

TEST(AddressKeyTest, WritesIpv4Dotted) { EXPECT_EQ(AddressKey(A("203.0.113.7")), "203.0.113.7"); }

TEST(AddressKeyTest, MasksIpv6ToItsSlash64) {
  EXPECT_EQ(AddressKey(A("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressKey(A("2001:db8:1:2::1")), AddressKey(A("2001:db8:1:2:ffff::9")));
  EXPECT_NE(AddressKey(A("2001:db8:1:2::1")), AddressKey(A("2001:db8:1:3::1")));
}

TEST(AddressKeyTest, WritesIpv4MappedAsTheIpv4) {
  EXPECT_EQ(AddressKey(A("::ffff:203.0.113.7")), "203.0.113.7");
  EXPECT_EQ(AddressKey(A("::ffff:203.0.113.7")), AddressKey(A("203.0.113.7")));
}

TEST(AddressKeyTest, DropsTheScopeId) {
  ip::address_v6 scoped = A("fe80::1:2:3:4").to_v6();
  scoped.scope_id(3);
  EXPECT_EQ(AddressKey(ip::address(scoped)), "fe80::/64");
}

}  // namespace
}  // namespace guestpass::http
