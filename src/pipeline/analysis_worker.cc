#include "pipeline/analysis_worker.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "report/heap_report.h"

namespace heapscope::pipeline {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// One job at a time, with its own catalog connection and store client, so
// threads never wait on each other's database round trips.
struct AnalysisWorker::Slot {
  int index = 0;
  std::unique_ptr<catalog::DumpCatalog> catalog;
  std::unique_ptr<store::ObjectStore> store;
  std::mutex mu;                            // guards `current`
  std::optional<catalog::JobLease> current; // the job in progress
  bool lease_lost = false;                  // a heartbeat found it taken over
};

namespace {

std::string DefaultName() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("{}-{}", host, ::getpid());
}

std::string DefaultScratch() {
  const char* tmp = std::getenv("TMPDIR");
  return fmt::format("{}/heapscope-worker-{}", tmp && *tmp ? tmp : "/tmp", ::getpid());
}

uint32_t RandomToken() {
  static thread_local std::mt19937 random(std::random_device{}());
  return static_cast<uint32_t>(random());
}

// The stored object copied to `path` as it is: an encrypted dump stays
// encrypted on the worker's disk and is decrypted as it is read.
Result<uint64_t> Download(store::ObjectStore& store, const std::string& key, const std::string& path) {
  auto source = store.Get(key);
  if (!source.ok()) return source.error();
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (!out) return Error::Io(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  uint64_t total = 0;
  for (;;) {
    auto chunk = source.value()->Next();
    if (!chunk.ok()) {
      std::fclose(out);
      return chunk.error();
    }
    if (chunk->empty()) break;
    if (std::fwrite(chunk->data(), 1, chunk->size(), out) != chunk->size()) {
      std::fclose(out);
      return Error::Io(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
    total += chunk->size();
  }
  if (std::fclose(out) != 0) return Error::Io(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  return total;
}

Status PutText(store::ObjectStore& store, const std::string& key, const std::string& text) {
  return store.PutBytes(key, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

}  // namespace

AnalysisWorker::AnalysisWorker(WorkerSettings settings, WorkerMetrics& metrics)
    : s_(std::move(settings)), metrics_(metrics) {
  if (s_.name.empty()) s_.name = DefaultName();
  own_scratch_ = s_.scratch_dir.empty();
  if (own_scratch_) s_.scratch_dir = DefaultScratch();
  s_.concurrency = std::max(1, s_.concurrency);
}

void AnalysisWorker::Log(const std::string& line) const {
  if (s_.log) s_.log(line);
}

Status AnalysisWorker::Run(const std::atomic<bool>& stop) {
  std::error_code ec;
  fs::create_directories(s_.scratch_dir, ec);
  if (ec) return Error::Io(fmt::format("cannot create the scratch folder {}: {}", s_.scratch_dir, ec.message()));
  ::chmod(s_.scratch_dir.c_str(), 0700);
  // Downloads a killed worker left behind (an OOM kill restarts the pod
  // with its scratch volume intact): the folder is this worker's alone.
  for (const auto& entry : fs::directory_iterator(s_.scratch_dir, ec)) {
    if (entry.path().filename().string().starts_with("job-")) fs::remove_all(entry.path(), ec);
  }

  // Slots live as long as their threads, which may outlive Run when the
  // drain times out (the caller then exits the process).
  std::vector<std::shared_ptr<Slot>> slots;
  for (int i = 0; i < s_.concurrency; ++i) {
    auto slot = std::make_shared<Slot>();
    slot->index = i;
    auto c = catalog::OpenDumpCatalog(s_.catalog_url);
    if (!c.ok()) return c.error();
    slot->catalog = std::move(c.value());
    auto st = store::OpenObjectStore(s_.store_url);
    if (!st.ok()) return st.error();
    slot->store = std::move(st.value());
    slots.push_back(std::move(slot));
  }
  auto opened = catalog::OpenDumpCatalog(s_.catalog_url);
  if (!opened.ok()) return opened.error();
  std::unique_ptr<catalog::DumpCatalog> heartbeat = std::move(opened.value());
  Log(fmt::format("worker {} started: {} slot(s), store {}, catalog {}, lease {} s", s_.name, s_.concurrency,
                  slots[0]->store->Location(), heartbeat->Location(), s_.lease.count() / 1000.0));

  auto state = std::make_shared<std::pair<std::mutex, std::condition_variable>>();
  auto running = std::make_shared<int>(s_.concurrency);
  // The threads' own stop: the caller's flag, or an idle queue.
  auto done = std::make_shared<std::atomic<bool>>(false);
  for (auto& slot : slots) {
    std::thread([this, slot, state, running, done] {
      Loop(*slot, *done);
      std::lock_guard lock(state->first);
      --*running;
      state->second.notify_all();
    }).detach();
  }

  // Heartbeats and queue figures every third of a lease, until the last
  // slot is done: also while draining, or a job finishing in the drain
  // would lose its lease to another worker. A failed beat is tried again
  // a second later, so one lost round trip doesn't cost the lease.
  const auto beat_every = std::max<Clock::duration>(s_.lease / 3, std::chrono::milliseconds(100));
  const auto retry_beat = std::min<Clock::duration>(beat_every, std::chrono::seconds(1));
  auto next_beat = Clock::now();
  auto beat = [&] {
    bool failed = false;
    for (auto& slot : slots) {
      std::optional<catalog::JobLease> lease;
      {
        std::lock_guard held(slot->mu);
        if (slot->current && !slot->lease_lost) lease = slot->current;
      }
      if (!lease) continue;
      auto ok = heartbeat->Heartbeat(*lease, s_.lease.count());
      if (!ok.ok()) {
        failed = true;
        Log(fmt::format("heartbeat of job {} failed: {}", lease->job.id, ok.error().ToString()));
        continue;
      }
      std::lock_guard held(slot->mu);
      // The job may have ended while we were beating; a fence that failed
      // for a finished job says nothing.
      if (!ok.value() && slot->current && slot->current->job.id == lease->job.id &&
          slot->current->attempt == lease->attempt) {
        slot->lease_lost = true;
        Log(fmt::format("job {}: lease lost (another worker took it over)", lease->job.id));
      }
    }
    if (auto counts = heartbeat->Counts(); counts.ok()) metrics_.SetQueue(counts.value());
    next_beat = Clock::now() + (failed ? retry_beat : beat_every);
  };
  std::optional<Clock::time_point> drain_until;
  std::unique_lock lock(state->first);
  while (*running > 0) {
    if (stop.load() && !drain_until) {
      Log("stopping: no new jobs; waiting for the ones in progress");
      done->store(true);
      drain_until = Clock::now() + s_.drain_timeout;
    }
    if (drain_until && Clock::now() >= *drain_until) break;
    if (s_.exit_when_idle && idle_slots_.load() == s_.concurrency) done->store(true);
    if (Clock::now() >= next_beat) {
      lock.unlock();
      beat();
      lock.lock();
    }
    state->second.wait_for(lock, std::chrono::milliseconds(100));
  }
  if (*running > 0) {
    lock.unlock();
    for (auto& slot : slots) {
      std::lock_guard held(slot->mu);
      if (!slot->current) continue;
      auto released = heartbeat->Release(*slot->current);
      if (released.ok() && released.value()) metrics_.Count("heapscope_worker_jobs_released_total", {});
      Log(fmt::format("job {}: {} at shutdown", slot->current->job.id,
                      !released.ok()    ? "could not be released: " + released.error().ToString()
                      : released.value() ? std::string("released unfinished")
                                         : std::string("not released: its lease was already lost")));
    }
    return Error::Io("jobs still in progress after the drain timeout were released");
  }
  // Only a folder of our own making goes; a given one may hold more.
  std::error_code ignored;
  if (own_scratch_) fs::remove_all(s_.scratch_dir, ignored);
  const double jobs = metrics_.Value("heapscope_worker_jobs_succeeded_total", {}) +
                      metrics_.Value("heapscope_worker_jobs_failed_total", {}) +
                      metrics_.Value("heapscope_worker_jobs_dead_lettered_total", {});
  const double queue_seconds = metrics_.Value("heapscope_worker_queue_seconds_total", {{"operation", "claim"}}) +
                               metrics_.Value("heapscope_worker_queue_seconds_total", {{"operation", "complete"}});
  Log(fmt::format("worker {} stopped after {} job(s); claim + complete took {:.2f} ms a job", s_.name, jobs,
                  jobs > 0 ? 1000 * queue_seconds / jobs : 0.0));
  return {};
}

void AnalysisWorker::Loop(Slot& slot, const std::atomic<bool>& done) {
  bool idle = false;
  while (!done.load()) {
    const auto asked = Clock::now();
    auto claimed = slot.catalog->Claim(s_.name, s_.lease.count());
    if (claimed.ok() && claimed.value()) {
      metrics_.Count("heapscope_worker_queue_seconds_total", {{"operation", "claim"}},
                     std::chrono::duration<double>(Clock::now() - asked).count());
    }
    if (!claimed.ok()) {
      Log(fmt::format("claim failed: {}", claimed.error().ToString()));
    } else if (claimed.value()) {
      if (idle) --idle_slots_;
      idle = false;
      RunJob(slot, *claimed.value());
      continue;
    } else if (s_.exit_when_idle) {
      // Idle only when nothing is queued or running anywhere: a running job
      // may still be reclaimed from a dead worker, a failed one retried.
      auto counts = slot.catalog->Counts();
      const bool empty = counts.ok() && counts->queued == 0 && counts->running == 0;
      if (empty != idle) idle_slots_ += empty ? 1 : -1;
      idle = empty;
    }
    const auto until = Clock::now() + s_.poll;
    while (!done.load() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void AnalysisWorker::RunJob(Slot& slot, catalog::JobLease& lease) {
  const auto started = Clock::now();
  const int64_t job = lease.job.id;
  metrics_.Count("heapscope_worker_jobs_claimed_total", {{"reclaimed", lease.reclaimed ? "true" : "false"}});
  if (lease.reclaimed) metrics_.Count("heapscope_worker_leases_expired_total", {});
  Log(fmt::format("job {}: dump {} of {} (attempt {}/{}{})", job, lease.dump.id, lease.dump.service, lease.attempt,
                  lease.job.max_attempts, lease.reclaimed ? ", taken over from an expired lease" : ""));
  {
    std::lock_guard held(slot.mu);
    slot.current = lease;
    slot.lease_lost = false;
  }
  metrics_.Set("heapscope_worker_busy", {{"slot", std::to_string(slot.index)}}, 1);

  catalog::AnalysisResult result;
  Status processed;
  try {
    processed = Process(slot, lease, result);
  } catch (const std::exception& e) {
    // A bug or an allocation the dump made fail: this job fails, the
    // worker and its other jobs go on.
    processed = Error{ErrorKind::kInternal, fmt::format("the analysis stopped: {}", e.what())};
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (processed.ok()) {
    const auto asked = Clock::now();
    // A catalog that can't answer is asked again while the heartbeats keep
    // the lease; only a definite "no" means the lease is gone.
    auto completed = slot.catalog->Complete(lease, result);
    for (int tries = 1; !completed.ok() && tries < 6; ++tries) {
      Log(fmt::format("job {}: recording the result failed, trying again: {}", job, completed.error().ToString()));
      std::this_thread::sleep_for(std::chrono::seconds(tries));
      completed = slot.catalog->Complete(lease, result);
    }
    metrics_.Count("heapscope_worker_queue_seconds_total", {{"operation", "complete"}},
                   std::chrono::duration<double>(Clock::now() - asked).count());
    if (!completed.ok()) {
      // Maybe recorded, maybe not (a commit whose answer was lost): the
      // reports stay, and an unrecorded job runs again after its lease.
      Log(fmt::format("job {}: the result's fate is unknown, the job runs again if it was not recorded: {}", job,
                      completed.error().ToString()));
    } else if (completed.value()) {
      metrics_.Count("heapscope_worker_jobs_succeeded_total", {});
      metrics_.Count("heapscope_worker_suspects_found_total", {{"service", lease.dump.service}},
                     static_cast<double>(result.suspects.size()));
      metrics_.ObserveAnalysis(seconds);
      Log(fmt::format("job {}: done in {:.2f} s, {} suspect(s), report in {}", job, seconds, result.suspects.size(),
                      result.result_location));
    } else {
      // Someone else owns the job now; what we wrote is in a folder no
      // result points to.
      metrics_.Count("heapscope_worker_leases_lost_total", {});
      Log(fmt::format("job {}: not recorded, the lease was lost", job));
      for (const char* name : {"report.json", "report.html", "report.md"}) {
        (void)slot.store->Delete(result.result_location + name);
      }
    }
  } else {
    const std::string error = processed.error().ToString();
    const auto backoff = std::min<std::chrono::milliseconds>(
        s_.retry_max, s_.retry_min * (int64_t{1} << std::min(lease.attempt - 1, 20)));
    auto outcome = slot.catalog->Fail(lease, error, backoff.count());
    if (!outcome.ok()) {
      Log(fmt::format("job {}: failed ({}), and recording it failed too: {}", job, error,
                      outcome.error().ToString()));
    } else if (outcome.value() == catalog::FailOutcome::kDead) {
      metrics_.Count("heapscope_worker_jobs_dead_lettered_total", {});
      Log(fmt::format("job {}: dead-lettered after attempt {}: {}", job, lease.attempt, error));
    } else if (outcome.value() == catalog::FailOutcome::kRetry) {
      metrics_.Count("heapscope_worker_jobs_failed_total", {});
      Log(fmt::format("job {}: attempt {} failed, retry in {} s: {}", job, lease.attempt, backoff.count() / 1000.0,
                      error));
    } else {
      metrics_.Count("heapscope_worker_leases_lost_total", {});
      Log(fmt::format("job {}: failed after its lease was lost: {}", job, error));
    }
  }
  metrics_.Set("heapscope_worker_busy", {{"slot", std::to_string(slot.index)}}, 0);
  std::lock_guard held(slot.mu);
  slot.current.reset();
}

Status AnalysisWorker::Process(Slot& slot, const catalog::JobLease& lease, catalog::AnalysisResult& result) {
  const std::string dir = fmt::format("{}/job-{}-{}", s_.scratch_dir, lease.job.id, lease.attempt);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error::Io(fmt::format("cannot create {}: {}", dir, ec.message()));
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{dir};

  const std::string path = dir + "/dump";
  auto bytes = Download(*slot.store, lease.dump.location, path);
  if (!bytes.ok()) return bytes.error();

  // Trend against the service's dumps taken before this one.
  auto earlier = slot.catalog->Results(lease.dump.service, s_.trend_history + 1);
  if (!earlier.ok()) return earlier.error();
  std::vector<catalog::AnalysisResult> history;
  for (catalog::AnalysisResult& r : earlier.value()) {
    if (r.dump_id != lease.dump.id && r.captured_ms <= lease.dump.captured_ms) history.push_back(std::move(r));
  }
  if (history.size() > s_.trend_history) history.erase(history.begin(), history.end() - s_.trend_history);

  auto analyzed = AnalyzeDump(path, lease.dump, history, s_.analysis);
  if (!analyzed.ok()) return analyzed.error();
  metrics_.Count("heapscope_worker_analyzed_bytes_total", {}, static_cast<double>(bytes.value()));

  // The attempt's own folder: a released attempt's number comes back, and
  // its late upload must not land in the next one's folder.
  const std::string prefix = fmt::format("results/{}/{}-{:08x}/", lease.dump.id, lease.attempt, RandomToken());
  const nlohmann::ordered_json& report = analyzed->report;
  const std::string json = report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (Status s = PutText(*slot.store, prefix + "report.json", json); !s.ok()) return s;
  if (Status s = PutText(*slot.store, prefix + "report.md", report::HeapReportMarkdown(report)); !s.ok()) return s;
  if (Status s = PutText(*slot.store, prefix + "report.html", report::HeapReportHtml(report)); !s.ok()) return s;
  result = std::move(analyzed->result);
  result.result_location = prefix;
  return {};
}

}  // namespace heapscope::pipeline
