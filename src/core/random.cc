// random.cc: helpers built on the Random interface.
#include "core/random.h"

#include <vector>

namespace guestpass::core {

std::string RandomLowercase(Random& random, size_t n) {
  std::string out;
  out.reserve(n);
  uint8_t buf[64];
  while (out.size() < n) {
    random.Fill(buf);
    for (uint8_t b : buf) {
      if (b >= 234) continue;  // 234 = 9 * 26: reject to stay unbiased
      out.push_back(static_cast<char>('a' + b % 26));
      if (out.size() == n) break;
    }
  }
  return out;
}

}  // namespace guestpass::core
