// clock.h: the source of time for everything that expires (tokens, sessions).
// Production code uses SystemClock; tests use ManualClock to move time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace guestpass::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch. Thread-safe.
  virtual int64_t NowSeconds() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowSeconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// The system clock moved by a fixed offset (end-to-end tests make days pass
// across server restarts with it).
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(int64_t offset_seconds) : offset_(offset_seconds) {}
  int64_t NowSeconds() const override { return system_.NowSeconds() + offset_; }

 private:
  SystemClock system_;
  const int64_t offset_;
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_seconds) : now_(now_seconds) {}
  int64_t NowSeconds() const override { return now_.load(std::memory_order_relaxed); }
  void Set(int64_t now_seconds) { now_.store(now_seconds, std::memory_order_relaxed); }
  void Advance(int64_t seconds) { now_.fetch_add(seconds, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace guestpass::core
