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
#include <span>
#include <string>
#include <vector>

#include "capture/perf_data.h"

namespace heapscope::capture {

// Label name/value pairs, in order.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;
using MetricSeries = std::map<std::string, std::map<MetricLabels, double>>;  // name -> labels -> value

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
  MetricSeries values_;
};

// `value` escaped for a label (backslash, quote, line break).
std::string EscapeLabelValue(const std::string& value);

// One metric's name, type and help, so it gets its HELP and TYPE lines even
// before its first sample.
struct MetricFamily {
  const char* name;
  const char* type;  // counter, gauge
  const char* help;
};

// Each family's HELP and TYPE, then its series from `values`.
std::string RenderMetricFamilies(std::span<const MetricFamily> families, const MetricSeries& values);

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_AGENT_METRICS_H_
