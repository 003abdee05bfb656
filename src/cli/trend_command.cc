#include "cli/trend_command.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "analysis/heap_trend.h"
#include "analysis/suspect_growth.h"
#include "cli/dump_options.h"
#include "report/trend_report.h"

namespace heapscope::cli {

void RegisterTrend(CLI::App& app, std::function<int()>& run) {
  struct Options {
    DumpOptions dump;
    GraphCommandOptions graph;
    std::vector<std::string> dumps;
    double threshold = 1;
    size_t top = 30;
    std::string html;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "trend", "what keeps growing across dumps of one service (ordered by the dumps' own timestamps)");
  cmd->add_option("DUMPS", o->dumps, "two or more dumps, in any order")->required()->expected(2, -1);
  AddDumpFlags(cmd, o->dump);
  AddGraphOptions(cmd, o->graph);
  cmd->add_option("--threshold", o->threshold,
                  "accumulation points are followed from this percent of a dump's reachable heap")
      ->default_val(1)
      ->check(CLI::Range(0.01, 100.0));
  cmd->add_option("--top", o->top, "classes to show besides the growing ones (0 = all)")->default_val(30);
  cmd->add_option("--html", o->html, "also write a self-contained HTML page with a chart per item to this file");
  cmd->callback([o, &run] {
    run = [o] {
      std::vector<analysis::TrendDump> dumps;
      for (const std::string& path : o->dumps) {
        DumpOptions d = o->dump;
        d.path = path;
        auto analyzed = Analyze(d, o->graph);
        if (!analyzed.ok()) return ReportError(analyzed.error());
        const AnalyzedHeap& h = *analyzed.value();
        analysis::TrendDump td;
        td.path = path;
        td.timestamp_ms = h.model.scan.read.header.timestamp_ms;
        td.reachable_bytes = h.dominators.retained[analysis::kSuperRoot];
        td.classes = analysis::TotalsOf(h.model, h.retained_by_class.span());
        td.points = analysis::AccumulationPoints(h.model, h.reverse, h.dominators, o->threshold / 100.0);
        dumps.push_back(std::move(td));
      }
      analysis::HeapTrend trend = analysis::ComputeTrend(std::move(dumps), analysis::TrendOptions{});
      const nlohmann::ordered_json json = report::TrendJson(trend, o->top);
      if (!o->html.empty()) {
        std::ofstream out(o->html, std::ios::binary | std::ios::trunc);
        out << report::TrendHtml(json);
        out.close();
        if (!out) return ReportError(Error::Io(fmt::format("cannot write {}", o->html)));
      }
      if (o->dump.json) PrintJson(json);
      else fmt::print("{}", report::TrendText(trend, o->top));
      return 0;
    };
  });
}

}  // namespace heapscope::cli
