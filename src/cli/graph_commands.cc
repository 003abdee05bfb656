#include "cli/graph_commands.h"

#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/dump_options.h"
#include "report/dominator_report.h"

namespace heapscope::cli {

void RegisterDominators(CLI::App& app, std::function<int()>& run) {
  struct Options {
    DumpOptions dump;
    GraphCommandOptions graph;
    size_t top = 20;
    std::string of;
    bool roots = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "dominators", "objects by retained size: the largest in the heap, the top of the dominator tree, or one object's children");
  AddDumpOptions(cmd, o->dump);
  AddGraphOptions(cmd, o->graph);
  cmd->add_option("--top", o->top, "how many objects to list")->default_val(20);
  auto* of = cmd->add_option("--of", o->of, "list the dominator-tree children of this object (0x... id)");
  cmd->add_flag("--roots", o->roots, "list the top-level dominators (children of the super-root)")->excludes(of);
  cmd->callback([o, &run] {
    run = [o] {
      auto analyzed = Analyze(o->dump, o->graph);
      if (!analyzed.ok()) return ReportError(analyzed.error());
      const AnalyzedHeap& h = *analyzed.value();
      std::vector<heap::ObjectIdx> objects;
      if (!o->of.empty() || o->roots) {
        analysis::NodeId parent = analysis::kSuperRoot;
        if (!o->of.empty()) {
          auto target = ParseObject(h.model, o->of);
          if (!target.ok()) return ReportError(target.error());
          parent = analysis::NodeOf(target.value());
        }
        for (analysis::NodeId child : h.dominators.Children(parent)) {
          if (objects.size() == o->top) break;
          objects.push_back(analysis::ObjectOf(child));
        }
      } else {
        objects = analysis::TopRetainers(h.dominators, o->top);
      }
      if (o->dump.json) PrintJson(report::DominatorsJson(h.model, h.dominators, objects));
      else fmt::print("{}", report::DominatorsText(h.model, h.dominators, objects));
      return 0;
    };
  });
}

}  // namespace heapscope::cli
