// analysis/path_test_dump.h - (tests only) small dumps with known reference
// paths, written with hprof::HprofWriter, shared by the path tests and the
// end-to-end checks of the `paths` and `object` commands.
//
// Each Write* function writes a temporary file and returns its path (empty
// on failure); the caller removes it. LoadDump reads one back with its
// graphs. The ids below are the dump's object ids.
#ifndef HEAPSCOPE_ANALYSIS_PATH_TEST_DUMP_H_
#define HEAPSCOPE_ANALYSIS_PATH_TEST_DUMP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/object_graph.h"
#include "heap/heap_model.h"
#include "hprof/test_dump.h"
#include "hprof/writer.h"

namespace heapscope::analysis::path_test {

enum : uint64_t {
  // Classes.
  kObjectClass = 0x100, kStringClass = 0x110, kThreadClass = 0x120, kReferenceClass = 0x130,
  kWeakReferenceClass = 0x140, kCacheClass = 0x150, kHolderClass = 0x160, kNodeClass = 0x170,
  kSessionClass = 0x180, kObjectArrayClass = 0x190,
  // Thread "main" and its name.
  kMainThread = 0x5000, kMainName = 0x5010, kMainNameBytes = 0x5020,
  // Static path: Cache.entries -> Object[] [2] -> session; and a longer one
  // from a JNI global: holder.a -> node.next -> node.next -> session.
  kCacheArray = 0x3000, kCachedSession = 0x3100, kLongHolder = 0x3200, kLongNode1 = 0x3210,
  kLongNode2 = 0x3220,
  // Java-frame root (thread main) on a node whose next is the target.
  kFrameNode = 0x6000, kFrameTarget = 0x6010,
  // Held only by a WeakReference's referent: no strong path.
  kWeakRef = 0x7000, kWeakOnly = 0x7100,
  // Held by a WeakReference (2 steps) and by a strong chain of 4 steps.
  kWeakRef2 = 0x7200, kWeakAndStrong = 0x7300, kStrongHolder = 0x7400, kStrongNode1 = 0x7410,
  kStrongNode2 = 0x7420,
  // Two paths of equal length: holder.a -> node.next and holder.b -> node.next.
  kTwinHolder = 0x8000, kTwinNodeA = 0x8100, kTwinNodeB = 0x8200, kTwinTarget = 0x8300,
  // One holder whose two fields hold the same object: one path, not two.
  kDoubleHolder = 0x8400, kDoubleTarget = 0x8500,
  // Referenced by nothing.
  kOrphan = 0x9000,
  // WriteChainDump: node ids kChainBase, kChainBase + 0x10, ...
  kChainBase = 0x100000,
};

namespace internal {

enum : uint64_t {
  kNObject = 1, kNString, kNThread, kNReference, kNWeakReference, kNCache, kNHolder, kNNode, kNSession,
  kNObjectArray, kNValue, kNCoder, kNHash, kNName, kNReferent, kNQueue, kNEntries, kNCount, kNA, kNB,
  kNSize, kNNext, kNVal, kNId,
};

// Names and classes every path dump has.
inline void WriteClasses(hprof::HprofWriter& w) {
  using hprof::BasicType;
  using hprof::WriteClassDump;
  const std::pair<uint64_t, const char*> names[] = {
      {kNObject, "java/lang/Object"}, {kNString, "java/lang/String"}, {kNThread, "java/lang/Thread"},
      {kNReference, "java/lang/ref/Reference"}, {kNWeakReference, "java/lang/ref/WeakReference"},
      {kNCache, "com/acme/Cache"}, {kNHolder, "com/acme/Holder"}, {kNNode, "com/acme/Node"},
      {kNSession, "com/acme/Session"}, {kNObjectArray, "[Ljava/lang/Object;"}, {kNValue, "value"},
      {kNCoder, "coder"}, {kNHash, "hash"}, {kNName, "name"}, {kNReferent, "referent"}, {kNQueue, "queue"},
      {kNEntries, "entries"}, {kNCount, "count"}, {kNA, "a"}, {kNB, "b"}, {kNSize, "size"}, {kNNext, "next"},
      {kNVal, "val"}, {kNId, "id"}};
  for (auto [id, text] : names) w.Utf8(id, text);
  hprof::LoadClasses(w, {{kObjectClass, kNObject}, {kStringClass, kNString}, {kThreadClass, kNThread},
                        {kReferenceClass, kNReference}, {kWeakReferenceClass, kNWeakReference},
                        {kCacheClass, kNCache}, {kHolderClass, kNHolder}, {kNodeClass, kNNode},
                        {kSessionClass, kNSession}, {kObjectArrayClass, kNObjectArray}});

  WriteClassDump(w, kObjectClass, 0, {});
  WriteClassDump(w, kStringClass, kObjectClass,
                 {{kNValue, BasicType::kObject}, {kNCoder, BasicType::kByte}, {kNHash, BasicType::kInt}});
  WriteClassDump(w, kThreadClass, kObjectClass, {{kNName, BasicType::kObject}});
  WriteClassDump(w, kReferenceClass, kObjectClass,
                 {{kNReferent, BasicType::kObject}, {kNQueue, BasicType::kObject}});
  WriteClassDump(w, kWeakReferenceClass, kReferenceClass, {});
  WriteClassDump(w, kCacheClass, kObjectClass, {},
                 {{kNEntries, BasicType::kObject, kCacheArray}, {kNCount, BasicType::kInt, 7}});
  WriteClassDump(w, kHolderClass, kObjectClass,
                 {{kNA, BasicType::kObject}, {kNB, BasicType::kObject}, {kNSize, BasicType::kInt}});
  WriteClassDump(w, kNodeClass, kObjectClass, {{kNNext, BasicType::kObject}, {kNVal, BasicType::kLong}});
  WriteClassDump(w, kSessionClass, kObjectClass, {{kNId, BasicType::kInt}});
  WriteClassDump(w, kObjectArrayClass, kObjectClass, {});
  // The JVM's own classes and Cache are sticky: Cache's statics are a root path.
  for (uint64_t c : {kObjectClass, kStringClass, kThreadClass, kReferenceClass, kWeakReferenceClass, kCacheClass}) {
    w.Root({hprof::RootKind::kStickyClass, c, 0, 0, 0});
  }
}

}  // namespace internal

// The graph described by the enum above, with ids of `id_size` bytes.
inline std::string WritePathDump(uint32_t id_size) {
  using hprof::FieldBytes;
  hprof::WriterOptions opt;
  opt.id_size = id_size;
  hprof::HprofWriter w(opt);
  internal::WriteClasses(w);
  auto holder = [&](uint64_t id, uint64_t a, uint64_t b) {
    w.Instance(id, 0, kHolderClass, FieldBytes(id_size).Id(a).Id(b).U4(2).bytes());
  };
  auto node = [&](uint64_t id, uint64_t next, uint64_t val) {
    w.Instance(id, 0, kNodeClass, FieldBytes(id_size).Id(next).U8(val).bytes());
  };
  auto session = [&](uint64_t id, uint32_t n) { w.Instance(id, 0, kSessionClass, FieldBytes(id_size).U4(n).bytes()); };
  auto weak = [&](uint64_t id, uint64_t referent) {
    w.Instance(id, 0, kWeakReferenceClass, FieldBytes(id_size).Id(referent).Id(0).bytes());
  };
  auto global = [&](uint64_t id) { w.Root({hprof::RootKind::kJniGlobal, id, 0, 0, 0}); };

  const uint8_t main_bytes[] = {'m', 'a', 'i', 'n'};
  w.PrimitiveArray(kMainNameBytes, 0, hprof::BasicType::kByte, main_bytes);
  w.Instance(kMainName, 0, kStringClass, FieldBytes(id_size).Id(kMainNameBytes).U1(0).U4(0).bytes());
  w.Instance(kMainThread, 0, kThreadClass, FieldBytes(id_size).Id(kMainName).bytes());
  w.Root({hprof::RootKind::kThreadObject, kMainThread, 1, 0, 0});

  const uint64_t entries[] = {0, 0, kCachedSession};
  w.ObjectArray(kCacheArray, 0, kObjectArrayClass, entries);
  session(kCachedSession, 1);
  holder(kLongHolder, kLongNode1, 0);
  node(kLongNode1, kLongNode2, 11);
  node(kLongNode2, kCachedSession, 12);
  global(kLongHolder);

  node(kFrameNode, kFrameTarget, 21);
  node(kFrameTarget, 0, 22);
  w.Root({hprof::RootKind::kJavaFrame, kFrameNode, 1, 0, 0});

  weak(kWeakRef, kWeakOnly);
  session(kWeakOnly, 2);
  global(kWeakRef);
  weak(kWeakRef2, kWeakAndStrong);
  session(kWeakAndStrong, 3);
  holder(kStrongHolder, kStrongNode1, 0);
  node(kStrongNode1, kStrongNode2, 31);
  node(kStrongNode2, kWeakAndStrong, 32);
  global(kWeakRef2);
  global(kStrongHolder);

  holder(kTwinHolder, kTwinNodeA, kTwinNodeB);
  node(kTwinNodeA, kTwinTarget, 41);
  node(kTwinNodeB, kTwinTarget, 42);
  session(kTwinTarget, 4);
  global(kTwinHolder);
  holder(kDoubleHolder, kDoubleTarget, kDoubleTarget);
  session(kDoubleTarget, 5);
  global(kDoubleHolder);

  session(kOrphan, 6);
  w.EndSegment();
  w.HeapDumpEnd();
  return hprof::WriteTempDump(w, "heapscope_paths_test");
}

// A JNI-global root on the first of `length` nodes, each the next of the
// one before: node i has id kChainBase + 16 * i.
inline std::string WriteChainDump(uint32_t length) {
  hprof::HprofWriter w;
  internal::WriteClasses(w);
  for (uint32_t i = 0; i < length; ++i) {
    uint64_t next = i + 1 < length ? kChainBase + 16 * (uint64_t{i} + 1) : 0;
    w.Instance(kChainBase + 16 * uint64_t{i}, 0, kNodeClass, hprof::FieldBytes(8).Id(next).U8(i).bytes());
  }
  w.Root({hprof::RootKind::kJniGlobal, kChainBase, 0, 0, 0});
  w.EndSegment();
  w.HeapDumpEnd();
  return hprof::WriteTempDump(w, "heapscope_paths_test");
}

// A dump read back as the path search needs it.
struct LoadedHeap {
  heap::HeapModel model;
  ReverseGraph reverse;
};

// Null when the dump does not load; `error` then says why.
inline std::unique_ptr<LoadedHeap> LoadDump(const std::string& path, std::string* error) {
  auto model = heap::BuildHeapModel(path, heap::ModelOptions{});
  if (!model.ok()) {
    *error = model.error().ToString();
    return nullptr;
  }
  auto loaded = std::make_unique<LoadedHeap>();
  loaded->model = std::move(model.value());
  auto graph = BuildObjectGraph(loaded->model, GraphOptions{});
  if (!graph.ok()) {
    *error = graph.error().ToString();
    return nullptr;
  }
  loaded->reverse = BuildReverseGraph(graph.value());
  return loaded;
}

}  // namespace heapscope::analysis::path_test

#endif  // HEAPSCOPE_ANALYSIS_PATH_TEST_DUMP_H_
