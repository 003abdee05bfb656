#include "capture/capture_agent.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "capture/dump_completeness.h"
#include "capture/dump_folder_watcher.h"
#include "capture/dump_shipper.h"
#include "capture/heap_dump_request.h"
#include "capture/jvm_discovery.h"
#include "capture/ship_queue.h"
#include "capture/trigger_policy.h"
#include "capture/watched_jvm.h"
#include "catalog/dump_catalog.h"
#include "catalog/dump_metadata.h"
#include "hprof/dump_key.h"

namespace heapscope::capture {
namespace {

namespace fs = std::filesystem;

template <typename... Args>
void Log(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, "{} heapscope agent: {}\n", UtcText(std::time(nullptr)),
             fmt::format(format, std::forward<Args>(args)...));
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(WallClock::now().time_since_epoch()).count();
}

std::string HostName() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

// Free bytes where `path` is, or at its nearest existing ancestor.
uint64_t FreeBytes(fs::path path) {
  struct statvfs vfs {};
  while (!path.empty()) {
    if (::statvfs(path.c_str(), &vfs) == 0) return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (path == path.parent_path()) break;
    path = path.parent_path();
  }
  return 0;
}

// The JVM writes its dumps itself, as its own user: the folder is made
// for it, readable by nobody else (dumps hold customer data).
Status MakeDumpFolder(const WatchedJvm& w) {
  std::error_code ec;
  fs::create_directories(w.agent_folder, ec);
  if (ec) return Error::Io(fmt::format("cannot create the dump folder {}: {}", w.agent_folder, ec.message()));
  ::chmod(w.agent_folder.c_str(), 0700);
  if (::geteuid() == 0 && w.jvm.process.euid != 0 &&
      ::chown(w.agent_folder.c_str(), w.jvm.process.euid, w.jvm.process.egid) != 0) {
    return Error::Io(fmt::format("cannot hand {} to uid {}: {}", w.agent_folder, w.jvm.process.euid,
                                 std::strerror(errno)));
  }
  return {};
}

// Held while a dump is shipped, so two processes sharing the state folder
// (a daemon and an `agent dump`) never ship one dump at the same time.
class ShipLock {
 public:
  explicit ShipLock(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    held_ = fd_ >= 0 && ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~ShipLock() {
    if (held_ && done_) ::unlink(path_.c_str());
    if (fd_ >= 0) ::close(fd_);
  }
  bool held() const { return held_; }
  void Done() { done_ = true; }

 private:
  std::string path_;
  int fd_ = -1;
  bool held_ = false;
  bool done_ = false;
};

class Agent final : public CaptureAgent {
 public:
  Agent(AgentConfig c, std::optional<hprof::DumpKey> key, std::unique_ptr<store::ObjectStore> store,
        std::unique_ptr<ShipQueue> queue, std::unique_ptr<catalog::DumpCatalog> catalog)
      : c_(std::move(c)),
        key_(std::move(key)),
        store_(std::move(store)),
        queue_(std::move(queue)),
        catalog_(std::move(catalog)),
        policy_(c_) {
    LoadHistory();
  }
  ~Agent() override {
    if (dump_thread_.joinable()) dump_thread_.join();
  }

  Status Run(const std::atomic<bool>& stop) override;
  Result<std::string> DumpNow(int pid, const std::atomic<bool>& stop) override;
  AgentMetrics& Metrics() override { return metrics_; }

 private:
  void MonitorOnce();
  void Evaluate(const WatchedJvm& fresh, const PerfCounters& counters, WallClock::time_point now,
                std::vector<WatchedJvm>& to_arm);
  void Arm(const WatchedJvm& w);
  void StartDump(const WatchedJvm& w, const HeapFigures& f, const TriggerDecision& d);
  Result<PendingDump> TakeDump(const WatchedJvm& w, const HeapFigures& f, const std::string& trigger,
                               const std::string& detail);
  void WatchFolders(const std::atomic<bool>& stop);
  void ConsiderFile(const std::string& path, bool at_startup);
  void ShipQueued(const std::atomic<bool>& stop);
  // True when the dump is in the store (now or already).
  bool ShipOne(PendingDump p, const std::atomic<bool>& stop);
  void Finish(PendingDump p);
  Status Enqueue(const std::string& id);
  void WakeShipper();
  void LoadHistory();
  void SaveHistory();
  std::string HistoryPath() const { return c_.state_dir + "/history.json"; }

  AgentConfig c_;
  std::optional<hprof::DumpKey> key_;
  std::unique_ptr<store::ObjectStore> store_;
  std::unique_ptr<ShipQueue> queue_;
  std::unique_ptr<catalog::DumpCatalog> catalog_;  // null until reached; c_.catalog "" = never
  AgentMetrics metrics_;

  std::mutex mu_;  // guards everything below it
  TriggerPolicy policy_;
  std::map<std::string, WatchedJvm> jvms_;
  std::set<std::string> claimed_;            // dumps being written on our request
  std::vector<std::string> folders_to_watch_;  // for the watcher thread to add
  std::thread dump_thread_;
  WallClock::time_point last_discovery_;

  std::atomic<std::chrono::steady_clock::time_point> last_round_{std::chrono::steady_clock::now()};
  std::atomic<bool> drain_{false};       // the shipper's last pass may begin
  std::atomic<bool> abort_ship_{false};  // a ship in progress gives up
  std::atomic<bool> shipper_done_{false};
  std::mutex ship_mu_;
  std::condition_variable ship_cv_;
  bool ship_wake_ = false;
};

void Agent::LoadHistory() {
  std::ifstream in(HistoryPath());
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_array()) return;
  std::vector<std::pair<std::string, WallClock::time_point>> h;
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("jvm") || !e.contains("time") || !e["jvm"].is_string() ||
        !e["time"].is_number_integer()) {
      continue;  // a damaged history costs at most a cooldown, never the agent
    }
    h.emplace_back(e["jvm"].get<std::string>(), WallClock::time_point(std::chrono::seconds(e["time"].get<int64_t>())));
  }
  policy_.Restore(std::move(h));
}

void Agent::SaveHistory() {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [jvm, t] : policy_.History()) {
    j.push_back({{"jvm", jvm}, {"time", std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count()}});
  }
  if (Status s = WriteFileAtomically(HistoryPath(), j.dump() + "\n"); !s.ok()) Log("{}", s.error().ToString());
}

void Agent::WakeShipper() {
  {
    std::lock_guard lock(ship_mu_);
    ship_wake_ = true;
  }
  ship_cv_.notify_all();
}

// Not under mu_: two attaches may take seconds with a slow JVM.
void Agent::Arm(const WatchedJvm& w) {
  const std::string own = HeapDumpPathArgument(w.vm_args);
  if (!own.empty()) {
    Log("pid {}: keeps its own -XX:HeapDumpPath={} (watch it with watch_dirs)", w.jvm.process.pid, own);
    return;
  }
  if (Status s = MakeDumpFolder(w); !s.ok()) {
    Log("pid {}: {}", w.jvm.process.pid, s.error().ToString());
    return;
  }
  if (Status s = ArmOomDumps(w.jvm.process.pid, w.jvm_folder); !s.ok()) {
    metrics_.Count("heapscope_agent_attach_errors_total", {{"operation", "arm_oom_dumps"}});
    Log("pid {}: cannot turn on dumps on OutOfMemoryError: {}", w.jvm.process.pid, s.error().ToString());
    return;
  }
  {
    std::lock_guard lock(mu_);
    folders_to_watch_.push_back(w.agent_folder);
  }
  Log("pid {}: dumps on OutOfMemoryError go to {}", w.jvm.process.pid, w.jvm_folder);
}

void Agent::MonitorOnce() {
  const auto now = WallClock::now();
  // A look through /proc reads a file of every process on the machine; the
  // counters of the JVMs already known are one small file each. So the
  // machine is searched every kDiscoveryPeriod and the known JVMs read at
  // every interval in between: what keeps the agent near no CPU at all.
  constexpr auto kDiscoveryPeriod = std::chrono::seconds(10);
  std::vector<std::pair<WatchedJvm, PerfCounters>> readings;
  std::set<std::string> gone;
  if (now - last_discovery_ >= kDiscoveryPeriod) {
    last_discovery_ = now;
    std::set<std::string> seen;
    for (const JvmProcess& j : DiscoverJvms()) {
      auto counters = ReadPerfData(j.perf_data);
      if (!counters.ok()) continue;  // a JVM starting or exiting: its file is not ready or gone
      WatchedJvm fresh = DescribeJvm(j, counters.value(), c_);
      if (!WantedJvm(fresh, c_)) continue;
      seen.insert(fresh.key);
      readings.emplace_back(std::move(fresh), std::move(counters.value()));
    }
    std::lock_guard lock(mu_);
    for (const auto& [key, w] : jvms_) {
      if (!seen.count(key)) gone.insert(key);
    }
  } else {
    std::vector<WatchedJvm> known;
    {
      std::lock_guard lock(mu_);
      for (const auto& [key, w] : jvms_) known.push_back(w);
    }
    for (WatchedJvm& w : known) {
      auto counters = ReadPerfData(w.jvm.perf_data);
      if (!counters.ok()) {
        gone.insert(w.key);  // the JVM removes its file when it exits
        continue;
      }
      readings.emplace_back(std::move(w), std::move(counters.value()));
    }
  }
  std::vector<WatchedJvm> to_arm;
  std::unique_lock lock(mu_);
  for (auto& [fresh, counters] : readings) Evaluate(fresh, counters, now, to_arm);
  for (const std::string& key : gone) {
    auto it = jvms_.find(key);
    if (it == jvms_.end()) continue;
    Log("pid {}: gone", it->second.jvm.process.pid);
    policy_.Forget(key);
    metrics_.RemoveJvm(key);
    jvms_.erase(it);
  }
  metrics_.Set("heapscope_agent_jvms", {}, static_cast<double>(jvms_.size()));
  lock.unlock();
  for (const WatchedJvm& w : to_arm) Arm(w);
}

// Called with mu_ held.
void Agent::Evaluate(const WatchedJvm& fresh, const PerfCounters& counters, WallClock::time_point now,
                     std::vector<WatchedJvm>& to_arm) {
  const HeapFigures figures = HeapFiguresOf(counters);
  auto [it, added] = jvms_.try_emplace(fresh.key, fresh);
  WatchedJvm& w = it->second;
  const int pid = w.jvm.process.pid;
  if (added) Log("pid {}: watching {} ({} {}, {})", pid, w.command, w.vm_vendor, w.vm_version, figures.collector);
  metrics_.SetJvm(w.key, w.Labels(c_), figures);
  if (c_.arm_oom_dumps && !c_.dry_run && !w.oom_armed) {
    w.oom_armed = true;  // one try per JVM: a failure is logged, not repeated every interval
    to_arm.push_back(w);
  }
  const TriggerDecision d = policy_.Observe(w.key, figures, now, DumpSpace{FreeBytes(w.agent_folder)});
  static const char* kAction[] = {"none", "dump", "hold"};
  metrics_.Count("heapscope_agent_decisions_total",
                 {{"action", kAction[static_cast<int>(d.action)]}, {"reason", d.reason}});
  // Every change is logged; a decision that keeps holding a dump back is
  // repeated every 5 minutes, so the log says why nothing happens without
  // a line per reading.
  if (d.reason != w.last_reason ||
      (d.action == TriggerAction::kHold && now - w.last_logged > std::chrono::minutes(5))) {
    Log("pid {}: {} ({}): {}", pid, kAction[static_cast<int>(d.action)], d.reason, d.detail);
    w.last_logged = now;
  }
  w.last_reason = d.reason;
  if (d.action != TriggerAction::kDump) return;
  if (c_.dry_run) {
    Log("pid {}: dry run: no dump taken", pid);
    policy_.DumpStarted(w.key, now);  // so the dry run shows the cooldown too
    policy_.DumpEnded();
    return;
  }
  StartDump(w, figures, d);
}

// Called with mu_ held.
void Agent::StartDump(const WatchedJvm& w, const HeapFigures& f, const TriggerDecision& d) {
  policy_.DumpStarted(w.key, WallClock::now());
  SaveHistory();
  if (dump_thread_.joinable()) dump_thread_.join();  // the policy let it start: the last one has ended
  dump_thread_ = std::thread([this, w, f, d] {
    auto taken = TakeDump(w, f, d.pressure, d.detail);
    if (!taken.ok()) Log("pid {}: dump failed: {}", w.jvm.process.pid, taken.error().ToString());
    std::lock_guard lock(mu_);
    policy_.DumpEnded();
  });
}

Result<PendingDump> Agent::TakeDump(const WatchedJvm& w, const HeapFigures& f, const std::string& trigger,
                                    const std::string& detail) {
  const int pid = w.jvm.process.pid;
  auto fail = [&](Error e) {
    metrics_.Count("heapscope_agent_dumps_total", {{"trigger", trigger}, {"result", "failed"}});
    return e;
  };
  if (Status s = MakeDumpFolder(w); !s.ok()) return fail(s.error());
  PendingDump p;
  p.id = NewDumpId(c_.node.empty() ? HostName() : c_.node, pid);
  const std::string file = "heapscope-" + p.id + ".hprof";
  p.path = w.agent_folder + file;
  p.trigger = trigger;
  {
    std::lock_guard lock(mu_);
    claimed_.insert(p.path);
  }
  const std::time_t started = std::time(nullptr);
  Log("pid {}: dumping to {} ({})", pid, w.jvm_folder + file, detail);
  auto outcome = RequestHeapDump(pid, w.jvm_folder + file, p.path, c_.dump_timeout);
  auto unclaim = [&] {
    std::lock_guard lock(mu_);
    claimed_.erase(p.path);
  };
  p.facts = w.Facts(c_);
  if (!outcome.ok()) {
    metrics_.Count("heapscope_agent_attach_errors_total", {{"operation", "heap_dump"}});
    struct stat st {};
    if (::stat(p.path.c_str(), &st) != 0) {
      unclaim();
      return fail(outcome.error());
    }
    // The JVM wrote something (and may be writing still, past our
    // deadline): nobody else will queue it, so we do, marked; the shipper
    // waits for it to settle.
    p.truncated = true;
    p.truncation = "the JVM did not confirm the dump: " + outcome.error().message;
    p.facts["reason"] = detail;
    Status queued = queue_->Put(p);
    unclaim();
    metrics_.Count("heapscope_agent_dumps_total", {{"trigger", trigger}, {"result", "unconfirmed"}});
    WakeShipper();
    return queued.ok() ? Error::Io(p.truncation + "; queued as " + p.id) : queued.error();
  }
  p.truncated = !outcome->complete;
  p.truncation = outcome->incomplete;
  p.facts["figures"] = FiguresJson(f);
  p.facts["reason"] = detail;
  p.facts["dump_started_at"] = UtcText(started);
  p.facts["dump_seconds"] = outcome->seconds;
  p.facts["jvm_reply"] = outcome->reply.substr(0, 1024);
  Status queued = queue_->Put(p);
  unclaim();
  if (!queued.ok()) return fail(queued.error());
  metrics_.Count("heapscope_agent_dumps_total", {{"trigger", trigger}, {"result", p.truncated ? "truncated" : "complete"}});
  Log("pid {}: dump {} written in {:.2f} s{}", pid, p.id, outcome->seconds,
      p.truncated ? " but incomplete: " + p.truncation : "");
  WakeShipper();
  return p;
}

void Agent::ConsiderFile(const std::string& path, bool at_startup) {
  {
    std::lock_guard lock(mu_);
    if (claimed_.count(path)) return;
  }
  if (queue_->HasPath(path) || queue_->WasShipped(path)) return;
  const std::string name = fs::path(path).filename().string();
  // A dump some agent asked for is queued by that agent (another process,
  // such as `agent dump`, may be writing it now); only at start-up is one
  // left over from a crash.
  if (!at_startup && name.starts_with("heapscope-")) return;
  // JDK 21+ writes a dump in parallel into <name>.p<N> parts and then joins
  // them into <name>: the parts are not dumps.
  if (name.find(".hprof.p") != std::string::npos) return;
  auto checked = CheckDumpComplete(path);
  if (!checked.ok()) {
    Log("ignoring {}: {}", path, checked.error().ToString());
    return;
  }
  struct stat st {};
  ::stat(path.c_str(), &st);
  if (c_.dry_run) {
    Log("dry run: would ship {} ({})", path, checked->complete ? "complete" : checked->reason);
    return;
  }
  PendingDump p;
  p.path = path;
  // Our own dump left behind by a restart, or a JVM's OutOfMemoryError dump.
  p.trigger = name.starts_with("heapscope-") ? "recovered" : "oom";
  p.truncated = !checked->complete;
  p.truncation = checked->reason;
  int pid = 0;
  {
    std::lock_guard lock(mu_);
    const std::string folder = fs::path(path).parent_path().string() + "/";
    for (const auto& [key, w] : jvms_) {
      if (w.agent_folder == folder) {
        p.facts = w.Facts(c_);
        pid = w.jvm.process.pid;
      }
    }
  }
  if (p.facts.empty()) {
    p.facts = {{"service", c_.service}, {"pod", c_.pod}, {"namespace", c_.namespace_}, {"container", c_.container},
               {"image", c_.image}, {"node", c_.node.empty() ? HostName() : c_.node}, {"host", HostName()}};
  }
  p.facts["file"] = name;
  p.facts["file_bytes"] = checked->file_bytes;
  p.facts["file_written_at"] = UtcText(st.st_mtim.tv_sec ? st.st_mtim.tv_sec : std::time(nullptr));
  p.id = NewDumpId(c_.node.empty() ? HostName() : c_.node, pid);
  if (Status s = queue_->Put(p); !s.ok()) {
    Log("cannot queue {}: {}", path, s.error().ToString());
    return;
  }
  metrics_.Count("heapscope_agent_dumps_total", {{"trigger", p.trigger}, {"result", p.truncated ? "truncated" : "complete"}});
  Log("picked up {} as {} ({}{})", path, p.id, p.trigger, p.truncated ? ", incomplete: " + p.truncation : ", complete");
  WakeShipper();
}

void Agent::WatchFolders(const std::atomic<bool>& stop) {
  std::vector<std::string> folders;
  for (const std::string& d : c_.watch_dirs) folders.push_back(d);
  std::error_code ec;
  if (!c_.agent_dump_dir.empty()) {
    fs::create_directories(c_.agent_dump_dir, ec);
    folders.push_back(c_.agent_dump_dir);
  } else if (fs::is_directory(c_.dump_dir, ec)) {
    // JVMs in our own mount namespace write into dump_dir as we see it: its
    // per-JVM folders may hold dumps written while we were down.
    folders.push_back(c_.dump_dir);
  }
  std::erase_if(folders, [](const std::string& f) {
    std::error_code ec;
    if (fs::is_directory(f, ec)) return false;
    Log("not watching {}: no such folder", f);
    return true;
  });
  auto watcher = DumpFolderWatcher::Create(folders);
  if (!watcher.ok()) {
    Log("cannot watch for OutOfMemoryError dumps: {}", watcher.error().ToString());
    return;
  }
  for (const std::string& f : watcher.value().ExistingFiles()) ConsiderFile(f, true);
  while (!stop.load()) {
    std::vector<std::string> add;
    {
      std::lock_guard lock(mu_);
      add.swap(folders_to_watch_);
    }
    for (const std::string& f : add) {
      if (Status s = watcher.value().AddFolder(f); !s.ok()) {
        Log("cannot watch {}: {}", f, s.error().ToString());
        continue;
      }
      // Dumps written there while we were not watching (an agent restart).
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(f, ec)) {
        if (e.is_regular_file(ec)) ConsiderFile(e.path().string(), true);
      }
    }
    auto closed = watcher.value().WaitForClosedFiles(std::chrono::milliseconds(500));
    if (!closed.ok()) {
      Log("folder watch: {}", closed.error().ToString());  // e.g. a subfolder over the watch limit
      continue;
    }
    for (const std::string& f : closed.value()) ConsiderFile(f, false);
  }
}

Status Agent::Enqueue(const std::string& id) {
  if (!catalog_) {
    // Not reachable at start: the agent captures anyway and connects now.
    auto opened = catalog::OpenDumpCatalog(c_.catalog);
    if (!opened.ok()) return opened.error();
    catalog_ = std::move(opened.value());
  }
  auto source = store_->Get(MetadataKeyOf(id));
  if (!source.ok()) return source.error();
  std::string text;
  for (;;) {
    auto chunk = source.value()->Next();
    if (!chunk.ok()) return chunk.error();
    if (chunk->empty()) break;
    text.append(reinterpret_cast<const char*>(chunk->data()), chunk->size());
  }
  auto record = catalog::DumpRecordFromMetadata(text);
  if (!record.ok()) return record.error();
  auto added = catalog_->AddDump(record.value(), 3);
  if (!added.ok()) return added.error();
  metrics_.Count("heapscope_agent_enqueued_total", {{"result", added.value() ? "queued" : "already_queued"}});
  if (added.value()) Log("{} queued for analysis in {}", id, catalog_->Location());
  return {};
}

void Agent::Finish(PendingDump p) {
  // A shipped dump is queued for analysis before its entry goes: a catalog
  // that can't be reached keeps the entry, and the next pass (finding the
  // dump shipped) queues it again. Adding a dump twice changes nothing.
  bool queued = true;
  if (!c_.catalog.empty()) {
    if (Status s = Enqueue(p.id); !s.ok() && s.error().kind == ErrorKind::kBadInput) {
      // Metadata the catalog can't take will not get better by waiting.
      metrics_.Count("heapscope_agent_enqueued_total", {{"result", "rejected"}});
      Log("{} is shipped but the catalog refuses it: {}", p.id, s.error().ToString());
    } else if (!s.ok()) {
      metrics_.Count("heapscope_agent_enqueued_total", {{"result", "failed"}});
      Log("{} is shipped but not queued for analysis yet: {}", p.id, s.error().ToString());
      p.last_error = s.error().ToString();
      p.next_attempt_ms = NowMs() + 30000;
      queued = false;
    }
  }
  if (c_.delete_after_ship) {
    if (::unlink(p.path.c_str()) != 0 && errno != ENOENT) {
      Log("shipped {} but cannot delete {}: {}", p.id, p.path, std::strerror(errno));
    }
  } else if (Status s = queue_->RememberShipped(p.path); !s.ok()) {
    Log("{}", s.error().ToString());
  }
  Status s = queued ? queue_->Remove(p.id) : queue_->Put(p);
  if (!s.ok()) Log("{}", s.error().ToString());
}

bool Agent::ShipOne(PendingDump p, const std::atomic<bool>& stop) {
  ShipLock lock(fmt::format("{}/queue/{}.lock", c_.state_dir, p.id));
  if (!lock.held()) return false;  // another process is shipping it
  auto shipped = IsShipped(*store_, p.id);
  if (shipped.ok() && shipped.value()) {
    // Shipped before a crash or restart ended the bookkeeping.
    metrics_.Count("heapscope_agent_ships_total", {{"result", "already_shipped"}});
    Log("{} is already in the store; finishing up", p.id);
    Finish(p);
    lock.Done();
    return true;
  }
  if (::access(p.path.c_str(), R_OK) != 0) {
    const int err = errno;
    auto again = IsShipped(*store_, p.id);  // another process may have just shipped it
    if (again.ok() && again.value()) {
      Finish(p);
      lock.Done();
      return true;
    }
    if (!again.ok()) return false;  // the store can't say: ask again next round
    Log("LOST: {} cannot be shipped, its file {} is gone: {}", p.id, p.path, std::strerror(err));
    metrics_.Count("heapscope_agent_ships_total", {{"result", "lost"}});
    (void)queue_->Remove(p.id);
    lock.Done();
    return false;
  }
  if (p.truncated) {
    // An incomplete file may still be growing (a close seen early, a reply
    // that came too late): ship it once it is whole, or once it has not
    // changed for two minutes, as it is.
    auto checked = CheckDumpComplete(p.path);
    struct stat st {};
    if (checked.ok() && checked->complete) {
      p.truncated = false;
      p.truncation.clear();
    } else if (::stat(p.path.c_str(), &st) == 0 && std::time(nullptr) - st.st_mtim.tv_sec < 120) {
      p.next_attempt_ms = NowMs() + 10000;
      if (Status s = queue_->Put(p); !s.ok()) Log("{}", s.error().ToString());
      return false;
    }
  }
  Log("shipping {} ({}, attempt {})", p.id, p.path, p.attempts + 1);
  auto r = ShipDump(p, c_, key_ ? &*key_ : nullptr, *store_, stop);
  if (r.ok()) {
    metrics_.Count("heapscope_agent_ships_total", {{"result", "shipped"}});
    metrics_.Count("heapscope_agent_shipped_bytes_total", {}, static_cast<double>(r->stored_bytes));
    Log("shipped {} to {}: {:.1f} MB of HPROF -> {:.1f} MB stored in {:.2f} s", p.id, r->data_key,
        static_cast<double>(r->dump_bytes) / 1e6, static_cast<double>(r->stored_bytes) / 1e6, r->seconds);
    Finish(p);
    lock.Done();
    return true;
  }
  if (stop.load()) return false;  // not a failure of the dump: it ships after the restart
  metrics_.Count("heapscope_agent_ships_total", {{"result", "failed"}});
  ++p.attempts;
  auto wait = c_.retry_min * (int64_t{1} << std::min(p.attempts - 1, 20));
  if (wait > c_.retry_max) wait = c_.retry_max;
  p.next_attempt_ms = NowMs() + std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
  p.last_error = r.error().ToString();
  Log("shipping {} failed (attempt {}), next try in {} s: {}", p.id, p.attempts, wait.count(), p.last_error);
  if (Status s = queue_->Put(p); !s.ok()) Log("{}", s.error().ToString());
  return false;
}

// Works through the queue until `stop`, then makes one last pass over what
// is due (Run aborts it after drain_timeout).
void Agent::ShipQueued(const std::atomic<bool>& stop) {
  while (!abort_ship_.load()) {
    const bool last_pass = drain_.load();
    std::vector<std::string> damaged;
    auto pending = queue_->All(&damaged);
    for (const std::string& d : damaged) Log("queue entry {} is unreadable; left for a human", d);
    metrics_.Set("heapscope_agent_ship_queue_depth", {}, static_cast<double>(pending.size()));
    for (const PendingDump& p : pending) {
      if (abort_ship_.load()) break;
      if (p.next_attempt_ms <= NowMs()) ShipOne(p, abort_ship_);
    }
    if (last_pass) break;
    std::unique_lock lock(ship_mu_);
    ship_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return ship_wake_ || drain_.load(); });
    ship_wake_ = false;
  }
}

Status Agent::Run(const std::atomic<bool>& stop) {
  Log("started: store {}, dumps in {}, interval {} ms{}", store_->Location(), c_.dump_dir, c_.interval.count(),
      c_.dry_run ? ", DRY RUN" : "");
  httplib::Server http;
  std::thread http_thread;
  if (!c_.metrics_listen.empty()) {
    const size_t colon = c_.metrics_listen.rfind(':');
    const std::string host = colon == std::string::npos ? "127.0.0.1" : c_.metrics_listen.substr(0, colon);
    const int port = std::atoi(c_.metrics_listen.substr(colon == std::string::npos ? 0 : colon + 1).c_str());
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_.Render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    // Healthy while the monitor loop goes round: a loop stuck (on a hung
    // attach, a hung /proc read) fails the probe, so the pod restarts it.
    http.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      const auto since = std::chrono::steady_clock::now() - last_round_.load();
      if (since > 3 * c_.interval + std::chrono::seconds(60)) {
        res.status = 503;
        res.set_content(fmt::format("the monitor loop last ran {} s ago\n",
                                    std::chrono::duration_cast<std::chrono::seconds>(since).count()),
                        "text/plain");
        return;
      }
      res.set_content("ok\n", "text/plain");
    });
    if (!http.bind_to_port(host, port)) {
      return Error::Io(fmt::format("cannot listen on {} for /metrics", c_.metrics_listen));
    }
    http_thread = std::thread([&http] { http.listen_after_bind(); });
    Log("metrics on http://{}/metrics", c_.metrics_listen);
  }
  // A dry run queues nothing, and ships nothing queued before.
  std::thread shipper([&] {
    if (!c_.dry_run) ShipQueued(stop);
    shipper_done_ = true;
  });
  std::thread watcher([&] { WatchFolders(stop); });
  while (!stop.load()) {
    const auto next = std::chrono::steady_clock::now() + c_.interval;
    MonitorOnce();
    last_round_ = std::chrono::steady_clock::now();
    while (!stop.load() && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(100), next - std::chrono::steady_clock::now()));
    }
  }
  // Stop capturing, let a dump being written finish and be queued, then give
  // the shipper drain_timeout to ship what it can: in a pod the queue may
  // live in an emptyDir that goes with it. What is left ships after the next
  // start.
  watcher.join();
  if (dump_thread_.joinable()) dump_thread_.join();
  drain_ = true;
  WakeShipper();
  const auto drain_until = std::chrono::steady_clock::now() + c_.drain_timeout;
  while (!shipper_done_.load() && std::chrono::steady_clock::now() < drain_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!shipper_done_.load()) Log("drain_timeout passed: the ship in progress stops and stays queued");
  abort_ship_ = true;
  WakeShipper();
  shipper.join();
  if (http_thread.joinable()) {
    // stop() does nothing before the server has started listening.
    for (int i = 0; i < 200 && !http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    http.stop();
    http_thread.join();
  }
  Log("stopped");
  return {};
}

Result<std::string> Agent::DumpNow(int pid, const std::atomic<bool>& stop) {
  for (const JvmProcess& j : DiscoverJvms()) {
    if (j.process.pid != pid) continue;
    auto counters = ReadPerfData(j.perf_data);
    if (!counters.ok()) return counters.error();
    const WatchedJvm w = DescribeJvm(j, counters.value(), c_);
    if (c_.dry_run) return Error::Usage(fmt::format("dry run: pid {} ({}) would be dumped and shipped", pid, w.command));
    auto p = TakeDump(w, HeapFiguresOf(counters.value()), "manual", "asked for with `agent dump`");
    if (!p.ok()) return p.error();
    if (!ShipOne(p.value(), stop)) {
      return Error::Io(fmt::format("dump {} was taken ({}) but not shipped yet; a running agent retries it",
                                   p->id, p->path));
    }
    return p->id;
  }
  return Error::Usage(fmt::format("pid {} is no JVM with performance data that we may read", pid));
}

}  // namespace

Result<std::unique_ptr<CaptureAgent>> CaptureAgent::Create(AgentConfig config) {
  std::optional<hprof::DumpKey> key;
  if (config.encrypt && !config.key_file.empty()) {
    auto k = hprof::DumpKey::Load(config.key_file);
    if (!k.ok()) return k.error();
    key.emplace(std::move(k.value()));
  }
  auto store = store::OpenObjectStore(config.store);
  if (!store.ok()) return store.error();
  auto queue = ShipQueue::Open(config.state_dir);
  if (!queue.ok()) return queue.error();
  // A catalog that is down must not stop the agent capturing: it is
  // connected to again when a dump needs queueing. A wrong URL is an error.
  std::unique_ptr<catalog::DumpCatalog> catalog;
  if (!config.catalog.empty()) {
    auto opened = catalog::OpenDumpCatalog(config.catalog);
    if (opened.ok()) {
      catalog = std::move(opened.value());
    } else if (opened.error().kind == ErrorKind::kUsage) {
      return opened.error();
    } else {
      std::fprintf(stderr, "heapscope agent: the catalog can't be reached yet: %s\n",
                   opened.error().ToString().c_str());
    }
  }
  return std::unique_ptr<CaptureAgent>(new Agent(std::move(config), std::move(key), std::move(store.value()),
                                                 std::move(queue.value()), std::move(catalog)));
}

}  // namespace heapscope::capture
