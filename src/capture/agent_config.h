// capture/agent_config.h - everything the capture agent can be told, from
// built-in defaults, a config file, the environment and flags (in that
// order; a later source wins key by key).
//
// One table (AgentSettings()) names every key with its default and meaning,
// so the file format, the HEAPSCOPE_AGENT_<KEY> variables, the --<key> flags,
// `agent --print-config` and docs/AGENT.md cannot disagree. The file is
// `key = value` lines with # comments; values are durations (500ms, 5s, 60m,
// 1h), sizes (512MiB, 2G), percentages (90%), booleans, comma lists or text.
#ifndef HEAPSCOPE_CAPTURE_AGENT_CONFIG_H_
#define HEAPSCOPE_CAPTURE_AGENT_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hprof/error.h"

namespace heapscope::capture {

struct AgentSetting {
  const char* key;
  const char* default_value;
  const char* meaning;
};
const std::vector<AgentSetting>& AgentSettings();

// The merged settings, typed. Defaults live only in AgentSettings().
struct AgentConfig {
  // Which JVMs.
  std::chrono::milliseconds interval{};
  std::vector<int> pids;              // empty: all
  std::string command_pattern;        // RE2, searched in sun.rt.javaCommand; empty: all
  std::vector<std::string> users;     // user names or uids; empty: all
  // When to dump.
  double old_threshold = 0;           // share of the old generation's max (its capacity when no max)
  double heap_threshold = 0;          // share of the heap's max
  int samples = 0;                    // in a row
  double gc_share = 0;                // of wall time over the last `samples` intervals; 0 = off
  std::chrono::seconds cooldown{};
  int max_dumps_per_hour = 0;         // per agent (a node or a pod)
  uint64_t free_space_margin = 0;
  double dump_size_factor = 0;        // expected dump bytes = heap used x this
  std::string window;                 // "HH:MM-HH:MM" in UTC; empty: any time
  // Where dumps go.
  std::string dump_dir;               // as the JVM sees it
  std::string agent_dump_dir;         // the same folder as the agent sees it; empty: through /proc/<pid>/root
  bool arm_oom_dumps = false;         // set HeapDumpOnOutOfMemoryError + HeapDumpPath in each JVM
  std::vector<std::string> watch_dirs;
  std::chrono::seconds dump_timeout{};
  // Shipping.
  std::string store;
  std::string catalog;                // "" = dumps are not queued for analysis
  std::string state_dir;
  std::string redact_mode;            // none, secrets, strings, all
  bool encrypt = false;
  std::string key_file;
  bool delete_after_ship = false;
  uint64_t ship_rate = 0;             // bytes per second read from the dump; 0 = unlimited
  std::chrono::seconds retry_min{};
  std::chrono::seconds retry_max{};
  int threads = 0;
  // Facts for the metadata and the metrics' labels (Kubernetes downward API).
  std::string service, pod, namespace_, container, image, node;
  // Serving.
  std::string metrics_listen;         // host:port; empty: no /metrics
  bool dry_run = false;
  std::chrono::seconds drain_timeout{};  // on SIGTERM: how long to go on shipping what is queued
  // Every key's effective text, for --print-config and the metadata.
  std::map<std::string, std::string> text;
  // What was ignored, for the log: HEAPSCOPE_AGENT_* variables that name no
  // setting (Kubernetes adds <SERVICE>_SERVICE_HOST and the like for a
  // Service named heapscope-agent, so they can't be errors).
  std::vector<std::string> warnings;
};

// Merges the sources: `file` may be empty; `env` is usually environ;
// `flags` holds only keys given on the command line. Unknown keys (in the
// file or flags) and bad values are usage errors naming the source and key.
Result<AgentConfig> LoadAgentConfig(const std::string& file, char** env,
                                    const std::map<std::string, std::string>& flags);

// `key = value` for every key, the file format, for --print-config.
std::string DescribeAgentConfig(const AgentConfig& c);

// Parsers shared with the tests.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);
std::optional<uint64_t> ParseSize(const std::string& text);
// "HH:MM-HH:MM" (UTC, may wrap midnight): is `minute_of_day` inside?
std::optional<bool> InTimeWindow(const std::string& window, int minute_of_day);

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_AGENT_CONFIG_H_
