#include "capture/agent_metrics.h"

#include <fmt/format.h>

namespace heapscope::capture {
namespace {

// Every counter and gauge the agent may set, so each has its HELP and TYPE
// once, even before its first sample.
constexpr MetricFamily kFamilies[] = {
    {"heapscope_agent_decisions_total", "counter", "Trigger decisions by action (none, dump, hold) and reason."},
    {"heapscope_agent_dumps_total", "counter", "Heap dumps by trigger and result (complete, truncated, failed)."},
    {"heapscope_agent_ships_total", "counter", "Ship attempts by result (shipped, failed, already_shipped, lost: the dump file vanished)."},
    {"heapscope_agent_shipped_bytes_total", "counter", "Bytes written to the store."},
    {"heapscope_agent_enqueued_total", "counter", "Shipped dumps handed to the catalog for analysis, by result (queued, already_queued, failed)."},
    {"heapscope_agent_ship_queue_depth", "gauge", "Dumps waiting to be shipped."},
    {"heapscope_agent_jvms", "gauge", "JVMs watched."},
    {"heapscope_agent_attach_errors_total", "counter", "Attach attempts that failed, by operation."},
};

std::string LabelText(const MetricLabels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    out += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first, EscapeLabelValue(labels[i].second));
  }
  return out + "}";
}

std::string Number(double v) { return fmt::format("{}", v); }

}  // namespace

std::string RenderMetricFamilies(std::span<const MetricFamily> families, const MetricSeries& values) {
  std::string out;
  for (const MetricFamily& f : families) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name, f.type);
    auto it = values.find(f.name);
    if (it == values.end()) continue;
    for (const auto& [labels, v] : it->second) out += fmt::format("{}{} {}\n", f.name, LabelText(labels), Number(v));
  }
  return out;
}

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\\') out += "\\\\";
    else if (ch == '"') out += "\\\"";
    else if (ch == '\n') out += "\\n";
    else out += ch;
  }
  return out;
}

void AgentMetrics::SetJvm(const std::string& jvm, const MetricLabels& labels, const HeapFigures& figures) {
  std::lock_guard lock(mu_);
  jvms_[jvm] = {labels, figures};
}

void AgentMetrics::RemoveJvm(const std::string& jvm) {
  std::lock_guard lock(mu_);
  jvms_.erase(jvm);
}

void AgentMetrics::Count(const std::string& name, const MetricLabels& labels, double by) {
  std::lock_guard lock(mu_);
  values_[name][labels] += by;
}

void AgentMetrics::Set(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mu_);
  values_[name][labels] = value;
}

double AgentMetrics::Value(const std::string& name, const MetricLabels& labels) const {
  std::lock_guard lock(mu_);
  auto f = values_.find(name);
  if (f == values_.end()) return 0;
  auto s = f->second.find(labels);
  return s == f->second.end() ? 0 : s->second;
}

std::string AgentMetrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  struct JvmSeries {
    const char* name;
    const char* type;
    const char* help;
    double (*get)(const HeapFigures&);
  };
  static const JvmSeries kJvm[] = {
      {"heapscope_jvm_heap_used_bytes", "gauge", "Heap used, all generations.",
       [](const HeapFigures& f) { return static_cast<double>(f.heap_used); }},
      {"heapscope_jvm_heap_capacity_bytes", "gauge", "Heap committed.",
       [](const HeapFigures& f) { return static_cast<double>(f.heap_capacity); }},
      {"heapscope_jvm_heap_max_bytes", "gauge", "Heap maximum.",
       [](const HeapFigures& f) { return static_cast<double>(f.heap_max); }},
      {"heapscope_jvm_old_used_bytes", "gauge", "Old generation used.",
       [](const HeapFigures& f) { return static_cast<double>(f.old_used); }},
      {"heapscope_jvm_old_capacity_bytes", "gauge", "Old generation committed.",
       [](const HeapFigures& f) { return static_cast<double>(f.old_capacity); }},
      {"heapscope_jvm_old_max_bytes", "gauge", "Old generation maximum.",
       [](const HeapFigures& f) { return static_cast<double>(f.old_max); }},
      {"heapscope_jvm_gc_seconds_total", "counter", "Time spent in GC by all collectors.",
       [](const HeapFigures& f) { return f.gc_seconds; }},
      {"heapscope_jvm_gc_collections_total", "counter", "Collections by all collectors.",
       [](const HeapFigures& f) { return static_cast<double>(f.gc_count); }},
      {"heapscope_jvm_uptime_seconds", "gauge", "Time since the JVM started.",
       [](const HeapFigures& f) { return f.uptime_seconds; }},
  };
  for (const JvmSeries& s : kJvm) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", s.name, s.help, s.name, s.type);
    for (const auto& [key, jvm] : jvms_) out += fmt::format("{}{} {}\n", s.name, LabelText(jvm.labels), Number(s.get(jvm.figures)));
  }
  return out + RenderMetricFamilies(kFamilies, values_);
}

}  // namespace heapscope::capture
