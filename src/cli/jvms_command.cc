#include "cli/jvms_command.h"

#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "capture/jvm_discovery.h"
#include "capture/perf_data.h"
#include "cli/dump_options.h"
#include "report/histogram_report.h"

namespace heapscope::cli {

void RegisterJvms(CLI::App& app, std::function<int()>& run) {
  struct Options {
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "jvms", "the running JVMs (found by their performance-data files, containers included) with heap, old "
              "generation and GC figures; reads counters only, never attaches");
  cmd->add_flag("--json", o->json, "one JSON document: {\"jvms\": [...]}");
  cmd->callback([o, &run] {
    run = [o] {
      nlohmann::ordered_json jvms = nlohmann::ordered_json::array();
      std::string text = fmt::format("{:>8} {:>6}  {:<13} {:>21} {:>21} {:>9}  {}\n", "pid", "nspid", "collector",
                                     "heap used / capacity", "old used / capacity", "GC s", "command");
      for (const capture::JvmProcess& j : capture::DiscoverJvms()) {
        auto counters = capture::ReadPerfData(j.perf_data);
        if (!counters.ok()) {
          fmt::print(stderr, "heapscope: {}\n", counters.error().ToString());
          continue;
        }
        const capture::HeapFigures f = capture::HeapFiguresOf(counters.value());
        const std::string command = counters->String("sun.rt.javaCommand");
        jvms.push_back({{"pid", j.process.pid},
                        {"ns_pid", j.process.ns_pid},
                        {"uid", j.process.euid},
                        {"command", command},
                        {"vm_version", counters->String("java.property.java.vm.version")},
                        {"collector", f.collector},
                        {"heap_used", f.heap_used},
                        {"heap_capacity", f.heap_capacity},
                        {"heap_max", f.heap_max},
                        {"old_used", f.old_used},
                        {"old_capacity", f.old_capacity},
                        {"old_max", f.old_max},
                        {"gc_count", f.gc_count},
                        {"gc_seconds", f.gc_seconds},
                        {"uptime_seconds", f.uptime_seconds},
                        {"perf_data", j.perf_data}});
        text += fmt::format("{:>8} {:>6}  {:<13} {:>21} {:>21} {:>9.3f}  {}\n", j.process.pid, j.process.ns_pid,
                            f.collector, report::HumanBytes(f.heap_used) + " / " + report::HumanBytes(f.heap_capacity),
                            report::HumanBytes(f.old_used) + " / " + report::HumanBytes(f.old_capacity), f.gc_seconds,
                            command.substr(0, 60));
      }
      if (o->json) PrintJson({{"jvms", jvms}});
      else fmt::print("{}", jvms.empty() ? std::string("no JVMs found\n") : text);
      return 0;
    };
  });
}

}  // namespace heapscope::cli
