#include "cli/analyze_command.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "analysis/heap_insights.h"
#include "analysis/leak_suspects.h"
#include "analysis/suspect_growth.h"
#include "cli/dump_options.h"
#include "report/heap_report.h"

namespace heapscope::cli {

namespace {

namespace fs = std::filesystem;

Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Error::Io(fmt::format("cannot write {}", path.string()));
  return {};
}

}  // namespace

void RegisterAnalyze(CLI::App& app, std::function<int()>& run) {
  struct Options {
    DumpOptions dump;
    GraphCommandOptions graph;
    std::string out_dir;
    std::string formats = "html,json,md";
    double threshold = 10;
    bool show_values = false;
    size_t top = 50;
    size_t max_suspects = 20;
    std::string baseline;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "analyze", "find leak suspects and write the heap report (report.html, report.json, report.md)");
  AddDumpOptions(cmd, o->dump);
  AddGraphOptions(cmd, o->graph);
  cmd->add_option("-o,--output", o->out_dir, "folder for the reports (default: DUMP.report beside the dump)");
  cmd->add_option("--format", o->formats, "comma-separated: html, json, md")
      ->default_val("html,json,md")
      ->check([](const std::string& v) -> std::string {
        std::stringstream in(v);
        std::string f;
        while (std::getline(in, f, ',')) {
          if (f != "html" && f != "json" && f != "md") return "unknown format \"" + f + "\" (html, json, md)";
        }
        return "";
      });
  cmd->add_option("--threshold", o->threshold, "a suspect retains at least this percent of the reachable heap")
      ->default_val(10)
      ->check(CLI::Range(0.01, 100.0));
  cmd->add_flag("--show-values", o->show_values,
                "show string values in the report (masked by default: dumps hold customer data)");
  cmd->add_option("--top", o->top, "rows in each ranked table")->default_val(50)->check(CLI::Range(1, 100000));
  cmd->add_option("--baseline", o->baseline,
                  "an earlier dump of the same service: each suspect's growth since then raises its score");
  cmd->add_option("--max-suspects", o->max_suspects, "at most this many suspects")
      ->default_val(20)
      ->check(CLI::Range(1, 1000));
  cmd->callback([o, &run] {
    run = [o] {
      auto analyzed = Analyze(o->dump, o->graph);
      if (!analyzed.ok()) return ReportError(analyzed.error());
      const AnalyzedHeap& h = *analyzed.value();
      analysis::SuspectOptions so;
      so.threshold = o->threshold / 100.0;
      so.max_suspects = o->max_suspects;
      std::vector<analysis::LeakSuspect> suspects = analysis::FindLeakSuspects(h.model, h.reverse, h.dominators, so);
      if (!o->baseline.empty()) {
        DumpOptions b = o->dump;
        b.path = o->baseline;
        auto before = Analyze(b, o->graph);
        if (!before.ok()) return ReportError(before.error());
        const AnalyzedHeap& p = *before.value();
        // Places are followed from 1% of the baseline's heap, as trend does:
        // a leak is often small in the earlier dump.
        const uint64_t then = p.model.scan.read.header.timestamp_ms, now = h.model.scan.read.header.timestamp_ms;
        const double hours = then > 0 && now > then ? static_cast<double>(now - then) / 3'600'000.0 : 0;
        analysis::ApplyBaseline(h.model, analysis::AccumulationPoints(p.model, p.reverse, p.dominators, 0.01), hours,
                                h.dominators.retained[analysis::kSuperRoot], suspects);
      }
      analysis::InsightOptions io;
      io.top = o->top;
      analysis::HeapInsights insights = analysis::ComputeHeapInsights(h.model, h.dominators, io);
      const report::HeapReportInput in{.model = h.model,
                                       .tree = h.dominators,
                                       .retained_by_class = h.retained_by_class.span(),
                                       .suspects = suspects,
                                       .insights = insights,
                                       .dump_path = o->dump.path,
                                       .threshold_percent = o->threshold,
                                       .show_values = o->show_values,
                                       .weak_refs = o->graph.weak_refs,
                                       .keep_unreachable = o->graph.keep_unreachable,
                                       .top = o->top,
                                       .baseline_path = o->baseline};
      nlohmann::ordered_json report = report::HeapReportJson(in);

      fs::path dir = o->out_dir.empty() ? fs::path(o->dump.path + ".report") : fs::path(o->out_dir);
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) return ReportError(Error::Io(fmt::format("cannot create {}: {}", dir.string(), ec.message())));
      std::set<std::string> formats;
      std::stringstream list(o->formats);
      for (std::string f; std::getline(list, f, ',');) formats.insert(f);
      std::vector<std::string> written;
      auto write = [&](const char* name, const std::string& text) -> Status {
        Status s = WriteText(dir / name, text);
        if (s.ok()) written.push_back((dir / name).string());
        return s;
      };
      if (formats.count("json")) {
        if (Status s = write("report.json", report.dump(2) + "\n"); !s.ok()) return ReportError(s.error());
      }
      if (formats.count("md")) {
        if (Status s = write("report.md", report::HeapReportMarkdown(report)); !s.ok()) return ReportError(s.error());
      }
      if (formats.count("html")) {
        if (Status s = write("report.html", report::HeapReportHtml(report)); !s.ok()) return ReportError(s.error());
      }
      if (o->dump.json) {
        PrintJson(report);
        return 0;
      }
      fmt::print("{}", report::HeapReportSummary(report, 5));
      for (const std::string& w : written) fmt::print("wrote     {}\n", w);
      return 0;
    };
  });
}

}  // namespace heapscope::cli
