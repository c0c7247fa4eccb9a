// metrics_test.cc: histogram buckets and the Prometheus text format.
#include "metrics/metrics.h"

#include <gtest/gtest.h>

namespace guestpass::metrics {
namespace {

TEST(HistogramTest, CountsIntoCumulativeBucketsWithASum) {
  const double bounds[] = {0.1, 1};
  Histogram h(bounds);
  for (double v : {0.05, 0.1, 0.5, 2.0}) h.Observe(v);
  auto s = h.Read();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(s.count, 4u);
  EXPECT_NEAR(s.sum, 2.65, 1e-6);
}

TEST(TextFormatTest, WritesHeadersSamplesAndHistograms) {
  std::string out;
  WriteHeader(out, "x_total", "counter", "Things.");
  WriteSample(out, "x_total", "route=\"" + EscapeLabel("/a\"b") + "\"", 3);
  const double bounds[] = {0.5};
  Histogram h(bounds);
  h.Observe(0.25);
  WriteHistogram(out, "lat_seconds", "", h.Read());
  EXPECT_EQ(out,
            "# HELP x_total Things.\n# TYPE x_total counter\n"
            "x_total{route=\"/a\\\"b\"} 3\n"
            "lat_seconds_bucket{le=\"0.5\"} 1\nlat_seconds_bucket{le=\"+Inf\"} 1\n"
            "lat_seconds_sum 0.25\nlat_seconds_count 1\n");
}

}  // namespace
}  // namespace guestpass::metrics
