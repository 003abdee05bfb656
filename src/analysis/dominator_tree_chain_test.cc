// A linked list a million objects long, the input that breaks any recursive
// depth-first search or tree walk: built directly as an ObjectGraph, and
// written as a real dump that goes through BuildHeapModel, BuildObjectGraph,
// ComputeDominators and RetainedByClass. The head must retain the whole chain
// to the byte. Each test takes well under a second in a release build and a
// few seconds under AddressSanitizer.
#include "analysis/dominator_tree.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/object_graph.h"
#include "analysis/test_graph.h"
#include "heap/heap_model.h"
#include "hprof/test_dump.h"
#include "hprof/writer.h"

namespace heapscope::analysis {
namespace {

constexpr uint32_t kChainLength = 1'000'000;

// Builds the graph super-root -> n_first -> ... -> n_last over `order`
// (graph nodes in chain order), plus the given extra edges.
ObjectGraph ChainGraph(const std::vector<NodeId>& order, const std::vector<std::pair<NodeId, NodeId>>& extra) {
  std::vector<std::vector<NodeId>> out(order.size() + 1);
  out[kSuperRoot].push_back(order.front());
  for (size_t i = 0; i + 1 < order.size(); ++i) out[order[i]].push_back(order[i + 1]);
  for (auto [from, to] : extra) out[from].push_back(to);
  return GraphFromAdjacency(out);
}

// Checks that each node in `order` is dominated by its predecessor and
// retains the sizes of itself and everything after it.
void ExpectChain(const DominatorTree& tree, const std::vector<NodeId>& order, const std::vector<uint64_t>& shallow) {
  uint64_t suffix = 0;
  uint64_t wrong_idom = 0, wrong_retained = 0;
  for (size_t i = order.size(); i-- > 0;) {
    suffix += shallow[ObjectOf(order[i])];
    if (tree.idom[order[i]] != (i == 0 ? kSuperRoot : order[i - 1])) ++wrong_idom;
    if (tree.retained[order[i]] != suffix) ++wrong_retained;
  }
  EXPECT_EQ(wrong_idom, 0u);
  EXPECT_EQ(wrong_retained, 0u);
  EXPECT_EQ(tree.retained[order.front()], suffix);
  EXPECT_EQ(tree.retained[kSuperRoot], suffix);
  EXPECT_EQ(tree.reachable_objects, order.size());
  EXPECT_EQ(tree.unreachable_objects, 0u);
}

std::vector<uint64_t> Sizes(size_t n) {
  // Varied, so a retained size that is off by a node shows.
  std::vector<uint64_t> shallow(n);
  for (size_t i = 0; i < n; ++i) shallow[i] = 16 + 8 * (i % 3);
  return shallow;
}

TEST(DominatorTreeChain, MillionNodesInOrder) {
  std::vector<NodeId> order(kChainLength);
  for (uint32_t i = 0; i < kChainLength; ++i) order[i] = i + 1;
  const std::vector<uint64_t> shallow = Sizes(kChainLength);
  ObjectGraph g = ChainGraph(order, {});
  DominatorTree tree = ComputeDominators(g, BuildReverseGraph(g), shallow, DominatorOptions{});
  ExpectChain(tree, order, shallow);
  // One class: the head is the only node with no node of its class above it.
  std::vector<heap::ClassIdx> one_class(kChainLength, 0);
  EXPECT_EQ(RetainedByClass(tree, one_class, 1), std::vector<uint64_t>{tree.retained[order.front()]});
  EXPECT_EQ(TopRetainers(tree, 3), (std::vector<heap::ObjectIdx>{0, 1, 2}));
}

// Numbered backwards and closed into a cycle (tail -> head): the cycle edge
// must not change a single dominator.
TEST(DominatorTreeChain, MillionNodesBackwardsWithCycle) {
  std::vector<NodeId> order(kChainLength);
  for (uint32_t i = 0; i < kChainLength; ++i) order[i] = kChainLength - i;
  const std::vector<uint64_t> shallow = Sizes(kChainLength);
  ObjectGraph g = ChainGraph(order, {{order.back(), order.front()}});
  for (bool keep_unreachable : {false, true}) {
    DominatorTree tree = ComputeDominators(g, BuildReverseGraph(g), shallow, DominatorOptions{keep_unreachable});
    ExpectChain(tree, order, shallow);
  }
}

// The same chain as a dump: class com.acme.Link { Object next; int index; }
// with kChainLength instances, the head held by a JNI global, classes held
// as sticky roots (as HotSpot writes them), so the head retains exactly the
// chain and no class mirror.
class DominatorTreeChainDump : public ::testing::Test {
 protected:
  enum : uint64_t {
    kNameObject = 1, kNameLink, kNameNext, kNameIndex,
    kObjectClass = 0x100, kLinkClass = 0x200,
    kFirstLink = 0x10000000, kSpacing = 24,  // ids as addresses 24 bytes apart
  };

  void SetUp() override {
    ASSERT_FALSE(path_.empty());
    auto writer = hprof::HprofWriter::Create(path_);
    ASSERT_TRUE(writer.ok()) << writer.error().ToString();
    hprof::HprofWriter& w = writer.value();
    w.Utf8(kNameObject, "java/lang/Object");
    w.Utf8(kNameLink, "com/acme/Link");
    w.Utf8(kNameNext, "next");
    w.Utf8(kNameIndex, "index");
    w.LoadClass({1, kObjectClass, 0, kNameObject});
    w.LoadClass({2, kLinkClass, 0, kNameLink});
    hprof::ClassDumpRecord object_class{};
    object_class.class_id = kObjectClass;
    w.ClassDump(object_class);
    const hprof::FieldDecl link_fields[] = {{kNameNext, hprof::BasicType::kObject},
                                            {kNameIndex, hprof::BasicType::kInt}};
    hprof::ClassDumpRecord link_class{};
    link_class.class_id = kLinkClass;
    link_class.super_id = kObjectClass;
    link_class.instance_size = 12;
    link_class.fields = link_fields;
    w.ClassDump(link_class);
    w.Root({hprof::RootKind::kStickyClass, kObjectClass, 0, 0, 0});
    w.Root({hprof::RootKind::kStickyClass, kLinkClass, 0, 0, 0});
    w.Root({hprof::RootKind::kJniGlobal, kFirstLink, 0, 0, 0x77});
    std::vector<uint8_t> fields;
    for (uint32_t i = 0; i < kChainLength; ++i) {
      fields.clear();
      hprof::HprofWriter::PutU8(fields, i + 1 < kChainLength ? kFirstLink + (i + 1) * kSpacing : 0);
      hprof::HprofWriter::PutU4(fields, i);
      w.Instance(kFirstLink + i * kSpacing, 0, kLinkClass, fields);
    }
    w.EndSegment();
    w.HeapDumpEnd();
    Status closed = w.Close();
    ASSERT_TRUE(closed.ok()) << closed.error().ToString();
  }
  hprof::TempDumpFile file_{"heapscope_chain_test"};
  const std::string path_ = file_.path();
};

TEST_F(DominatorTreeChainDump, HeadRetainsTheWholeChain) {
  auto model = heap::BuildHeapModel(path_, heap::ModelOptions{});
  ASSERT_TRUE(model.ok()) << model.error().ToString();
  const heap::HeapModel& m = model.value();
  ASSERT_EQ(m.object_count(), kChainLength + 2u);  // two class mirrors
  auto graph = BuildObjectGraph(m, GraphOptions{});
  ASSERT_TRUE(graph.ok()) << graph.error().ToString();
  const DominatorTree tree =
      ComputeDominators(graph.value(), BuildReverseGraph(graph.value()), m.shallow_size.span(), DominatorOptions{});

  const heap::ClassIdx link = m.scan.classes.FindByName("com.acme.Link");
  ASSERT_NE(link, heap::kNoClass);
  const uint64_t chain_bytes = m.scan.per_class[link].shallow_bytes;
  ASSERT_EQ(m.scan.per_class[link].instances, kChainLength);
  std::vector<NodeId> order(kChainLength);
  for (uint32_t i = 0; i < kChainLength; ++i) {
    heap::ObjectIdx o = m.Find(kFirstLink + i * kSpacing);
    ASSERT_NE(o, heap::kNoObject) << "link " << i;
    order[i] = NodeOf(o);
  }
  const heap::ObjectIdx head = ObjectOf(order.front());
  EXPECT_GT(m.shallow_size[head], 0u);
  EXPECT_EQ(chain_bytes, uint64_t{kChainLength} * m.shallow_size[head]);

  // Every link dominated by the one before it; the head by the super-root.
  uint64_t wrong_idom = 0;
  for (uint32_t i = 0; i < kChainLength; ++i) {
    if (tree.idom[order[i]] != (i == 0 ? kSuperRoot : order[i - 1])) ++wrong_idom;
  }
  EXPECT_EQ(wrong_idom, 0u);
  EXPECT_EQ(tree.retained[order.front()], chain_bytes);
  EXPECT_EQ(tree.retained[order[1]], chain_bytes - m.shallow_size[head]);
  EXPECT_EQ(tree.retained[order.back()], m.shallow_size[ObjectOf(order.back())]);
  EXPECT_EQ(tree.unreachable_objects, 0u);

  // Per class, the chain is counted once, at its head.
  const std::vector<uint64_t> by_class = RetainedByClass(tree, m.object_class.span(), m.scan.classes.size());
  EXPECT_EQ(by_class[link], chain_bytes);
  const std::vector<heap::ObjectIdx> top = TopRetainers(tree, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0], head);
  EXPECT_EQ(top[1], ObjectOf(order[1]));
}

}  // namespace
}  // namespace heapscope::analysis
