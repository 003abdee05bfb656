// analysis/test_graph.h - (tests only) an ObjectGraph built straight from
// adjacency lists, for tests of the graph algorithms that need a graph no
// dump would give cheaply (a million-node chain, a dense clique).
//
// Header-only; included by *_test.cc files, never by the library.
#ifndef HEAPSCOPE_ANALYSIS_TEST_GRAPH_H_
#define HEAPSCOPE_ANALYSIS_TEST_GRAPH_H_

#include <cstdint>
#include <vector>

#include "analysis/object_graph.h"

namespace heapscope::analysis {

// out[n] lists node n's targets in edge order; out.size() is the node
// count, super-root included. Edges from the super-root are kRoot, all
// others kField.
inline ObjectGraph GraphFromAdjacency(const std::vector<std::vector<NodeId>>& out) {
  ObjectGraph g;
  g.node_count = out.size();
  g.out_begin.push_back(0);
  for (NodeId n = 0; n < g.node_count; ++n) {
    for (NodeId t : out[n]) {
      g.out_target.push_back(t);
      g.out_kind.push_back(static_cast<uint8_t>(n == kSuperRoot ? EdgeKind::kRoot : EdgeKind::kField));
    }
    g.out_begin.push_back(g.out_target.size());
  }
  return g;
}

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_TEST_GRAPH_H_
