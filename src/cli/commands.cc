#include "cli/commands.h"

#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/dump_options.h"
#include "cli/agent_command.h"
#include "cli/pipeline_commands.h"
#include "cli/analyze_command.h"
#include "cli/attach_command.h"
#include "cli/crypt_commands.h"
#include "cli/diff_command.h"
#include "cli/secret_commands.h"
#include "cli/trend_command.h"
#include "cli/graph_commands.h"
#include "cli/index_command.h"
#include "cli/jvms_command.h"
#include "cli/object_commands.h"
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
  struct Options {
    DumpOptions dump;
    GraphCommandOptions graph;
    std::string sort = "shallow";
    size_t top = 0;
    bool retained = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("histogram", "instances, shallow and (--retained) retained bytes per class");
  AddDumpOptions(cmd, o->dump);
  AddGraphOptions(cmd, o->graph);
  cmd->add_option("--sort", o->sort, "order rows by shallow bytes, instance count, name or retained bytes")
      ->check(CLI::IsMember({"shallow", "count", "name", "retained"}))
      ->default_val("shallow");
  cmd->add_option("--top", o->top, "show only the first N rows (0 = all)")->default_val(0);
  cmd->add_flag("--retained", o->retained,
                "add retained bytes per class (objects not dominated by one of their own class); "
                "builds the object graph");
  cmd->callback([o, &run] {
    run = [o] {
      report::HistogramSort s = o->sort == "count"      ? report::HistogramSort::kCount
                                : o->sort == "name"     ? report::HistogramSort::kName
                                : o->sort == "retained" ? report::HistogramSort::kRetained
                                                        : report::HistogramSort::kShallow;
      if (s == report::HistogramSort::kRetained && !o->retained) {
        return ReportError(Error::Usage("--sort retained needs --retained"));
      }
      if (!o->retained) {
        auto scan = Scan(o->dump);
        if (!scan.ok()) return ReportError(scan.error());
        auto rows = report::HistogramRows(scan.value(), s, o->top);
        if (o->dump.json) PrintJson(report::HistogramJson(scan.value(), rows));
        else fmt::print("{}", report::HistogramText(scan.value(), rows));
        return 0;
      }
      auto analyzed = Analyze(o->dump, o->graph);
      if (!analyzed.ok()) return ReportError(analyzed.error());
      const AnalyzedHeap& h = *analyzed.value();
      auto rows = report::HistogramRows(h.model.scan, s, o->top, h.retained_by_class.span());
      if (o->dump.json) PrintJson(report::HistogramJson(h.model.scan, rows));
      else fmt::print("{}", report::HistogramText(h.model.scan, rows));
      return 0;
    };
  });
}

void RegisterThreads(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<DumpOptions>();
  auto g = std::make_shared<GraphCommandOptions>();
  CLI::App* cmd = app.add_subcommand("threads", "threads: names, states, stack traces and the objects their frames hold");
  AddDumpOptions(cmd, *o);
  cmd->add_option("--index-dir", g->index_dir, "where the index lives (default: DUMP.hsidx beside the dump)");
  cmd->callback([o, g, &run] {
    run = [o, g] {
      auto heap = Analyze(*o, *g, /*with_analysis=*/false);
      if (!heap.ok()) return ReportError(heap.error());
      const heap::HeapModel& model = heap.value()->model;
      if (o->json) PrintJson(report::ThreadsJson(model));
      else fmt::print("{}", report::ThreadsText(model));
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
  RegisterIndex(app, run);
  RegisterAnalyze(app, run);
  RegisterDiff(app, run);
  RegisterTrend(app, run);
  RegisterPaths(app, run);
  RegisterObject(app, run);
  RegisterScan(app, run);
  RegisterRedact(app, run);
  RegisterAttach(app, run);
  RegisterJvms(app, run);
  RegisterAgent(app, run);
  RegisterSubmit(app, run);
  RegisterWorker(app, run);
  RegisterJobs(app, run);
  RegisterResults(app, run);
  RegisterEncrypt(app, run);
  RegisterDecrypt(app, run);
  RegisterKeygen(app, run);
}

}  // namespace heapscope::cli
