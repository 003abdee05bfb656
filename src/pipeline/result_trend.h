// pipeline/result_trend.h - growth of one service across its dumps, from the
// results the catalog kept: no earlier dump is read again. A suspect is the
// same place in every dump when its path signature is the same
// (analysis/path_signature.h), so its retained size can be followed.
#ifndef HEAPSCOPE_PIPELINE_RESULT_TREND_H_
#define HEAPSCOPE_PIPELINE_RESULT_TREND_H_

#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/dump_catalog.h"

namespace heapscope::pipeline {

// The "trend" section of a result's summary: the reachable heap over the
// service's dumps, and for each suspect of `now` its retained size in each
// earlier dump where it was a suspect, the change since the last of those,
// and how many dumps in a row it has grown. `history` is oldest first and
// must not hold `now`.
nlohmann::ordered_json ResultTrend(const catalog::AnalysisResult& now,
                                   const std::vector<catalog::AnalysisResult>& history);

}  // namespace heapscope::pipeline

#endif  // HEAPSCOPE_PIPELINE_RESULT_TREND_H_
