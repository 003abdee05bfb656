// report/heap_report.h - the report of `heapscope analyze`: one JSON
// document (docs/REPORT.md, schema version 1) built from the analysis, and
// the Markdown, HTML and terminal renderings made from that JSON, so every
// format says the same thing.
#ifndef HEAPSCOPE_REPORT_HEAP_REPORT_H_
#define HEAPSCOPE_REPORT_HEAP_REPORT_H_

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/dominator_tree.h"
#include "analysis/heap_insights.h"
#include "analysis/leak_suspects.h"
#include "heap/heap_model.h"

namespace heapscope::report {

inline constexpr int kReportSchemaVersion = 1;

struct HeapReportInput {
  const heap::HeapModel& model;
  const analysis::DominatorTree& tree;
  std::span<const uint64_t> retained_by_class;
  const std::vector<analysis::LeakSuspect>& suspects;
  const analysis::HeapInsights& insights;
  std::string dump_path;
  double threshold_percent = 10;
  bool show_values = false;  // else string values are masked: dumps hold customer data
  std::string weak_refs;     // "as-mat" or "exclude"
  bool keep_unreachable = false;
  size_t top = 50;           // rows in ranked tables
  std::string baseline_path; // analyze --baseline, "" without
};

nlohmann::ordered_json HeapReportJson(const HeapReportInput& in);

std::string HeapReportMarkdown(const nlohmann::ordered_json& report);
// A few lines for the terminal: the heap and the top suspects.
std::string HeapReportSummary(const nlohmann::ordered_json& report, size_t suspects);
// One self-contained page: the compiled-in template with the JSON inside.
std::string HeapReportHtml(const nlohmann::ordered_json& report);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_HEAP_REPORT_H_
