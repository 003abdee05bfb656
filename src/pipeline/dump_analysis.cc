#include "pipeline/dump_analysis.h"

#include <fmt/format.h>

#include "analysis/heap_insights.h"
#include "analysis/leak_suspects.h"
#include "analysis/path_signature.h"
#include "index/analyzed_heap.h"
#include "pipeline/result_trend.h"
#include "report/heap_report.h"

namespace heapscope::pipeline {

namespace {

// The name a suspect keeps from one dump to the next: its first path from a
// GC root, or, with no path (class groups, direct buffers), what it is.
std::string SignatureOf(const heap::HeapModel& model, const analysis::LeakSuspect& s, const std::string& cls) {
  if (!s.paths.paths.empty()) return analysis::PathSignature(model, s.paths.paths[0]);
  return fmt::format("{}: {}", analysis::CategoryName(s.category), cls);
}

}  // namespace

Result<AnalyzedDump> AnalyzeDump(const std::string& path, const catalog::DumpRecord& dump,
                                 const std::vector<catalog::AnalysisResult>& history,
                                 const AnalysisSettings& settings) {
  // A dump the agent shipped cut (the JVM died writing it) is analyzed for
  // what it holds, as `analyze --allow-truncated` would.
  const auto metadata = nlohmann::json::parse(dump.metadata_json, nullptr, false);
  const bool cut = metadata.is_object() && metadata.value("complete", true) == false;
  index::IndexOptions io;
  io.write = false;
  io.read.allow_truncated = cut;
  io.read.threads = settings.threads;
  io.read.key = settings.key;
  auto analyzed = index::OpenOrBuild(path, io);
  if (!analyzed.ok()) return analyzed.error();
  const index::AnalyzedHeap& h = *analyzed.value();

  analysis::SuspectOptions so;
  so.threshold = settings.threshold_percent / 100.0;
  so.max_suspects = settings.max_suspects;
  const std::vector<analysis::LeakSuspect> suspects =
      analysis::FindLeakSuspects(h.model, h.reverse, h.dominators, so);
  analysis::InsightOptions insight_options;
  insight_options.top = settings.top;
  const analysis::HeapInsights insights = analysis::ComputeHeapInsights(h.model, h.dominators, insight_options);
  const report::HeapReportInput in{.model = h.model,
                                   .tree = h.dominators,
                                   .retained_by_class = h.retained_by_class.span(),
                                   .suspects = suspects,
                                   .insights = insights,
                                   .dump_path = dump.location,
                                   .threshold_percent = settings.threshold_percent,
                                   .show_values = false,
                                   .weak_refs = "as-mat",
                                   .keep_unreachable = false,
                                   .top = settings.top,
                                   .baseline_path = ""};
  AnalyzedDump out;
  out.report = report::HeapReportJson(in);

  catalog::AnalysisResult& r = out.result;
  r.dump_id = dump.id;
  r.service = dump.service;
  r.captured_ms = dump.captured_ms > 0 ? dump.captured_ms
                                       : static_cast<int64_t>(h.model.scan.read.header.timestamp_ms);
  r.heap_bytes = h.dominators.retained[analysis::kSuperRoot];
  r.object_count = h.model.object_count();
  const auto& rows = out.report["suspects"];
  for (size_t i = 0; i < suspects.size() && i < rows.size(); ++i) {
    const auto& j = rows[i];
    catalog::SuspectRow row;
    row.rank = static_cast<int>(i + 1);
    row.class_name = j.value("class", "");
    row.signature = SignatureOf(h.model, suspects[i], row.class_name);
    row.kind = j.value("category", "");
    row.retained_bytes = suspects[i].retained_bytes;
    row.retained_percent = j.value("retained_percent", 0.0);
    row.count = suspects[i].instances;
    row.title = j.value("title", "");
    r.suspects.push_back(std::move(row));
  }
  nlohmann::ordered_json trend = ResultTrend(r, history);
  nlohmann::ordered_json summary = {{"heap_bytes", r.heap_bytes},
                                    {"objects", r.object_count},
                                    {"suspects", r.suspects.size()},
                                    {"top_suspect", r.suspects.empty() ? "" : r.suspects[0].title},
                                    {"truncated", h.model.scan.read.truncated},
                                    {"trend", trend}};
  // Class and field names are the dump's bytes, not always UTF-8.
  r.summary_json = summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.report["trend"] = std::move(trend);
  return out;
}

}  // namespace heapscope::pipeline
