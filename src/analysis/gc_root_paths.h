// analysis/gc_root_paths.h - why an object is alive: the shortest chains of
// strong references from a GC root down to it.
//
// Paths follow only real references: the super-root's edges to GC roots,
// instance fields, array elements and statics. They never follow
// java.lang.ref.Reference.referent nor the class/super/loader pseudo-edges
// that dominators use. Memory is linear in the object count (a uint32
// distance per node, a bit per node), nothing recurses, and the work is
// bounded: on a dense heap the search returns what it found, and says so.
#ifndef HEAPSCOPE_ANALYSIS_GC_ROOT_PATHS_H_
#define HEAPSCOPE_ANALYSIS_GC_ROOT_PATHS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/object_graph.h"
#include "heap/heap_model.h"
#include "hprof/error.h"

namespace heapscope::analysis {

struct PathStep {
  heap::ObjectIdx object;
  // How the previous step references this object: kRoot for the first
  // step (a GC root), kField or kStatic after it (a pseudo-edge kind only
  // with PathOptions::pseudo_fallback).
  EdgeKind via;
  // The previous object's reference slot (HeapModel::SlotName of the
  // previous object); 0 for the first step.
  uint32_t slot;
};

struct GcRootPath {
  std::vector<PathStep> steps;          // the root object first, the target last
  std::vector<heap::RootEntry> roots;   // every HeapModel root entry of steps.front()
};

// Edges examined before a search gives up on finding more paths. Ten million
// take well under a second; a shortest path is found long before, so the
// bound only stops the search for many alternative paths through a dense
// graph, whose number can grow exponentially with their length.
inline constexpr uint64_t kDefaultPathSearchEdges = 20'000'000;

struct PathOptions {
  size_t max_paths = 1;
  uint64_t max_edges = kDefaultPathSearchEdges;
  // When no strong path exists, search again through MAT's pseudo-edges
  // too (object -> class, class -> super class and loader, loader -> each
  // class it defined): what keeps a class loader or a class's statics alive
  // is often only the JVM's own class-to-loader link, which the dump
  // shows as no field. Never through Reference.referent.
  bool pseudo_fallback = false;
};

struct GcRootPaths {
  // Shortest first; paths of equal length in graph order (roots in
  // object order, then references in slot order). Any two differ in at
  // least one object. Empty when no strong path reaches the target.
  std::vector<GcRootPath> paths;
  // False when the edge budget ran out before max_paths were found, so
  // more (longer) paths may exist.
  bool complete = true;
  uint64_t edges_examined = 0;
  bool through_pseudo_edges = false;  // the paths needed pseudo-edges (pseudo_fallback)
};

// Up to options.max_paths shortest distinct strong paths from GC roots to
// `target`. A target that is itself a root has the one-step path [target]
// first. Fails only when `target` is no object of the model.
// `reverse` is the reverse graph of the heap's ObjectGraph; the forward
// edges paths take are the model's own references.
Result<GcRootPaths> FindGcRootPaths(const heap::HeapModel& model, const ReverseGraph& reverse,
                                    heap::ObjectIdx target, const PathOptions& options);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_GC_ROOT_PATHS_H_
