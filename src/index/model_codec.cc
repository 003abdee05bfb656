#include "index/model_codec.h"

#include <algorithm>
#include <string>
#include <utility>

#include "index/blob_codec.h"

namespace heapscope::index {

namespace {

using heap::ClassIdx;
using heap::ClassTable;
using heap::HeapScan;

// If one of these fires, a field was added to (or removed from) the struct:
// encode and decode it below, then update the size. See the header.
static_assert(sizeof(hprof::FileHeader) == 56);
static_assert(sizeof(hprof::ReadStats) == 40);
static_assert(sizeof(hprof::ReadSummary) == 160);
static_assert(sizeof(heap::JvmLayout) == 56);
static_assert(sizeof(ClassTable) == 408);
static_assert(sizeof(HeapScan) == 1008);
static_assert(sizeof(heap::ObjectIndex) == 128);
static_assert(sizeof(heap::RootEntry) == 24);
static_assert(sizeof(heap::StackFrame) == 104);
static_assert(sizeof(heap::ThreadInfo) == 136);
static_assert(sizeof(heap::HeapModel) == 1792);

template <typename T>
void PutInts(BlobWriter& w, const std::vector<T>& v) {
  w.U64(v.size());
  for (T x : v) {
    if constexpr (sizeof(T) == 1) w.U8(static_cast<uint8_t>(x));
    else if constexpr (sizeof(T) == 4) w.U32(static_cast<uint32_t>(x));
    else w.U64(static_cast<uint64_t>(x));
  }
}

template <typename T>
void GetInts(BlobReader& r, std::vector<T>* v) {
  uint64_t n = r.Count(sizeof(T));
  v->resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    if constexpr (sizeof(T) == 1) (*v)[i] = static_cast<T>(r.U8());
    else if constexpr (sizeof(T) == 4) (*v)[i] = static_cast<T>(r.U32());
    else (*v)[i] = static_cast<T>(r.U64());
  }
}

// Maps are written sorted by key, so the same model always gives the same
// bytes (and checksums), whatever the hash map's iteration order.
template <typename K, typename V>
std::vector<std::pair<K, V>> Sorted(const absl::flat_hash_map<K, V>& map) {
  std::vector<std::pair<K, V>> items(map.begin(), map.end());
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return items;
}

void PutReadSummary(BlobWriter& w, const hprof::ReadSummary& s) {
  w.Str(s.header.format);
  w.U32(s.header.id_size);
  w.U64(s.header.timestamp_ms);
  w.U64(s.header.size);
  w.U64(std::size(hprof::kReadStatInfo));
  for (const hprof::ReadStatInfo& info : hprof::kReadStatInfo) w.U64(s.stats.*info.counter);
  w.U64(s.records);
  w.U64(s.heap_dump_bodies);
  w.U64(s.decoded_bytes);
  w.Bool(s.truncated);
  w.Str(s.truncation);
}

void GetReadSummary(BlobReader& r, hprof::ReadSummary* s) {
  s->header.format = r.Str();
  s->header.id_size = r.U32();
  s->header.timestamp_ms = r.U64();
  s->header.size = r.U64();
  if (r.U64() != std::size(hprof::kReadStatInfo)) {
    r.Count(~uint64_t{0});  // a different counter list: fail the reader
    return;
  }
  for (const hprof::ReadStatInfo& info : hprof::kReadStatInfo) s->stats.*info.counter = r.U64();
  s->records = r.U64();
  s->heap_dump_bodies = r.U64();
  s->decoded_bytes = r.U64();
  s->truncated = r.Bool();
  s->truncation = r.Str();
}

void PutClassTable(BlobWriter& w, const ClassTable& t) {
  PutInts(w, t.class_id);
  w.U64(t.name.size());
  for (const std::string& n : t.name) w.Str(n);
  PutInts(w, t.super);
  PutInts(w, t.loader_id);
  PutInts(w, t.dump_instance_size);
  PutInts(w, t.field_begin);
  w.U64(t.fields.size());
  for (const heap::FieldInfo& f : t.fields) {
    w.U64(f.name_id);
    w.U8(static_cast<uint8_t>(f.type));
  }
  PutInts(w, t.static_begin);
  w.U64(t.statics.size());
  for (const hprof::StaticField& f : t.statics) {
    w.U64(f.name_id);
    w.U8(static_cast<uint8_t>(f.type));
    w.U64(f.value);
  }
  PutInts(w, t.instance_size);
  PutInts(w, t.mirror_size);
  PutInts(w, t.array_elem);
  PutInts(w, t.array_dims);
  auto by_id = Sorted(t.by_id);
  w.U64(by_id.size());
  for (auto [id, c] : by_id) {
    w.U64(id);
    w.U32(c);
  }
  for (ClassIdx c : t.primitive_array) w.U32(c);
  w.U32(t.java_lang_class);
  w.U32(t.java_lang_string);
}

void GetClassTable(BlobReader& r, ClassTable* t) {
  GetInts(r, &t->class_id);
  t->name.resize(r.Count(8));
  for (std::string& n : t->name) n = r.Str();
  GetInts(r, &t->super);
  GetInts(r, &t->loader_id);
  GetInts(r, &t->dump_instance_size);
  GetInts(r, &t->field_begin);
  t->fields.resize(r.Count(9));
  for (heap::FieldInfo& f : t->fields) {
    f.name_id = r.U64();
    f.type = static_cast<hprof::BasicType>(r.U8());
  }
  GetInts(r, &t->static_begin);
  t->statics.resize(r.Count(17));
  for (hprof::StaticField& f : t->statics) {
    f.name_id = r.U64();
    f.type = static_cast<hprof::BasicType>(r.U8());
    f.value = r.U64();
  }
  GetInts(r, &t->instance_size);
  GetInts(r, &t->mirror_size);
  GetInts(r, &t->array_elem);
  GetInts(r, &t->array_dims);
  uint64_t n = r.Count(12);
  t->by_id.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t id = r.U64();
    t->by_id[id] = r.U32();
  }
  for (ClassIdx& c : t->primitive_array) c = r.U32();
  t->java_lang_class = r.U32();
  t->java_lang_string = r.U32();
}

void PutLayout(BlobWriter& w, const heap::JvmLayout& l) {
  w.Str(l.name);
  w.U32(l.header_bytes);
  w.U32(l.array_length_offset);
  w.U32(l.ref_size);
  w.Bool(l.word_aligned_array_base);
  w.Bool(l.compact_headers);
  w.U32(l.alignment);
}

void GetLayout(BlobReader& r, heap::JvmLayout* l) {
  l->name = r.Str();
  l->header_bytes = r.U32();
  l->array_length_offset = r.U32();
  l->ref_size = r.U32();
  l->word_aligned_array_base = r.Bool();
  l->compact_headers = r.Bool();
  l->alignment = r.U32();
}

void PutScan(BlobWriter& w, const HeapScan& s) {
  PutReadSummary(w, s.read);
  w.U8(static_cast<uint8_t>(s.encoding));
  w.U64(s.file_size);
  PutClassTable(w, s.classes);
  auto names = Sorted(s.names);
  w.U64(names.size());
  for (const auto& [id, text] : names) {
    w.U64(id);
    w.Str(text);
  }
  auto by_serial = Sorted(s.class_by_serial);
  w.U64(by_serial.size());
  for (auto [serial, id] : by_serial) {
    w.U32(serial);
    w.U64(id);
  }
  PutLayout(w, s.layout);
  w.Str(s.layout_reasoning);
  w.U64(s.per_class.size());
  for (const heap::ClassCount& c : s.per_class) {
    w.U64(c.instances);
    w.U64(c.shallow_bytes);
  }
  for (uint64_t v : {s.instances, s.object_arrays, s.primitive_arrays, s.class_mirrors, s.shallow_bytes}) w.U64(v);
  for (uint64_t v : s.roots_by_kind) w.U64(v);
  for (uint64_t v : {s.gc_roots, s.threads, s.instances_of_unknown_class, s.sizes_from_spacing, s.sizes_from_model}) {
    w.U64(v);
  }
  w.U64(s.excluded.size());
  for (const heap::ExcludedClass& e : s.excluded) {
    w.Str(e.name);
    w.Str(e.reason);
  }
}

void GetScan(BlobReader& r, HeapScan* s) {
  GetReadSummary(r, &s->read);
  s->encoding = static_cast<hprof::DumpEncoding>(r.U8());
  s->file_size = r.U64();
  GetClassTable(r, &s->classes);
  uint64_t names = r.Count(16);
  s->names.reserve(names);
  for (uint64_t i = 0; i < names; ++i) {
    uint64_t id = r.U64();
    s->names[id] = r.Str();
  }
  uint64_t serials = r.Count(12);
  s->class_by_serial.reserve(serials);
  for (uint64_t i = 0; i < serials; ++i) {
    uint32_t serial = r.U32();
    s->class_by_serial[serial] = r.U64();
  }
  GetLayout(r, &s->layout);
  s->layout_reasoning = r.Str();
  s->per_class.resize(r.Count(16));
  for (heap::ClassCount& c : s->per_class) {
    c.instances = r.U64();
    c.shallow_bytes = r.U64();
  }
  for (uint64_t* v : {&s->instances, &s->object_arrays, &s->primitive_arrays, &s->class_mirrors, &s->shallow_bytes}) {
    *v = r.U64();
  }
  for (uint64_t& v : s->roots_by_kind) v = r.U64();
  for (uint64_t* v : {&s->gc_roots, &s->threads, &s->instances_of_unknown_class, &s->sizes_from_spacing,
                      &s->sizes_from_model}) {
    *v = r.U64();
  }
  s->excluded.resize(r.Count(16));
  for (heap::ExcludedClass& e : s->excluded) {
    e.name = r.Str();
    e.reason = r.Str();
  }
}

void PutThread(BlobWriter& w, const heap::ThreadInfo& t) {
  w.U64(t.object);
  w.U32(t.serial);
  w.Str(t.name);
  w.Str(t.state);
  w.Bool(t.daemon);
  w.U64(t.frames.size());
  for (const heap::StackFrame& f : t.frames) {
    w.Str(f.method);
    w.Str(f.signature);
    w.Str(f.source_file);
    w.I32(f.line);
  }
  w.U64(t.locals.size());
  for (auto [frame, object] : t.locals) {
    w.U32(frame);
    w.U64(object);
  }
}

void GetThread(BlobReader& r, heap::ThreadInfo* t) {
  t->object = r.U64();
  t->serial = r.U32();
  t->name = r.Str();
  t->state = r.Str();
  t->daemon = r.Bool();
  t->frames.resize(r.Count(28));
  for (heap::StackFrame& f : t->frames) {
    f.method = r.Str();
    f.signature = r.Str();
    f.source_file = r.Str();
    f.line = r.I32();
  }
  t->locals.resize(r.Count(12));
  for (auto& [frame, object] : t->locals) {
    frame = r.U32();
    object = r.U64();
  }
}

}  // namespace

std::vector<uint8_t> EncodeModelExtras(const heap::HeapModel& m) {
  BlobWriter w;
  PutScan(w, m.scan);
  w.U64(m.dangling_references);
  w.U64(m.roots.size());
  for (const heap::RootEntry& root : m.roots) {
    w.U64(root.object);
    w.U8(static_cast<uint8_t>(root.kind));
    w.U32(root.thread_serial);
    w.U32(root.frame);
  }
  w.U64(m.threads.size());
  for (const heap::ThreadInfo& t : m.threads) PutThread(w, t);
  w.U64(m.id_index.base);
  w.U32(m.id_index.shift);
  return w.bytes();
}

Status DecodeModelExtras(std::span<const uint8_t> blob, heap::HeapModel* m) {
  BlobReader r(blob);
  GetScan(r, &m->scan);
  m->dangling_references = r.U64();
  m->roots.resize(r.Count(17));
  for (heap::RootEntry& root : m->roots) {
    root.object = r.U64();
    root.kind = static_cast<hprof::RootKind>(r.U8());
    root.thread_serial = r.U32();
    root.frame = r.U32();
  }
  m->threads.resize(r.Count(45));
  for (heap::ThreadInfo& t : m->threads) GetThread(r, &t);
  m->id_index.base = r.U64();
  m->id_index.shift = r.U32();
  if (!r.ok() || !r.AtEnd()) return Error::BadInput("the index's model blob does not decode");
  return {};
}

}  // namespace heapscope::index
