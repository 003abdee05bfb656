// analysis/leak_suspects.h - where memory accumulates and why it stays:
// MAT-style leak suspects, scored and ranked, for `heapscope analyze`.
//
// Big retainers are the top-level dominators (children of the super-root,
// looking through the JDK's own class loaders, which hold every
// application class) that retain at least the threshold; top-level
// objects of one class that only together reach it form a class group.
// From each suspect the accumulation point is found by descending the
// dominator tree while the biggest child keeps at least 70% of its parent;
// a collection's backing array is reported as its collection. The category
// says what holds it, checked in this order: finalizer queue, ThreadLocal,
// a class loader other than the JDK's, a static field, a collection; else
// a big object or class group. Native memory of direct buffers is its own
// suspect when it reaches the threshold. docs/REPORT.md gives the details.
#ifndef HEAPSCOPE_ANALYSIS_LEAK_SUSPECTS_H_
#define HEAPSCOPE_ANALYSIS_LEAK_SUSPECTS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/direct_buffers.h"
#include "analysis/dominator_tree.h"
#include "analysis/finalizer_backlog.h"
#include "analysis/gc_root_paths.h"
#include "analysis/java_collections.h"
#include "analysis/object_graph.h"
#include "heap/heap_model.h"

namespace heapscope::analysis {

enum class SuspectCategory : uint8_t {
  kFinalizer, kThreadLocal, kClassLoader, kStaticField, kCollection, kDirectBuffer, kBigObject, kClassGroup
};
std::string_view CategoryName(SuspectCategory c);  // "static-field", ...

struct LeakSuspect {
  SuspectCategory category = SuspectCategory::kBigObject;
  double score = 0;                       // 0..100
  heap::ObjectIdx object = heap::kNoObject;  // the suspect; kNoObject for class groups and buffers
  heap::ClassIdx group_class = heap::kNoClass;  // class groups and direct buffers
  uint64_t retained_bytes = 0;            // heap bytes; native bytes for direct buffers
  uint64_t instances = 1;                 // group size, collection elements or buffers
  heap::ObjectIdx accumulation = heap::kNoObject;
  uint64_t accumulation_retained = 0;
  std::optional<CollectionShape> collection;  // when the accumulation point is a collection
  GcRootPaths paths;                      // to path_target
  heap::ObjectIdx path_target = heap::kNoObject;  // the accumulation point, else the object (or a buffer)
  // Details, as the category needs them.
  std::string static_field;               // "com.acme.Cache.entries"
  heap::ObjectIdx thread = heap::kNoObject;
  heap::ObjectIdx thread_local_object = heap::kNoObject;
  heap::ObjectIdx thread_local_value = heap::kNoObject;
  heap::ObjectIdx loader = heap::kNoObject;
  uint64_t classes_defined = 0;
  GcRootPaths loader_paths;               // what keeps the loader alive
  DirectBuffers buffers;                  // direct-buffer
  FinalizerBacklog finalizer;             // finalizer
  // With a baseline dump (analyze --baseline): the same place there,
  // matched by path signature (see suspect_growth.h).
  struct Growth {
    bool matched = false;     // false: not among the baseline's accumulation points
    uint64_t retained_before = 0, instances_before = 0;
    double hours = 0;         // baseline to this dump, 0 when unknown
  };
  std::optional<Growth> growth;

  // Retained size of the place the suspect stands for: its accumulation
  // point when it has one (the collection that grows), else itself.
  uint64_t place_bytes() const { return accumulation != heap::kNoObject ? accumulation_retained : retained_bytes; }
};

struct SuspectOptions {
  double threshold = 0.10;   // fraction of the reachable heap
  size_t max_suspects = 20;
  size_t max_paths = 3;      // per suspect
};

// Suspects by rank (highest score first), at most options.max_suspects.
std::vector<LeakSuspect> FindLeakSuspects(const heap::HeapModel& model, const ReverseGraph& reverse,
                                          const DominatorTree& tree, const SuspectOptions& options);

// Whether a class loader is one of the JDK's own (application, platform,
// boot, JDK 8 launcher, reflection accessors): they hold every class and
// are no leak.
bool IsJdkLoaderClass(std::string_view class_name);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_LEAK_SUSPECTS_H_
