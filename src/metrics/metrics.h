// metrics.h: counters and histograms for /metrics, cheap enough for every
// request (relaxed atomic increments, no lock, no allocation), and the
// Prometheus text format they are written in. Knows nothing of HTTP or of
// what is measured; http/http_metrics.h and the store give them names.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace guestpass::metrics {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A histogram with fixed upper bounds (ascending; the +Inf bucket is implicit).
class Histogram {
 public:
  static constexpr size_t kMaxBuckets = 16;
  explicit Histogram(std::span<const double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (= count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  std::array<double, kMaxBuckets> bounds_{};
  size_t size_ = 0;
  std::array<std::atomic<uint64_t>, kMaxBuckets + 1> buckets_{};
  std::atomic<uint64_t> sum_micros_{0};  // sum of values x 1e6, rounded
};

// Latency bounds in seconds, from 1 ms to 5 s.
inline constexpr double kLatencySeconds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

// ---- The Prometheus text format (version 0.0.4) ----

// A label value escaped (backslash, quote, newline).
std::string EscapeLabel(std::string_view value);

// "# HELP name help\n# TYPE name type\n".
void WriteHeader(std::string& out, std::string_view name, std::string_view type, std::string_view help);
// "name{labels} value\n"; `labels` is "" or `key="value",...` already escaped.
void WriteSample(std::string& out, std::string_view name, std::string_view labels, double value);
// The _bucket, _sum and _count lines of a histogram.
void WriteHistogram(std::string& out, std::string_view name, std::string_view labels, const Histogram::Snapshot& h);

}  // namespace guestpass::metrics
