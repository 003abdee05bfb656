#include "analysis/heap_diff.h"

#include <gtest/gtest.h>

namespace heapscope::analysis {
namespace {

ClassTotals Totals(uint64_t timestamp_ms, std::vector<ClassTotals::Row> rows,
                   std::vector<std::pair<std::string, uint64_t>> loaders = {}) {
  ClassTotals t;
  t.timestamp_ms = timestamp_ms;
  t.rows = std::move(rows);
  t.loaders = std::move(loaders);
  return t;
}

TEST(HeapDiff, AgainstItselfEverythingIsZero) {
  ClassTotals t = Totals(1000, {{"a.A", 3, 48, 100}, {"b.B", 1, 16, 16}}, {{"com.acme.Loader", 2}});
  HeapDiff d = DiffHeaps(t, t);
  ASSERT_EQ(d.classes.size(), 2u);
  for (const ClassChange& c : d.classes) {
    EXPECT_EQ(c.instances_delta(), 0);
    EXPECT_EQ(c.shallow_delta(), 0);
    EXPECT_EQ(c.retained_delta(), 0);
    EXPECT_FALSE(c.appeared || c.vanished);
  }
  EXPECT_TRUE(d.loaders.empty());
  EXPECT_EQ(d.hours, 0);
}

TEST(HeapDiff, MatchesByNameAndRatesPerHour) {
  ClassTotals base = Totals(3'600'000, {{"a.A", 3, 48, 100}, {"c.Gone", 2, 32, 32}}, {{"L", 1}});
  ClassTotals target = Totals(3 * 3'600'000, {{"a.A", 5, 80, 300}, {"b.New", 1, 16, 16}}, {{"L", 3}});
  HeapDiff d = DiffHeaps(base, target);
  EXPECT_DOUBLE_EQ(d.hours, 2.0);
  ASSERT_EQ(d.classes.size(), 3u);  // by name: a.A, b.New, c.Gone
  EXPECT_EQ(d.classes[0].name, "a.A");
  EXPECT_EQ(d.classes[0].instances_delta(), 2);
  EXPECT_EQ(d.classes[0].retained_delta(), 200);
  EXPECT_DOUBLE_EQ(d.Rate(d.classes[0].retained_delta()), 100.0);
  EXPECT_TRUE(d.classes[1].appeared);
  EXPECT_EQ(d.classes[1].name, "b.New");
  EXPECT_TRUE(d.classes[2].vanished);
  EXPECT_EQ(d.classes[2].after.instances, 0u);
  ASSERT_EQ(d.loaders.size(), 1u);
  EXPECT_EQ(d.loaders[0].before, 1u);
  EXPECT_EQ(d.loaders[0].after, 3u);
}

}  // namespace
}  // namespace heapscope::analysis
