#include "pipeline/result_trend.h"

#include <gtest/gtest.h>

namespace heapscope::pipeline {
namespace {

catalog::AnalysisResult Result(const std::string& id, int64_t at, uint64_t heap,
                               std::vector<std::pair<std::string, uint64_t>> suspects) {
  catalog::AnalysisResult r;
  r.dump_id = id;
  r.captured_ms = at;
  r.heap_bytes = heap;
  int rank = 0;
  for (auto& [sig, bytes] : suspects) {
    catalog::SuspectRow s;
    s.rank = ++rank;
    s.signature = sig;
    s.retained_bytes = bytes;
    r.suspects.push_back(s);
  }
  return r;
}

TEST(ResultTrendTest, FollowsEachSuspectBySignatureAcrossEarlierDumps) {
  std::vector<catalog::AnalysisResult> history = {
      Result("d1", 1000, 100, {{"static: Cache.map", 10}}),
      Result("d2", 2000, 120, {{"other", 50}, {"static: Cache.map", 20}}),
      Result("d3", 3000, 130, {{"static: Cache.map", 30}}),
  };
  auto now = Result("d4", 4000, 150, {{"static: Cache.map", 45}, {"new place", 7}});
  auto t = ResultTrend(now, history);
  EXPECT_EQ(t["dumps"], 4);
  ASSERT_EQ(t["heap"].size(), 4u);
  EXPECT_EQ(t["heap"][3]["heap_bytes"], 150);
  const auto& cache = t["suspects"][0];
  EXPECT_EQ(cache["seen_before"], 3);
  EXPECT_EQ(cache["change_bytes"], 15);
  EXPECT_EQ(cache["growing_dumps_in_a_row"], 3);
  EXPECT_EQ(cache["earlier"][1]["dump_id"], "d2");
  EXPECT_EQ(cache["earlier"][1]["retained_bytes"], 20);
  const auto& fresh = t["suspects"][1];
  EXPECT_EQ(fresh["seen_before"], 0);
  EXPECT_TRUE(fresh["change_bytes"].is_null());
  EXPECT_EQ(fresh["growing_dumps_in_a_row"], 0);
}

TEST(ResultTrendTest, AShrinkStopsTheStreak) {
  std::vector<catalog::AnalysisResult> history = {
      Result("d1", 1, 0, {{"s", 10}}), Result("d2", 2, 0, {{"s", 40}}), Result("d3", 3, 0, {{"s", 30}})};
  auto t = ResultTrend(Result("d4", 4, 0, {{"s", 35}}), history);
  EXPECT_EQ(t["suspects"][0]["growing_dumps_in_a_row"], 1);
  EXPECT_EQ(t["suspects"][0]["change_bytes"], 5);
}

TEST(ResultTrendTest, NoHistory) {
  auto t = ResultTrend(Result("d1", 1, 9, {}), {});
  EXPECT_EQ(t["dumps"], 1);
  EXPECT_TRUE(t["suspects"].empty());
}

}  // namespace
}  // namespace heapscope::pipeline
