// analysis/heap_insights.h - the report's view of a healthy or leaking heap
// beyond its suspects: who loads and retains what, by package and class
// loader; duplicate strings; how full collections are; boxed primitives;
// native memory behind direct buffers; the finalizer queue.
#ifndef HEAPSCOPE_ANALYSIS_HEAP_INSIGHTS_H_
#define HEAPSCOPE_ANALYSIS_HEAP_INSIGHTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/direct_buffers.h"
#include "analysis/dominator_tree.h"
#include "analysis/finalizer_backlog.h"
#include "heap/heap_model.h"

namespace heapscope::analysis {

struct ClassLoaderRow {
  heap::ObjectIdx loader;
  uint64_t classes_defined = 0;
  uint64_t retained_bytes = 0;
};

struct DuplicateClass {
  std::string name;
  uint32_t loaders = 0;
};

struct PackageRow {
  std::string package;  // "java.util", "<primitive arrays>", "<default package>"
  uint32_t classes = 0;
  uint64_t instances = 0, shallow_bytes = 0;
  uint64_t retained_bytes = 0;  // objects with no object of the same package above them
};

struct DuplicateString {
  heap::ObjectIdx sample;  // one of the Strings
  uint64_t length = 0;     // value bytes
  uint64_t count = 0;      // Strings with this value
  uint64_t wasted_bytes = 0;  // all but one String and one value array
};

struct CollectionRow {
  heap::ClassIdx known_class;
  uint64_t instances = 0, empty = 0, elements = 0, capacity_slots = 0;
  uint64_t shallow_bytes = 0, retained_bytes = 0;
};

struct BoxedRow {
  heap::ClassIdx boxed_class;
  uint64_t instances = 0, shallow_bytes = 0;
  uint64_t overhead_bytes = 0;  // shallow bytes beyond the primitive values themselves
};

struct HeapInsights {
  std::vector<ClassLoaderRow> loaders;            // by retained size
  uint64_t bootstrap_classes = 0;
  std::vector<DuplicateClass> duplicate_classes;  // by loader count
  std::vector<PackageRow> packages;               // by retained size
  uint64_t duplicate_string_wasted_bytes = 0;
  std::vector<DuplicateString> duplicate_strings;  // by wasted bytes, the top ones
  std::vector<CollectionRow> collections;         // by retained size
  std::vector<BoxedRow> boxed;                    // by shallow size
  DirectBuffers direct_buffers;
  FinalizerBacklog finalizer;
};

struct InsightOptions {
  size_t top = 50;  // rows kept in each ranked list
};

HeapInsights ComputeHeapInsights(const heap::HeapModel& model, const DominatorTree& tree,
                                 const InsightOptions& options);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_HEAP_INSIGHTS_H_
