// capture/ship_queue.h - the dumps waiting to be shipped, kept on disk in
// the agent's state folder so that neither a crash nor a restart loses one.
//
// One small JSON file per dump (queue/<id>.json), replaced atomically
// (temporary, fsync, rename) on every change, so a kill -9 at any moment
// leaves the old or the new entry, never half of one. Shipping is made
// exactly-once by the store, not here: a dump's metadata object is written
// last and marks it shipped, so a restarted agent that finds it skips the
// upload and only finishes the bookkeeping.
#ifndef HEAPSCOPE_CAPTURE_SHIP_QUEUE_H_
#define HEAPSCOPE_CAPTURE_SHIP_QUEUE_H_

#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hprof/error.h"

namespace heapscope::capture {

struct PendingDump {
  std::string id;           // unique, also the dump's folder in the store
  std::string path;         // the plaintext dump as the agent sees it
  std::string trigger;      // old_gen, heap, gc_time, oom, manual
  bool truncated = false;   // the dump file is incomplete (shipped anyway, marked)
  std::string truncation;   // why it counts as incomplete
  nlohmann::ordered_json facts;  // what was known at capture: JVM, figures, pod, times
  int attempts = 0;
  int64_t next_attempt_ms = 0;   // Unix ms; 0 = now
  std::string last_error;
};

class ShipQueue {
 public:
  // Creates <state_dir>/queue when missing.
  static Result<std::unique_ptr<ShipQueue>> Open(const std::string& state_dir);

  Status Put(const PendingDump& dump);  // adds or replaces, durable on return
  Status Remove(const std::string& id);
  // Every entry, oldest id first; unreadable entries are reported in
  // `damaged` and left in place for a human.
  std::vector<PendingDump> All(std::vector<std::string>* damaged = nullptr) const;
  bool HasPath(const std::string& path) const;

  // Files already shipped and kept (delete_after_ship = false), so a
  // restarted agent doesn't ship them again: "<path> <size> <mtime>" lines.
  Status RememberShipped(const std::string& path);
  bool WasShipped(const std::string& path) const;

 private:
  explicit ShipQueue(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  mutable std::mutex mu_;
};

// "20261127T031502Z-<host>-<pid>-<4 random hex>": sortable by time, unique.
std::string NewDumpId(const std::string& host, int pid);

// "2026-11-27T03:15:02Z".
std::string UtcText(std::time_t t);

// Writes `bytes` to `path` through a temporary, fsync and rename.
Status WriteFileAtomically(const std::string& path, const std::string& bytes);

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_SHIP_QUEUE_H_
