// capture/watched_jvm.h - one JVM the agent watches: who it is (a name that
// stays the same for the JVM's life and differs from any later process with
// the same pid), what it runs, and where its dumps go, both as the JVM sees
// the folder (its own mount namespace) and as the agent does.
#ifndef HEAPSCOPE_CAPTURE_WATCHED_JVM_H_
#define HEAPSCOPE_CAPTURE_WATCHED_JVM_H_

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "capture/agent_config.h"
#include "capture/agent_metrics.h"
#include "capture/jvm_discovery.h"
#include "capture/perf_data.h"

namespace heapscope::capture {

struct WatchedJvm {
  std::string key;           // "<pid>-<start time in clock ticks>"
  JvmProcess jvm;
  std::string command;       // sun.rt.javaCommand
  std::string vm_version;
  std::string vm_vendor;
  std::string vm_args;       // java.rt.vmArgs
  std::string pod;           // config, else the JVM's HOSTNAME
  std::string jvm_folder;    // its dump folder, as it sees it (ends in '/')
  std::string agent_folder;  // the same folder, as we see it
  bool oom_armed = false;
  std::string last_reason;   // the previous decision's, to log changes only
  std::chrono::system_clock::time_point last_logged;

  MetricLabels Labels(const AgentConfig& c) const;
  // What the metadata says about the JVM.
  nlohmann::ordered_json Facts(const AgentConfig& c) const;
};

// Everything but the figures, from /proc and the counters.
WatchedJvm DescribeJvm(const JvmProcess& jvm, const PerfCounters& counters, const AgentConfig& config);

// The config's pid, user and command filters.
bool WantedJvm(const WatchedJvm& w, const AgentConfig& config);

// `-XX:HeapDumpPath=...` from the JVM's own arguments; empty when unset.
std::string HeapDumpPathArgument(const std::string& vm_args);

nlohmann::ordered_json FiguresJson(const HeapFigures& f);

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_WATCHED_JVM_H_
