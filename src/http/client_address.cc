// client_address.cc: trusted proxy ranges, the X-Forwarded-For walk and
// address keys for the sign-up rate limit.
#include "http/client_address.h"

#include <boost/system/error_code.hpp>

#include <charconv>
#include <optional>

namespace guestpass::http {
namespace {

namespace ip = boost::asio::ip;
using core::ErrorCode;
using core::Result;
using core::Status;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A plain IPv4 or IPv6 address; no brackets, port or scope id.
std::optional<ip::address> ParsePlainAddress(std::string_view s) {
  if (s.empty() || s.find('%') != std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  ip::address a = ip::make_address(std::string(s), ec);
  if (ec) return std::nullopt;
  return a;
}

// IPv4-mapped IPv6 addresses become IPv4; anything else is returned as is.
ip::address Unmap(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

// True if the first `prefix` bits of a and b agree.
bool PrefixMatches(const unsigned char* a, const unsigned char* b, int prefix) {
  int full = prefix / 8;
  for (int i = 0; i < full; ++i) {
    if (a[i] != b[i]) return false;
  }
  int rest = prefix % 8;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

// True if any bit after the first `prefix` of `bytes` (of `len` bytes) is set.
bool HostBitsSet(const unsigned char* bytes, int len, int prefix) {
  for (int bit = prefix; bit < len * 8; ++bit) {
    if (bytes[bit / 8] & (0x80 >> (bit % 8))) return true;
  }
  return false;
}

Status BadEntry(std::string_view entry, std::string_view why) {
  return Status::InvalidArgument(ErrorCode::kInvalidParameter,
                                 "trusted proxy entry \"" + std::string(entry) + "\": " + std::string(why));
}

}  // namespace

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies out;
  if (Trim(list).empty()) return out;
  while (true) {
    size_t comma = list.find(',');
    std::string_view entry = Trim(list.substr(0, comma));
    if (entry.empty()) return BadEntry(entry, "empty entry");

    std::string_view addr_text = entry;
    std::optional<int> prefix;
    if (size_t slash = entry.find('/'); slash != std::string_view::npos) {
      addr_text = entry.substr(0, slash);
      std::string_view len_text = entry.substr(slash + 1);
      int len = -1;
      auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
      if (len_text.empty() || len_text.size() > 3 || ec != std::errc() || end != len_text.data() + len_text.size()) {
        return BadEntry(entry, "bad prefix length");
      }
      prefix = len;
    }
    std::optional<ip::address> parsed = ParsePlainAddress(addr_text);
    if (!parsed) return BadEntry(entry, "bad address");

    Range r;
    if (parsed->is_v4()) {
      r.v4 = true;
      r.prefix = prefix.value_or(32);
      if (r.prefix < 0 || r.prefix > 32) return BadEntry(entry, "bad prefix length (IPv4 allows 0 to 32)");
      auto b = parsed->to_v4().to_bytes();
      std::copy(b.begin(), b.end(), r.bytes.begin());
    } else {
      r.prefix = prefix.value_or(128);
      if (r.prefix < 0 || r.prefix > 128) return BadEntry(entry, "bad prefix length (IPv6 allows 0 to 128)");
      r.bytes = parsed->to_v6().to_bytes();
      if (parsed->to_v6().is_v4_mapped() && r.prefix >= 96) {
        // Contains() matches mapped addresses as IPv4, so store the range that way.
        r.v4 = true;
        r.prefix -= 96;
        std::copy(r.bytes.begin() + 12, r.bytes.end(), r.bytes.begin());
        std::fill(r.bytes.begin() + 4, r.bytes.end(), 0);
      }
    }
    if (HostBitsSet(r.bytes.data(), r.v4 ? 4 : 16, r.prefix)) {
      return BadEntry(entry, "host bits set after the prefix length");
    }
    out.ranges_.push_back(r);

    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool TrustedProxies::Contains(const ip::address& address) const {
  ip::address a = Unmap(address);
  std::array<unsigned char, 16> bytes{};
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), bytes.begin());
  } else {
    bytes = a.to_v6().to_bytes();
  }
  for (const Range& r : ranges_) {
    if (r.v4 == a.is_v4() && PrefixMatches(r.bytes.data(), bytes.data(), r.prefix)) return true;
  }
  return false;
}

ip::address ClientAddress(const ip::address& peer, std::string_view x_forwarded_for, const TrustedProxies& trusted) {
  if (!trusted.Contains(peer)) return peer;
  ip::address last_good = peer;
  std::string_view rest = x_forwarded_for;
  if (Trim(rest).empty()) return peer;
  while (true) {
    size_t comma = rest.rfind(',');
    std::string_view entry = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    std::optional<ip::address> a = ParsePlainAddress(entry);
    if (!a) return last_good;
    if (!trusted.Contains(*a)) return *a;
    last_good = *a;
    if (comma == std::string_view::npos) return last_good;  // all trusted: the left-most entry
    rest = rest.substr(0, comma);
  }
}

boost::asio::ip::address ClientAddressOf(const Request& req, const boost::asio::ip::address& peer,
                                         const TrustedProxies* trusted) {
  static const TrustedProxies kNone;
  std::string forwarded;
  for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) {
    if (!forwarded.empty()) forwarded += ',';
    forwarded += Sv(it->value());
  }
  return ClientAddress(peer, forwarded, trusted ? *trusted : kNone);
}

std::string AddressKey(const ip::address& address) {
  ip::address a = Unmap(address);
  if (a.is_v4()) return a.to_v4().to_string();
  auto bytes = a.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace guestpass::http
