// os_random.cc: OpenSSL RAND_bytes behind core::Random.
#include "crypto/os_random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace guestpass::crypto {

void OsRandom::Fill(std::span<uint8_t> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    std::fputs("guestpass: fatal: RAND_bytes failed\n", stderr);
    std::abort();
  }
}

}  // namespace guestpass::crypto
