// capture/agent_metrics.h - the agent's figures in Prometheus' text format
// (version 0.0.4), served on /metrics: one series per watched JVM for its
// heap, plus counters of every decision, dump and ship with their reason.
//
// Thread-safe: the monitor loop, the dump thread and the shipper update it
// while the HTTP thread renders it.
#ifndef HEAPSCOPE_CAPTURE_AGENT_METRICS_H_
#define HEAPSCOPE_CAPTURE_AGENT_METRICS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "capture/perf_data.h"

namespace heapscope::capture {

// Label name/value pairs, in order.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class AgentMetrics {
 public:
  void SetJvm(const std::string& jvm, const MetricLabels& labels, const HeapFigures& figures);
  void RemoveJvm(const std::string& jvm);
  void Count(const std::string& name, const MetricLabels& labels, double by = 1);
  void Set(const std::string& name, const MetricLabels& labels, double value);
  // Every series, with HELP and TYPE lines.
  std::string Render() const;

  double Value(const std::string& name, const MetricLabels& labels) const;  // for tests; 0 when absent

 private:
  struct Jvm {
    MetricLabels labels;
    HeapFigures figures;
  };
  mutable std::mutex mu_;
  std::map<std::string, Jvm> jvms_;
  std::map<std::string, std::map<MetricLabels, double>> values_;  // name -> series
};

// `value` escaped for a label (backslash, quote, line break).
std::string EscapeLabelValue(const std::string& value);

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_AGENT_METRICS_H_
