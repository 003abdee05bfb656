#include "cli/diff_command.h"

#include <map>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "analysis/heap_diff.h"
#include "cli/dump_options.h"
#include "report/diff_report.h"

namespace heapscope::cli {

void RegisterDiff(CLI::App& app, std::function<int()>& run) {
  struct Options {
    DumpOptions dump;
    GraphCommandOptions graph;
    std::string base, target;
    std::string sort = "retained";
    size_t top = 50;
    bool all = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "diff", "what changed between two dumps of one service: instances, shallow and retained bytes per class");
  cmd->add_option("BASE", o->base, "the earlier dump")->required();
  cmd->add_option("TARGET", o->target, "the later dump")->required();
  AddDumpFlags(cmd, o->dump);
  AddGraphOptions(cmd, o->graph);
  cmd->add_option("--sort", o->sort, "order by growth of retained or shallow bytes, instances, or by name")
      ->check(CLI::IsMember({"retained", "shallow", "instances", "name"}))
      ->default_val("retained");
  cmd->add_option("--top", o->top, "show only the first N classes (0 = all)")->default_val(50);
  cmd->add_flag("--all", o->all, "list unchanged classes too");
  cmd->callback([o, &run] {
    run = [o] {
      analysis::ClassTotals totals[2];
      const std::string* paths[2] = {&o->base, &o->target};
      for (int i = 0; i < 2; ++i) {
        DumpOptions d = o->dump;
        d.path = *paths[i];
        auto analyzed = Analyze(d, o->graph);
        if (!analyzed.ok()) return ReportError(analyzed.error());
        totals[i] = analysis::TotalsOf(analyzed.value()->model, analyzed.value()->retained_by_class.span());
      }
      const analysis::HeapDiff diff = analysis::DiffHeaps(totals[0], totals[1]);
      static const std::map<std::string, report::DiffSort> kSorts = {{"retained", report::DiffSort::kRetained},
                                                                    {"shallow", report::DiffSort::kShallow},
                                                                    {"instances", report::DiffSort::kInstances},
                                                                    {"name", report::DiffSort::kName}};
      auto rows = report::DiffRows(diff, kSorts.at(o->sort), o->top, o->all);
      if (o->dump.json) PrintJson(report::DiffJson(diff, rows, o->base, o->target));
      else fmt::print("{}", report::DiffText(diff, rows));
      return 0;
    };
  });
}

}  // namespace heapscope::cli
