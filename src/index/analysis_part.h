// index/analysis_part.h - the "analysis-*" parts of an index: object graph,
// reverse graph and dominator tree for one option set ("analysis-as-mat",
// "analysis-exclude-keep-unreachable" ...), tied by build id to the model
// part they came from. Switching --weak-refs reuses the model and keeps the
// other variant; a new model build makes every analysis part stale.
#ifndef HEAPSCOPE_INDEX_ANALYSIS_PART_H_
#define HEAPSCOPE_INDEX_ANALYSIS_PART_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "hprof/error.h"
#include "index/analyzed_heap.h"
#include "index/index_part.h"

namespace heapscope::index {

// Writes heap.reverse, heap.dominators and heap.retained_by_class.
Result<uint64_t> WriteAnalysisPart(const std::string& dir, const AnalyzedHeap& heap, analysis::WeakRefs weak_refs,
                                   bool keep_unreachable, uint64_t model_build_id);

// Why an analysis part's manifest doesn't fit, or "".
std::string AnalysisPartStaleness(const nlohmann::json& manifest, analysis::WeakRefs weak_refs,
                                  bool keep_unreachable, uint64_t model_build_id);

// Fills heap->reverse, dominators and retained_by_class from a verified part; heap->model
// must be loaded. Fails on files that don't decode or don't fit the model.
Status LoadAnalysisPart(const OpenedPart& part, AnalyzedHeap* heap);

}  // namespace heapscope::index

#endif  // HEAPSCOPE_INDEX_ANALYSIS_PART_H_
