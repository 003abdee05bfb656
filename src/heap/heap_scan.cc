#include "heap/heap_scan.h"

#include "heap/class_sizes.h"

#include <algorithm>
#include <thread>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

namespace heapscope::heap {

namespace {

using hprof::BasicType;

// Spacing samples kept per thread for layout inference: plenty to outvote
// the few gaps that straddle region ends or class mirrors.
constexpr size_t kMaxArraySamples = 100000;

struct NameCollector : hprof::TopVisitorBase {
  absl::flat_hash_map<uint64_t, std::string> names;
  absl::flat_hash_map<uint64_t, uint64_t> class_name_ids;
  void OnUtf8(uint64_t id, std::string_view text) { names.emplace(id, text); }
  absl::flat_hash_map<uint32_t, uint64_t> class_by_serial;
  void OnLoadClass(const hprof::LoadClassRecord& r) {
    class_name_ids[r.class_id] = r.name_id;
    class_by_serial[r.class_serial] = r.class_id;
  }
};

struct InstanceAcc {
  uint64_t class_id = 0;
  uint64_t count = 0;
  uint64_t min_gap = UINT64_MAX;  // smallest spacing after an instance
  uint64_t gap_addr = 0;          // the instance that had it, and its follower
  uint64_t gap_next = 0;
  uint64_t at_min = 0;   // instances spaced exactly min_gap
  // Folds in `count_at` instances spaced `gap` apart from their followers.
  void AddGap(uint64_t gap, uint64_t count_at, uint64_t addr, uint64_t next) {
    if (gap < min_gap) {
      at_min = count_at;
      min_gap = gap;
      gap_addr = addr;
      gap_next = next;
    } else if (gap == min_gap) {
      at_min += count_at;
    }
  }
};



struct ArrayAcc {
  uint64_t count = 0;
  uint64_t total_length = 0;
  std::array<uint64_t, 64> length_mod_64{};  // enough to derive padding for any alignment <= 64
  void Add(uint32_t length) {
    ++count;
    total_length += length;
    ++length_mod_64[length & 63];
  }
  void Merge(const ArrayAcc& o) {
    count += o.count;
    total_length += o.total_length;
    for (size_t i = 0; i < 64; ++i) length_mod_64[i] += o.length_mod_64[i];
  }
  uint64_t Bytes(const JvmLayout& l, uint32_t elem) const {
    uint64_t bytes = count * l.ArrayBase(elem) + total_length * elem;
    for (uint64_t r = 0; r < 64; ++r) bytes += length_mod_64[r] * l.ArrayPadding(elem, r);
    return bytes;
  }
};

class ScanVisitor : public hprof::HeapVisitorBase {
 public:
  void OnSegmentStart(uint64_t) { prev_kind_ = kNone; }

  void OnRoot(const hprof::RootRecord& r) {
    ++roots_by_kind[static_cast<size_t>(r.kind)];
    if (r.kind == hprof::RootKind::kThreadObject) ++threads;
  }
  void OnClassDump(const hprof::ClassDumpRecord& r) {
    class_dumps.push_back(ClassDumpCopy::From(r));
  }
  void OnInstance(uint64_t, uint64_t id, uint64_t class_id, uint32_t, std::span<const uint8_t>) {
    Spaced(id);
    uint32_t index = IndexOf(class_id);
    ++instances[index].count;
    prev_kind_ = kInstance;
    prev_index_ = index;
  }
  void OnObjectArray(uint64_t, uint64_t id, uint64_t class_id, uint32_t length,
                     std::span<const uint8_t>) {
    Spaced(id);
    object_arrays[class_id].Add(length);
    prev_kind_ = kArray;
    prev_elem_ = 0;
    prev_length_ = length;
  }
  void OnPrimitiveArray(uint64_t, uint64_t id, BasicType type, uint32_t length,
                        std::span<const uint8_t>, bool) {
    Spaced(id);
    auto t = static_cast<uint8_t>(type);
    primitive_arrays[t].Add(length);
    prev_kind_ = kArray;
    prev_elem_ = hprof::BasicTypeSize(t, 8);
    prev_length_ = length;
  }

  std::vector<ClassDumpCopy> class_dumps;
  std::array<uint64_t, hprof::kRootKindCount> roots_by_kind{};
  uint64_t threads = 0;
  absl::flat_hash_map<uint64_t, uint32_t> instance_index;
  std::vector<InstanceAcc> instances;
  absl::flat_hash_map<uint64_t, ArrayAcc> object_arrays;
  std::array<ArrayAcc, 12> primitive_arrays{};
  std::vector<ArraySample> array_samples;
  uint64_t address_bits = 0;

 private:
  enum Kind : uint8_t { kNone, kInstance, kArray };

  // A small direct-mapped cache in front of the hash map: dumps interleave
  // a handful of classes, and this keeps their look-ups in L1 (the map
  // look-up was a fifth of the histogram's time).
  uint32_t IndexOf(uint64_t class_id) {
    CacheSlot& slot = cache_[(class_id >> 3) & (kCacheSlots - 1)];
    if (slot.class_id == class_id && slot.index != UINT32_MAX) return slot.index;
    auto [it, inserted] = instance_index.try_emplace(class_id, static_cast<uint32_t>(instances.size()));
    if (inserted) instances.push_back(InstanceAcc{class_id});
    slot = {class_id, it->second};
    return it->second;
  }
  struct CacheSlot {
    uint64_t class_id = 0;
    uint32_t index = UINT32_MAX;
  };
  static constexpr size_t kCacheSlots = 256;
  std::array<CacheSlot, kCacheSlots> cache_{};

  // The dump walks each heap region in address order, so the distance to
  // the next object is the previous object's size unless something the
  // dump leaves out (a class mirror, a region end) lies between them.
  void Spaced(uint64_t id) {
    address_bits |= id;
    if (prev_kind_ != kNone && id > prev_addr_) {
      uint64_t gap = id - prev_addr_;
      if (prev_kind_ == kInstance) {
        instances[prev_index_].AddGap(gap, 1, prev_addr_, id);
      } else if (array_samples.size() < kMaxArraySamples) {
        array_samples.push_back({prev_elem_, prev_length_, gap});
      }
    }
    prev_addr_ = id;
  }

  Kind prev_kind_ = kNone;
  uint64_t prev_addr_ = 0;
  uint32_t prev_index_ = 0;
  uint32_t prev_elem_ = 0;
  uint32_t prev_length_ = 0;
};

uint64_t ModelSize(const JvmLayout& l, const ClassTable& t, const NameTable& names, ClassIdx c) {
  return ModelInstanceSize(l, ModelChain(t, names, c, false));
}

}  // namespace

Result<HeapScan> ScanHeap(hprof::DumpInput& input, const ScanOptions& options) {
  HeapScan scan;
  scan.encoding = input.encoding;
  scan.file_size = input.file_size;

  // Pass 1: read everything once.
  NameCollector top;
  unsigned threads = options.read.threads > 0 ? static_cast<unsigned>(options.read.threads)
                                              : std::max(1u, std::thread::hardware_concurrency());
  std::vector<ScanVisitor> visitors(threads);
  auto read = hprof::ReadDump(input, options.read, top, visitors);
  if (!read.ok()) return read.error();
  scan.read = read.value();

  // Pass 2: merge what each thread saw.
  std::vector<ClassDumpCopy> dumps;
  absl::flat_hash_map<uint64_t, InstanceAcc> instances;
  absl::flat_hash_map<uint64_t, ArrayAcc> object_arrays;
  std::array<ArrayAcc, 12> primitive_arrays{};
  std::vector<ArraySample> array_samples;
  uint64_t address_bits = 0;
  for (ScanVisitor& v : visitors) {
    for (auto& d : v.class_dumps) dumps.push_back(std::move(d));
    for (const InstanceAcc& a : v.instances) {
      InstanceAcc& m = instances.try_emplace(a.class_id, InstanceAcc{a.class_id}).first->second;
      m.count += a.count;
      if (a.min_gap != UINT64_MAX) m.AddGap(a.min_gap, a.at_min, a.gap_addr, a.gap_next);
    }
    for (const auto& [id, acc] : v.object_arrays) object_arrays[id].Merge(acc);
    for (size_t t = 0; t < 12; ++t) primitive_arrays[t].Merge(v.primitive_arrays[t]);
    array_samples.insert(array_samples.end(), v.array_samples.begin(), v.array_samples.end());
    address_bits |= v.address_bits;
    for (size_t k = 0; k < hprof::kRootKindCount; ++k) scan.roots_by_kind[k] += v.roots_by_kind[k];
    scan.threads += v.threads;
  }
  visitors.clear();
  for (uint64_t n : scan.roots_by_kind) scan.gc_roots += n;

  // Pass 3: the class table.
  std::vector<uint64_t> mirrors;
  for (const auto& d : dumps) mirrors.push_back(d.class_id);
  std::sort(mirrors.begin(), mirrors.end());
  for (uint64_t m : mirrors) address_bits |= m;
  scan.classes = BuildClassTable(std::move(dumps), top.names, top.class_name_ids);
  ClassTable& t = scan.classes;

  // Pass 4: a spacing sample that spans a class mirror (mirrors are not in
  // the object stream) measures up to the mirror instead.
  for (auto& [id, acc] : instances) {
    if (acc.min_gap == UINT64_MAX) continue;
    auto m = std::upper_bound(mirrors.begin(), mirrors.end(), acc.gap_addr);
    if (m != mirrors.end() && *m < acc.gap_next) {
      acc.min_gap = *m - acc.gap_addr;
      acc.at_min = 1;
    }
  }

  // Pass 5: infer the layout from array and instance spacing.
  std::vector<JvmLayout> candidates = CandidateLayouts(scan.read.header.id_size);
  std::vector<const InstanceAcc*> by_count;
  for (const auto& [id, acc] : instances) {
    if (acc.min_gap != UINT64_MAX && t.Find(id) != kNoClass) by_count.push_back(&acc);
  }
  std::sort(by_count.begin(), by_count.end(), [](const InstanceAcc* a, const InstanceAcc* b) {
    return a->count != b->count ? a->count > b->count : a->class_id < b->class_id;
  });
  if (by_count.size() > 2000) by_count.resize(2000);
  std::vector<InstanceSample> instance_samples;
  for (const InstanceAcc* acc : by_count) {
    InstanceSample s{{}, acc->min_gap};
    for (const JvmLayout& l : candidates) s.model_sizes.push_back(ModelSize(l, t, top.names, t.Find(acc->class_id)));
    instance_samples.push_back(std::move(s));
  }
  scan.layout = InferJvmLayout(candidates, array_samples, instance_samples, address_bits,
                               &scan.layout_reasoning);
  const JvmLayout& layout = scan.layout;

  // Pass 6: instance sizes, then counts.
  absl::flat_hash_map<uint64_t, SpacingEvidence> evidence;
  for (const auto& [id, acc] : instances) evidence[id] = {acc.count, acc.min_gap, acc.at_min};
  SizingCounts sizing = SizeInstanceClasses(t, top.names, layout, evidence);
  scan.sizes_from_spacing = sizing.from_spacing;
  scan.sizes_from_model = sizing.from_model;
  scan.per_class.assign(t.size(), ClassCount{});
  for (const auto& [id, acc] : instances) {
    ClassIdx c = t.Find(id);
    if (c == kNoClass) {
      scan.instances_of_unknown_class += acc.count;
      continue;
    }
    scan.per_class[c].instances += acc.count;
    scan.per_class[c].shallow_bytes += acc.count * t.instance_size[c];
    // Among many instances, one spaced a word wider is more often next to
    // an 8-byte filler the dump left out than grown by its hash (seen on
    // JDK 25 with compact headers), so no growth is added here; a lone
    // instance's wider spacing is judged in SizeInstanceClasses.
    scan.instances += acc.count;
  }
  for (const auto& [id, acc] : object_arrays) {
    ClassIdx c = t.Find(id);
    scan.object_arrays += acc.count;
    if (c == kNoClass) {
      scan.instances_of_unknown_class += acc.count;
      continue;
    }
    scan.per_class[c].instances += acc.count;
    scan.per_class[c].shallow_bytes += acc.Bytes(layout, layout.ref_size);
  }
  for (uint8_t type = 4; type <= 11; ++type) {
    const ArrayAcc& acc = primitive_arrays[type];
    if (acc.count == 0) continue;
    ClassIdx c = t.primitive_array[type];
    scan.primitive_arrays += acc.count;
    scan.per_class[c].instances += acc.count;
    scan.per_class[c].shallow_bytes += acc.Bytes(layout, hprof::BasicTypeSize(type, 8));
  }

  // Pass 7: class mirrors. A mirror holds java.lang.Class's fields, fields
  // the JVM injects, and the class's statics; only the last two of those are
  // in the dump, so mirror sizes are estimates.
  t.mirror_size.assign(t.size(), 0);
  if (t.java_lang_class != kNoClass) {
    uint64_t base = t.instance_size[t.java_lang_class];
    uint64_t bytes = 0;
    for (ClassIdx c = 0; c < t.size(); ++c) {
      if (t.class_id[c] == 0) continue;
      uint64_t statics = 0;
      for (uint32_t s = t.static_begin[c]; s < t.static_begin[c + 1]; ++s) {
        statics += layout.FieldSize(t.statics[s].type);
      }
      t.mirror_size[c] = layout.Align(base + statics);
      bytes += t.mirror_size[c];
      ++scan.per_class[t.java_lang_class].instances;
      ++scan.class_mirrors;
    }
    scan.per_class[t.java_lang_class].shallow_bytes += bytes;
    scan.excluded.push_back(
        {"java.lang.Class",
         "the JVM also counts primitive-type mirrors that dumps leave out, and a mirror's size "
         "includes JVM-injected fields no dump describes; heapscope estimates mirror sizes"});
  }
  if (t.FindByName("jdk.internal.vm.FillerElement") != kNoClass ||
      t.FindByName("jdk.internal.vm.FillerElement[]") != kNoClass) {
    scan.excluded.push_back(
        {"jdk.internal.vm.FillerElement[]",
         "filler arrays cover dead space; the JVM's histogram counts them but heap dumps leave them out"});
  }
  for (const ClassCount& cc : scan.per_class) scan.shallow_bytes += cc.shallow_bytes;
  scan.names = std::move(top.names);
  scan.class_by_serial = std::move(top.class_by_serial);
  return scan;
}

Result<HeapScan> ScanHeapFile(const std::string& path, const ScanOptions& options) {
  auto input = hprof::DumpInput::Open(path, options.read.threads, options.read.key.get());
  if (!input.ok()) return input.error();
  return ScanHeap(input.value(), options);
}

}  // namespace heapscope::heap
