// random.h: the source of randomness for ids and secrets.
// Production code uses crypto::OsRandom (OpenSSL's CSPRNG); tests may use
// SeededRandom for reproducible ids. Never use SeededRandom for secrets.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <span>
#include <string>

namespace guestpass::core {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with random bytes. Thread-safe.
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// Deterministic, NOT cryptographic: for tests only.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  void Fill(std::span<uint8_t> out) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& b : out) b = static_cast<uint8_t>(engine_());
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;  // guarded by mu_
};

// `n` random letters a-z (unbiased).
std::string RandomLowercase(Random& random, size_t n);

}  // namespace guestpass::core
