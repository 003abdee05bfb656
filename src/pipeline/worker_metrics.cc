#include "pipeline/worker_metrics.h"

#include <fmt/format.h>

namespace heapscope::pipeline {
namespace {

constexpr capture::MetricFamily kFamilies[] = {
    {"heapscope_worker_jobs_claimed_total", "counter", "Jobs claimed, by whether the lease was taken over from another worker."},
    {"heapscope_worker_jobs_succeeded_total", "counter", "Jobs analyzed with their result stored."},
    {"heapscope_worker_jobs_failed_total", "counter", "Attempts that failed and will be retried."},
    {"heapscope_worker_jobs_dead_lettered_total", "counter", "Jobs given up after their last attempt."},
    {"heapscope_worker_jobs_released_total", "counter", "Jobs given back unfinished at shutdown."},
    {"heapscope_worker_leases_expired_total", "counter", "Jobs this worker took over because another worker's lease expired."},
    {"heapscope_worker_leases_lost_total", "counter", "Jobs this worker lost because its own lease expired."},
    {"heapscope_worker_analyzed_bytes_total", "counter", "Stored dump bytes analyzed."},
    {"heapscope_worker_suspects_found_total", "counter", "Leak suspects found, by service."},
    {"heapscope_worker_queue_seconds_total", "counter", "Time spent in the catalog claiming jobs that were handed out and completing them: the queue's own cost."},
    {"heapscope_worker_busy", "gauge", "Jobs this worker is analyzing now."},
    {"heapscope_queue_jobs", "gauge", "Jobs in the catalog by state (expired: running with an expired lease)."},
};

}  // namespace

void WorkerMetrics::Count(const std::string& name, const MetricLabels& labels, double by) {
  std::lock_guard lock(mu_);
  values_[name][labels] += by;
}

void WorkerMetrics::Set(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mu_);
  values_[name][labels] = value;
}

void WorkerMetrics::SetQueue(const catalog::QueueCounts& c) {
  std::lock_guard lock(mu_);
  auto& q = values_["heapscope_queue_jobs"];
  q[{{"state", "queued"}}] = static_cast<double>(c.queued);
  q[{{"state", "running"}}] = static_cast<double>(c.running);
  q[{{"state", "succeeded"}}] = static_cast<double>(c.succeeded);
  q[{{"state", "dead"}}] = static_cast<double>(c.dead);
  q[{{"state", "expired"}}] = static_cast<double>(c.expired_leases);
}

void WorkerMetrics::ObserveAnalysis(double seconds) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++bucket_counts_[i];
      break;
    }
  }
  ++observations_;
  seconds_sum_ += seconds;
}

double WorkerMetrics::Value(const std::string& name, const MetricLabels& labels) const {
  std::lock_guard lock(mu_);
  auto f = values_.find(name);
  if (f == values_.end()) return 0;
  auto s = f->second.find(labels);
  return s == f->second.end() ? 0 : s->second;
}

std::string WorkerMetrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += capture::RenderMetricFamilies(kFamilies, values_);
  const char* h = "heapscope_worker_analysis_duration_seconds";
  out += fmt::format("# HELP {} Time from claim to stored result: download, analysis, upload.\n# TYPE {} histogram\n",
                     h, h);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += bucket_counts_[i];
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", h, kBuckets[i], cumulative);
  }
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", h, observations_, h, seconds_sum_, h,
                     observations_);
  return out;
}

}  // namespace heapscope::pipeline
