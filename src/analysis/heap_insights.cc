#include "analysis/heap_insights.h"

#include <algorithm>
#include <string_view>

#include <absl/container/flat_hash_map.h>
#include <xxhash.h>

#include "analysis/java_collections.h"

namespace heapscope::analysis {

namespace {

using heap::ClassIdx;
using heap::kNoClass;
using heap::kNoObject;
using heap::ObjectIdx;
using heap::ObjectKind;

template <typename T, typename Key>
void SortAndCut(std::vector<T>& rows, size_t top, Key key) {
  std::sort(rows.begin(), rows.end(), [&](const T& a, const T& b) { return key(a) > key(b); });
  if (rows.size() > top) rows.resize(top);
}

std::string PackageOf(const heap::ClassTable& t, ClassIdx c) {
  if (t.array_elem[c] != 0 && t.array_elem[c] != static_cast<uint8_t>(hprof::BasicType::kObject)) {
    return "<primitive arrays>";
  }
  std::string_view name = t.name[c];
  while (name.ends_with("[]")) name.remove_suffix(2);
  size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? "<default package>" : std::string(name.substr(0, dot));
}

void Loaders(const heap::HeapModel& m, const DominatorTree& tree, HeapInsights& out) {
  const heap::ClassTable& t = m.scan.classes;
  absl::flat_hash_map<uint64_t, uint64_t> classes_by_loader;
  absl::flat_hash_map<std::string_view, std::vector<uint64_t>> loaders_by_name;
  for (ClassIdx c = 0; c < t.size(); ++c) {
    if (t.class_id[c] == 0) continue;  // primitive array rows
    if (t.loader_id[c] == 0) ++out.bootstrap_classes;
    else ++classes_by_loader[t.loader_id[c]];
    auto& ids = loaders_by_name[t.name[c]];
    if (std::find(ids.begin(), ids.end(), t.loader_id[c]) == ids.end()) ids.push_back(t.loader_id[c]);
  }
  for (const auto& [id, count] : classes_by_loader) {
    ObjectIdx o = m.Find(id);
    if (o == kNoObject) continue;
    NodeId n = NodeOf(o);
    out.loaders.push_back({o, count, tree.Reachable(n) ? tree.retained[n] : 0});
  }
  for (const auto& [name, ids] : loaders_by_name) {
    if (ids.size() > 1) out.duplicate_classes.push_back({std::string(name), static_cast<uint32_t>(ids.size())});
  }
  std::sort(out.loaders.begin(), out.loaders.end(), [](const ClassLoaderRow& a, const ClassLoaderRow& b) {
    return a.retained_bytes != b.retained_bytes ? a.retained_bytes > b.retained_bytes : a.loader < b.loader;
  });
  std::sort(out.duplicate_classes.begin(), out.duplicate_classes.end(),
            [](const DuplicateClass& a, const DuplicateClass& b) {
              return a.loaders != b.loaders ? a.loaders > b.loaders : a.name < b.name;
            });
}

void Packages(const heap::HeapModel& m, const DominatorTree& tree, size_t top, HeapInsights& out) {
  const heap::ClassTable& t = m.scan.classes;
  absl::flat_hash_map<std::string, uint32_t> index;
  std::vector<uint32_t> group(t.size());
  for (ClassIdx c = 0; c < t.size(); ++c) {
    auto [it, inserted] = index.try_emplace(PackageOf(t, c), static_cast<uint32_t>(out.packages.size()));
    if (inserted) out.packages.push_back({it->first});
    group[c] = it->second;
    PackageRow& p = out.packages[it->second];
    const heap::ClassCount& count = m.scan.per_class[c];
    if (count.instances > 0) ++p.classes;
    p.instances += count.instances;
    p.shallow_bytes += count.shallow_bytes;
  }
  std::vector<uint64_t> retained = RetainedByGroup(tree, m.object_class.span(), group, out.packages.size());
  for (size_t i = 0; i < out.packages.size(); ++i) out.packages[i].retained_bytes = retained[i];
  SortAndCut(out.packages, top, [](const PackageRow& p) { return p.retained_bytes; });
}

void DuplicateStrings(const heap::HeapModel& m, size_t top, HeapInsights& out) {
  const ClassIdx string = m.scan.classes.java_lang_string;
  if (string == kNoClass) return;
  InstanceFields fields(m);
  struct Group {
    ObjectIdx sample;
    uint64_t length = 0, strings = 0, arrays = 0, string_bytes = 0, array_bytes = 0;
  };
  absl::flat_hash_map<uint64_t, Group> groups;
  std::vector<uint64_t> array_seen((m.object_count() + 63) / 64, 0);  // value arrays shared by Strings count once
  for (ObjectIdx o = 0; o < m.object_count(); ++o) {
    if (m.object_class[o] != string) continue;
    const ObjectIdx value = fields.Ref(o, "value");
    if (value == kNoObject) continue;
    std::span<const uint8_t> bytes = m.ObjectData(value);
    const uint64_t key = XXH3_64bits_withSeed(bytes.data(), bytes.size(), bytes.size());
    Group& g = groups[key];
    if (g.strings == 0) {
      g.sample = o;
      g.length = bytes.size();
      g.string_bytes = m.shallow_size[o];
      g.array_bytes = m.shallow_size[value];
    }
    ++g.strings;
    if (!(array_seen[value / 64] >> (value % 64) & 1)) {
      array_seen[value / 64] |= uint64_t{1} << (value % 64);
      ++g.arrays;
    }
  }
  for (const auto& [key, g] : groups) {
    if (g.strings < 2) continue;
    uint64_t wasted = (g.strings - 1) * g.string_bytes + (g.arrays > 0 ? g.arrays - 1 : 0) * g.array_bytes;
    out.duplicate_string_wasted_bytes += wasted;
    out.duplicate_strings.push_back({g.sample, g.length, g.strings, wasted});
  }
  SortAndCut(out.duplicate_strings, top, [](const DuplicateString& d) { return d.wasted_bytes; });
}

void Collections(const heap::HeapModel& m, const DominatorTree& tree, HeapInsights& out) {
  JavaCollections collections(m);
  absl::flat_hash_map<ClassIdx, CollectionRow> rows;
  for (ObjectIdx o = 0; o < m.object_count(); ++o) {
    if (static_cast<ObjectKind>(m.object_kind[o]) != ObjectKind::kInstance) continue;
    if (collections.KnownBase(m.object_class[o]) == kNoClass) continue;
    auto shape = collections.Describe(o);
    if (!shape) continue;
    CollectionRow& r = rows.try_emplace(shape->known_class, CollectionRow{shape->known_class}).first->second;
    ++r.instances;
    if (shape->elements && *shape->elements == 0) ++r.empty;
    r.elements += shape->elements.value_or(0);
    r.capacity_slots += shape->capacity.value_or(0);
    r.shallow_bytes += m.shallow_size[o];
    if (tree.Reachable(NodeOf(o))) r.retained_bytes += tree.retained[NodeOf(o)];
  }
  for (auto& [c, r] : rows) out.collections.push_back(r);
  SortAndCut(out.collections, out.collections.size(), [](const CollectionRow& r) { return r.retained_bytes; });
}

void Boxed(const heap::HeapModel& m, HeapInsights& out) {
  struct Box {
    std::string_view name;
    uint64_t value_bytes;
  };
  static constexpr Box kBoxes[] = {{"java.lang.Integer", 4}, {"java.lang.Long", 8},    {"java.lang.Short", 2},
                                   {"java.lang.Byte", 1},    {"java.lang.Character", 2}, {"java.lang.Boolean", 1},
                                   {"java.lang.Float", 4},   {"java.lang.Double", 8}};
  for (const Box& b : kBoxes) {
    ClassIdx c = m.scan.classes.FindByName(b.name);
    if (c == kNoClass || m.scan.per_class[c].instances == 0) continue;
    const heap::ClassCount& count = m.scan.per_class[c];
    const uint64_t values = count.instances * b.value_bytes;
    out.boxed.push_back({c, count.instances, count.shallow_bytes,
                         count.shallow_bytes > values ? count.shallow_bytes - values : 0});
  }
  SortAndCut(out.boxed, out.boxed.size(), [](const BoxedRow& r) { return r.shallow_bytes; });
}

}  // namespace

HeapInsights ComputeHeapInsights(const heap::HeapModel& model, const DominatorTree& tree,
                                 const InsightOptions& options) {
  HeapInsights out;
  Loaders(model, tree, out);
  Packages(model, tree, options.top, out);
  DuplicateStrings(model, options.top, out);
  Collections(model, tree, out);
  Boxed(model, out);
  InstanceFields fields(model);
  out.direct_buffers = ScanDirectBuffers(fields, tree);
  out.finalizer = ReadFinalizerBacklog(fields, tree);
  return out;
}

}  // namespace heapscope::analysis
