// capture/capture_agent.h - the capture agent: watches JVMs through their
// performance counters, takes a dump when the trigger policy says so, picks
// up the dumps JVMs write on OutOfMemoryError, and ships every dump
// (redacted, compressed, encrypted) into the store, exactly once.
//
// Threads: the monitor loop (discovery, readings, decisions) on the caller's
// thread; one dump at a time on its own thread, so readings go on while a
// JVM writes; the folder watcher; the shipper, working through the on-disk
// queue (ship_queue.h) with backoff; and the /metrics server. Every
// decision is logged (changes of a JVM's state, and every one that holds
// pressure) and counted.
#ifndef HEAPSCOPE_CAPTURE_CAPTURE_AGENT_H_
#define HEAPSCOPE_CAPTURE_CAPTURE_AGENT_H_

#include <atomic>
#include <memory>
#include <string>

#include "capture/agent_config.h"
#include "capture/agent_metrics.h"
#include "hprof/error.h"

namespace heapscope::capture {

class CaptureAgent {
 public:
  // Loads the key, opens the store and the queue, restores the policy's
  // history. Errors are the config's (usage) or the folders' (I/O).
  static Result<std::unique_ptr<CaptureAgent>> Create(AgentConfig config);
  virtual ~CaptureAgent() = default;

  // Runs until `stop` becomes true, then lets a ship in progress abort
  // (it stays queued) and returns.
  virtual Status Run(const std::atomic<bool>& stop) = 0;
  // `agent dump PID`: takes a dump of PID now (only the one-at-a-time rule
  // applies), ships it, and returns its id in the store.
  virtual Result<std::string> DumpNow(int pid, const std::atomic<bool>& stop) = 0;
  virtual AgentMetrics& Metrics() = 0;
};

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_CAPTURE_AGENT_H_
