#include "pipeline/worker_metrics.h"

#include <gtest/gtest.h>

namespace heapscope::pipeline {
namespace {

TEST(WorkerMetricsTest, HistogramBucketsAreCumulativeAndEndInInf) {
  WorkerMetrics m;
  m.ObserveAnalysis(0.2);
  m.ObserveAnalysis(3);
  m.ObserveAnalysis(5000);  // beyond the last bucket
  const std::string text = m.Render();
  EXPECT_NE(text.find("heapscope_worker_analysis_duration_seconds_bucket{le=\"0.5\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("heapscope_worker_analysis_duration_seconds_bucket{le=\"5\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("heapscope_worker_analysis_duration_seconds_bucket{le=\"900\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("heapscope_worker_analysis_duration_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("heapscope_worker_analysis_duration_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("heapscope_worker_analysis_duration_seconds_sum 5003.2\n"), std::string::npos);
}

TEST(WorkerMetricsTest, EveryFamilyHasHelpAndTypeBeforeItsSamples) {
  WorkerMetrics m;
  m.Count("heapscope_worker_suspects_found_total", {{"service", "a\"b"}}, 3);
  catalog::QueueCounts c;
  c.queued = 4;
  c.dead = 1;
  m.SetQueue(c);
  const std::string text = m.Render();
  const size_t type = text.find("# TYPE heapscope_worker_suspects_found_total counter");
  const size_t sample = text.find("heapscope_worker_suspects_found_total{service=\"a\\\"b\"} 3");
  ASSERT_NE(type, std::string::npos);
  ASSERT_NE(sample, std::string::npos);
  EXPECT_LT(type, sample);
  EXPECT_NE(text.find("heapscope_queue_jobs{state=\"queued\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("heapscope_queue_jobs{state=\"dead\"} 1\n"), std::string::npos);
  EXPECT_EQ(m.Value("heapscope_worker_suspects_found_total", {{"service", "a\"b"}}), 3);
}

}  // namespace
}  // namespace heapscope::pipeline
