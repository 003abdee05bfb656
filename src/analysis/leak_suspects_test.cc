// Leak suspects on small synthetic dumps whose answer is known by
// construction; the real-JVM programs per category are in
// tests/realjvm/check_analyze.py.
#include "analysis/leak_suspects.h"

#include <cstdio>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/dominator_tree.h"
#include "analysis/path_test_dump.h"

namespace heapscope::analysis {
namespace {

using namespace path_test;  // NOLINT: the dump's ids

constexpr uint64_t kPayloadBase = 0x200000;
constexpr uint64_t kHolderBase = 0x300000;

// Cache.entries -> Object[entries] -> byte[payload] each; `holders` JNI
// globals, each a Holder whose `a` is a byte[holder_payload].
std::string WriteDump(uint32_t entries, uint32_t payload, uint32_t holders, uint32_t holder_payload) {
  hprof::HprofWriter w;
  path_test::internal::WriteClasses(w);
  std::vector<uint64_t> elements;
  std::vector<uint8_t> bytes(payload, 7);
  for (uint32_t i = 0; i < entries; ++i) {
    elements.push_back(kPayloadBase + 0x1000 * uint64_t{i});
    w.PrimitiveArray(elements.back(), 0, hprof::BasicType::kByte, bytes);
  }
  w.ObjectArray(kCacheArray, 0, kObjectArrayClass, elements);
  std::vector<uint8_t> small(holder_payload, 1);
  for (uint32_t i = 0; i < holders; ++i) {
    const uint64_t id = kHolderBase + 0x1000 * uint64_t{i};
    w.PrimitiveArray(id + 0x800, 0, hprof::BasicType::kByte, small);
    w.Instance(id, 0, kHolderClass, hprof::FieldBytes(8).Id(id + 0x800).Id(0).U4(0).bytes());
    w.Root({hprof::RootKind::kJniGlobal, id, 0, 0, 0});
  }
  w.EndSegment();
  w.HeapDumpEnd();
  return hprof::WriteTempDump(w, "heapscope_suspects_test");
}

struct Analyzed {
  std::unique_ptr<path_test::LoadedHeap> heap;
  DominatorTree tree;
};

Analyzed Load(const std::string& path) {
  std::string error;
  Analyzed a;
  a.heap = path_test::LoadDump(path, &error);
  EXPECT_NE(a.heap, nullptr) << error;
  if (!a.heap) return a;
  auto graph = BuildObjectGraph(a.heap->model, GraphOptions{});
  EXPECT_TRUE(graph.ok());
  a.tree = ComputeDominators(std::move(graph.value()), a.heap->reverse, a.heap->model.shallow_size.span(), {});
  return a;
}

TEST(LeakSuspects, StaticArrayIsTheStaticFieldSuspect) {
  const std::string path = WriteDump(2000, 1000, 10, 500);
  ASSERT_FALSE(path.empty());
  Analyzed a = Load(path);
  std::remove(path.c_str());
  ASSERT_NE(a.heap, nullptr);
  const heap::HeapModel& m = a.heap->model;
  std::vector<LeakSuspect> s = FindLeakSuspects(m, a.heap->reverse, a.tree, SuspectOptions{});
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0].category, SuspectCategory::kStaticField);
  EXPECT_EQ(s[0].static_field, "com.acme.Cache.entries");
  EXPECT_EQ(s[0].accumulation, m.Find(kCacheArray));
  EXPECT_GT(s[0].retained_bytes, a.tree.retained[kSuperRoot] * 9 / 10);
  ASSERT_FALSE(s[0].paths.paths.empty());
  EXPECT_EQ(s[0].paths.paths[0].steps.back().object, m.Find(kCacheArray));
  // Ten holders of 0.25% each: no group reaches 10%.
  EXPECT_EQ(s.size(), 1u);
}

TEST(LeakSuspects, TopLevelObjectsOfOneClassFormAGroup) {
  // Twenty holders of 5% each: none alone is a suspect, together they are.
  const std::string path = WriteDump(0, 0, 20, 5000);
  ASSERT_FALSE(path.empty());
  Analyzed a = Load(path);
  std::remove(path.c_str());
  ASSERT_NE(a.heap, nullptr);
  std::vector<LeakSuspect> s = FindLeakSuspects(a.heap->model, a.heap->reverse, a.tree, SuspectOptions{});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].category, SuspectCategory::kClassGroup);
  EXPECT_EQ(s[0].instances, 20u);
  EXPECT_EQ(s[0].object, heap::kNoObject);
  // Above the group's share, nothing is.
  SuspectOptions high;
  high.threshold = 1.0;
  EXPECT_TRUE(FindLeakSuspects(a.heap->model, a.heap->reverse, a.tree, high).empty());
}

}  // namespace
}  // namespace heapscope::analysis
