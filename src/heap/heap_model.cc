#include "heap/heap_model.h"

#include <algorithm>

#include <fmt/format.h>

#include "heap/field_layout.h"
#include "hprof/big_endian.h"

namespace heapscope::heap {

namespace {

using hprof::BasicType;

// Arrays of characters short enough to be String values are kept for
// compressed dumps; longer ones are rare as Strings and costly to keep.
constexpr uint32_t kKeptCharArrayBytes = 4096;

// Bit 63 of data_offset marks an offset into the arena instead of the file.
constexpr uint64_t kArenaBit = uint64_t{1} << 63;

struct FrameCollector : hprof::TopVisitorBase {
  struct Frame { uint64_t method, signature, source; uint32_t class_serial; int32_t line; };
  absl::flat_hash_map<uint64_t, Frame> frames;
  absl::flat_hash_map<uint32_t, std::vector<uint64_t>> traces;  // serial -> frame ids
  uint32_t id_size = 8;
  void OnHeader(const hprof::FileHeader& h) { id_size = h.id_size; }
  void OnFrame(const hprof::FrameRecord& f) {
    frames[f.frame_id] = {f.method_name_id, f.signature_id, f.source_file_id, f.class_serial, f.line};
  }
  void OnTrace(const hprof::TraceRecord& t) {
    std::vector<uint64_t>& ids = traces[t.trace_serial];
    for (uint32_t i = 0; i < t.frame_count; ++i) ids.push_back(hprof::LoadId(t.frame_ids.data() + uint64_t{i} * id_size, id_size));
  }
};

struct ThreadRoot { uint64_t object_id; uint32_t serial; uint32_t trace; };

class GraphBuilder : public hprof::HeapVisitorBase {
 public:
  static constexpr bool kWantInstanceData = true;
  static constexpr bool kWantObjectArrayData = true;
  static constexpr bool kWantPrimitiveArrayData = true;

  GraphBuilder(HeapModel& m, uint32_t id_size, bool keep_data) : m_(m), id_size_(id_size), keep_(keep_data) {
    const ClassTable& t = m.scan.classes;
    ref_fields_.resize(t.size());
    keep_class_.assign(t.size(), 0);
    ClassIdx thread = t.FindByName("java.lang.Thread");
    auto places = InstanceFieldPlaces(t, id_size);
    for (ClassIdx c = 0; c < t.size(); ++c) {
      for (const FieldPlace& f : places[c]) {
        if (f.type == BasicType::kObject) ref_fields_[c].push_back({f.offset, f.slot});
      }
      for (ClassIdx s = c; s != kNoClass; s = t.super[s]) {
        if (s == thread) keep_class_[c] = 1;
        if (keep_class_[c]) break;
      }
      if (c == t.java_lang_string || t.name[c] == "java.lang.Thread$FieldHolder") keep_class_[c] = 1;
    }
  }

  void OnRoot(const hprof::RootRecord& r) {
    raw_roots.push_back(r);
    if (r.kind == hprof::RootKind::kThreadObject) thread_roots.push_back({r.object_id, r.thread_serial, r.frame});
  }
  void OnInstance(uint64_t offset, uint64_t id, uint64_t class_id, uint32_t length,
                  std::span<const uint8_t> data) {
    ClassIdx c = m_.scan.classes.Find(class_id);
    uint64_t size = c == kNoClass ? 0 : m_.scan.classes.instance_size[c];
    Add(id, c, size, ObjectKind::kInstance, 0, offset, data, c != kNoClass && keep_class_[c]);
    if (c == kNoClass) return;
    for (auto [off, slot] : ref_fields_[c]) {
      if (off + id_size_ > length) break;
      uint64_t target = hprof::LoadId(data.data() + off, id_size_);
      if (target) AddRef(target, slot);
    }
  }
  void OnObjectArray(uint64_t offset, uint64_t id, uint64_t class_id, uint32_t length,
                     std::span<const uint8_t> elements) {
    ClassIdx c = m_.scan.classes.Find(class_id);
    const JvmLayout& l = m_.scan.layout;
    Add(id, c, l.ArraySize(l.ref_size, length), ObjectKind::kObjectArray, length, offset, elements, false);
    for (uint32_t i = 0; i < length; ++i) {
      uint64_t target = hprof::LoadId(elements.data() + uint64_t{i} * id_size_, id_size_);
      if (target) AddRef(target, i);
    }
  }
  void OnPrimitiveArray(uint64_t offset, uint64_t id, BasicType type, uint32_t length,
                        std::span<const uint8_t> data, bool) {
    auto t = static_cast<uint8_t>(type);
    const JvmLayout& l = m_.scan.layout;
    bool chars = (type == BasicType::kByte || type == BasicType::kChar) && data.size() <= kKeptCharArrayBytes;
    Add(id, m_.scan.classes.primitive_array[t], l.ArraySize(hprof::BasicTypeSize(t, 8), length),
        ObjectKind::kPrimitiveArray, length, offset, data, chars);
  }

  std::vector<hprof::RootRecord> raw_roots;
  std::vector<ThreadRoot> thread_roots;
  std::vector<uint64_t> raw_targets;  // ids, resolved to ObjectIdx afterwards

  void AddMirror(ClassIdx c) {
    const ClassTable& t = m_.scan.classes;
    Add(t.class_id[c], t.java_lang_class, t.mirror_size[c], ObjectKind::kClass, 0, 0, {}, false);
    for (uint32_t s = t.static_begin[c]; s < t.static_begin[c + 1]; ++s) {
      if (t.statics[s].type == BasicType::kObject && t.statics[s].value) {
        AddRef(t.statics[s].value, s - t.static_begin[c]);
      }
    }
  }
  void Finish() { m_.ref_begin.push_back(raw_targets.size()); }

 private:
  void Add(uint64_t id, ClassIdx c, uint64_t size, ObjectKind kind, uint32_t length,
           uint64_t record_offset, std::span<const uint8_t> data, bool keep) {
    m_.ref_begin.push_back(raw_targets.size());
    m_.object_id.push_back(id);
    m_.object_class.push_back(c);
    m_.shallow_size.push_back(size);
    m_.object_kind.push_back(static_cast<uint8_t>(kind));
    m_.array_length.push_back(length);
    m_.data_length.push_back(static_cast<uint32_t>(std::min<uint64_t>(data.size(), UINT32_MAX)));
    if (!keep_) {
      // Value bytes sit at the end of the record in a plain dump.
      m_.data_offset.push_back(data.empty() ? 0 : record_offset + RecordHeaderBytes(kind));
    } else if (keep && !data.empty()) {
      m_.data_offset.push_back(kArenaBit | m_.arena.size());
      m_.arena.insert(m_.arena.end(), data.begin(), data.end());
    } else {
      m_.data_offset.push_back(0);
      m_.data_length[m_.data_length.size() - 1] = 0;
    }
  }
  uint64_t RecordHeaderBytes(ObjectKind kind) const {
    switch (kind) {
      case ObjectKind::kInstance: return 1 + id_size_ + 4 + id_size_ + 4;
      case ObjectKind::kObjectArray: return 1 + id_size_ + 4 + 4 + id_size_;
      case ObjectKind::kPrimitiveArray: return 1 + id_size_ + 4 + 4 + 1;
      case ObjectKind::kClass: return 0;
    }
    return 0;
  }
  void AddRef(uint64_t target, uint32_t slot) {
    raw_targets.push_back(target);
    m_.ref_slot.push_back(slot);
  }

  HeapModel& m_;
  uint32_t id_size_;
  bool keep_;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> ref_fields_;  // (data offset, slot)
  std::vector<uint8_t> keep_class_;
};

std::string ThreadStateName(uint32_t status) {
  // JVMTI thread state bits, mapped as java.lang.Thread.State does.
  if (status & 0x0004) return "RUNNABLE";
  if (status & 0x0400) return "BLOCKED";
  if (status & 0x0010) return "WAITING";
  if (status & 0x0020) return "TIMED_WAITING";
  if (status & 0x0002) return "TERMINATED";
  if ((status & 0x0001) == 0) return "NEW";
  return "RUNNABLE";
}

void BuildThreads(HeapModel& m, const FrameCollector& fc, const std::vector<ThreadRoot>& thread_roots) {
  const ClassTable& t = m.scan.classes;
  auto name_of = [&](uint64_t id) -> std::string {
    auto it = m.scan.names.find(id);
    return it == m.scan.names.end() ? std::string() : it->second;
  };
  for (const ThreadRoot& tr : thread_roots) {
    ThreadInfo info;
    info.serial = tr.serial;
    info.object = m.Find(tr.object_id);
    if (info.object != kNoObject) {
      if (auto name = m.FieldValue(info.object, "name")) {
        if (auto s = m.StringValue(m.Find(*name))) info.name = *s;
      }
      std::optional<uint64_t> status = m.FieldValue(info.object, "threadStatus");
      std::optional<uint64_t> daemon = m.FieldValue(info.object, "daemon");
      if (!status) {  // JDK 19+: state lives in Thread.holder
        if (auto holder = m.FieldValue(info.object, "holder")) {
          ObjectIdx h = m.Find(*holder);
          if (h != kNoObject) {
            status = m.FieldValue(h, "threadStatus");
            daemon = m.FieldValue(h, "daemon");
          }
        }
      }
      if (status) info.state = ThreadStateName(static_cast<uint32_t>(*status));
      info.daemon = daemon && *daemon;
    }
    auto trace = fc.traces.find(tr.trace);
    if (trace != fc.traces.end()) {
      for (uint64_t fid : trace->second) {
        auto f = fc.frames.find(fid);
        if (f == fc.frames.end()) continue;
        StackFrame sf;
        std::string cls;
        auto cid = m.scan.class_by_serial.find(f->second.class_serial);
        if (cid != m.scan.class_by_serial.end()) {
          ClassIdx c = t.Find(cid->second);
          if (c != kNoClass) cls = t.name[c];
        }
        sf.method = cls.empty() ? name_of(f->second.method) : cls + "." + name_of(f->second.method);
        sf.signature = name_of(f->second.signature);
        sf.source_file = name_of(f->second.source);
        sf.line = f->second.line;
        info.frames.push_back(std::move(sf));
      }
    }
    for (const RootEntry& r : m.roots) {
      if ((r.kind == hprof::RootKind::kJavaFrame || r.kind == hprof::RootKind::kJniLocal) &&
          r.thread_serial == tr.serial) {
        info.locals.push_back({r.frame, r.object});
      }
    }
    m.threads.push_back(std::move(info));
  }
  std::sort(m.threads.begin(), m.threads.end(), [](const ThreadInfo& a, const ThreadInfo& b) {
    return a.name != b.name ? a.name < b.name : a.serial < b.serial;
  });
}

// The object index numbers objects in 32 bits: refuse a dump it can't hold
// rather than wrap.
Status CheckObjectCount(uint64_t objects) {
  if (objects > ObjectIndex::kMaxObjects) {
    return Error::BadInput(fmt::format("the dump has {} objects; heapscope's object index numbers at most {}",
                                       objects, ObjectIndex::kMaxObjects));
  }
  return {};
}

}  // namespace

ObjectIdx HeapModel::Find(uint64_t id) const {
  uint64_t o = id_index.Find(object_id.span(), id);
  return o == ObjectIndex::kNotFound ? kNoObject : o;
}

std::span<const uint8_t> HeapModel::ObjectData(ObjectIdx o) const {
  uint64_t off = data_offset[o];
  uint32_t len = data_length[o];
  if (len == 0) return {};
  if (off & kArenaBit) return {arena.data() + (off & ~kArenaBit), len};
  if (input && input->encoding == hprof::DumpEncoding::kPlain && off + len <= input->mapped.size()) {
    return input->mapped.bytes().subspan(off, len);
  }
  return {};
}

std::string HeapModel::SlotName(ObjectIdx o, uint32_t slot) const {
  const ClassTable& t = scan.classes;
  auto kind = static_cast<ObjectKind>(object_kind[o]);
  if (kind == ObjectKind::kObjectArray) return fmt::format("[{}]", slot);
  auto name_of = [&](uint64_t id) {
    auto it = scan.names.find(id);
    return it == scan.names.end() ? fmt::format("<field {}>", slot) : it->second;
  };
  if (kind == ObjectKind::kClass) {
    ClassIdx c = t.Find(object_id[o]);
    if (c == kNoClass || t.static_begin[c] + slot >= t.static_begin[c + 1]) return "<static>";
    return "static " + name_of(t.statics[t.static_begin[c] + slot].name_id);
  }
  ClassIdx c = object_class[o];
  if (c == kNoClass) return "<unknown>";
  auto chain = t.InstanceFieldChain(c);
  return slot < chain.size() ? name_of(chain[slot].name_id) : "<unknown>";
}

std::optional<uint64_t> HeapModel::FieldValue(ObjectIdx o, std::string_view field) const {
  if (o == kNoObject || static_cast<ObjectKind>(object_kind[o]) != ObjectKind::kInstance) return std::nullopt;
  ClassIdx c = object_class[o];
  if (c == kNoClass) return std::nullopt;
  std::span<const uint8_t> data = ObjectData(o);
  uint32_t id_size = scan.read.header.id_size;
  uint64_t off = 0;
  for (const FieldInfo& f : scan.classes.InstanceFieldChain(c)) {
    uint32_t size = hprof::BasicTypeSize(static_cast<uint8_t>(f.type), id_size);
    auto name = scan.names.find(f.name_id);
    if (name != scan.names.end() && name->second == field) {
      if (off + size > data.size()) return std::nullopt;
      uint64_t v = 0;
      for (uint32_t b = 0; b < size; ++b) v = (v << 8) | data[off + b];
      return v;
    }
    off += size;
  }
  return std::nullopt;
}

std::optional<std::string> HeapModel::StringValue(ObjectIdx o) const {
  if (o == kNoObject || object_class[o] != scan.classes.java_lang_string) return std::nullopt;
  auto value = FieldValue(o, "value");
  if (!value) return std::nullopt;
  ObjectIdx arr = Find(*value);
  if (arr == kNoObject) return std::nullopt;
  std::span<const uint8_t> bytes = ObjectData(arr);
  if (bytes.size() != data_length[arr] || (bytes.empty() && array_length[arr] != 0)) return std::nullopt;
  bool utf16 = object_class[arr] == scan.classes.primitive_array[static_cast<uint8_t>(BasicType::kChar)];
  if (!utf16) {
    auto coder = FieldValue(o, "coder");  // JDK 9+: 0 Latin-1, 1 UTF-16 (big-endian in dumps)
    utf16 = coder && *coder == 1;
  }
  std::string out;
  auto put = [&out](uint32_t cp) {
    if (cp < 0x80) out += static_cast<char>(cp);
    else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18)); out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  };
  if (!utf16) {
    for (uint8_t b : bytes) put(b);
    return out;
  }
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    uint32_t u = hprof::LoadU2(bytes.data() + i);
    if (u >= 0xD800 && u < 0xDC00 && i + 3 < bytes.size()) {
      uint32_t lo = hprof::LoadU2(bytes.data() + i + 2);
      if (lo >= 0xDC00 && lo < 0xE000) {
        put(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        i += 2;
        continue;
      }
    }
    put(u);
  }
  return out;
}

Result<HeapModel> BuildHeapModel(const std::string& path, const ModelOptions& options) {
  HeapModel m;
  // Pass 1: classes, layout and sizes.
  {
    auto scan = ScanHeapFile(path, ScanOptions{options.read});
    if (!scan.ok()) return scan.error();
    m.scan = std::move(scan.value());
  }
  // Checked on the scan's count before the graph pass allocates for every
  // object, and again below on the objects the pass found.
  if (Status s = CheckObjectCount(m.scan.objects() + m.scan.class_mirrors); !s.ok()) return s.error();
  // Pass 2: objects and references, in dump order, one thread.
  auto input = hprof::DumpInput::Open(path, options.read.threads, options.read.key.get());
  if (!input.ok()) return input.error();
  m.input = std::make_shared<hprof::DumpInput>(std::move(input.value()));
  bool keep = m.input->encoding != hprof::DumpEncoding::kPlain;
  FrameCollector frames;
  std::vector<GraphBuilder> builder;
  // The scan counted every object: size the columns once instead of letting
  // them grow (regrowth copies and page faults were a fifth of build time).
  const uint64_t objects = m.scan.objects() + m.scan.class_mirrors;
  for (auto* c : {&m.object_id, &m.shallow_size, &m.data_offset, &m.ref_begin}) c->reserve(objects + 1);
  m.object_class.reserve(objects);
  m.object_kind.reserve(objects);
  m.array_length.reserve(objects);
  m.data_length.reserve(objects);
  builder.emplace_back(m, m.scan.read.header.id_size, keep);
  GraphBuilder& b = builder[0];
  for (ClassIdx c = 0; c < m.scan.classes.size(); ++c) {
    if (m.scan.classes.class_id[c] != 0) b.AddMirror(c);
  }
  hprof::ReadOptions ro = options.read;
  ro.threads = 1;
  auto read = hprof::ReadDump(*m.input, ro, frames, builder);
  if (!read.ok()) return read.error();
  b.Finish();

  // Pass 3: resolve ids to object numbers.
  if (Status s = CheckObjectCount(m.object_count()); !s.ok()) return s.error();
  m.id_index = ObjectIndex::Build(m.object_id.span());
  m.ref_target.reserve(b.raw_targets.size());
  for (uint64_t id : b.raw_targets) {
    ObjectIdx t = m.Find(id);
    if (t == kNoObject) ++m.dangling_references;
    m.ref_target.push_back(t);
  }
  std::vector<uint64_t>().swap(b.raw_targets);

  // Pass 4: roots and threads.
  for (const hprof::RootRecord& r : b.raw_roots) {
    ObjectIdx o = m.Find(r.object_id);
    if (o == kNoObject) {
      ++m.dangling_references;
      continue;
    }
    m.roots.push_back({o, r.kind, r.thread_serial, r.frame});
  }
  BuildThreads(m, frames, b.thread_roots);
  return m;
}

}  // namespace heapscope::heap
