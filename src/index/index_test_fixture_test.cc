// The index tests' dump and comparisons (index_test_fixture.h). Named
// *_test.cc so the build puts it in the test binary, not the library.
#include "index/index_test_fixture.h"

#include <libdeflate.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "hprof/test_dump.h"
#include "hprof/writer.h"

namespace heapscope::index::testing {

namespace {

using hprof::BasicType;
using hprof::FieldBytes;
using hprof::HprofWriter;
using hprof::WriteClassDump;

enum : uint64_t {
  kNameObject = 1, kNameString, kNameNode, kNameThread, kNameValue, kNameCoder, kNameHash, kNameNext,
  kNameVal, kNameName, kNameStatus, kNameObjArray, kNameRun, kNameSig, kNameSrc, kNameReference,
  kNameWeakReference, kNameReferent, kNameQueue, kNameClass, kNameCache, kNameCacheField,
  kObject = 0x1000, kString = 0x1010, kNode = 0x1020, kThread = 0x1030, kObjArrayClass = 0x1040,
  kReference = 0x1050, kWeakReference = 0x1060, kClass = 0x1070, kCache = 0x1080,
};

void WriteBytes(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

template <typename T>
void ExpectSameColumn(const heap::Column<T>& got, const heap::Column<T>& want, const char* name) {
  ASSERT_EQ(got.size(), want.size()) << name;
  EXPECT_TRUE(std::equal(got.span().begin(), got.span().end(), want.span().begin())) << name;
}

}  // namespace

void WriteTestDump(const std::string& path, const TestDump& dump) {
  const uint32_t id = dump.id_size;
  hprof::WriterOptions opt;
  opt.id_size = id;
  HprofWriter w(opt);
  const std::pair<uint64_t, const char*> names[] = {
      {kNameObject, "java/lang/Object"}, {kNameString, "java/lang/String"}, {kNameNode, "com/acme/Node"},
      {kNameThread, "java/lang/Thread"}, {kNameValue, "value"}, {kNameCoder, "coder"}, {kNameHash, "hash"},
      {kNameNext, "next"}, {kNameVal, "val"}, {kNameName, "name"}, {kNameStatus, "threadStatus"},
      {kNameObjArray, "[Ljava/lang/Object;"}, {kNameRun, "run"}, {kNameSig, "()V"}, {kNameSrc, "Node.java"},
      {kNameReference, "java/lang/ref/Reference"}, {kNameWeakReference, "java/lang/ref/WeakReference"},
      {kNameReferent, "referent"}, {kNameQueue, "queue"}, {kNameClass, "java/lang/Class"},
      {kNameCache, "com/acme/Cache"}, {kNameCacheField, "cache"}};
  for (auto [name_id, text] : names) w.Utf8(name_id, text);
  hprof::LoadClasses(w, {{kObject, kNameObject}, {kString, kNameString}, {kNode, kNameNode},
                        {kThread, kNameThread}, {kObjArrayClass, kNameObjArray}, {kReference, kNameReference},
                        {kWeakReference, kNameWeakReference}, {kClass, kNameClass}, {kCache, kNameCache}});
  w.Frame({0x9001, kNameRun, kNameSig, kNameSrc, 3, 42});
  const uint64_t frames[] = {0x9001};
  w.Trace(7, 1, frames);

  WriteClassDump(w, kObject, 0, {});
  WriteClassDump(w, kClass, kObject, {});
  WriteClassDump(w, kString, kObject,
                 {{kNameValue, BasicType::kObject}, {kNameCoder, BasicType::kByte}, {kNameHash, BasicType::kInt}});
  WriteClassDump(w, kNode, kObject, {{kNameNext, BasicType::kObject}, {kNameVal, BasicType::kInt}},
                 {{kNameNext, BasicType::kObject, kChainHead}});
  WriteClassDump(w, kThread, kObject, {{kNameName, BasicType::kObject}, {kNameStatus, BasicType::kInt}});
  WriteClassDump(w, kObjArrayClass, kObject, {});
  WriteClassDump(w, kReference, kObject, {{kNameReferent, BasicType::kObject}, {kNameQueue, BasicType::kObject}});
  WriteClassDump(w, kWeakReference, kReference, {});
  WriteClassDump(w, kCache, kObject, {}, {{kNameCacheField, BasicType::kObject, kWeakRef}});

  // A chain of nodes; the last points at an id that is no object.
  constexpr int kChain = 40;
  for (int i = 0; i < kChain; ++i) {
    uint64_t next = i + 1 < kChain ? kChainHead + 0x10 * (i + 1) : 0xdead0;
    w.Instance(kChainHead + 0x10 * i, 0, kNode, FieldBytes(id).Id(next).U4(i).bytes());
  }
  const uint8_t latin1[] = {'m', 'a', 'i', 'n'};
  w.PrimitiveArray(0x3000, 0, BasicType::kByte, latin1);
  w.Instance(kThreadName, 0, kString, FieldBytes(id).Id(0x3000).U1(0).U4(0).bytes());
  const uint8_t utf16[] = {0x00, 'z', 0x00, 0xE9, 0x20, 0xAC};
  w.PrimitiveArray(0x3020, 0, BasicType::kByte, utf16);
  w.Instance(0x3030, 0, kString, FieldBytes(id).Id(0x3020).U1(1).U4(0).bytes());
  const uint64_t elements[] = {0, kChainHead + 0x10, 0x3030};
  w.ObjectArray(0x4000, 0, kObjArrayClass, elements);
  w.Instance(0x5000, 0, kThread, FieldBytes(id).Id(kThreadName).U4(0x0001 | 0x0010 | 0x0080).bytes());
  // WeakReference: its own fields (none), then Reference's: referent, queue.
  w.Instance(kWeakRef, 0, kWeakReference, FieldBytes(id).Id(kWeaklyHeld).Id(0).bytes());
  w.Instance(kWeaklyHeld, 0, kNode, FieldBytes(id).Id(0).U4(99).bytes());
  w.Instance(kUnreachable, 0, kNode, FieldBytes(id).Id(kChainHead).U4(7).bytes());
  w.Root({hprof::RootKind::kThreadObject, 0x5000, 1, 7, 0});
  w.Root({hprof::RootKind::kJavaFrame, 0x4000, 1, 0, 0});
  w.Root({hprof::RootKind::kStickyClass, kNode, 0, 0, 0});
  w.Root({hprof::RootKind::kStickyClass, kCache, 0, 0, 0});
  w.Root({hprof::RootKind::kJniGlobal, 0x3030, 0, 0, 0x77});
  w.EndSegment();
  w.HeapDumpEnd();
  std::vector<uint8_t> bytes = w.Finish();
  // Cut inside the last heap segment's last sub-record.
  if (dump.truncated) bytes.resize(bytes.size() - 9 - 20);
  if (dump.gzip) {
    libdeflate_compressor* c = libdeflate_alloc_compressor(6);
    std::vector<uint8_t> gz(libdeflate_gzip_compress_bound(c, bytes.size()));
    gz.resize(libdeflate_gzip_compress(c, bytes.data(), bytes.size(), gz.data(), gz.size()));
    libdeflate_free_compressor(c);
    bytes.swap(gz);
  }
  WriteBytes(path, bytes);
}

void ExpectSameHeap(const AnalyzedHeap& got, const AnalyzedHeap& want) {
  const heap::HeapModel& g = got.model;
  const heap::HeapModel& w = want.model;
  ExpectSameColumn(g.object_id, w.object_id, "object_id");
  ExpectSameColumn(g.object_class, w.object_class, "object_class");
  ExpectSameColumn(g.shallow_size, w.shallow_size, "shallow_size");
  ExpectSameColumn(g.object_kind, w.object_kind, "object_kind");
  ExpectSameColumn(g.data_offset, w.data_offset, "data_offset");
  ExpectSameColumn(g.array_length, w.array_length, "array_length");
  ExpectSameColumn(g.ref_begin, w.ref_begin, "ref_begin");
  ExpectSameColumn(g.ref_target, w.ref_target, "ref_target");
  ExpectSameColumn(g.ref_slot, w.ref_slot, "ref_slot");
  ExpectSameColumn(g.data_length, w.data_length, "data_length");
  ExpectSameColumn(g.id_index.sorted_objects, w.id_index.sorted_objects, "sorted_objects");
  ExpectSameColumn(g.id_index.bucket_begin, w.id_index.bucket_begin, "bucket_begin");
  EXPECT_EQ(g.id_index.base, w.id_index.base);
  EXPECT_EQ(g.id_index.shift, w.id_index.shift);
  EXPECT_EQ(g.dangling_references, w.dangling_references);
  EXPECT_EQ(g.arena, w.arena);
  ASSERT_TRUE(g.input && w.input);
  EXPECT_EQ(g.input->encoding, w.input->encoding);

  const heap::HeapScan& gs = g.scan;
  const heap::HeapScan& ws = w.scan;
  EXPECT_EQ(gs.read.header.format, ws.read.header.format);
  EXPECT_EQ(gs.read.header.id_size, ws.read.header.id_size);
  EXPECT_EQ(gs.read.header.timestamp_ms, ws.read.header.timestamp_ms);
  EXPECT_EQ(gs.read.header.size, ws.read.header.size);
  for (const hprof::ReadStatInfo& info : hprof::kReadStatInfo) {
    EXPECT_EQ(gs.read.stats.*info.counter, ws.read.stats.*info.counter) << info.name;
  }
  EXPECT_EQ(gs.read.records, ws.read.records);
  EXPECT_EQ(gs.read.heap_dump_bodies, ws.read.heap_dump_bodies);
  EXPECT_EQ(gs.read.decoded_bytes, ws.read.decoded_bytes);
  EXPECT_EQ(gs.read.truncated, ws.read.truncated);
  EXPECT_EQ(gs.read.truncation, ws.read.truncation);
  EXPECT_EQ(gs.encoding, ws.encoding);
  EXPECT_EQ(gs.file_size, ws.file_size);
  const heap::ClassTable& gt = gs.classes;
  const heap::ClassTable& wt = ws.classes;
  EXPECT_EQ(gt.class_id, wt.class_id);
  EXPECT_EQ(gt.name, wt.name);
  EXPECT_EQ(gt.super, wt.super);
  EXPECT_EQ(gt.loader_id, wt.loader_id);
  EXPECT_EQ(gt.dump_instance_size, wt.dump_instance_size);
  EXPECT_EQ(gt.field_begin, wt.field_begin);
  ASSERT_EQ(gt.fields.size(), wt.fields.size());
  for (size_t f = 0; f < gt.fields.size(); ++f) {
    EXPECT_EQ(gt.fields[f].name_id, wt.fields[f].name_id);
    EXPECT_EQ(gt.fields[f].type, wt.fields[f].type);
  }
  EXPECT_EQ(gt.static_begin, wt.static_begin);
  ASSERT_EQ(gt.statics.size(), wt.statics.size());
  for (size_t f = 0; f < gt.statics.size(); ++f) {
    EXPECT_EQ(gt.statics[f].name_id, wt.statics[f].name_id);
    EXPECT_EQ(gt.statics[f].type, wt.statics[f].type);
    EXPECT_EQ(gt.statics[f].value, wt.statics[f].value);
  }
  EXPECT_EQ(gt.instance_size, wt.instance_size);
  EXPECT_EQ(gt.mirror_size, wt.mirror_size);
  EXPECT_EQ(gt.array_elem, wt.array_elem);
  EXPECT_EQ(gt.array_dims, wt.array_dims);
  EXPECT_EQ(gt.by_id, wt.by_id);
  EXPECT_TRUE(std::equal(std::begin(gt.primitive_array), std::end(gt.primitive_array), std::begin(wt.primitive_array)));
  EXPECT_EQ(gt.java_lang_class, wt.java_lang_class);
  EXPECT_EQ(gt.java_lang_string, wt.java_lang_string);
  EXPECT_EQ(gs.names, ws.names);
  EXPECT_EQ(gs.class_by_serial, ws.class_by_serial);
  EXPECT_EQ(gs.layout.name, ws.layout.name);
  EXPECT_EQ(gs.layout.header_bytes, ws.layout.header_bytes);
  EXPECT_EQ(gs.layout.array_length_offset, ws.layout.array_length_offset);
  EXPECT_EQ(gs.layout.ref_size, ws.layout.ref_size);
  EXPECT_EQ(gs.layout.word_aligned_array_base, ws.layout.word_aligned_array_base);
  EXPECT_EQ(gs.layout.compact_headers, ws.layout.compact_headers);
  EXPECT_EQ(gs.layout.alignment, ws.layout.alignment);
  EXPECT_EQ(gs.layout_reasoning, ws.layout_reasoning);
  ASSERT_EQ(gs.per_class.size(), ws.per_class.size());
  for (size_t c = 0; c < gs.per_class.size(); ++c) {
    EXPECT_EQ(gs.per_class[c].instances, ws.per_class[c].instances);
    EXPECT_EQ(gs.per_class[c].shallow_bytes, ws.per_class[c].shallow_bytes);
  }
  EXPECT_EQ(gs.objects(), ws.objects());
  EXPECT_EQ(gs.instances, ws.instances);
  EXPECT_EQ(gs.class_mirrors, ws.class_mirrors);
  EXPECT_EQ(gs.shallow_bytes, ws.shallow_bytes);
  EXPECT_EQ(gs.roots_by_kind, ws.roots_by_kind);
  EXPECT_EQ(gs.gc_roots, ws.gc_roots);
  EXPECT_EQ(gs.threads, ws.threads);
  EXPECT_EQ(gs.instances_of_unknown_class, ws.instances_of_unknown_class);
  EXPECT_EQ(gs.sizes_from_spacing, ws.sizes_from_spacing);
  EXPECT_EQ(gs.sizes_from_model, ws.sizes_from_model);
  ASSERT_EQ(gs.excluded.size(), ws.excluded.size());
  for (size_t e = 0; e < gs.excluded.size(); ++e) {
    EXPECT_EQ(gs.excluded[e].name, ws.excluded[e].name);
    EXPECT_EQ(gs.excluded[e].reason, ws.excluded[e].reason);
  }

  ASSERT_EQ(g.roots.size(), w.roots.size());
  for (size_t r = 0; r < g.roots.size(); ++r) {
    EXPECT_EQ(g.roots[r].object, w.roots[r].object);
    EXPECT_EQ(g.roots[r].kind, w.roots[r].kind);
    EXPECT_EQ(g.roots[r].thread_serial, w.roots[r].thread_serial);
    EXPECT_EQ(g.roots[r].frame, w.roots[r].frame);
  }
  ASSERT_EQ(g.threads.size(), w.threads.size());
  for (size_t t = 0; t < g.threads.size(); ++t) {
    const heap::ThreadInfo& a = g.threads[t];
    const heap::ThreadInfo& b = w.threads[t];
    EXPECT_EQ(a.object, b.object);
    EXPECT_EQ(a.serial, b.serial);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.daemon, b.daemon);
    EXPECT_EQ(a.locals, b.locals);
    ASSERT_EQ(a.frames.size(), b.frames.size());
    for (size_t f = 0; f < a.frames.size(); ++f) {
      EXPECT_EQ(a.frames[f].method, b.frames[f].method);
      EXPECT_EQ(a.frames[f].signature, b.frames[f].signature);
      EXPECT_EQ(a.frames[f].source_file, b.frames[f].source_file);
      EXPECT_EQ(a.frames[f].line, b.frames[f].line);
    }
  }

  ExpectSameColumn(got.reverse.in_begin, want.reverse.in_begin, "in_begin");
  ExpectSameColumn(got.reverse.in_source, want.reverse.in_source, "in_source");
  ExpectSameColumn(got.reverse.in_kind, want.reverse.in_kind, "in_kind");
  ExpectSameColumn(got.dominators.idom, want.dominators.idom, "idom");
  ExpectSameColumn(got.dominators.retained, want.dominators.retained, "retained");
  ExpectSameColumn(got.dominators.child_begin, want.dominators.child_begin, "child_begin");
  ExpectSameColumn(got.dominators.child, want.dominators.child, "child");
  ExpectSameColumn(got.retained_by_class, want.retained_by_class, "retained_by_class");
  EXPECT_EQ(got.dominators.reachable_objects, want.dominators.reachable_objects);
  EXPECT_EQ(got.dominators.unreachable_objects, want.dominators.unreachable_objects);
  EXPECT_EQ(got.dominators.unreachable_bytes, want.dominators.unreachable_bytes);
}

void IndexTest::SetUp() {
  char tmpl[] = "/tmp/heapscope_index_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  dump_ = dir_ + "/app.hprof";
  WriteTestDump(dump_, {});
}

void IndexTest::TearDown() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

IndexOptions IndexTest::Options() {
  IndexOptions o;
  o.note = [this](const std::string& text) { notes_.push_back(text); };
  return o;
}

std::shared_ptr<const AnalyzedHeap> IndexTest::Open(const IndexOptions& options) {
  auto heap = OpenOrBuild(dump_, options);
  EXPECT_TRUE(heap.ok()) << heap.error().ToString();
  return heap.ok() ? heap.value() : nullptr;
}

std::shared_ptr<const AnalyzedHeap> IndexTest::Fresh(IndexOptions options) {
  options.rebuild = true;
  options.write = false;
  options.note = nullptr;
  return Open(options);
}

bool IndexTest::NoteContains(const std::string& text) const {
  return std::any_of(notes_.begin(), notes_.end(),
                     [&](const std::string& note) { return note.find(text) != std::string::npos; });
}

}  // namespace heapscope::index::testing
