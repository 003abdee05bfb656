#include "analysis/heap_trend.h"

#include <gtest/gtest.h>

namespace heapscope::analysis {
namespace {

TrendDump Dump(const char* path, uint64_t ts, uint64_t heap, uint64_t point_bytes, uint64_t class_bytes) {
  TrendDump d;
  d.path = path;
  d.timestamp_ms = ts;
  d.reachable_bytes = heap;
  d.points.push_back({"static: class A.static list -> java.util.ArrayList", "static-field",
                      {true, point_bytes / 100, point_bytes}});
  d.classes.rows.push_back({"a.Item", class_bytes / 16, class_bytes, class_bytes});
  return d;
}

TEST(HeapTrend, OrdersByTimestampAndFlagsSteadyGrowth) {
  const uint64_t hour = 3'600'000;
  std::vector<TrendDump> dumps = {Dump("c", 3 * hour, 10 << 20, 3 << 20, 3 << 20),
                                  Dump("a", 1 * hour, 10 << 20, 1 << 20, 1 << 20),
                                  Dump("b", 2 * hour, 10 << 20, 2 << 20, 2 << 20)};
  HeapTrend t = ComputeTrend(std::move(dumps), TrendOptions{});
  ASSERT_EQ(t.dumps.size(), 3u);
  EXPECT_EQ(t.dumps[0].path, "a");
  EXPECT_EQ(t.dumps[2].path, "c");
  EXPECT_DOUBLE_EQ(t.hours, 2.0);
  ASSERT_EQ(t.points.size(), 1u);
  EXPECT_TRUE(t.points[0].growing);
  EXPECT_DOUBLE_EQ(t.points[0].rate_bytes_per_hour, static_cast<double>(1 << 20));
  ASSERT_EQ(t.classes.size(), 1u);
  EXPECT_TRUE(t.classes[0].growing);
}

TEST(HeapTrend, NoiseAndDipsAreNotGrowth) {
  // Grows every step, but by less than the minimum: noise.
  std::vector<TrendDump> small = {Dump("a", 1, 100 << 20, 1000, 1000), Dump("b", 2, 100 << 20, 2000, 2000),
                                  Dump("c", 3, 100 << 20, 3000, 3000)};
  HeapTrend t = ComputeTrend(std::move(small), TrendOptions{});
  EXPECT_FALSE(t.points[0].growing);
  EXPECT_FALSE(t.classes[0].growing);
  // Large overall growth with a dip in the middle: not growing on every step.
  std::vector<TrendDump> dip = {Dump("a", 1, 10 << 20, 1 << 20, 1 << 20), Dump("b", 2, 10 << 20, 1 << 19, 1 << 19),
                                Dump("c", 3, 10 << 20, 4 << 20, 4 << 20)};
  t = ComputeTrend(std::move(dip), TrendOptions{});
  EXPECT_FALSE(t.points[0].growing);
  // Missing from one dump: not growing.
  std::vector<TrendDump> gap = {Dump("a", 1, 10 << 20, 1 << 20, 1 << 20), Dump("b", 2, 10 << 20, 2 << 20, 2 << 20),
                                Dump("c", 3, 10 << 20, 3 << 20, 3 << 20)};
  gap[1].points.clear();
  t = ComputeTrend(std::move(gap), TrendOptions{});
  EXPECT_FALSE(t.points[0].growing);
}

}  // namespace
}  // namespace heapscope::analysis
