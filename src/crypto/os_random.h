// os_random.h: core::Random backed by OpenSSL's CSPRNG. Use for all secrets.
#pragma once

#include "core/random.h"

namespace guestpass::crypto {

class OsRandom final : public core::Random {
 public:
  // Aborts the process if the CSPRNG fails: continuing without randomness
  // would issue guessable secrets.
  void Fill(std::span<uint8_t> out) override;
};

}  // namespace guestpass::crypto
