#include "analysis/dominator_tree.h"

#include <algorithm>

namespace heapscope::analysis {

namespace {

// Numbers reached nodes in depth-first preorder from the super-root, without
// recursion. vertex[k] is the node numbered k, parent[k] the number of its
// DFS parent. With keep_unreachable, every node left unnumbered starts a new
// search as a child of the super-root, in node order.
struct DepthFirstOrder {
  std::vector<NodeId> number;  // per node, kNoNode = not reached
  std::vector<NodeId> vertex;
  std::vector<NodeId> parent;
  NodeId reached = 0;          // numbers below this were reached from the GC roots
};

DepthFirstOrder NumberDepthFirst(const ObjectGraph& g, bool keep_unreachable) {
  DepthFirstOrder d;
  d.number.assign(g.node_count, kNoNode);
  // Exact sizes: growing two vectors of 4 bytes a node by doubling would
  // hold both copies at once, at the build's peak.
  d.vertex.reserve(g.node_count);
  d.parent.reserve(g.node_count);
  struct Frame {
    NodeId node;
    uint64_t next_edge;
  };
  std::vector<Frame> stack;
  auto search_from = [&](NodeId start, NodeId parent_number) {
    d.number[start] = static_cast<NodeId>(d.vertex.size());
    d.vertex.push_back(start);
    d.parent.push_back(parent_number);
    stack.push_back({start, g.out_begin[start]});
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next_edge == g.out_begin[f.node + 1]) {
        stack.pop_back();
        continue;
      }
      NodeId t = g.out_target[f.next_edge++];
      if (d.number[t] != kNoNode) continue;
      d.number[t] = static_cast<NodeId>(d.vertex.size());
      d.vertex.push_back(t);
      d.parent.push_back(d.number[f.node]);
      stack.push_back({t, g.out_begin[t]});
    }
  };
  search_from(kSuperRoot, 0);
  d.reached = static_cast<NodeId>(d.vertex.size());
  if (keep_unreachable) {
    // Each unreached object hangs off the super-root on its own; its edges
    // are not followed, so keeping garbage never changes live objects' sizes.
    for (NodeId n = 1; n < g.node_count; ++n) {
      if (d.number[n] != kNoNode) continue;
      d.number[n] = static_cast<NodeId>(d.vertex.size());
      d.vertex.push_back(n);
      d.parent.push_back(0);
    }
  }
  return d;
}

}  // namespace

DominatorTree ComputeDominators(ObjectGraph g, const ReverseGraph& reverse, std::span<const uint64_t> shallow,
                                const DominatorOptions& options) {
  DepthFirstOrder dfs = NumberDepthFirst(g, options.keep_unreachable);
  const NodeId m = static_cast<NodeId>(dfs.vertex.size());
  const uint64_t node_count = g.node_count;
  // Only the depth-first search walks forward edges: let them go before
  // the semi-dominator arrays are made.
  g = ObjectGraph{};

  // Semi-dominators, in reverse preorder. Nodes numbered above the one being
  // processed are linked into the forest through `ancestor` (their DFS
  // parent until path compression shortens it); `label` holds the node of
  // smallest semi-dominator on the compressed path.
  std::vector<NodeId> semi(m), label(m), ancestor(dfs.parent);
  for (NodeId k = 0; k < m; ++k) semi[k] = label[k] = k;
  std::vector<NodeId> path;
  auto eval = [&](NodeId v, NodeId first_linked) -> NodeId {
    if (ancestor[v] < first_linked) return label[v];
    NodeId top = v;
    do {
      path.push_back(top);
      top = ancestor[top];
    } while (ancestor[top] >= first_linked);
    NodeId best = label[top];
    NodeId above = top;
    while (!path.empty()) {
      NodeId y = path.back();
      path.pop_back();
      ancestor[y] = ancestor[above];
      if (semi[best] < semi[label[y]]) label[y] = best;
      else best = label[y];
      above = y;
    }
    return label[v];
  };
  for (NodeId w = m; w-- > 1;) {
    NodeId s = dfs.parent[w];
    // Predecessors come from the reverse graph, renumbered on the fly: a
    // copy in DFS numbers would cost 4 bytes an edge at the peak. Sources
    // never reached, and kept unreachable objects (numbered from
    // dfs.reached on), add nothing: the super-root is the only predecessor
    // of the latter, and their DFS parent already.
    const NodeId node = dfs.vertex[w];
    for (uint64_t p = reverse.in_begin[node]; p < reverse.in_begin[node + 1]; ++p) {
      NodeId v = dfs.number[reverse.in_source[p]];
      if (v >= dfs.reached) continue;  // kNoNode included
      NodeId u = v <= w ? v : eval(v, w + 1);
      s = std::min(s, semi[u]);
    }
    semi[w] = s;
  }
  std::vector<NodeId>().swap(label);
  std::vector<NodeId>().swap(ancestor);

  // Immediate dominators: the nearest ancestor in the DFS tree at or above
  // the semi-dominator, found by walking up already-final dominators. They
  // replace the DFS parents in place (a node's parent is read only before
  // its own dominator is set).
  std::vector<NodeId>& idom = dfs.parent;
  for (NodeId w = 1; w < m; ++w) {
    NodeId d = idom[w];
    while (d > semi[w]) d = idom[d];
    idom[w] = d;
  }
  std::vector<NodeId>().swap(semi);

  DominatorTree tree;
  tree.idom.resize(node_count, kNoNode);
  tree.retained.resize(node_count, 0);
  for (NodeId k = 1; k < m; ++k) tree.idom[dfs.vertex[k]] = dfs.vertex[idom[k]];

  // Retained sizes: children come after their dominator in preorder, so one
  // reverse sweep adds each node into its dominator.
  for (NodeId k = 1; k < m; ++k) tree.retained[dfs.vertex[k]] = shallow[ObjectOf(dfs.vertex[k])];
  for (NodeId k = m; k-- > 1;) tree.retained[dfs.vertex[idom[k]]] += tree.retained[dfs.vertex[k]];
  std::vector<NodeId>().swap(dfs.vertex);
  std::vector<NodeId>().swap(dfs.parent);

  tree.reachable_objects = dfs.reached - 1;
  for (NodeId n = 1; n < node_count; ++n) {
    if (dfs.number[n] == kNoNode || dfs.number[n] >= dfs.reached) {
      ++tree.unreachable_objects;
      tree.unreachable_bytes += shallow[ObjectOf(n)];
    }
  }
  std::vector<NodeId>().swap(dfs.number);

  // Children lists, largest retained first. child_begin first counts, then
  // (as each child is placed) walks to its node's end, then shifts one
  // place to hold the starts: no second array of positions.
  tree.child_begin.resize(node_count + 1, 0);
  for (NodeId n = 1; n < node_count; ++n) {
    if (tree.idom[n] != kNoNode) ++tree.child_begin[tree.idom[n] + 1];
  }
  for (uint64_t n = 1; n <= node_count; ++n) tree.child_begin[n] += tree.child_begin[n - 1];
  tree.child.resize(tree.child_begin[node_count]);
  for (NodeId n = 1; n < node_count; ++n) {
    if (tree.idom[n] != kNoNode) tree.child[tree.child_begin[tree.idom[n]]++] = n;
  }
  for (uint64_t n = node_count; n > 0; --n) tree.child_begin[n] = tree.child_begin[n - 1];
  tree.child_begin[0] = 0;
  auto& kids = tree.child.storage();
  const auto& ret = tree.retained;
  for (NodeId n = 0; n < node_count; ++n) {
    std::sort(kids.begin() + static_cast<int64_t>(tree.child_begin[n]),
              kids.begin() + static_cast<int64_t>(tree.child_begin[n + 1]), [&](NodeId a, NodeId b) {
                return ret[a] != ret[b] ? ret[a] > ret[b] : a < b;
              });
  }
  return tree;
}

std::vector<uint64_t> RetainedByClass(const DominatorTree& tree, std::span<const heap::ClassIdx> object_class,
                                      size_t class_count) {
  std::vector<uint32_t> identity(class_count);
  for (size_t c = 0; c < class_count; ++c) identity[c] = static_cast<uint32_t>(c);
  return RetainedByGroup(tree, object_class, identity, class_count);
}

std::vector<uint64_t> RetainedByGroup(const DominatorTree& tree, std::span<const heap::ClassIdx> object_class,
                                      std::span<const uint32_t> group_of_class, size_t group_count) {
  std::vector<uint64_t> by_group(group_count, 0);
  std::vector<uint32_t> on_path(group_count, 0);  // objects of each group on the current root path
  auto group_of = [&](NodeId n) -> size_t {
    heap::ClassIdx c = object_class[ObjectOf(n)];
    return c < group_of_class.size() ? group_of_class[c] : group_count;
  };
  struct Frame {
    NodeId node;
    uint64_t next_child;
  };
  std::vector<Frame> stack{{kSuperRoot, tree.child_begin[kSuperRoot]}};
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next_child == tree.child_begin[f.node + 1]) {
      if (f.node != kSuperRoot) {
        size_t g = group_of(f.node);
        if (g < group_count) --on_path[g];
      }
      stack.pop_back();
      continue;
    }
    NodeId child = tree.child[f.next_child++];
    size_t g = group_of(child);
    if (g < group_count) {
      if (on_path[g] == 0) by_group[g] += tree.retained[child];
      ++on_path[g];
    }
    stack.push_back({child, tree.child_begin[child]});
  }
  return by_group;
}

std::vector<heap::ObjectIdx> TopRetainers(const DominatorTree& tree, size_t n) {
  auto larger = [&](NodeId a, NodeId b) {
    return tree.retained[a] != tree.retained[b] ? tree.retained[a] > tree.retained[b] : a < b;
  };
  // One pass with a bounded min-heap (the smallest kept retainer on top):
  // no array of every node to sort, so a query on a reopened index of tens
  // of millions of objects stays in tens of milliseconds.
  std::vector<NodeId> heap_nodes;
  if (n == 0) return {};
  heap_nodes.reserve(n);
  const uint64_t count = tree.idom.size();
  for (uint64_t k = 1; k < count; ++k) {
    if (tree.idom[k] == kNoNode) continue;
    NodeId node = static_cast<NodeId>(k);
    if (heap_nodes.size() < n) {
      heap_nodes.push_back(node);
      std::push_heap(heap_nodes.begin(), heap_nodes.end(), larger);
    } else if (larger(node, heap_nodes.front())) {
      std::pop_heap(heap_nodes.begin(), heap_nodes.end(), larger);
      heap_nodes.back() = node;
      std::push_heap(heap_nodes.begin(), heap_nodes.end(), larger);
    }
  }
  std::sort(heap_nodes.begin(), heap_nodes.end(), larger);
  std::vector<heap::ObjectIdx> out;
  out.reserve(heap_nodes.size());
  for (NodeId node : heap_nodes) out.push_back(ObjectOf(node));
  return out;
}

}  // namespace heapscope::analysis
