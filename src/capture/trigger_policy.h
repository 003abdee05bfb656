// capture/trigger_policy.h - decides, reading by reading, whether a JVM's
// heap is under enough sustained pressure to be worth a dump, and whether
// a dump may be taken now.
//
// Pressure (any of):
//   old generation used >= old_threshold of its maximum,  `samples` readings in a row;
//   heap used           >= heap_threshold of its maximum, `samples` readings in a row;
//   GC time             >= gc_share of the wall time spanned by the last `samples` readings.
// A single high reading is normal (garbage waiting for the next collection),
// which is why one never triggers. When pressure holds, the brakes apply in
// this order, each a distinct reason: the time window, the JVM's cooldown,
// one dump at a time, the per-hour circuit breaker, the free space for the
// expected dump. Everything is deterministic in its inputs (the clock is
// passed in), so the tests drive it without waiting.
#ifndef HEAPSCOPE_CAPTURE_TRIGGER_POLICY_H_
#define HEAPSCOPE_CAPTURE_TRIGGER_POLICY_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "capture/agent_config.h"
#include "capture/perf_data.h"

namespace heapscope::capture {

using WallClock = std::chrono::system_clock;

enum class TriggerAction { kNone, kDump, kHold };

struct TriggerDecision {
  TriggerAction action = TriggerAction::kNone;
  std::string reason;  // a label: below_threshold, warming_up, old_gen, heap, gc_time, window, cooldown, busy,
                       // rate_limit, free_space
  std::string detail;  // for the log: the figures behind it
  std::string pressure;  // when action != kNone: which pressure (old_gen, heap, gc_time)
};

// What the policy needs to know about the place dumps go.
struct DumpSpace {
  uint64_t free_bytes = 0;
};

class TriggerPolicy {
 public:
  explicit TriggerPolicy(const AgentConfig& config) : c_(config) {}

  // Records a reading of the JVM named `jvm` (stable for the JVM's life)
  // and decides.
  TriggerDecision Observe(const std::string& jvm, const HeapFigures& figures, WallClock::time_point now,
                          const DumpSpace& space);
  // A dump of `jvm` began at `now`: its cooldown starts and it counts
  // against the breaker whatever its outcome (a failing dump is still a
  // pause of the JVM).
  void DumpStarted(const std::string& jvm, WallClock::time_point now);
  void DumpEnded() { busy_ = false; }
  // The JVM is gone: its readings go, its cooldown stays (a restarted agent
  // reloads them: see Restore).
  void Forget(const std::string& jvm) { readings_.erase(jvm); }

  // Dumps taken so far (jvm, start time), to persist and Restore after a
  // restart, so neither the cooldown nor the breaker resets with the agent.
  std::vector<std::pair<std::string, WallClock::time_point>> History() const { return history_; }
  void Restore(std::vector<std::pair<std::string, WallClock::time_point>> history) { history_ = std::move(history); }

 private:
  std::string Pressure(const std::deque<HeapFigures>& r, std::string* detail) const;

  AgentConfig c_;
  absl::flat_hash_map<std::string, std::deque<HeapFigures>> readings_;
  std::vector<std::pair<std::string, WallClock::time_point>> history_;
  bool busy_ = false;
};

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_TRIGGER_POLICY_H_
