// pipeline/analysis_worker.h - `heapscope worker`: claims analysis jobs
// from the catalog, fetches each dump from the store into a scratch folder
// (still encrypted: it is decrypted while it is read), analyzes it, uploads
// the report and writes the result, on N threads. Stateless: everything it
// knows is in the catalog and the store, so any number of workers can run
// and any of them can die.
//
// Exactly one result per dump, whatever happens:
//  - a lease is heartbeated every third of its length; a worker that dies
//    stops heartbeating and its job is claimed again once the lease runs out;
//  - artifacts go to results/<dump>/<attempt>-<token>/, a folder of the attempt's
//    own, and only the completion that passes the catalog's fence records
//    its folder: a late worker can't overwrite the report that counts;
//  - a failure is retried with backoff until the job's attempts run out,
//    then the job is dead-lettered with its error.
// Shutdown (the stop flag): no new claims; jobs in progress finish, and
// those still running after the drain timeout are released for others.
#ifndef HEAPSCOPE_PIPELINE_ANALYSIS_WORKER_H_
#define HEAPSCOPE_PIPELINE_ANALYSIS_WORKER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "catalog/dump_catalog.h"
#include "hprof/error.h"
#include "pipeline/dump_analysis.h"
#include "pipeline/worker_metrics.h"
#include "store/object_store.h"

namespace heapscope::pipeline {

struct WorkerSettings {
  std::string name;              // worker id in the catalog; "" = <host>-<pid>
  int concurrency = 1;           // jobs at once, one thread each
  std::string store_url;
  std::string catalog_url;
  std::chrono::milliseconds lease{60000};
  std::chrono::milliseconds poll{1000};           // wait when the queue is empty
  std::chrono::milliseconds retry_min{5000};      // after a failed attempt, doubling
  std::chrono::milliseconds retry_max{600000};
  std::chrono::milliseconds drain_timeout{30000}; // on stop, for jobs in progress
  std::string scratch_dir;       // this worker's alone; "" = $TMPDIR/heapscope-worker-<pid>
  size_t trend_history = 20;     // earlier results of the service to trend against
  bool exit_when_idle = false;   // stop once nothing is runnable or running (tests, batch runs)
  AnalysisSettings analysis;
  std::function<void(const std::string&)> log;  // one line each
};

class AnalysisWorker {
 public:
  AnalysisWorker(WorkerSettings settings, WorkerMetrics& metrics);
  // Until `stop` (or, with exit_when_idle, an empty queue). An error only
  // when the store or the catalog can't be opened at the start.
  Status Run(const std::atomic<bool>& stop);
  const std::string& name() const { return s_.name; }

 private:
  struct Slot;
  void Loop(Slot& slot, const std::atomic<bool>& stop);
  void RunJob(Slot& slot, catalog::JobLease& lease);
  Status Process(Slot& slot, const catalog::JobLease& lease, catalog::AnalysisResult& result);
  void Log(const std::string& line) const;

  WorkerSettings s_;
  WorkerMetrics& metrics_;
  std::atomic<int> idle_slots_{0};
  bool own_scratch_ = false;  // we chose the scratch folder, so we may remove it
};

}  // namespace heapscope::pipeline

#endif  // HEAPSCOPE_PIPELINE_ANALYSIS_WORKER_H_
