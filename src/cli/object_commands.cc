#include "cli/object_commands.h"

#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "analysis/gc_root_paths.h"
#include "cli/dump_options.h"
#include "report/object_report.h"
#include "report/path_report.h"

namespace heapscope::cli {

namespace {

// A malformed id is a usage error and should not wait for the dump to be
// read: against an empty model only the syntax can fail as usage.
Status CheckObjectSyntax(const std::string& text) {
  static const heap::HeapModel kEmpty;
  auto parsed = ParseObject(kEmpty, text);
  if (!parsed.ok() && parsed.error().kind == ErrorKind::kUsage) return parsed.error();
  return {};
}

}  // namespace

void RegisterPaths(CLI::App& app, std::function<int()>& run) {
  struct Options {
    DumpOptions dump;
    std::string object;
    size_t max = 1;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("paths", "why an object is alive: shortest strong reference paths from GC roots");
  AddDumpOptions(cmd, o->dump);
  cmd->add_option("OBJ", o->object, "object id as in the dump (0x... or decimal)")->required();
  cmd->add_option("--max", o->max, "how many distinct paths to show, shortest first")
      ->default_val(1)
      ->check(CLI::Range(1, 1000));
  cmd->callback([o, &run] {
    run = [o] {
      if (Status s = CheckObjectSyntax(o->object); !s.ok()) return ReportError(s.error());
      auto analyzed = Analyze(o->dump, GraphCommandOptions{});
      if (!analyzed.ok()) return ReportError(analyzed.error());
      const AnalyzedHeap& h = *analyzed.value();
      auto target = ParseObject(h.model, o->object);
      if (!target.ok()) return ReportError(target.error());
      analysis::PathOptions po;
      po.max_paths = o->max;
      auto paths = analysis::FindGcRootPaths(h.model, h.reverse, target.value(), po);
      if (!paths.ok()) return ReportError(paths.error());
      if (o->dump.json) PrintJson(report::PathsJson(h.model, target.value(), paths.value()));
      else fmt::print("{}", report::PathsText(h.model, target.value(), paths.value()));
      return 0;
    };
  });
}

void RegisterObject(CLI::App& app, std::function<int()>& run) {
  struct Options {
    DumpOptions dump;
    GraphCommandOptions graph;
    std::string object;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "object", "one object: class, shallow and retained size, dominator, field values, referrers, GC roots");
  AddDumpOptions(cmd, o->dump);
  AddGraphOptions(cmd, o->graph);
  cmd->add_option("OBJ", o->object, "object id as in the dump (0x... or decimal)")->required();
  cmd->callback([o, &run] {
    run = [o] {
      if (Status s = CheckObjectSyntax(o->object); !s.ok()) return ReportError(s.error());
      auto analyzed = Analyze(o->dump, o->graph);
      if (!analyzed.ok()) return ReportError(analyzed.error());
      const AnalyzedHeap& h = *analyzed.value();
      auto target = ParseObject(h.model, o->object);
      if (!target.ok()) return ReportError(target.error());
      const analysis::ReverseGraph& reverse = h.reverse;
      report::ObjectDetails details = report::DescribeObject(h.model, reverse, h.dominators, target.value());
      if (o->dump.json) PrintJson(report::ObjectJson(h.model, details));
      else fmt::print("{}", report::ObjectText(h.model, details));
      return 0;
    };
  });
}

}  // namespace heapscope::cli
