// object_id.h: 12-byte MongoDB-style ObjectIds, the ids of users, sessions,
// apps, providers and devices (24 lowercase hex characters on the wire).
// Ids are time-ordered (4-byte seconds prefix), which keeps store B-trees
// growing at their right edge (shared/notes/performance-facts.md).
#pragma once

#include <array>
#include <atomic>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/random.h"

namespace guestpass::core {

class ObjectId {
 public:
  static constexpr size_t kSize = 12;

  ObjectId() { bytes_.fill(0); }  // the all-zero id ("none")
  explicit ObjectId(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}

  // Parses exactly 24 hex digits (either case). Returns nullopt otherwise.
  static std::optional<ObjectId> FromHex(std::string_view hex);
  // REQUIRES: bytes.size() == kSize.
  static std::optional<ObjectId> FromBytes(std::span<const uint8_t> bytes);

  std::string ToHex() const;  // 24 lowercase hex digits
  void AppendHex(std::string& out) const;  // appends ToHex() without a temporary
  bool IsZero() const;
  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  uint32_t Timestamp() const;

  auto operator<=>(const ObjectId&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_;
};

// Makes unique, time-ordered ObjectIds: 4 bytes of seconds, 5 random bytes
// chosen once per generator, 3 bytes of a counter. Thread-safe.
class ObjectIdGenerator {
 public:
  ObjectIdGenerator(const Clock& clock, Random& random);
  ObjectId Next();

 private:
  const Clock& clock_;
  std::array<uint8_t, 5> process_;
  std::atomic<uint32_t> counter_;
};

}  // namespace guestpass::core

template <>
struct std::hash<guestpass::core::ObjectId> {
  size_t operator()(const guestpass::core::ObjectId& id) const noexcept {
    const auto& b = id.bytes();
    uint64_t h = 1469598103934665603ULL;
    for (uint8_t c : b) h = (h ^ c) * 1099511628211ULL;
    return static_cast<size_t>(h);
  }
};
