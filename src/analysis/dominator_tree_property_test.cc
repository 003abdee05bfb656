// Property tests of the dominator tree: ComputeDominators, RetainedByClass
// and TopRetainers against naive definitions, on thousands of random graphs
// (RapidCheck) with cycles, self-loops, duplicate edges, several or no roots
// and unreachable parts, up to 60 objects.
//
// The reference is the textbook definition, deliberately slow: d dominates n
// when n is unreachable from the super-root once d is removed. It shares no
// code with Semi-NCA, so agreement on every node of thousands of graphs is
// strong evidence. On failure RapidCheck prints the shrunk graph; replay it
// with RC_PARAMS="seed=..." (or more cases with RC_PARAMS="max_success=...").
#include "analysis/dominator_tree.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "analysis/object_graph.h"

namespace heapscope::analysis {
namespace {

using Edge = std::pair<uint32_t, uint32_t>;  // object index -> object index

// Cases per property: 5000 take about half a second in a release build (the
// reference is O(n * (n + e)) per graph); fewer under a sanitizer or -O0.
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
constexpr int kCases = 1500;
#else
constexpr int kCases = 5000;
#endif

// A random heap: objects 0..objects-1 (graph nodes 1..objects), the super-root
// pointing at `roots`, and object edges in generation order. Root edges may
// repeat (BuildObjectGraph lists each root once, but nothing in
// ComputeDominators should rely on it), like object edges.
struct RandomHeap {
  uint32_t objects = 0;
  std::vector<uint32_t> roots;
  std::vector<Edge> edges;
  std::vector<uint64_t> shallow;
  std::vector<heap::ClassIdx> object_class;
  uint32_t class_count = 0;
};

constexpr uint32_t kMaxObjects = 60;

// Mostly small multiples of 8 (zero included, so retained sizes tie), now
// and then one above 2^32 so sums must be 64-bit.
rc::Gen<uint64_t> ShallowGen() {
  return rc::gen::weightedOneOf<uint64_t>({
      {12, rc::gen::map(rc::gen::inRange<uint64_t>(0, 9), [](uint64_t k) { return 8 * k; })},
      {1, rc::gen::map(rc::gen::inRange<uint64_t>(0, 4), [](uint64_t k) { return (uint64_t{1} << 33) + 8 * k; })},
  });
}

// Picks a heap inside a property. No generator depends on an earlier pick
// (endpoints are taken modulo the object count), so RapidCheck can shrink
// the object count, drop edges and roots, and zero sizes independently,
// and a failure comes out small.
RandomHeap PickHeap() {
  RandomHeap h;
  // Up to 8 objects on RapidCheck's small sizes, up to 60 from its mid size on.
  h.objects = *rc::gen::withSize([](int size) {
    return rc::gen::inRange<uint32_t>(1, std::clamp<uint32_t>(size * kMaxObjects / 50, 8, kMaxObjects) + 1);
  });
  auto roots = *rc::gen::weightedOneOf<std::vector<uint32_t>>({
      {1, rc::gen::just(std::vector<uint32_t>{})},
      {8, rc::gen::nonEmpty(rc::gen::container<std::vector<uint32_t>>(rc::gen::inRange<uint32_t>(0, kMaxObjects)))},
  });
  roots.resize(std::min<size_t>(roots.size(), 4));
  for (uint32_t r : roots) h.roots.push_back(r % h.objects);
  // Half the edges are uniform (random shapes, self-loops, duplicates), half
  // go to a near successor, which makes long paths with back edges: the
  // shape where semi-dominators and immediate dominators differ most.
  // (from, to, near): near means from -> from + 1 + to % 3.
  auto edges = *rc::gen::scale(2.0, rc::gen::container<std::vector<std::tuple<uint32_t, uint32_t, bool>>>(
                                        rc::gen::tuple(rc::gen::inRange<uint32_t>(0, kMaxObjects),
                                                       rc::gen::inRange<uint32_t>(0, kMaxObjects),
                                                       rc::gen::arbitrary<bool>())));
  edges.resize(std::min<size_t>(edges.size(), 3 * size_t{h.objects}));
  for (auto [from, to, near] : edges) {
    from %= h.objects;
    h.edges.push_back({from, near ? (from + 1 + to % 3) % h.objects : to % h.objects});
  }
  h.shallow = *rc::gen::container<std::vector<uint64_t>>(kMaxObjects, ShallowGen());
  h.shallow.resize(h.objects);
  return h;
}

// Classes 0..class_count-1, and now and then kNoClass (an object whose class
// the dump never declared), which RetainedByClass must skip.
void PickClasses(RandomHeap& h) {
  h.class_count = *rc::gen::inRange<uint32_t>(1, 5);
  h.object_class = *rc::gen::container<std::vector<heap::ClassIdx>>(
      kMaxObjects, rc::gen::weightedOneOf<heap::ClassIdx>({
                       {12, rc::gen::inRange<heap::ClassIdx>(0, 4)},
                       {1, rc::gen::just(heap::kNoClass)},
                   }));
  h.object_class.resize(h.objects);
  for (heap::ClassIdx& c : h.object_class) {
    if (c != heap::kNoClass) c %= h.class_count;
  }
}

// The graph as BuildObjectGraph lays it out: node 0 the super-root with one
// kRoot edge per root entry, then each object's edges in generation order.
// Kinds and slots vary but must not matter to dominators.
ObjectGraph MakeGraph(const RandomHeap& h) {
  ObjectGraph g;
  g.node_count = uint64_t{h.objects} + 1;
  std::vector<std::vector<std::pair<NodeId, EdgeKind>>> out(g.node_count);
  for (uint32_t r : h.roots) out[kSuperRoot].push_back({NodeOf(r), EdgeKind::kRoot});
  static constexpr EdgeKind kObjectEdgeKinds[] = {EdgeKind::kField, EdgeKind::kStatic, EdgeKind::kReferent,
                                                  EdgeKind::kClass, EdgeKind::kSuper,  EdgeKind::kLoader};
  for (size_t e = 0; e < h.edges.size(); ++e) {
    out[NodeOf(h.edges[e].first)].push_back({NodeOf(h.edges[e].second), kObjectEdgeKinds[e % 6]});
  }
  g.out_begin.push_back(0);
  for (NodeId n = 0; n < g.node_count; ++n) {
    for (auto [target, kind] : out[n]) {
      g.out_target.push_back(target);
      g.out_kind.push_back(static_cast<uint8_t>(kind));
    }
    g.out_begin.push_back(g.out_target.size());
  }
  return g;
}

// The naive dominator tree.
struct Reference {
  std::vector<bool> reachable;   // per node, from the super-root
  std::vector<NodeId> idom;      // per node, kNoNode as in DominatorTree
  std::vector<uint64_t> retained;
  uint64_t reachable_objects = 0, unreachable_objects = 0, unreachable_bytes = 0;
};

// Nodes reachable from the super-root when `removed` (if any) is taken out.
std::vector<bool> ReachableWithout(const ObjectGraph& g, NodeId removed) {
  std::vector<bool> seen(g.node_count, false);
  if (removed == kSuperRoot) return seen;
  std::vector<NodeId> work{kSuperRoot};
  seen[kSuperRoot] = true;
  while (!work.empty()) {
    NodeId n = work.back();
    work.pop_back();
    for (NodeId t : g.Targets(n)) {
      if (t == removed || seen[t]) continue;
      seen[t] = true;
      work.push_back(t);
    }
  }
  return seen;
}

// Without keep_unreachable: d dominates n (both reached) iff d == n, d is the
// super-root, or n is unreachable once d is removed. The strict dominators
// of n form a chain; its deepest member, the one all others dominate, is
// idom(n). retained(d) sums the shallow sizes of everything d dominates.
// With keep_unreachable (dominator_tree.h): every object the super-root does
// not reach becomes a child of the super-root, so it dominates only itself
// and the reached part is unchanged.
Reference NaiveDominators(const ObjectGraph& g, const std::vector<uint64_t>& shallow, bool keep_unreachable) {
  const NodeId nodes = static_cast<NodeId>(g.node_count);
  Reference ref;
  ref.reachable = ReachableWithout(g, kNoNode);
  // dominates[d][n]
  std::vector<std::vector<bool>> dominates(nodes, std::vector<bool>(nodes, false));
  for (NodeId d = 0; d < nodes; ++d) {
    if (!ref.reachable[d]) continue;
    std::vector<bool> without_d = ReachableWithout(g, d);
    for (NodeId n = 0; n < nodes; ++n) dominates[d][n] = ref.reachable[n] && (n == d || !without_d[n]);
  }
  ref.idom.assign(nodes, kNoNode);
  for (NodeId n = 1; n < nodes; ++n) {
    if (!ref.reachable[n]) continue;
    NodeId found = kNoNode;
    for (NodeId d = 0; d < nodes; ++d) {
      if (d == n || !dominates[d][n]) continue;
      bool deepest = true;
      for (NodeId other = 0; other < nodes; ++other) {
        if (other != n && other != d && dominates[other][n] && !dominates[other][d]) deepest = false;
      }
      if (deepest) {
        RC_ASSERT(found == kNoNode);  // the reference itself: strict dominators form a chain
        found = d;
      }
    }
    RC_ASSERT(found != kNoNode);  // the super-root dominates every reached node
    ref.idom[n] = found;
  }
  ref.retained.assign(nodes, 0);
  for (NodeId n = 1; n < nodes; ++n) {
    if (!ref.reachable[n]) continue;
    ++ref.reachable_objects;
    for (NodeId d = 0; d < nodes; ++d) {
      if (dominates[d][n]) ref.retained[d] += shallow[ObjectOf(n)];
    }
  }
  for (NodeId n = 1; n < nodes; ++n) {
    if (ref.reachable[n]) continue;
    ++ref.unreachable_objects;
    ref.unreachable_bytes += shallow[ObjectOf(n)];
    if (keep_unreachable) {
      ref.idom[n] = kSuperRoot;
      ref.retained[n] = shallow[ObjectOf(n)];
      ref.retained[kSuperRoot] += shallow[ObjectOf(n)];
    }
  }
  return ref;
}

// Children of each node in the documented order: retained size descending,
// ties by node id.
std::vector<std::vector<NodeId>> NaiveChildren(const Reference& ref) {
  std::vector<std::vector<NodeId>> kids(ref.idom.size());
  for (NodeId n = 1; n < ref.idom.size(); ++n) {
    if (ref.idom[n] != kNoNode) kids[ref.idom[n]].push_back(n);
  }
  for (auto& list : kids) {
    std::sort(list.begin(), list.end(), [&](NodeId a, NodeId b) {
      return ref.retained[a] != ref.retained[b] ? ref.retained[a] > ref.retained[b] : a < b;
    });
  }
  return kids;
}

// RetainedByClass and TopRetainers are checked over the tree
// ComputeDominators returned (its idom and retained columns), so they are
// tested on their own; the tree itself is checked against the reference above.

// Per class: the retained sizes of its objects that have no object of the
// same class among their strict dominators.
std::vector<uint64_t> NaiveRetainedByClass(const DominatorTree& tree, const std::vector<heap::ClassIdx>& object_class,
                                           size_t class_count) {
  std::vector<uint64_t> by_class(class_count, 0);
  for (NodeId n = 1; n < tree.idom.size(); ++n) {
    if (tree.idom[n] == kNoNode) continue;
    heap::ClassIdx c = object_class[ObjectOf(n)];
    if (c >= class_count) continue;
    bool under_same_class = false;
    for (NodeId up = tree.idom[n]; up != kSuperRoot; up = tree.idom[up]) {
      if (object_class[ObjectOf(up)] == c) under_same_class = true;
    }
    if (!under_same_class) by_class[c] += tree.retained[n];
  }
  return by_class;
}

// The objects in the dominator tree (reached, or kept), largest retained
// first, ties by object index; TopRetainers(n) is its first n entries.
std::vector<heap::ObjectIdx> NaiveRanking(const DominatorTree& tree) {
  std::vector<heap::ObjectIdx> ranked;
  for (NodeId n = 1; n < tree.idom.size(); ++n) {
    if (tree.idom[n] != kNoNode) ranked.push_back(ObjectOf(n));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](heap::ObjectIdx a, heap::ObjectIdx b) {
    return tree.retained[NodeOf(a)] > tree.retained[NodeOf(b)];
  });
  return ranked;
}

std::string Describe(const RandomHeap& h) {
  std::ostringstream s;
  s << "objects " << h.objects << ", roots {";
  for (uint32_t r : h.roots) s << ' ' << r;
  s << " }, edges {";
  for (auto [from, to] : h.edges) s << ' ' << from << "->" << to;
  s << " }, shallow {";
  for (uint64_t v : h.shallow) s << ' ' << v;
  s << " }";
  return s.str();
}

// Every column of the tree against the reference.
void CheckTree(const RandomHeap& h, bool keep_unreachable) {
  const ObjectGraph g = MakeGraph(h);
  const DominatorTree tree = ComputeDominators(g, BuildReverseGraph(g), h.shallow, DominatorOptions{keep_unreachable});
  const Reference ref = NaiveDominators(g, h.shallow, keep_unreachable);

  const std::string where = Describe(h);
  RC_ASSERT(tree.idom.size() == g.node_count);
  RC_ASSERT(tree.retained.size() == g.node_count);
  for (NodeId n = 0; n < g.node_count; ++n) {
    if (tree.idom[n] != ref.idom[n] || tree.retained[n] != ref.retained[n]) {
      RC_FAIL(where + "\nnode " + std::to_string(n) + ": idom " + std::to_string(tree.idom[n]) + " retained " +
              std::to_string(tree.retained[n]) + ", expected idom " + std::to_string(ref.idom[n]) +
              " retained " + std::to_string(ref.retained[n]));
    }
    RC_ASSERT(tree.Reachable(n) == (n == kSuperRoot || ref.idom[n] != kNoNode));
  }
  // retained[0] is the reachable heap (everything, when unreached objects are kept).
  uint64_t total = 0, reached = 0;
  for (NodeId n = 1; n < g.node_count; ++n) {
    total += h.shallow[ObjectOf(n)];
    if (ref.reachable[n]) reached += h.shallow[ObjectOf(n)];
  }
  RC_ASSERT(tree.retained[kSuperRoot] == (keep_unreachable ? total : reached));
  RC_ASSERT(tree.reachable_objects + tree.unreachable_objects == uint64_t{h.objects});
  if (!keep_unreachable) {
    RC_ASSERT(tree.reachable_objects == ref.reachable_objects);
    RC_ASSERT(tree.unreachable_objects == ref.unreachable_objects);
    RC_ASSERT(tree.unreachable_bytes == ref.unreachable_bytes);
  }

  const auto kids = NaiveChildren(ref);
  RC_ASSERT(tree.child_begin.size() == g.node_count + 1);
  for (NodeId n = 0; n < g.node_count; ++n) {
    std::span<const NodeId> got = tree.Children(n);
    if (!std::equal(got.begin(), got.end(), kids[n].begin(), kids[n].end())) {
      RC_FAIL(where + "\nchildren of node " + std::to_string(n) + " differ (count " + std::to_string(got.size()) +
              ", expected " + std::to_string(kids[n].size()) + ")");
    }
  }
}

// RapidCheck runs 100 cases unless told otherwise; these properties are
// cheap, so they run `cases` unless RC_PARAMS sets max_success itself.
template <typename Property>
void CheckMany(int cases, Property property) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  const char* env = std::getenv("RC_PARAMS");
  if (env == nullptr || std::string_view(env).find("max_success") == std::string_view::npos) {
    params.maxSuccess = cases;
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  const auto result = rc::detail::checkTestable(property, metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    FAIL() << message.str();
  }
}

TEST(DominatorTreeProperty, MatchesNaiveDominators) {
  CheckMany(kCases, [] { CheckTree(PickHeap(), /*keep_unreachable=*/false); });
}

TEST(DominatorTreeProperty, KeepUnreachableMatchesNaiveDominators) {
  CheckMany(kCases, [] { CheckTree(PickHeap(), /*keep_unreachable=*/true); });
}

TEST(DominatorTreeProperty, RetainedByClassMatchesNaiveDefinition) {
  CheckMany(kCases, [] {
    RandomHeap h = PickHeap();
    PickClasses(h);
    const bool keep_unreachable = *rc::gen::arbitrary<bool>();
    const ObjectGraph g = MakeGraph(h);
    const DominatorTree tree = ComputeDominators(g, BuildReverseGraph(g), h.shallow, DominatorOptions{keep_unreachable});
    RC_ASSERT(RetainedByClass(tree, h.object_class, h.class_count) ==
              NaiveRetainedByClass(tree, h.object_class, h.class_count));
  });
}

TEST(DominatorTreeProperty, TopRetainersIsTheRankingPrefix) {
  CheckMany(kCases, [] {
    RandomHeap h = PickHeap();
    const bool keep_unreachable = *rc::gen::arbitrary<bool>();
    const size_t n = *rc::gen::inRange<size_t>(0, size_t{h.objects} + 3);
    const ObjectGraph g = MakeGraph(h);
    const DominatorTree tree = ComputeDominators(g, BuildReverseGraph(g), h.shallow, DominatorOptions{keep_unreachable});
    std::vector<heap::ObjectIdx> expected = NaiveRanking(tree);
    if (expected.size() > n) expected.resize(n);
    RC_ASSERT(TopRetainers(tree, n) == expected);
  });
}

}  // namespace
}  // namespace heapscope::analysis
