// metrics.cc: see metrics.h.
#include "metrics/metrics.h"

#include <cmath>
#include <cstdio>

namespace guestpass::metrics {

Histogram::Histogram(std::span<const double> bounds) {
  size_ = std::min(bounds.size(), kMaxBuckets);
  for (size_t i = 0; i < size_; ++i) bounds_[i] = bounds[i];
}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < size_ && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  if (value > 0) sum_micros_.fetch_add(static_cast<uint64_t>(std::llround(value * 1e6)), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  uint64_t running = 0;
  for (size_t i = 0; i <= size_; ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    if (i < size_) s.bounds.push_back(bounds_[i]);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void WriteHeader(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

namespace {
std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

void WriteSample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(Number(value)).append("\n");
}

void WriteHistogram(std::string& out, std::string_view name, std::string_view labels, const Histogram::Snapshot& h) {
  const std::string bucket = std::string(name) + "_bucket";
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < h.cumulative.size(); ++i) {
    const std::string le = i < h.bounds.size() ? Number(h.bounds[i]) : "+Inf";
    WriteSample(out, bucket, std::string(labels) + sep + "le=\"" + le + "\"", static_cast<double>(h.cumulative[i]));
  }
  WriteSample(out, std::string(name) + "_sum", labels, h.sum);
  WriteSample(out, std::string(name) + "_count", labels, static_cast<double>(h.count));
}

}  // namespace guestpass::metrics
