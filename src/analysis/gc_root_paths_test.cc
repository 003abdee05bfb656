// Paths from GC roots over dumps written with the HPROF writer (the graph is
// described in path_test_dump.h; report/path_report_test.cc checks how paths
// read): a static field through an array element, a Java-frame root, a
// referent that must not be followed, K distinct paths shortest first, two
// edges to one object that are one path, an unreachable target, a root
// target, a class reached only by pseudo-edges, the edge budget on a
// factorial dead-end clique, and a 100,000-long chain that would overflow
// any recursion. Runs for both id sizes.
#include "analysis/gc_root_paths.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "analysis/object_graph.h"
#include "analysis/path_test_dump.h"
#include "analysis/test_graph.h"
#include "heap/heap_model.h"

namespace heapscope::analysis {
namespace {

using namespace path_test;  // NOLINT: the dump's ids read best unqualified

std::unique_ptr<LoadedHeap> Load(const std::string& path) {
  std::string error;
  std::unique_ptr<LoadedHeap> heap = LoadDump(path, &error);
  EXPECT_NE(heap, nullptr) << error;
  return heap;
}

class GcRootPathsTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override {
    path_ = WritePathDump(GetParam());
    ASSERT_FALSE(path_.empty());
    heap_ = Load(path_);
    ASSERT_NE(heap_, nullptr);
  }
  void TearDown() override { std::remove(path_.c_str()); }

  GcRootPaths Find(uint64_t id, size_t max_paths = 1) {
    heap::ObjectIdx o = heap_->model.Find(id);
    EXPECT_NE(o, heap::kNoObject) << std::hex << id;
    PathOptions options;
    options.max_paths = max_paths;
    auto paths = FindGcRootPaths(heap_->model, heap_->reverse, o, options);
    EXPECT_TRUE(paths.ok());
    return paths.ok() ? paths.value() : GcRootPaths{};
  }
  // The dump ids along a path, root first.
  std::vector<uint64_t> Ids(const GcRootPath& p) {
    std::vector<uint64_t> ids;
    for (const PathStep& s : p.steps) ids.push_back(heap_->model.object_id[s.object]);
    return ids;
  }

  std::string path_;
  std::unique_ptr<LoadedHeap> heap_;
};

TEST_P(GcRootPathsTest, StaticFieldThroughArrayElement) {
  GcRootPaths r = Find(kCachedSession);
  ASSERT_EQ(r.paths.size(), 1u);
  EXPECT_TRUE(r.complete);
  const GcRootPath& p = r.paths[0];
  EXPECT_EQ(Ids(p), (std::vector<uint64_t>{kCacheClass, kCacheArray, kCachedSession}));
  EXPECT_EQ(p.steps[0].via, EdgeKind::kRoot);
  EXPECT_EQ(p.steps[1].via, EdgeKind::kStatic);
  EXPECT_EQ(p.steps[2].via, EdgeKind::kField);
  EXPECT_EQ(p.steps[2].slot, 2u);
  ASSERT_EQ(p.roots.size(), 1u);
  EXPECT_EQ(p.roots[0].kind, hprof::RootKind::kStickyClass);
}

TEST_P(GcRootPathsTest, JavaFrameRoot) {
  GcRootPaths r = Find(kFrameTarget);
  ASSERT_EQ(r.paths.size(), 1u);
  EXPECT_EQ(Ids(r.paths[0]), (std::vector<uint64_t>{kFrameNode, kFrameTarget}));
  ASSERT_EQ(r.paths[0].roots.size(), 1u);
  EXPECT_EQ(r.paths[0].roots[0].kind, hprof::RootKind::kJavaFrame);
  EXPECT_EQ(r.paths[0].roots[0].thread_serial, 1u);
}

TEST_P(GcRootPathsTest, ReferentIsNotFollowed) {
  // Only a WeakReference holds it: no strong path at all.
  GcRootPaths weak_only = Find(kWeakOnly, 3);
  EXPECT_TRUE(weak_only.paths.empty());
  EXPECT_TRUE(weak_only.complete);
  // The weak path is two steps, the strong one four: only the strong one counts.
  GcRootPaths both = Find(kWeakAndStrong, 3);
  ASSERT_EQ(both.paths.size(), 1u);
  EXPECT_EQ(Ids(both.paths[0]), (std::vector<uint64_t>{kStrongHolder, kStrongNode1, kStrongNode2, kWeakAndStrong}));
  EXPECT_TRUE(both.complete);
}

TEST_P(GcRootPathsTest, DistinctPathsShortestFirst) {
  GcRootPaths twins = Find(kTwinTarget, 2);
  ASSERT_EQ(twins.paths.size(), 2u);
  EXPECT_EQ(Ids(twins.paths[0]), (std::vector<uint64_t>{kTwinHolder, kTwinNodeA, kTwinTarget}));
  EXPECT_EQ(Ids(twins.paths[1]), (std::vector<uint64_t>{kTwinHolder, kTwinNodeB, kTwinTarget}));
  // Asking for more finds no third, and says the search was complete.
  GcRootPaths more = Find(kTwinTarget, 5);
  EXPECT_EQ(more.paths.size(), 2u);
  EXPECT_TRUE(more.complete);
  // Static path (3 objects) before the JNI-global one (4 objects).
  GcRootPaths cached = Find(kCachedSession, 2);
  ASSERT_EQ(cached.paths.size(), 2u);
  EXPECT_EQ(cached.paths[0].steps.size(), 3u);
  EXPECT_EQ(Ids(cached.paths[1]), (std::vector<uint64_t>{kLongHolder, kLongNode1, kLongNode2, kCachedSession}));
  EXPECT_EQ(cached.paths[1].roots[0].kind, hprof::RootKind::kJniGlobal);
}

TEST_P(GcRootPathsTest, TwoFieldsToOneObjectAreOnePath) {
  GcRootPaths r = Find(kDoubleTarget, 3);
  ASSERT_EQ(r.paths.size(), 1u);
  EXPECT_TRUE(r.complete);
  // The first field in declaration order names the step.
  EXPECT_EQ(heap_->model.SlotName(heap_->model.Find(kDoubleHolder), r.paths[0].steps[1].slot), "a");
}

TEST_P(GcRootPathsTest, UnreachableTarget) {
  GcRootPaths r = Find(kOrphan, 2);
  EXPECT_TRUE(r.paths.empty());
  EXPECT_TRUE(r.complete);
}

TEST_P(GcRootPathsTest, RootTargetAndPseudoEdges) {
  GcRootPaths root = Find(kTwinHolder, 2);
  ASSERT_EQ(root.paths.size(), 1u);
  EXPECT_EQ(Ids(root.paths[0]), std::vector<uint64_t>{kTwinHolder});
  EXPECT_EQ(root.paths[0].roots[0].kind, hprof::RootKind::kJniGlobal);
  // Every Session points at its class only through the kClass pseudo-edge,
  // and Session is no sticky class: no path.
  EXPECT_TRUE(Find(kSessionClass).paths.empty());
}

TEST_P(GcRootPathsTest, EdgeBudgetStopsTheSearch) {
  heap::ObjectIdx o = heap_->model.Find(kCachedSession);
  PathOptions options;
  options.max_paths = 2;
  options.max_edges = 3;
  auto r = FindGcRootPaths(heap_->model, heap_->reverse, o, options);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value().complete);
  EXPECT_LT(r.value().paths.size(), 2u);
  auto bad = FindGcRootPaths(heap_->model, heap_->reverse, heap_->model.object_count(), options);
  EXPECT_FALSE(bad.ok());
}

INSTANTIATE_TEST_SUITE_P(IdSizes, GcRootPathsTest, ::testing::Values(4u, 8u));

TEST(GcRootPathsChain, HundredThousandLongWithoutRecursion) {
  constexpr uint32_t kLength = 100'000;
  std::string path = WriteChainDump(kLength);
  ASSERT_FALSE(path.empty());
  std::unique_ptr<LoadedHeap> heap = Load(path);
  std::remove(path.c_str());
  ASSERT_NE(heap, nullptr);
  heap::ObjectIdx last = heap->model.Find(kChainBase + 16 * uint64_t{kLength - 1});
  ASSERT_NE(last, heap::kNoObject);
  PathOptions options;
  options.max_paths = 2;
  auto r = FindGcRootPaths(heap->model, heap->reverse, last, options);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value().paths.size(), 1u);
  EXPECT_TRUE(r.value().complete);
  const GcRootPath& p = r.value().paths[0];
  ASSERT_EQ(p.steps.size(), kLength);
  uint64_t out_of_order = 0;
  for (uint32_t i = 0; i < kLength; ++i) {
    if (heap->model.object_id[p.steps[i].object] != kChainBase + 16 * uint64_t{i}) ++out_of_order;
  }
  EXPECT_EQ(out_of_order, 0u);
}

// Root -> x -> target, and x holds a clique of nodes that all point back
// at x: every clique node leads to the target only through x, so each
// simple path through the clique is a dead end, and there are factorially
// many. Asking for a second path must stop at the edge budget, quickly.
TEST(GcRootPathsDense, DeadEndCliqueStopsAtTheEdgeBudget) {
  constexpr NodeId kClique = 14;
  const NodeId x = 1, target = 2;
  std::vector<std::vector<NodeId>> out(3 + kClique);
  out[kSuperRoot] = {x};
  out[x].push_back(target);
  for (NodeId c = 3; c < 3 + kClique; ++c) {
    out[x].push_back(c);
    out[c].push_back(x);
    for (NodeId d = 3; d < 3 + kClique; ++d) {
      if (d != c) out[c].push_back(d);
    }
  }
  const ObjectGraph g = GraphFromAdjacency(out);
  // The same references as model objects of no known class, for the
  // forward edges paths take.
  heap::HeapModel model;
  model.object_id.resize(g.node_count - 1);
  model.object_kind.resize(g.node_count - 1, static_cast<uint8_t>(heap::ObjectKind::kInstance));
  model.object_class.resize(g.node_count - 1, heap::kNoClass);
  model.ref_begin.push_back(0);
  for (NodeId n = 1; n < g.node_count; ++n) {
    for (NodeId t : out[n]) {
      model.ref_target.push_back(ObjectOf(t));
      model.ref_slot.push_back(0);
    }
    model.ref_begin.push_back(model.ref_target.size());
  }
  model.roots.push_back({ObjectOf(x), hprof::RootKind::kJniGlobal, 0, 0});
  PathOptions options;
  options.max_paths = 2;
  options.max_edges = 1'000'000;
  auto r = FindGcRootPaths(model, BuildReverseGraph(g), ObjectOf(target), options);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value().paths.size(), 1u);
  EXPECT_EQ(r.value().paths[0].steps.size(), 2u);
  EXPECT_FALSE(r.value().complete);
  EXPECT_EQ(r.value().edges_examined, options.max_edges + 1);
}

}  // namespace
}  // namespace heapscope::analysis
