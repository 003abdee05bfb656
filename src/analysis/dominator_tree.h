// analysis/dominator_tree.h - immediate dominators and retained sizes of
// every object.
//
// Algorithm: Semi-NCA (Georgiadis, "Linear-Time Algorithms for Dominators
// and Related Problems", PhD thesis, Princeton 2005; also Georgiadis, Tarjan
// and Werneck, "Finding dominators in practice", JGAA 10(1), 2006): semi-
// dominators as in Lengauer-Tarjan, then immediate dominators as nearest
// common ancestors in the DFS tree. O(n^2) in theory on contrived graphs,
// near-linear on heaps, and it needs fewer arrays than Lengauer-Tarjan,
// which is why we chose it. Everything is iterative: a million-long linked
// list is an ordinary input.
//
// Unreachable objects are left out (as MAT does by default) unless
// keep_unreachable makes each unreached object a child of the super-root;
// their references are then ignored, so live objects' sizes don't change.
// reachable_objects and unreachable_objects count the same either way.
#ifndef HEAPSCOPE_ANALYSIS_DOMINATOR_TREE_H_
#define HEAPSCOPE_ANALYSIS_DOMINATOR_TREE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "analysis/object_graph.h"
#include "heap/column.h"
#include "heap/heap_model.h"

namespace heapscope::analysis {

struct DominatorOptions {
  bool keep_unreachable = false;
};

struct DominatorTree {
  // Per node (node 0 = super-root): immediate dominator, kNoNode for the
  // super-root and for unreachable nodes.
  heap::Column<NodeId> idom;
  // Per node: shallow size of everything it dominates, itself included;
  // 0 for unreachable nodes. retained[0] is the reachable heap.
  heap::Column<uint64_t> retained;
  // Children in the dominator tree, sorted by retained size (largest first,
  // ties by node id): children of n are [child_begin[n], child_begin[n + 1]).
  // Every node is the child of at most one, so 32 bits count them all.
  heap::Column<uint32_t> child_begin;
  heap::Column<NodeId> child;

  uint64_t reachable_objects = 0;
  uint64_t unreachable_objects = 0;
  uint64_t unreachable_bytes = 0;

  std::span<const NodeId> Children(NodeId n) const {
    return child.span().subspan(child_begin[n], child_begin[n + 1] - child_begin[n]);
  }
  bool Reachable(NodeId n) const { return n == kSuperRoot || idom[n] != kNoNode; }
};

// `reverse` is BuildReverseGraph(graph). `shallow` holds the shallow size
// of every object (indexed by ObjectIdx, graph.node_count - 1 entries):
// HeapModel::shallow_size. The graph is taken by value and freed once the
// depth-first search is done with it (move it in to save its memory at the
// peak; a caller that still needs it passes a copy).
DominatorTree ComputeDominators(ObjectGraph graph, const ReverseGraph& reverse,
                                std::span<const uint64_t> shallow, const DominatorOptions& options);

// Retained size per class counting only objects not dominated by another
// object of the same class (so a linked list's nodes are counted once).
// `object_class` is HeapModel::object_class; the result has `class_count`
// entries.
std::vector<uint64_t> RetainedByClass(const DominatorTree& tree,
                                      std::span<const heap::ClassIdx> object_class,
                                      size_t class_count);
// The same for groups of classes (packages, say): `group_of_class` maps
// each class to its group (or group_count for none); an object counts when
// no object of the same group is above it.
std::vector<uint64_t> RetainedByGroup(const DominatorTree& tree, std::span<const heap::ClassIdx> object_class,
                                      std::span<const uint32_t> group_of_class, size_t group_count);

// The n objects with the largest retained size, largest first (ties by
// object index).
std::vector<heap::ObjectIdx> TopRetainers(const DominatorTree& tree, size_t n);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_DOMINATOR_TREE_H_
