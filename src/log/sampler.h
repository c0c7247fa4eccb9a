// sampler.h: logging something that can happen thousands of times a second
// (a refused connection, a busy password hasher) without filling the disk:
// Tick() counts each occurrence and says when to write a line, at most once
// per period, with how many happened since the last line.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace guestpass::log {

// Thread-safe.
class Sampler {
 public:
  explicit Sampler(std::chrono::steady_clock::duration period = std::chrono::seconds(10)) : period_(period) {}

  // Counts one occurrence. Returns the occurrences since the last line
  // (this one included) when a line is due (the first time, then once
  // `period` has passed); else 0.
  int64_t Tick() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    const auto now = std::chrono::steady_clock::now();
    if (logged_ && now - last_ < period_) return 0;
    logged_ = true;
    last_ = now;
    const int64_t n = count_;
    count_ = 0;
    return n;
  }

 private:
  const std::chrono::steady_clock::duration period_;
  std::mutex mu_;
  bool logged_ = false;
  std::chrono::steady_clock::time_point last_{};
  int64_t count_ = 0;
};

}  // namespace guestpass::log
