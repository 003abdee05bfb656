// pipeline/worker_metrics.h - the worker's figures in Prometheus' text
// format (0.0.4) on /metrics: jobs by outcome, leases, the queue as the
// catalog counts it, analysis time as a histogram, bytes analyzed and
// suspects found per service. Thread-safe.
#ifndef HEAPSCOPE_PIPELINE_WORKER_METRICS_H_
#define HEAPSCOPE_PIPELINE_WORKER_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "capture/agent_metrics.h"
#include "catalog/dump_catalog.h"

namespace heapscope::pipeline {

using capture::MetricLabels;

class WorkerMetrics {
 public:
  void Count(const std::string& name, const MetricLabels& labels, double by = 1);
  void Set(const std::string& name, const MetricLabels& labels, double value);
  void SetQueue(const catalog::QueueCounts& counts);
  void ObserveAnalysis(double seconds);
  std::string Render() const;
  double Value(const std::string& name, const MetricLabels& labels) const;  // 0 when absent

  // Upper bounds of the analysis-time buckets, in seconds (then +Inf).
  static constexpr std::array<double, 10> kBuckets = {0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900};

 private:
  mutable std::mutex mu_;
  capture::MetricSeries values_;
  std::array<uint64_t, kBuckets.size()> bucket_counts_{};  // not cumulative
  uint64_t observations_ = 0;
  double seconds_sum_ = 0;
};

}  // namespace heapscope::pipeline

#endif  // HEAPSCOPE_PIPELINE_WORKER_METRICS_H_
