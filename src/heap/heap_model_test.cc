// Builds small dumps with the HPROF writer and checks what the heap model
// and the streaming scan make of them: object numbering, references with
// their slots, dangling ids, roots, threads, String decoding, histogram
// counts. Runs for both id sizes.
#include "heap/heap_model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hprof/test_dump.h"
#include "hprof/writer.h"

namespace heapscope::heap {
namespace {

using hprof::BasicType;
using hprof::FieldBytes;
using hprof::HprofWriter;
using hprof::WriteClassDump;

// Ids of names and classes in the synthetic dump.
enum : uint64_t {
  kNameObject = 1, kNameString, kNameNode, kNameThread, kNameValue, kNameCoder, kNameHash,
  kNameNext, kNameVal, kNameName, kNameStatus, kNameObjArray, kNameRun, kNameSig, kNameSrc,
  kObject = 0x1000, kString = 0x1010, kNode = 0x1020, kThread = 0x1030, kObjArrayClass = 0x1040,
};

void WriteDump(uint32_t id_size, const std::string& path) {
  hprof::WriterOptions opt;
  opt.id_size = id_size;
  HprofWriter w(opt);
  const std::pair<uint64_t, const char*> names[] = {
      {kNameObject, "java/lang/Object"}, {kNameString, "java/lang/String"}, {kNameNode, "com/acme/Node"},
      {kNameThread, "java/lang/Thread"}, {kNameValue, "value"}, {kNameCoder, "coder"}, {kNameHash, "hash"},
      {kNameNext, "next"}, {kNameVal, "val"}, {kNameName, "name"}, {kNameStatus, "threadStatus"},
      {kNameObjArray, "[Ljava/lang/Object;"}, {kNameRun, "run"}, {kNameSig, "()V"}, {kNameSrc, "Node.java"}};
  for (auto [id, text] : names) w.Utf8(id, text);
  hprof::LoadClasses(w, {{kObject, kNameObject}, {kString, kNameString}, {kNode, kNameNode},
                        {kThread, kNameThread}, {kObjArrayClass, kNameObjArray}});
  w.Frame({0x9001, kNameRun, kNameSig, kNameSrc, 3, 42});
  const uint64_t frames[] = {0x9001};
  w.Trace(7, 1, frames);

  WriteClassDump(w, kObject, 0, {});
  WriteClassDump(w, kString, kObject, {{kNameValue, BasicType::kObject}, {kNameCoder, BasicType::kByte},
                                      {kNameHash, BasicType::kInt}});
  // A static reference from Node's class to the head of the chain.
  WriteClassDump(w, kNode, kObject, {{kNameNext, BasicType::kObject}, {kNameVal, BasicType::kInt}},
                 {{kNameNext, BasicType::kObject, 0x2000}});
  WriteClassDump(w, kThread, kObject, {{kNameName, BasicType::kObject}, {kNameStatus, BasicType::kInt}});
  WriteClassDump(w, kObjArrayClass, kObject, {});

  // A chain of three nodes; the last points at an id that is no object.
  w.Instance(0x2000, 0, kNode, FieldBytes(id_size).Id(0x2010).U4(1).bytes());
  w.Instance(0x2010, 0, kNode, FieldBytes(id_size).Id(0x2020).U4(2).bytes());
  w.Instance(0x2020, 0, kNode, FieldBytes(id_size).Id(0xdead0).U4(3).bytes());
  // Strings: Latin-1, UTF-16 (coder 1), and a JDK 8 style char[] value.
  const uint8_t latin1[] = {'m', 'a', 'i', 'n'};
  w.PrimitiveArray(0x3000, 0, BasicType::kByte, latin1);
  w.Instance(0x3010, 0, kString, FieldBytes(id_size).Id(0x3000).U1(0).U4(0).bytes());
  const uint8_t utf16[] = {0x00, 'z', 0x00, 0xE9, 0x20, 0xAC};  // "zé€"
  w.PrimitiveArray(0x3020, 0, BasicType::kByte, utf16);
  w.Instance(0x3030, 0, kString, FieldBytes(id_size).Id(0x3020).U1(1).U4(0).bytes());
  const uint8_t chars[] = {0x00, 'o', 0x00, 'k'};
  w.PrimitiveArray(0x3040, 0, BasicType::kChar, chars);
  w.Instance(0x3050, 0, kString, FieldBytes(id_size).Id(0x3040).U1(0).U4(0).bytes());
  // An Object[] holding a node and a null.
  const uint64_t elements[] = {0, 0x2010};
  w.ObjectArray(0x4000, 0, kObjArrayClass, elements);
  // The main thread: name "main", WAITING (alive + waiting indefinitely).
  w.Instance(0x5000, 0, kThread, FieldBytes(id_size).Id(0x3010).U4(0x0001 | 0x0010 | 0x0080).bytes());
  w.Root({hprof::RootKind::kThreadObject, 0x5000, 1, 7, 0});
  w.Root({hprof::RootKind::kJavaFrame, 0x4000, 1, 0, 0});
  w.Root({hprof::RootKind::kStickyClass, kNode, 0, 0, 0});
  w.EndSegment();
  w.HeapDumpEnd();

  EXPECT_TRUE(w.WriteFile(path).ok());
}

class HeapModelTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override { WriteDump(GetParam(), path_); }
  hprof::TempDumpFile file_{"heapscope_model_test"};
  const std::string path_ = file_.path();
};

TEST_P(HeapModelTest, ObjectsReferencesAndSlots) {
  auto model = BuildHeapModel(path_, ModelOptions{});
  ASSERT_TRUE(model.ok()) << model.error().ToString();
  const HeapModel& m = model.value();
  // 5 class mirrors + 3 nodes + 3 strings + 3 arrays of chars + 1 Object[] + 1 thread.
  EXPECT_EQ(m.object_count(), 16u);
  ObjectIdx head = m.Find(0x2000), second = m.Find(0x2010), third = m.Find(0x2020);
  ASSERT_NE(head, kNoObject);
  ASSERT_NE(third, kNoObject);
  EXPECT_EQ(m.Find(0xdead0), kNoObject);
  EXPECT_EQ(m.scan.classes.name[m.object_class[head]], "com.acme.Node");
  // head -> second through field "next".
  ASSERT_EQ(m.ref_begin[head + 1] - m.ref_begin[head], 1u);
  EXPECT_EQ(m.ref_target[m.ref_begin[head]], second);
  EXPECT_EQ(m.SlotName(head, m.ref_slot[m.ref_begin[head]]), "next");
  // The third node's next is dangling: kept as kNoObject and counted.
  EXPECT_EQ(m.ref_target[m.ref_begin[third]], kNoObject);
  EXPECT_EQ(m.dangling_references, 1u);
  // Object[] keeps only its non-null element, with its index.
  ObjectIdx arr = m.Find(0x4000);
  ASSERT_EQ(m.ref_begin[arr + 1] - m.ref_begin[arr], 1u);
  EXPECT_EQ(m.ref_target[m.ref_begin[arr]], second);
  EXPECT_EQ(m.SlotName(arr, m.ref_slot[m.ref_begin[arr]]), "[1]");
  // The Node class mirror references the chain head through its static.
  ObjectIdx node_class = m.Find(kNode);
  ASSERT_NE(node_class, kNoObject);
  EXPECT_EQ(m.ref_target[m.ref_begin[node_class]], head);
  EXPECT_EQ(m.SlotName(node_class, m.ref_slot[m.ref_begin[node_class]]), "static next");
  EXPECT_EQ(m.FieldValue(third, "val"), std::optional<uint64_t>(3));
}

TEST_P(HeapModelTest, StringsInEveryEncoding) {
  auto model = BuildHeapModel(path_, ModelOptions{});
  ASSERT_TRUE(model.ok()) << model.error().ToString();
  const HeapModel& m = model.value();
  EXPECT_EQ(m.StringValue(m.Find(0x3010)), std::optional<std::string>("main"));
  EXPECT_EQ(m.StringValue(m.Find(0x3030)), std::optional<std::string>("z\xC3\xA9\xE2\x82\xAC"));
  EXPECT_EQ(m.StringValue(m.Find(0x3050)), std::optional<std::string>("ok"));
  EXPECT_EQ(m.StringValue(m.Find(0x2000)), std::nullopt);  // not a String
}

TEST_P(HeapModelTest, RootsAndThreads) {
  auto model = BuildHeapModel(path_, ModelOptions{});
  ASSERT_TRUE(model.ok()) << model.error().ToString();
  const HeapModel& m = model.value();
  EXPECT_EQ(m.roots.size(), 3u);
  ASSERT_EQ(m.threads.size(), 1u);
  const ThreadInfo& t = m.threads[0];
  EXPECT_EQ(t.name, "main");
  EXPECT_EQ(t.state, "WAITING");
  ASSERT_EQ(t.frames.size(), 1u);
  EXPECT_EQ(t.frames[0].method, "com.acme.Node.run");
  EXPECT_EQ(t.frames[0].line, 42);
  EXPECT_EQ(t.frames[0].source_file, "Node.java");
  ASSERT_EQ(t.locals.size(), 1u);
  EXPECT_EQ(t.locals[0].second, m.Find(0x4000));
}

TEST_P(HeapModelTest, ScanCountsEveryClass) {
  auto input = hprof::DumpInput::Open(path_);
  ASSERT_TRUE(input.ok());
  auto scan = ScanHeap(input.value(), ScanOptions{});
  ASSERT_TRUE(scan.ok()) << scan.error().ToString();
  const HeapScan& s = scan.value();
  auto count = [&](std::string_view name) {
    ClassIdx c = s.classes.FindByName(name);
    return c == kNoClass ? uint64_t{0} : s.per_class[c].instances;
  };
  EXPECT_EQ(count("com.acme.Node"), 3u);
  EXPECT_EQ(count("java.lang.String"), 3u);
  EXPECT_EQ(count("byte[]"), 2u);
  EXPECT_EQ(count("char[]"), 1u);
  EXPECT_EQ(count("java.lang.Object[]"), 1u);
  EXPECT_EQ(count("java.lang.Thread"), 1u);
  EXPECT_EQ(s.objects(), 11u);
  EXPECT_EQ(s.gc_roots, 3u);
  EXPECT_EQ(s.threads, 1u);
  // Arrays are sized by the layout: byte[4] and 3 elements of a UTF-16 byte[6].
  const JvmLayout& l = s.layout;
  EXPECT_EQ(s.per_class[s.classes.FindByName("byte[]")].shallow_bytes, l.ArraySize(1, 4) + l.ArraySize(1, 6));
}

INSTANTIATE_TEST_SUITE_P(IdSizes, HeapModelTest, ::testing::Values(4u, 8u));

}  // namespace
}  // namespace heapscope::heap
