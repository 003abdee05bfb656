#include "cli/commands.h"

#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/progress_bar.h"
#include "heap/heap_scan.h"
#include "hprof/dump_input.h"
#include "heap/heap_model.h"
#include "report/histogram_report.h"
#include "report/thread_report.h"

namespace heapscope::cli {

namespace {

// Options every command that reads a dump shares.
struct DumpOptions {
  std::string path;
  bool json = false;
  bool allow_truncated = false;
  int threads = 0;
};

void AddDumpOptions(CLI::App* cmd, DumpOptions& o) {
  cmd->add_option("DUMP", o.path, "heap dump (.hprof, or gzip-compressed)")->required();
  cmd->add_flag("--json", o.json, "machine-readable JSON on stdout");
  cmd->add_flag("--allow-truncated", o.allow_truncated,
                "analyze what precedes a truncation and report what was lost");
  cmd->add_option("--threads", o.threads, "threads to use (0 = all cores)")->default_val(0);
}

int ReportError(const Error& e) {
  fmt::print(stderr, "heapscope: error: {}\n", e.ToString());
  if (e.truncated) fmt::print(stderr, "heapscope: (use --allow-truncated to analyze what was read)\n");
  return e.ExitCode();
}

// Read options from the command line, with a progress bar that lives as
// long as the options do.
hprof::ReadOptions ReadOptionsFor(const DumpOptions& o) {
  hprof::ReadOptions ro;
  ro.allow_truncated = o.allow_truncated;
  ro.threads = o.threads;
  auto bar = std::make_shared<ProgressBar>("reading");
  ro.progress = [bar](uint64_t done, uint64_t total) { bar->Update(done, total); };
  return ro;
}

Result<heap::HeapScan> Scan(const DumpOptions& o) {
  auto input = hprof::DumpInput::Open(o.path, o.threads);
  if (!input.ok()) return input.error();
  return heap::ScanHeap(input.value(), heap::ScanOptions{ReadOptionsFor(o)});
}

void PrintJson(const nlohmann::ordered_json& j) {
  std::string s = j.dump(2);
  s += '\n';
  std::fwrite(s.data(), 1, s.size(), stdout);
}

void RegisterSummary(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<DumpOptions>();
  CLI::App* cmd = app.add_subcommand("summary", "format, JVM layout, object, class, root and thread counts");
  AddDumpOptions(cmd, *o);
  cmd->callback([o, &run] {
    run = [o] {
      auto scan = Scan(*o);
      if (!scan.ok()) return ReportError(scan.error());
      if (o->json) PrintJson(report::SummaryJson(scan.value()));
      else fmt::print("{}", report::SummaryText(scan.value()));
      return 0;
    };
  });
}

void RegisterHistogram(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<DumpOptions>();
  auto sort = std::make_shared<std::string>("shallow");
  auto top = std::make_shared<size_t>(0);
  CLI::App* cmd = app.add_subcommand("histogram", "instances and shallow bytes per class");
  AddDumpOptions(cmd, *o);
  cmd->add_option("--sort", *sort, "order rows by shallow bytes, instance count or name")
      ->check(CLI::IsMember({"shallow", "count", "name"}))
      ->default_val("shallow");
  cmd->add_option("--top", *top, "show only the first N rows (0 = all)")->default_val(0);
  cmd->callback([o, sort, top, &run] {
    run = [o, sort, top] {
      auto scan = Scan(*o);
      if (!scan.ok()) return ReportError(scan.error());
      report::HistogramSort s = *sort == "count"  ? report::HistogramSort::kCount
                                : *sort == "name" ? report::HistogramSort::kName
                                                  : report::HistogramSort::kShallow;
      auto rows = report::HistogramRows(scan.value(), s, *top);
      if (o->json) PrintJson(report::HistogramJson(scan.value(), rows));
      else fmt::print("{}", report::HistogramText(scan.value(), rows));
      return 0;
    };
  });
}

void RegisterThreads(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<DumpOptions>();
  CLI::App* cmd = app.add_subcommand("threads", "threads: names, states, stack traces and the objects their frames hold");
  AddDumpOptions(cmd, *o);
  cmd->callback([o, &run] {
    run = [o] {
      auto model = heap::BuildHeapModel(o->path, heap::ModelOptions{ReadOptionsFor(*o)});
      if (!model.ok()) return ReportError(model.error());
      if (o->json) PrintJson(report::ThreadsJson(model.value()));
      else fmt::print("{}", report::ThreadsText(model.value()));
      return 0;
    };
  });
}

}  // namespace

void RegisterCommands(CLI::App& app, std::function<int()>& run) {
  RegisterSummary(app, run);
  RegisterHistogram(app, run);
  RegisterThreads(app, run);
}

}  // namespace heapscope::cli
