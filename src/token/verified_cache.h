// verified_cache.h: the claims of recently verified access tokens, so that a
// client's repeated requests with one token (it keeps an access token for up
// to 30 minutes) skip the HMAC, base64 and JSON work of verification; the
// same idea as Envoy's JWT cache. A hit needs the whole token to be equal,
// byte for byte, to one that passed verification with this service's keys,
// so it proves what verification proved; expiry is still checked on every
// use, by the caller. Only verified tokens are inserted, so nobody can fill
// the cache with tokens of their choosing without logging in.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace guestpass::token {

template <typename Claims>
class VerifiedCache {
 public:
  // Tokens longer than this are not kept (ours are about 300-500 bytes).
  static constexpr size_t kMaxTokenBytes = 1024;

  // `slots` is rounded up to a power of two (at least two); 0 disables the
  // cache. Two slots make a set (two-way set-associative): two tokens whose
  // hashes meet both stay, where one slot each would have them evict each
  // other on every use, a full verification each time (an ECDSA check of
  // ES256 costs about 60 us).
  explicit VerifiedCache(size_t slots) {
    size_t n = kWays;
    while (n < slots) n <<= 1;
    if (slots > 0) {
      slots_.resize(n);
      older_.resize(n / kWays);
    }
  }

  // Copies the claims of `token` into *out when it is cached under
  // `generation` (the keys it was verified with: a token verified with keys
  // since replaced is a miss, so a retired key's tokens are checked again).
  // Thread-safe.
  bool Find(std::string_view token, Claims* out, uint64_t generation = 0) const {
    // An empty slot holds an empty token: never a hit.
    if (slots_.empty() || token.empty() || token.size() > kMaxTokenBytes) return false;
    const size_t set = Set(token);
    std::lock_guard<std::mutex> lock(locks_[set % kLocks]);
    for (size_t way = 0; way < kWays; ++way) {
      const Slot& s = slots_[set * kWays + way];
      if (s.generation == generation && s.token == token) {
        *out = s.claims;
        return true;
      }
    }
    return false;
  }

  // Remembers a token verified with the keys of `generation`, in its set's
  // slot that holds it already, else in the one filled less recently.
  void Insert(std::string_view token, const Claims& claims, uint64_t generation = 0) {
    if (slots_.empty() || token.empty() || token.size() > kMaxTokenBytes) return;
    const size_t set = Set(token);
    std::lock_guard<std::mutex> lock(locks_[set % kLocks]);
    size_t way = older_[set];
    for (size_t w = 0; w < kWays; ++w)
      if (slots_[set * kWays + w].token == token) way = w;
    Slot& s = slots_[set * kWays + way];
    s.token.assign(token);
    s.claims = claims;
    s.generation = generation;
    older_[set] = static_cast<uint8_t>(1 - way);
  }

 private:
  static constexpr size_t kLocks = 64;
  static constexpr size_t kWays = 2;
  struct Slot {
    std::string token;
    Claims claims;
    uint64_t generation = 0;
  };

  // A JWT ends with its base64url signature, whose characters are as good as
  // random: the last twelve make the hash. (A collision only costs a miss.)
  size_t Set(std::string_view token) const {
    size_t h = 0;
    const size_t n = token.size() < 12 ? token.size() : 12;
    for (size_t k = token.size() - n; k < token.size(); ++k) h = h * 131 + static_cast<unsigned char>(token[k]);
    return h & (slots_.size() / kWays - 1);
  }

  mutable std::array<std::mutex, kLocks> locks_;
  std::vector<Slot> slots_;     // set i: slots 2i and 2i+1
  std::vector<uint8_t> older_;  // per set: the way filled less recently (the next to replace)
};

}  // namespace guestpass::token
