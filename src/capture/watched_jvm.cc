#include "capture/watched_jvm.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <re2/re2.h>

namespace heapscope::capture {
namespace {

// Field 22 of /proc/<pid>/stat: the start time, which with the pid names a
// process uniquely for the machine's uptime.
std::string StartTicks(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return "0";
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  for (int i = 3; i <= 22 && (fields >> f); ++i) {
  }
  return f.empty() ? "0" : f;
}

std::string EnvironValue(int pid, const std::string& name) {
  std::ifstream in(fmt::format("/proc/{}/environ", pid));
  for (std::string var; std::getline(in, var, '\0');) {
    if (var.starts_with(name + "=")) return var.substr(name.size() + 1);
  }
  return "";
}

// In our own mount namespace a JVM's paths are ours: use them directly, so
// a dump stays reachable after the JVM exits (its /proc/<pid>/root goes
// with it, and an OutOfMemoryError dump is often followed by an exit).
bool SharesOurMounts(int pid) {
  char ours[64] = {}, theirs[64] = {};
  const std::string link = fmt::format("/proc/{}/ns/mnt", pid);
  return ::readlink("/proc/self/ns/mnt", ours, sizeof ours - 1) > 0 &&
         ::readlink(link.c_str(), theirs, sizeof theirs - 1) > 0 && std::string_view(ours) == theirs;
}

std::string UserName(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[1024];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) return pw.pw_name;
  return "";
}

// The metadata travels in plaintext beside the encrypted dump, and system
// properties and program arguments are where passwords get passed: keep
// their names, not their values.
std::string WithoutValues(const std::string& vm_args) {
  std::string out;
  std::istringstream words(vm_args);
  for (std::string w; words >> w;) {
    const size_t eq = w.find('=');
    if (w.starts_with("-D") && eq != std::string::npos) w = w.substr(0, eq + 1) + "***";
    out += (out.empty() ? "" : " ") + w;
  }
  return out;
}

}  // namespace

MetricLabels WatchedJvm::Labels(const AgentConfig& c) const {
  std::string main = command.substr(0, command.find(' '));
  return {{"pid", std::to_string(jvm.process.pid)}, {"main", main},     {"pod", pod},
          {"namespace", c.namespace_},              {"container", c.container}};
}

nlohmann::ordered_json WatchedJvm::Facts(const AgentConfig& c) const {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return {{"service", c.service},
          {"pod", pod},
          {"namespace", c.namespace_},
          {"container", c.container},
          {"image", c.image},
          {"node", c.node.empty() ? std::string(host) : c.node},
          {"host", host},
          {"jvm",
           {{"pid", jvm.process.pid},
            {"ns_pid", jvm.process.ns_pid},
            {"uid", jvm.process.euid},
            {"main", command.substr(0, command.find(' '))},
            {"arguments", std::count(command.begin(), command.end(), ' ')},
            {"vm_version", vm_version},
            {"vm_vendor", vm_vendor},
            {"vm_args", WithoutValues(vm_args)}}}};
}

WatchedJvm DescribeJvm(const JvmProcess& jvm, const PerfCounters& counters, const AgentConfig& c) {
  WatchedJvm w;
  w.jvm = jvm;
  w.key = fmt::format("{}-{}", jvm.process.pid, StartTicks(jvm.process.pid));
  w.command = counters.String("sun.rt.javaCommand");
  w.vm_version = counters.String("java.property.java.vm.version");
  w.vm_vendor = counters.String("java.property.java.vm.vendor");
  w.vm_args = counters.String("java.rt.vmArgs");
  w.pod = c.pod.empty() ? EnvironValue(jvm.process.pid, "HOSTNAME") : c.pod;
  const std::string base = c.dump_dir.ends_with('/') ? c.dump_dir : c.dump_dir + "/";
  w.jvm_folder = base + "jvm-" + w.key + "/";
  const std::string root = SharesOurMounts(jvm.process.pid) ? "" : jvm.process.root;
  w.agent_folder = (c.agent_dump_dir.empty() ? root + base
                                              : (c.agent_dump_dir.ends_with('/') ? c.agent_dump_dir
                                                                                 : c.agent_dump_dir + "/")) +
                   "jvm-" + w.key + "/";
  return w;
}

bool WantedJvm(const WatchedJvm& w, const AgentConfig& c) {
  if (!c.pids.empty() && std::find(c.pids.begin(), c.pids.end(), w.jvm.process.pid) == c.pids.end()) return false;
  if (!c.users.empty()) {
    const std::string uid = std::to_string(w.jvm.process.euid);
    const std::string name = UserName(w.jvm.process.euid);
    if (std::none_of(c.users.begin(), c.users.end(), [&](const std::string& u) { return u == uid || u == name; })) {
      return false;
    }
  }
  if (!c.command_pattern.empty() && !RE2::PartialMatch(w.command, c.command_pattern)) return false;
  return true;
}

std::string HeapDumpPathArgument(const std::string& vm_args) {
  const std::string flag = "-XX:HeapDumpPath=";
  const size_t at = vm_args.rfind(flag);  // the last one wins, as in HotSpot
  if (at == std::string::npos) return "";
  const size_t start = at + flag.size();
  return vm_args.substr(start, vm_args.find(' ', start) - start);
}

nlohmann::ordered_json FiguresJson(const HeapFigures& f) {
  return {{"collector", f.collector},   {"heap_used", f.heap_used},     {"heap_capacity", f.heap_capacity},
          {"heap_max", f.heap_max},     {"old_used", f.old_used},       {"old_capacity", f.old_capacity},
          {"old_max", f.old_max},       {"gc_seconds", f.gc_seconds},   {"gc_count", f.gc_count},
          {"uptime_seconds", f.uptime_seconds}};
}

}  // namespace heapscope::capture
