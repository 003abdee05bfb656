#include "analysis/gc_root_paths.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <limits>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

namespace heapscope::analysis {

namespace {

constexpr uint32_t kUnreached = std::numeric_limits<uint32_t>::max();
// Nodes with at least this many edges have their useful edges listed once
// (see PathEnumerator::Open); below it a scan costs less than the list.
constexpr uint64_t kWideNode = 1024;

bool IsStrong(EdgeKind k) { return k == EdgeKind::kRoot || k == EdgeKind::kField || k == EdgeKind::kStatic; }
bool IsPseudo(EdgeKind k) {
  return k == EdgeKind::kClass || k == EdgeKind::kSuper || k == EdgeKind::kLoader || k == EdgeKind::kDefined;
}

// Strong-edge distance from every node to the target, found by a
// breadth-first search over the reverse graph. The search runs only as deep
// as the enumeration asks, so one short path in a huge heap costs a small
// neighbourhood of the target, not the whole graph.
class DistanceToTarget {
 public:
  DistanceToTarget(const ReverseGraph& reverse, uint64_t node_count, NodeId target, bool pseudo)
      : reverse_(reverse), pseudo_(pseudo), plus_one_(static_cast<uint32_t*>(std::calloc(node_count, sizeof(uint32_t)))) {
    if (plus_one_ == nullptr) throw std::bad_alloc();
    Set(target, 0);
    queue_.push_back(target);
  }

  // kUnreached (0 - 1) for nodes not labeled yet.
  uint32_t operator[](NodeId n) const { return plus_one_.get()[n] - 1; }
  // Every node that can reach the target has its distance.
  bool Finished() const { return head_ == queue_.size(); }

  // Labels every node at distance <= depth (it expands all nodes closer
  // than depth; a node's distance is final when it is labeled).
  void ExtendTo(uint32_t depth) {
    while (!Finished() && (*this)[queue_[head_]] < depth) ExpandNext();
  }

  void Finish() {
    while (!Finished()) ExpandNext();
  }

  // Expands until `n` is labeled or nothing is left, then completes the
  // level of `n` so the labels at distance <= dist(n) are all there.
  void ExtendUntilLabeled(NodeId n) {
    while (!Finished() && (*this)[n] == kUnreached) ExpandNext();
    if ((*this)[n] != kUnreached) ExtendTo((*this)[n]);
  }

 private:
  void ExpandNext() {
    NodeId v = queue_[head_++];
    const uint32_t next = (*this)[v] + 1;
    for (uint64_t e = reverse_.in_begin[v]; e < reverse_.in_begin[v + 1]; ++e) {
      const auto kind = static_cast<EdgeKind>(reverse_.in_kind[e]);
      if (!IsStrong(kind) && !(pseudo_ && IsPseudo(kind))) continue;
      NodeId s = reverse_.in_source[e];
      if ((*this)[s] != kUnreached) continue;
      Set(s, next);
      queue_.push_back(s);
    }
  }

  void Set(NodeId n, uint32_t distance) { plus_one_.get()[n] = distance + 1; }

  struct Free {
    void operator()(uint32_t* p) const { std::free(p); }
  };
  const ReverseGraph& reverse_;
  const bool pseudo_;
  // Distance + 1 per node, 0 = unlabeled. calloc hands out untouched zero
  // pages, so a query that labels a small neighbourhood pays for that, not
  // for clearing 4 bytes of every object in the heap.
  std::unique_ptr<uint32_t, Free> plus_one_;
  std::vector<NodeId> queue_;  // nodes in the order labeled; [head_, end) not yet expanded
  uint64_t head_ = 0;
};

// Enumerates simple paths from the super-root to the target in order of
// length. A path's length is dist(super-root) plus its "slack", the sum over
// its edges u->v of 1 + dist(v) - dist(u) (zero exactly on shortest-path
// edges). Pass k is a depth-first search that spends a slack budget of k,
// so it yields exactly the paths of length dist(super-root) + k, with no
// dead ends at k = 0. A pass that never had to turn an edge away for lack of
// budget has seen every simple path, which ends the search. This is IDA*
// (Korf, "Depth-first iterative-deepening", Artificial Intelligence 27,
// 1985) with an exact heuristic. Yen's K-shortest-simple-paths algorithm
// would bound the work by K * length shortest-path searches, but each of
// those may cross the whole heap; a pass here touches only nodes that lead
// to the target, and the edge budget bounds the factorial worst case.
class PathEnumerator {
 public:
  PathEnumerator(const heap::HeapModel& model, uint64_t node_count, DistanceToTarget& dist, NodeId target,
                 const PathOptions& options, bool pseudo, GcRootPaths& out)
      : model_(model), pseudo_(pseudo), referent_slot_(ReferentSlots(model)), dist_(dist), target_(target), options_(options),
        out_(out), on_path_((node_count + 63) / 64, 0) {
    for (const heap::RootEntry& r : model.roots) roots_.push_back(NodeOf(r.object));
    std::sort(roots_.begin(), roots_.end());
    roots_.erase(std::unique(roots_.begin(), roots_.end()), roots_.end());
  }

  void Run() {
    // One path needs one pass, which has no dead ends. For more, the
    // distances are made final first (one O(nodes + edges) search), so
    // wide nodes can keep their useful edges across passes.
    if (options_.max_paths > 1) dist_.Finish();
    const uint32_t shortest = dist_[kSuperRoot];
    for (uint32_t slack = 0; out_.paths.size() < options_.max_paths; ++slack) {
      if (shortest > kUnreached - 2 - slack) break;  // lengths past 2^32: no such heap
      dist_.ExtendTo(shortest + slack);
      bool budget_cut = false;
      if (!Pass(slack, budget_cut)) {
        out_.complete = false;
        return;
      }
      if (!budget_cut) return;
    }
  }

 private:
  // The strong edges paths follow come straight from the model (no forward
  // graph is kept): the super-root's edge e goes to roots_[e], and edge e of
  // an object is its model reference e. Slot and kind come with it.
  struct Edge {
    NodeId target;  // kNoNode: no edge a path may take
    EdgeKind kind;
    uint32_t slot;
  };
  uint64_t EdgesBegin(NodeId n) const { return n == kSuperRoot ? 0 : model_.ref_begin[ObjectOf(n)]; }
  uint64_t EdgesEnd(NodeId n) {
    if (n == kSuperRoot) return roots_.size();
    return model_.ref_begin[ObjectOf(n) + 1] + (pseudo_ ? PseudoEdges(n).size() : 0);
  }
  // With pseudo-edges, edge e past the references is pseudo-edge e - end.
  const std::vector<std::pair<NodeId, EdgeKind>>& PseudoEdges(NodeId n) {
    auto [it, inserted] = pseudo_edges_.try_emplace(n);
    if (!inserted) return it->second;
    const heap::ClassTable& t = model_.scan.classes;
    const heap::ObjectIdx o = ObjectOf(n);
    auto add = [&](uint64_t id, EdgeKind kind) {
      const heap::ObjectIdx target = id == 0 ? heap::kNoObject : model_.Find(id);
      if (target != heap::kNoObject) it->second.push_back({NodeOf(target), kind});
    };
    if (static_cast<heap::ObjectKind>(model_.object_kind[o]) == heap::ObjectKind::kClass) {
      const heap::ClassIdx self = t.Find(model_.object_id[o]);
      if (self != heap::kNoClass) {
        if (t.super[self] != heap::kNoClass) add(t.class_id[t.super[self]], EdgeKind::kSuper);
        add(t.loader_id[self], EdgeKind::kLoader);
      }
      return it->second;
    }
    const heap::ClassIdx c = model_.object_class[o];
    if (c != heap::kNoClass) add(t.class_id[c], EdgeKind::kClass);
    const uint64_t id = model_.object_id[o];
    for (heap::ClassIdx k = 0; k < t.size(); ++k) {
      if (t.loader_id[k] == id) add(t.class_id[k], EdgeKind::kDefined);
    }
    return it->second;
  }
  Edge EdgeAt(NodeId u, uint64_t e) {
    if (u == kSuperRoot) return {roots_[e], EdgeKind::kRoot, 0};
    if (const uint64_t refs_end = model_.ref_begin[ObjectOf(u) + 1]; e >= refs_end) {
      const auto& [target, kind] = PseudoEdges(u)[e - refs_end];
      return {target, kind, 0};
    }
    const heap::ObjectIdx o = ObjectOf(u), target = model_.ref_target[e];
    if (target == heap::kNoObject) return {kNoNode, EdgeKind::kField, 0};
    const uint32_t slot = model_.ref_slot[e];
    const auto kind = static_cast<heap::ObjectKind>(model_.object_kind[o]);
    if (kind == heap::ObjectKind::kClass) return {NodeOf(target), EdgeKind::kStatic, slot};
    const heap::ClassIdx c = model_.object_class[o];
    if (kind == heap::ObjectKind::kInstance && c != heap::kNoClass && slot == referent_slot_[c]) {
      return {kNoNode, EdgeKind::kReferent, slot};
    }
    return {NodeOf(target), EdgeKind::kField, slot};
  }

  struct Frame {
    NodeId node;
    // The edges still to try: edges [next, end), or when `useful` is set,
    // the edge indexes useful[next .. end).
    const uint64_t* useful;
    uint64_t next;
    uint64_t end;
    uint32_t budget;
    EdgeKind via;
    uint32_t slot;
    // Nodes this frame already stepped to: a second edge to the same node
    // (two fields holding one object) would repeat the same objects. Most
    // frames step to one node, so the set is made only for a second one;
    // a million-long chain then costs a million small frames.
    NodeId first_taken = kNoNode;
    std::unique_ptr<std::unordered_set<NodeId>> more_taken;

    bool TakeOnce(NodeId n) {
      if (first_taken == kNoNode) {
        first_taken = n;
        return true;
      }
      if (n == first_taken) return false;
      if (!more_taken) more_taken = std::make_unique<std::unordered_set<NodeId>>();
      return more_taken->insert(n).second;
    }
  };

  bool OnPath(NodeId n) const { return (on_path_[n / 64] >> (n % 64)) & 1; }
  void SetOnPath(NodeId n, bool on) {
    uint64_t bit = uint64_t{1} << (n % 64);
    on_path_[n / 64] = on ? on_path_[n / 64] | bit : on_path_[n / 64] & ~bit;
  }

  // Whether edge e of u leads to the target.
  bool Usable(NodeId u, uint64_t e) {
    const NodeId v = EdgeAt(u, e).target;
    return v != kNoNode && dist_[v] != kUnreached;
  }

  Frame Open(NodeId n, uint32_t budget, EdgeKind via, uint32_t slot) {
    const uint64_t begin = EdgesBegin(n), end = EdgesEnd(n);
    if (end - begin < kWideNode || !dist_.Finished()) {
      return {n, nullptr, begin, end, budget, via, slot, kNoNode, nullptr};
    }
    // A HashMap's table of 16M slots may lead to the target through one:
    // scanning it once instead of on every visit keeps later passes cheap.
    auto [it, inserted] = useful_edges_.try_emplace(n);
    if (inserted) {
      out_.edges_examined += end - begin;
      for (uint64_t e = begin; e < end; ++e) {
        if (Usable(n, e)) it->second.push_back(e);
      }
    }
    return {n, it->second.data(), 0, it->second.size(), budget, via, slot, kNoNode, nullptr};
  }

  // One pass with slack budget `budget`; false when the edge budget ran out.
  bool Pass(uint32_t budget, bool& budget_cut) {
    std::vector<Frame> stack;
    stack.push_back(Open(kSuperRoot, budget, EdgeKind::kRoot, 0));
    SetOnPath(kSuperRoot, true);
    while (!stack.empty() && out_.paths.size() < options_.max_paths) {
      Frame& f = stack.back();
      if (f.next == f.end) {
        SetOnPath(f.node, false);
        stack.pop_back();
        continue;
      }
      const uint64_t e = f.useful ? f.useful[f.next++] : f.next++;
      if (++out_.edges_examined > options_.max_edges) {
        for (const Frame& g : stack) SetOnPath(g.node, false);
        return false;
      }
      const Edge edge = EdgeAt(f.node, e);
      const NodeId v = edge.target;
      if (v == kNoNode) continue;
      const uint32_t dv = dist_[v];
      if (dv == kUnreached) {
        // Unlabeled while the search is unfinished means farther than this
        // pass can go; once finished it means no path at all.
        if (!dist_.Finished()) budget_cut = true;
        continue;
      }
      // Distances are exact, so dist(u) <= dist(v) + 1 and this is >= 0.
      const uint32_t slack = dv + 1 - dist_[f.node];
      if (slack > f.budget) {
        budget_cut = true;
        continue;
      }
      if (OnPath(v) || !f.TakeOnce(v)) continue;
      const uint32_t left = f.budget - slack;
      if (v == target_) {
        // With budget left over this path is shorter: an earlier pass had it.
        if (left == 0) Emit(stack, edge.kind, edge.slot);
        continue;
      }
      SetOnPath(v, true);
      stack.push_back(Open(v, left, edge.kind, edge.slot));  // invalidates f
    }
    for (const Frame& g : stack) SetOnPath(g.node, false);
    return true;
  }

  void Emit(const std::vector<Frame>& stack, EdgeKind via, uint32_t slot) {
    GcRootPath path;
    path.steps.reserve(stack.size());
    for (size_t depth = 1; depth < stack.size(); ++depth) {
      path.steps.push_back({ObjectOf(stack[depth].node), stack[depth].via, stack[depth].slot});
    }
    path.steps.push_back({ObjectOf(target_), via, slot});
    // The first step's slot is meaningless for a root edge.
    path.steps.front().slot = 0;
    out_.paths.push_back(std::move(path));
  }

  const heap::HeapModel& model_;
  const bool pseudo_;
  const std::vector<uint32_t> referent_slot_;
  // Pseudo-edges of the nodes visited, made once each (a loader's defined
  // classes take a scan of the class table).
  std::unordered_map<NodeId, std::vector<std::pair<NodeId, EdgeKind>>> pseudo_edges_;
  std::vector<NodeId> roots_;  // the super-root's edges: each root object once, in object order
  DistanceToTarget& dist_;
  NodeId target_;
  const PathOptions& options_;
  GcRootPaths& out_;
  std::vector<uint64_t> on_path_;  // one bit per node
  // Wide nodes' usable edges, once the distances are final; a node-based
  // map, so the lists frames point into never move.
  std::unordered_map<NodeId, std::vector<uint64_t>> useful_edges_;
};

// Attaches to each path the root entries of its first object, in one pass
// over the model's roots.
void AttachRoots(const heap::HeapModel& model, std::vector<GcRootPath>& paths) {
  std::vector<heap::ObjectIdx> firsts;
  for (const GcRootPath& p : paths) firsts.push_back(p.steps.front().object);
  std::sort(firsts.begin(), firsts.end());
  firsts.erase(std::unique(firsts.begin(), firsts.end()), firsts.end());
  std::vector<std::vector<heap::RootEntry>> entries(firsts.size());
  for (const heap::RootEntry& r : model.roots) {
    auto it = std::lower_bound(firsts.begin(), firsts.end(), r.object);
    if (it != firsts.end() && *it == r.object) entries[it - firsts.begin()].push_back(r);
  }
  for (GcRootPath& p : paths) {
    auto it = std::lower_bound(firsts.begin(), firsts.end(), p.steps.front().object);
    p.roots = entries[it - firsts.begin()];
  }
}

}  // namespace

Result<GcRootPaths> FindGcRootPaths(const heap::HeapModel& model, const ReverseGraph& reverse,
                                    heap::ObjectIdx target, const PathOptions& options) {
  const uint64_t node_count = reverse.in_begin.size() - 1;
  if (target >= model.object_count() || target + 1 >= node_count) {
    return Error::Usage(fmt::format("object number {} is out of range (the dump has {} objects)", target,
                                    model.object_count()));
  }
  GcRootPaths result;
  if (options.max_paths == 0) return result;
  const NodeId target_node = NodeOf(target);
  for (bool pseudo : {false, true}) {
    if (pseudo && !(options.pseudo_fallback && result.paths.empty() && result.complete)) break;
    result = {};
    result.through_pseudo_edges = pseudo;
    DistanceToTarget dist(reverse, node_count, target_node, pseudo);
    dist.ExtendUntilLabeled(kSuperRoot);
    if (dist[kSuperRoot] == kUnreached) continue;
    PathEnumerator(model, node_count, dist, target_node, options, pseudo, result).Run();
  }
  if (result.paths.empty()) result.through_pseudo_edges = false;
  AttachRoots(model, result.paths);
  return result;
}

}  // namespace heapscope::analysis
