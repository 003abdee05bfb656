// pipeline/dump_analysis.h - what a worker does with one dump once it is on
// local disk: the same analysis and report as `heapscope analyze`, plus the
// rows the catalog keeps (figures and each suspect under its path
// signature) and a trend against the service's earlier results.
#ifndef HEAPSCOPE_PIPELINE_DUMP_ANALYSIS_H_
#define HEAPSCOPE_PIPELINE_DUMP_ANALYSIS_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/dump_catalog.h"
#include "hprof/dump_key.h"
#include "hprof/error.h"

namespace heapscope::pipeline {

struct AnalysisSettings {
  double threshold_percent = 10;  // a suspect retains at least this much of the reachable heap
  size_t max_suspects = 20;
  size_t top = 50;                // rows in the report's ranked tables
  int threads = 0;                // 0 = all cores
  std::shared_ptr<const hprof::DumpKey> key;  // for encrypted dumps
};

struct AnalyzedDump {
  catalog::AnalysisResult result;  // result_location left for the caller
  nlohmann::ordered_json report;   // docs/REPORT.md, with a "trend" section added
};

// `path` is the dump as stored (plain, gzip or encrypted). `history` is the
// service's earlier results, oldest first. No index is written: the dump is
// a temporary copy, and an encrypted dump's index would hold its strings.
Result<AnalyzedDump> AnalyzeDump(const std::string& path, const catalog::DumpRecord& dump,
                                 const std::vector<catalog::AnalysisResult>& history,
                                 const AnalysisSettings& settings);

}  // namespace heapscope::pipeline

#endif  // HEAPSCOPE_PIPELINE_DUMP_ANALYSIS_H_
