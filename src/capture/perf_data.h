// capture/perf_data.h - a JVM's performance-data counters (what jstat
// reads): the hsperfdata file HotSpot keeps in /tmp/hsperfdata_<user>/<pid>
// and updates in place.
//
// Reading it needs no attach and no signal, so the agent can watch many JVMs
// every few seconds for almost nothing. The file lives in another process's
// (maybe a container's) /tmp, so it is untrusted input: every offset and
// length is checked against the bytes read, and a bad file is an error, not
// a crash.
#ifndef HEAPSCOPE_CAPTURE_PERF_DATA_H_
#define HEAPSCOPE_CAPTURE_PERF_DATA_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "hprof/error.h"

namespace heapscope::capture {

// Every counter of one snapshot: numbers (type 'J') and strings (type 'B').
struct PerfCounters {
  absl::flat_hash_map<std::string, int64_t> numbers;
  absl::flat_hash_map<std::string, std::string> strings;
  std::optional<int64_t> Number(std::string_view name) const;
  std::string String(std::string_view name) const;  // "" when absent
};

// Parses a snapshot of the file's bytes.
Result<PerfCounters> ParsePerfData(std::span<const uint8_t> bytes);
// Reads the file whole (it is 32 KiB by default) and parses it.
Result<PerfCounters> ReadPerfData(const std::string& path);

// The figures the trigger policy looks at, across collectors (G1, Parallel,
// Serial; ZGC and Shenandoah report what they have).
struct HeapFigures {
  std::string collector;     // sun.gc.policy.name
  uint64_t heap_used = 0;    // every space of every generation
  uint64_t heap_capacity = 0;
  uint64_t heap_max = 0;
  uint64_t old_used = 0;     // the last generation ("old")
  uint64_t old_capacity = 0;
  uint64_t old_max = 0;
  double gc_seconds = 0;     // all collectors' accumulated time
  uint64_t gc_count = 0;
  double uptime_seconds = 0; // sun.os.hrt.ticks / frequency
};
HeapFigures HeapFiguresOf(const PerfCounters& c);

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_PERF_DATA_H_
