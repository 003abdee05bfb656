#include "cli/commands.h"

#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/dump_options.h"
#include "cli/graph_commands.h"
#include "heap/heap_scan.h"
#include "hprof/dump_input.h"
#include "heap/heap_model.h"
#include "report/histogram_report.h"
#include "report/thread_report.h"

namespace heapscope::cli {

namespace {

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
  RegisterDominators(app, run);
}

}  // namespace heapscope::cli
