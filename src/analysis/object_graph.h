// analysis/object_graph.h - the heap as a directed graph for dominators and
// paths: every object a node, a super-root above all GC roots, and MAT's
// pseudo-edges so that a class loader retains its classes and statics.
//
// Nodes: 0 is the super-root, object o of the HeapModel is node o + 1.
// Node ids are 32-bit (up to 4,294,967,294 objects, well past 2^31); counts
// are 64-bit. Built once, read-only after; safe to share between threads.
#ifndef HEAPSCOPE_ANALYSIS_OBJECT_GRAPH_H_
#define HEAPSCOPE_ANALYSIS_OBJECT_GRAPH_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "heap/column.h"
#include "heap/heap_model.h"
#include "hprof/error.h"

namespace heapscope::analysis {

using NodeId = uint32_t;
inline constexpr NodeId kSuperRoot = 0;
inline constexpr NodeId kNoNode = ~NodeId{0};

inline NodeId NodeOf(heap::ObjectIdx o) { return static_cast<NodeId>(o + 1); }
inline heap::ObjectIdx ObjectOf(NodeId n) { return n - 1; }

// How java.lang.ref.Reference.referent edges take part in dominators.
// Paths to GC roots never follow them (see docs/ANALYSIS.md).
enum class WeakRefs {
  kAsMat,    // ordinary edges for dominators, as Eclipse MAT does by default
  kExclude,  // dropped before dominators: softly/weakly held objects become unreachable
};

struct GraphOptions {
  WeakRefs weak_refs = WeakRefs::kAsMat;
};

// Kinds of edges, for paths (which follow only kField and kStatic) and for
// explaining a reference.
enum class EdgeKind : uint8_t {
  kRoot,       // super-root -> GC root object
  kField,      // instance field or array element (slot = field index or array index)
  kStatic,     // class -> static field value
  kReferent,   // Reference.referent: not followed by paths
  kClass,      // object -> its class (pseudo)
  kSuper,      // class -> super class (pseudo)
  kLoader,     // class -> class loader (pseudo)
  kDefined,    // class loader -> each class it defined (pseudo)
};

// How a pseudo-edge is named where a path shows it, as MAT names it
// ("<class>", "<classloader>"); "" for an edge that is a real reference.
std::string_view PseudoEdgeName(EdgeKind kind);

struct ObjectGraph {
  uint64_t node_count = 0;  // objects + 1
  // Outbound edges of node n: [out_begin[n], out_begin[n + 1]).
  heap::Column<uint64_t> out_begin;
  heap::Column<NodeId> out_target;
  heap::Column<uint8_t> out_kind;  // EdgeKind
  // The model slot of a field, static or referent edge is not kept: it is
  // 4 bytes an edge for what only a rendered path needs, and
  // HeapModel::SlotTo finds it from the model (see ReferenceSlot below).

  std::span<const NodeId> Targets(NodeId n) const {
    return out_target.span().subspan(out_begin[n], out_begin[n + 1] - out_begin[n]);
  }
};

// Builds the graph. Fails only when the heap has more objects than NodeId
// can number.
Result<ObjectGraph> BuildObjectGraph(const heap::HeapModel& model, const GraphOptions& options);

// Predecessors of every node (the reverse graph), in CSR form.
struct ReverseGraph {
  heap::Column<uint64_t> in_begin;
  heap::Column<NodeId> in_source;
  heap::Column<uint8_t> in_kind;   // EdgeKind of the edge source -> node
  std::span<const NodeId> Sources(NodeId n) const {
    return in_source.span().subspan(in_begin[n], in_begin[n + 1] - in_begin[n]);
  }
};
ReverseGraph BuildReverseGraph(const ObjectGraph& graph);

// Per class, the slot (index into ClassTable::InstanceFieldChain) of
// java.lang.ref.Reference.referent, kNoSlot when the class is no Reference.
inline constexpr uint32_t kNoSlot = ~uint32_t{0};
std::vector<uint32_t> ReferentSlots(const heap::HeapModel& model);

// The model slot (field, array index or static) of the `occurrence`-th
// (0-based) reference from `source` to `target`: the graph lists a node's
// references in model order, so the k-th edge between two nodes is the k-th
// such model reference. 0 for edges that are no model reference.
uint32_t ReferenceSlot(const heap::HeapModel& model, NodeId source, NodeId target, EdgeKind kind,
                       uint32_t occurrence = 0);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_OBJECT_GRAPH_H_
