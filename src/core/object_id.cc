// object_id.cc: ObjectId parsing, printing and generation.
#include "core/object_id.h"

#include <algorithm>

namespace guestpass::core {

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<ObjectId> ObjectId::FromHex(std::string_view hex) {
  if (hex.size() != 2 * kSize) return std::nullopt;
  std::array<uint8_t, kSize> bytes;
  for (size_t i = 0; i < kSize; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return ObjectId(bytes);
}

std::optional<ObjectId> ObjectId::FromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != kSize) return std::nullopt;
  std::array<uint8_t, kSize> out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return ObjectId(out);
}

std::string ObjectId::ToHex() const {
  std::string out;
  AppendHex(out);
  return out;
}

void ObjectId::AppendHex(std::string& out) const {
  static constexpr char kDigits[] = "0123456789abcdef";
  char hex[2 * kSize];
  for (size_t i = 0; i < kSize; ++i) {
    hex[2 * i] = kDigits[bytes_[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes_[i] & 0xf];
  }
  out.append(hex, sizeof(hex));
}

bool ObjectId::IsZero() const {
  return std::all_of(bytes_.begin(), bytes_.end(), [](uint8_t b) { return b == 0; });
}

uint32_t ObjectId::Timestamp() const {
  return uint32_t{bytes_[0]} << 24 | uint32_t{bytes_[1]} << 16 | uint32_t{bytes_[2]} << 8 | bytes_[3];
}

ObjectIdGenerator::ObjectIdGenerator(const Clock& clock, Random& random) : clock_(clock) {
  random.Fill(process_);
  uint8_t seed[4];
  random.Fill(seed);
  counter_ = uint32_t{seed[0]} << 16 | uint32_t{seed[1]} << 8 | seed[2];
}

ObjectId ObjectIdGenerator::Next() {
  const auto seconds = static_cast<uint32_t>(clock_.NowSeconds());
  const uint32_t count = counter_.fetch_add(1, std::memory_order_relaxed);
  std::array<uint8_t, ObjectId::kSize> b;
  b[0] = seconds >> 24;
  b[1] = seconds >> 16;
  b[2] = seconds >> 8;
  b[3] = seconds;
  std::copy(process_.begin(), process_.end(), b.begin() + 4);
  b[9] = count >> 16;
  b[10] = count >> 8;
  b[11] = count;
  return ObjectId(b);
}

}  // namespace guestpass::core
