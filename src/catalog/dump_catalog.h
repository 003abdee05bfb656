// catalog/dump_catalog.h - what the pipeline knows about shipped dumps: the
// dumps themselves, the analysis job each one gets, and the results kept per
// service over time. One schema, two backends: SQLite (a file, the embedded
// default) and PostgreSQL (many workers on many machines).
//
// The queue gives at-least-once execution and exactly-once results:
//  - a job is claimed under a lease (owner + expiry); a worker that stops
//    heartbeating loses it, and the next Claim takes it again with attempt+1;
//  - Complete, Fail, Heartbeat and Release are fenced on (worker, attempt)
//    and state = running, so a worker whose lease was taken over can never
//    write a result, fail or release the job it lost (a lease past its
//    expiry that no one has reclaimed yet is still its worker's: those
//    calls succeed, as in every leased queue);
//  - Complete writes the result rows and marks the job done in one
//    transaction, and results are unique per dump: no duplicate, ever;
//  - attempts are capped: a job that fails (or whose lease expires) on its
//    last attempt is dead-lettered with its error, and the others go on.
// The claim transaction is short; nothing is held open while a worker
// analyzes a dump of many gigabytes.
#ifndef HEAPSCOPE_CATALOG_DUMP_CATALOG_H_
#define HEAPSCOPE_CATALOG_DUMP_CATALOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hprof/error.h"

namespace heapscope::catalog {

// A shipped dump, as the agent's metadata.json (or `submit`) describes it.
struct DumpRecord {
  std::string id;            // unique; the store folder dumps/<id>/
  std::string service;       // required, non-empty
  std::string pod;
  std::string namespace_name;
  int64_t captured_ms = 0;   // Unix ms when the dump was taken
  uint64_t size = 0;         // stored bytes
  std::string location;      // store key of the dump object
  std::string metadata_json; // the whole metadata document, as shipped
  int64_t added_ms = 0;      // set by the catalog
};

enum class JobState { kQueued, kRunning, kSucceeded, kDead };
const char* JobStateName(JobState s);  // "queued", "running", "succeeded", "dead"

struct JobRecord {
  int64_t id = 0;
  std::string dump_id;
  std::string service;
  JobState state = JobState::kQueued;
  int attempt = 0;           // attempts started so far
  int max_attempts = 3;
  std::string locked_by;     // the worker holding (or last holding) the lease
  int64_t locked_until_ms = 0;
  int64_t run_after_ms = 0;  // a failed attempt's retry waits until then
  std::string error;         // the last failure, kept when dead
  std::string result_location;  // store prefix of the report artifacts
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

// A claimed job: what a worker needs, and the fence it must present.
struct JobLease {
  JobRecord job;
  DumpRecord dump;
  std::string worker;
  int attempt = 0;           // == job.attempt at claim time
  bool reclaimed = false;    // taken over from a worker whose lease expired
};

// One leak suspect of a result; `signature` is stable across dumps of the
// same service (analysis/path_signature), so trends join on it.
struct SuspectRow {
  int rank = 0;               // 1 = the biggest
  std::string signature;
  std::string kind;           // accumulation_point, static_cache, ...
  std::string class_name;
  uint64_t retained_bytes = 0;
  double retained_percent = 0;
  uint64_t count = 0;         // elements or instances, as the suspect reports
  std::string title;
};

struct AnalysisResult {
  std::string dump_id;
  std::string service;
  int64_t captured_ms = 0;
  uint64_t heap_bytes = 0;       // reachable (retained by the super-root)
  uint64_t object_count = 0;
  std::string result_location;   // e.g. "results/<dump id>/"
  std::string summary_json;      // a small JSON object: figures and trend
  std::vector<SuspectRow> suspects;
  // Set by the catalog when read back.
  std::string worker;
  int64_t completed_ms = 0;
};

struct QueueCounts {
  uint64_t queued = 0;       // includes those waiting for a retry
  uint64_t running = 0;
  uint64_t succeeded = 0;
  uint64_t dead = 0;
  uint64_t expired_leases = 0;  // running jobs whose lease has run out
};

enum class FailOutcome { kRetry, kDead, kLost };  // kLost: the fence did not match

struct JobFilter {
  std::optional<JobState> state;
  std::string service;  // "" = all
  size_t limit = 100;   // newest first
};

class DumpCatalog {
 public:
  virtual ~DumpCatalog() = default;

  // Adds the dump and its job (queued) in one transaction. Idempotent on the
  // dump id: adding it again changes nothing and returns false. A usage
  // error for no id or service, max_attempts < 1, or metadata_json that is
  // not JSON (empty is stored as "{}"; likewise a result's summary_json).
  virtual Result<bool> AddDump(const DumpRecord& dump, int max_attempts) = 0;

  // The oldest runnable job (queued and due, or running with an expired
  // lease), now running under a lease of `lease_ms` owned by `worker`, with
  // attempt + 1. A job with an expired lease on its last attempt is
  // dead-lettered ("lease expired after N attempts (last worker W)")
  // instead of handed out. Empty when nothing is runnable. Concurrent
  // claimers never get the same job. Order: run_after_ms, then job id.
  virtual Result<std::optional<JobLease>> Claim(const std::string& worker, int64_t lease_ms) = 0;

  // Extends the lease to now + lease_ms. False when the lease was lost.
  virtual Result<bool> Heartbeat(const JobLease& lease, int64_t lease_ms) = 0;

  // Result rows + job succeeded, one transaction, fenced. False (and nothing
  // written) when the lease was lost or a result for the dump exists.
  // The result's dump_id may be left empty and its service too (the
  // lease's are used); a dump_id naming another dump is a usage error.
  virtual Result<bool> Complete(const JobLease& lease, const AnalysisResult& result) = 0;

  // Records the error. Retry after `retry_after_ms` when attempts remain,
  // else dead. Fenced.
  virtual Result<FailOutcome> Fail(const JobLease& lease, const std::string& error, int64_t retry_after_ms) = 0;

  // Gives the job back (graceful shutdown): queued again, due now, and the
  // attempt it used is not counted against it. Fenced; false when lost.
  // The lease must not be used again: if the same worker claims the job
  // next, it gets the same (worker, attempt) fence back.
  virtual Result<bool> Release(const JobLease& lease) = 0;

  virtual Result<std::optional<DumpRecord>> FindDump(const std::string& dump_id) = 0;
  virtual Result<std::vector<JobRecord>> ListJobs(const JobFilter& filter) = 0;
  // A service's results, oldest captured first; at most `limit` (the newest).
  virtual Result<std::vector<AnalysisResult>> Results(const std::string& service, size_t limit) = 0;
  virtual Result<QueueCounts> Counts() = 0;

  // "sqlite:///var/heapscope/catalog.db" or "postgresql://host/db" (password
  // masked), for messages.
  virtual std::string Location() const = 0;
};

// postgres://... or postgresql://... (libpq connection URI; libpq's PG*
// variables fill what it leaves out) opens PostgreSQL; sqlite://PATH,
// sqlite:PATH or a plain path opens (and creates) a SQLite file. The schema
// is created when missing, safely when several processes start at once.
Result<std::unique_ptr<DumpCatalog>> OpenDumpCatalog(const std::string& url);

}  // namespace heapscope::catalog

#endif  // HEAPSCOPE_CATALOG_DUMP_CATALOG_H_
