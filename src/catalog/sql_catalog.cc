#include "catalog/sql_catalog.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <mutex>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/catalog_schema.h"

namespace heapscope::catalog {
namespace {

// Named pieces the statements below use: {now} and {skip_locked} from the
// dialect, column lists in the order the readers expect, and the fence.
constexpr std::string_view kDumpColumns =
    "id, service, pod, namespace, captured_ms, size, location, metadata, added_ms";
constexpr std::string_view kJobColumns =
    "id, dump_id, service, state, attempt, max_attempts, locked_by, locked_until_ms, run_after_ms, error, "
    "result_location, created_ms, updated_ms";
constexpr std::string_view kResultColumns =
    "dump_id, service, captured_ms, heap_bytes, object_count, result_location, summary, worker, completed_ms";
constexpr std::string_view kSuspectColumns =
    "dump_id, rank, signature, kind, class_name, retained_bytes, retained_percent, count, title";
// Parameters $1..$3 of every fenced statement: the lease's job, worker and attempt.
constexpr std::string_view kFence = "id = $1 AND locked_by = $2 AND attempt = $3 AND state = 'running'";

constexpr const char* kInsertDump =
    "INSERT INTO dumps ({dump_columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {now}) ON CONFLICT (id) DO NOTHING";
constexpr const char* kInsertJob =
    "INSERT INTO jobs (dump_id, service, state, max_attempts, run_after_ms, created_ms, updated_ms) "
    "VALUES ($1, $2, 'queued', $3, {now}, {now}, {now})";
constexpr const char* kFindDump = "SELECT {dump_columns} FROM dumps WHERE id = $1";

// The oldest runnable job: due in the queue, or running on an expired lease.
constexpr const char* kClaimCandidate =
    "SELECT id, state, attempt, max_attempts, locked_by FROM jobs "
    "WHERE (state = 'queued' AND run_after_ms <= {now}) OR (state = 'running' AND locked_until_ms < {now}) "
    "ORDER BY run_after_ms, id LIMIT 1 {skip_locked}";
constexpr const char* kTakeLease =
    "UPDATE jobs SET state = 'running', attempt = attempt + 1, locked_by = $2, locked_until_ms = {now} + $3, "
    "updated_ms = {now} WHERE id = $1 RETURNING {job_columns}";
constexpr const char* kDeadLetter =
    "UPDATE jobs SET state = 'dead', error = $2, locked_until_ms = 0, updated_ms = {now} WHERE id = $1";

constexpr const char* kHeartbeat =
    "UPDATE jobs SET locked_until_ms = {now} + $4, updated_ms = {now} WHERE {fence}";
constexpr const char* kFinishJob =
    "UPDATE jobs SET state = 'succeeded', result_location = $4, locked_until_ms = 0, updated_ms = {now} "
    "WHERE {fence}";
constexpr const char* kInsertResult =
    "INSERT INTO results (job_id, {result_columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, {now}) "
    "ON CONFLICT (dump_id) DO NOTHING";
constexpr const char* kInsertSuspect =
    "INSERT INTO suspects ({suspect_columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr const char* kFailJob =
    "UPDATE jobs SET state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'queued' END, error = $4, "
    "run_after_ms = {now} + $5, locked_until_ms = 0, updated_ms = {now} WHERE {fence} RETURNING state";
// The attempt goes back down: a job given back was not tried.
constexpr const char* kReleaseJob =
    "UPDATE jobs SET state = 'queued', attempt = attempt - 1, run_after_ms = {now}, locked_until_ms = 0, "
    "updated_ms = {now} WHERE {fence}";

constexpr const char* kListJobs =
    "SELECT {job_columns} FROM jobs WHERE ($1 = '' OR state = $1) AND ($2 = '' OR service = $2) "
    "ORDER BY id DESC LIMIT $3";
constexpr const char* kNewestResults =
    "SELECT {result_columns} FROM results WHERE service = $1 ORDER BY captured_ms DESC, dump_id DESC LIMIT $2";
constexpr const char* kNewestSuspects =
    "SELECT {suspect_columns} FROM suspects WHERE dump_id IN "
    "(SELECT dump_id FROM results WHERE service = $1 ORDER BY captured_ms DESC, dump_id DESC LIMIT $2) "
    "ORDER BY dump_id, rank";
constexpr const char* kCounts =
    "SELECT COALESCE(SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN state = 'succeeded' THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN state = 'running' AND locked_until_ms < {now} THEN 1 ELSE 0 END), 0) FROM jobs";

// Reads one row's values in the order of its column list.
class RowReader {
 public:
  explicit RowReader(const std::vector<std::string>& row) : row_(row) {}
  const std::string& Text() { return row_.at(next_++); }
  int64_t Int() {
    const std::string& text = Text();
    int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }
  uint64_t Unsigned() { return static_cast<uint64_t>(Int()); }
  double Real() {
    const std::string& text = Text();
    double value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }

 private:
  const std::vector<std::string>& row_;
  size_t next_ = 0;
};

JobState StateFromName(std::string_view name) {
  for (JobState state : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded, JobState::kDead}) {
    if (name == JobStateName(state)) return state;
  }
  return JobState::kDead;  // the schema's CHECK allows no other value
}

DumpRecord ReadDump(RowReader row) {
  DumpRecord dump;
  dump.id = row.Text();
  dump.service = row.Text();
  dump.pod = row.Text();
  dump.namespace_name = row.Text();
  dump.captured_ms = row.Int();
  dump.size = row.Unsigned();
  dump.location = row.Text();
  dump.metadata_json = row.Text();
  dump.added_ms = row.Int();
  return dump;
}

JobRecord ReadJob(RowReader row) {
  JobRecord job;
  job.id = row.Int();
  job.dump_id = row.Text();
  job.service = row.Text();
  job.state = StateFromName(row.Text());
  job.attempt = static_cast<int>(row.Int());
  job.max_attempts = static_cast<int>(row.Int());
  job.locked_by = row.Text();
  job.locked_until_ms = row.Int();
  job.run_after_ms = row.Int();
  job.error = row.Text();
  job.result_location = row.Text();
  job.created_ms = row.Int();
  job.updated_ms = row.Int();
  return job;
}

AnalysisResult ReadResult(RowReader row) {
  AnalysisResult result;
  result.dump_id = row.Text();
  result.service = row.Text();
  result.captured_ms = row.Int();
  result.heap_bytes = row.Unsigned();
  result.object_count = row.Unsigned();
  result.result_location = row.Text();
  result.summary_json = row.Text();
  result.worker = row.Text();
  result.completed_ms = row.Int();
  return result;
}

// The suspect, and the dump it belongs to.
std::pair<std::string, SuspectRow> ReadSuspect(RowReader row) {
  std::string dump_id = row.Text();
  SuspectRow suspect;
  suspect.rank = static_cast<int>(row.Int());
  suspect.signature = row.Text();
  suspect.kind = row.Text();
  suspect.class_name = row.Text();
  suspect.retained_bytes = row.Unsigned();
  suspect.retained_percent = row.Real();
  suspect.count = row.Unsigned();
  suspect.title = row.Text();
  return {std::move(dump_id), std::move(suspect)};
}

int64_t Bits(uint64_t value) { return static_cast<int64_t>(value); }

int64_t Limit(size_t limit) {
  return static_cast<int64_t>(std::min<uint64_t>(limit, std::numeric_limits<int64_t>::max()));
}

// Empty means an empty object; anything else must parse, so JSON functions
// in later queries never meet a broken document.
Result<std::string> JsonDocument(const std::string& text, std::string_view what) {
  if (text.empty()) return std::string("{}");
  if (!nlohmann::json::accept(text)) return Error::Usage(fmt::format("{} is not valid JSON", what));
  return text;
}

class SqlCatalog final : public DumpCatalog {
 public:
  explicit SqlCatalog(std::unique_ptr<SqlConnection> connection) : connection_(std::move(connection)) {}

  Result<bool> AddDump(const DumpRecord& dump, int max_attempts) override;
  Result<std::optional<JobLease>> Claim(const std::string& worker, int64_t lease_ms) override;
  Result<bool> Heartbeat(const JobLease& lease, int64_t lease_ms) override;
  Result<bool> Complete(const JobLease& lease, const AnalysisResult& result) override;
  Result<FailOutcome> Fail(const JobLease& lease, const std::string& error, int64_t retry_after_ms) override;
  Result<bool> Release(const JobLease& lease) override;
  Result<std::optional<DumpRecord>> FindDump(const std::string& dump_id) override;
  Result<std::vector<JobRecord>> ListJobs(const JobFilter& filter) override;
  Result<std::vector<AnalysisResult>> Results(const std::string& service, size_t limit) override;
  Result<QueueCounts> Counts() override;
  std::string Location() const override { return connection_->Location(); }

 private:
  std::string Sql(const char* statement) const {
    const SqlDialect& dialect = connection_->Dialect();
    return fmt::format(fmt::runtime(statement), fmt::arg("now", dialect.now_ms),
                       fmt::arg("skip_locked", dialect.skip_locked), fmt::arg("fence", kFence),
                       fmt::arg("dump_columns", kDumpColumns), fmt::arg("job_columns", kJobColumns),
                       fmt::arg("result_columns", kResultColumns), fmt::arg("suspect_columns", kSuspectColumns));
  }
  Result<SqlRows> Run(const char* statement, std::initializer_list<SqlValue> params) {
    return connection_->Run(Sql(statement), params);
  }
  // One fenced statement in its own transaction.
  Result<SqlRows> WriteFenced(const char* statement, std::initializer_list<SqlValue> params);
  Result<std::optional<DumpRecord>> FindDumpLocked(const std::string& dump_id);

  std::mutex mutex_;
  std::unique_ptr<SqlConnection> connection_;
};

Result<bool> SqlCatalog::AddDump(const DumpRecord& dump, int max_attempts) {
  if (dump.id.empty() || dump.service.empty()) return Error::Usage("a dump needs an id and a service");
  if (max_attempts < 1) return Error::Usage(fmt::format("max_attempts {}: at least 1", max_attempts));
  auto metadata = JsonDocument(dump.metadata_json, fmt::format("dump {} metadata", dump.id));
  if (!metadata.ok()) return metadata.error();
  std::lock_guard lock(mutex_);
  auto tx = SqlTransaction::Begin(*connection_);
  if (!tx.ok()) return tx.error();
  auto added = Run(kInsertDump, {dump.id, dump.service, dump.pod, dump.namespace_name, dump.captured_ms,
                                 Bits(dump.size), dump.location, *metadata});
  if (!added.ok()) return added.error();
  if (added->changed == 0) return false;
  auto queued = Run(kInsertJob, {dump.id, dump.service, int64_t{max_attempts}});
  if (!queued.ok()) return queued.error();
  if (Status committed = tx->Commit(); !committed.ok()) return committed.error();
  return true;
}

Result<std::optional<JobLease>> SqlCatalog::Claim(const std::string& worker, int64_t lease_ms) {
  if (worker.empty() || lease_ms < 0) return Error::Usage("a claim needs a worker name and a lease of 0 ms or more");
  std::lock_guard lock(mutex_);
  auto tx = SqlTransaction::Begin(*connection_);
  if (!tx.ok()) return tx.error();
  // Each pass leases a job, or dead-letters one whose lease ran out on its
  // last attempt (its worker died or hung) and looks again.
  while (true) {
    auto candidate = Run(kClaimCandidate, {});
    if (!candidate.ok()) return candidate.error();
    if (candidate->rows.empty()) break;
    RowReader row(candidate->rows[0]);
    int64_t job_id = row.Int();
    bool reclaimed = row.Text() == "running";
    int64_t attempt = row.Int();
    int64_t max_attempts = row.Int();
    const std::string& last_worker = row.Text();
    if (reclaimed && attempt >= max_attempts) {
      std::string error = fmt::format("lease expired after {} attempts (last worker {})", attempt, last_worker);
      if (auto dead = Run(kDeadLetter, {job_id, error}); !dead.ok()) return dead.error();
      continue;
    }
    auto taken = Run(kTakeLease, {job_id, worker, lease_ms});
    if (!taken.ok()) return taken.error();
    if (taken->rows.empty()) {
      return Error::Io(fmt::format("catalog {}: job {} vanished while claimed", Location(), job_id));
    }
    JobLease lease;
    lease.job = ReadJob(RowReader(taken->rows[0]));
    lease.worker = worker;
    lease.attempt = lease.job.attempt;
    lease.reclaimed = reclaimed;
    auto dump = FindDumpLocked(lease.job.dump_id);
    if (!dump.ok()) return dump.error();
    if (dump->has_value()) lease.dump = std::move(**dump);
    if (Status committed = tx->Commit(); !committed.ok()) return committed.error();
    return std::optional<JobLease>(std::move(lease));
  }
  if (Status committed = tx->Commit(); !committed.ok()) return committed.error();
  return std::optional<JobLease>();
}

Result<SqlRows> SqlCatalog::WriteFenced(const char* statement, std::initializer_list<SqlValue> params) {
  std::lock_guard lock(mutex_);
  auto tx = SqlTransaction::Begin(*connection_);
  if (!tx.ok()) return tx.error();
  auto written = Run(statement, params);
  if (!written.ok()) return written.error();
  if (Status committed = tx->Commit(); !committed.ok()) return committed.error();
  return written;
}

Result<bool> SqlCatalog::Heartbeat(const JobLease& lease, int64_t lease_ms) {
  if (lease_ms < 0) return Error::Usage(fmt::format("lease of {} ms", lease_ms));
  auto beat = WriteFenced(kHeartbeat, {lease.job.id, lease.worker, int64_t{lease.attempt}, lease_ms});
  if (!beat.ok()) return beat.error();
  return beat->changed > 0;
}

Result<bool> SqlCatalog::Complete(const JobLease& lease, const AnalysisResult& result) {
  if (!result.dump_id.empty() && result.dump_id != lease.job.dump_id) {
    return Error::Usage(
        fmt::format("result of dump {} completing the job of dump {}", result.dump_id, lease.job.dump_id));
  }
  auto summary = JsonDocument(result.summary_json, fmt::format("dump {} summary", lease.job.dump_id));
  if (!summary.ok()) return summary.error();
  const std::string& service = result.service.empty() ? lease.job.service : result.service;
  std::lock_guard lock(mutex_);
  auto tx = SqlTransaction::Begin(*connection_);
  if (!tx.ok()) return tx.error();
  // Returning early rolls back: nothing is written when the fence fails
  // or the dump already has its result.
  auto finished = Run(kFinishJob, {lease.job.id, lease.worker, int64_t{lease.attempt}, result.result_location});
  if (!finished.ok()) return finished.error();
  if (finished->changed == 0) return false;
  auto kept = Run(kInsertResult, {lease.job.id, lease.job.dump_id, service, result.captured_ms,
                                  Bits(result.heap_bytes), Bits(result.object_count), result.result_location,
                                  *summary, lease.worker});
  if (!kept.ok()) return kept.error();
  if (kept->changed == 0) return false;
  for (const SuspectRow& suspect : result.suspects) {
    auto row = Run(kInsertSuspect, {lease.job.dump_id, int64_t{suspect.rank}, suspect.signature, suspect.kind,
                                    suspect.class_name, Bits(suspect.retained_bytes), suspect.retained_percent,
                                    Bits(suspect.count), suspect.title});
    if (!row.ok()) return row.error();
  }
  if (Status committed = tx->Commit(); !committed.ok()) return committed.error();
  return true;
}

Result<FailOutcome> SqlCatalog::Fail(const JobLease& lease, const std::string& error, int64_t retry_after_ms) {
  int64_t retry_after = std::max<int64_t>(retry_after_ms, 0);
  auto failed = WriteFenced(kFailJob, {lease.job.id, lease.worker, int64_t{lease.attempt}, error, retry_after});
  if (!failed.ok()) return failed.error();
  if (failed->rows.empty()) return FailOutcome::kLost;
  return failed->rows[0][0] == "dead" ? FailOutcome::kDead : FailOutcome::kRetry;
}

Result<bool> SqlCatalog::Release(const JobLease& lease) {
  auto released = WriteFenced(kReleaseJob, {lease.job.id, lease.worker, int64_t{lease.attempt}});
  if (!released.ok()) return released.error();
  return released->changed > 0;
}

Result<std::optional<DumpRecord>> SqlCatalog::FindDumpLocked(const std::string& dump_id) {
  auto found = Run(kFindDump, {dump_id});
  if (!found.ok()) return found.error();
  if (found->rows.empty()) return std::optional<DumpRecord>();
  return std::optional<DumpRecord>(ReadDump(RowReader(found->rows[0])));
}

Result<std::optional<DumpRecord>> SqlCatalog::FindDump(const std::string& dump_id) {
  std::lock_guard lock(mutex_);
  return FindDumpLocked(dump_id);
}

Result<std::vector<JobRecord>> SqlCatalog::ListJobs(const JobFilter& filter) {
  std::string_view state = filter.state ? JobStateName(*filter.state) : "";
  std::lock_guard lock(mutex_);
  auto listed = Run(kListJobs, {state, filter.service, Limit(filter.limit)});
  if (!listed.ok()) return listed.error();
  std::vector<JobRecord> jobs;
  for (const auto& row : listed->rows) jobs.push_back(ReadJob(RowReader(row)));
  return jobs;
}

Result<std::vector<AnalysisResult>> SqlCatalog::Results(const std::string& service, size_t limit) {
  std::lock_guard lock(mutex_);
  auto newest = Run(kNewestResults, {service, Limit(limit)});
  if (!newest.ok()) return newest.error();
  auto suspects = Run(kNewestSuspects, {service, Limit(limit)});
  if (!suspects.ok()) return suspects.error();
  std::vector<AnalysisResult> results;
  std::map<std::string, size_t> by_dump;
  for (auto row = newest->rows.rbegin(); row != newest->rows.rend(); ++row) {
    results.push_back(ReadResult(RowReader(*row)));
    by_dump[results.back().dump_id] = results.size() - 1;
  }
  // Rows come by dump and rank; a result committed between the two reads
  // may bring suspects of a dump not in the list, which are left out.
  for (const auto& row : suspects->rows) {
    auto [dump_id, suspect] = ReadSuspect(RowReader(row));
    auto found = by_dump.find(dump_id);
    if (found != by_dump.end()) results[found->second].suspects.push_back(std::move(suspect));
  }
  return results;
}

Result<QueueCounts> SqlCatalog::Counts() {
  std::lock_guard lock(mutex_);
  auto counted = Run(kCounts, {});
  if (!counted.ok()) return counted.error();
  RowReader row(counted->rows.at(0));
  QueueCounts counts;
  counts.queued = row.Unsigned();
  counts.running = row.Unsigned();
  counts.succeeded = row.Unsigned();
  counts.dead = row.Unsigned();
  counts.expired_leases = row.Unsigned();
  return counts;
}

}  // namespace

Result<std::unique_ptr<DumpCatalog>> OpenSqlCatalog(std::unique_ptr<SqlConnection> connection) {
  if (Status created = CreateCatalogSchema(*connection); !created.ok()) return created.error();
  return std::unique_ptr<DumpCatalog>(std::make_unique<SqlCatalog>(std::move(connection)));
}

}  // namespace heapscope::catalog
