#include "heap/class_sizes.h"

#include <algorithm>

namespace heapscope::heap {

using hprof::BasicType;

namespace {

bool HasField(const ClassTable& t, const NameTable& names, ClassIdx c, std::string_view field) {
  for (uint32_t f = t.field_begin[c]; f < t.field_begin[c + 1]; ++f) {
    auto n = names.find(t.fields[f].name_id);
    if (n != names.end() && n->second == field) return true;
  }
  return false;
}

}  // namespace

std::vector<ClassFieldTypes> ModelChain(const ClassTable& t, const NameTable& names, ClassIdx c,
                                        bool contended) {
  std::vector<ClassFieldTypes> chain;
  size_t guard = 0;
  while (c != kNoClass && guard++ < t.size()) {
    ClassFieldTypes own;
    std::span<const std::string_view> padded;
    if (contended) padded = HotSpotContendedFields(t.name[c]);
    bool whole_class = padded.size() == 1 && padded[0] == "*";
    for (uint32_t f = t.field_begin[c]; f < t.field_begin[c + 1]; ++f) {
      bool in_group = whole_class;
      if (!in_group && !padded.empty()) {
        auto n = names.find(t.fields[f].name_id);
        in_group = n != names.end() && std::find(padded.begin(), padded.end(), n->second) != padded.end();
      }
      (in_group ? own.contended : own.regular).push_back(t.fields[f].type);
    }
    // Some JDKs' dumps list the injected fields, some don't.
    for (const InjectedField& injected : HotSpotInjectedFields(t.name[c])) {
      if (!HasField(t, names, c, injected.name)) own.regular.push_back(injected.type);
    }
    chain.push_back(std::move(own));
    c = t.super[c];
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

SizingCounts SizeInstanceClasses(ClassTable& t, const NameTable& names, const JvmLayout& layout,
                                 const absl::flat_hash_map<uint64_t, SpacingEvidence>& evidence) {
  SizingCounts counts;
  // The smallest object the JVM can allocate: a lone instance's slack
  // smaller than this can hold no other object, so it is the instance's.
  const uint64_t min_object = layout.Align(layout.header_bytes);
  constexpr uint64_t kMaxPlausibleSlack = 1024;

  // Superclasses first: a subclass's layout continues its superclass's.
  std::vector<uint32_t> depth(t.size(), 0);
  std::vector<ClassIdx> order;
  for (ClassIdx c = 0; c < t.size(); ++c) {
    if (t.array_elem[c] != 0) continue;
    for (ClassIdx s = t.super[c]; s != kNoClass && depth[c] < t.size(); s = t.super[s]) ++depth[c];
    order.push_back(c);
  }
  std::stable_sort(order.begin(), order.end(), [&](ClassIdx a, ClassIdx b) { return depth[a] < depth[b]; });

  std::vector<uint64_t> plain(t.size(), 0);      // model without @Contended padding
  std::vector<uint64_t> field_end(t.size(), 0);  // where the real layout's fields end (0 = unknown)
  for (ClassIdx c : order) {
    ModelLayout base = ModelInstanceLayout(layout, ModelChain(t, names, c, false));
    ModelLayout padded = ModelInstanceLayout(layout, ModelChain(t, names, c, true));
    plain[c] = base.size;
    uint64_t estimate = padded.size;
    uint64_t end = padded.field_end;
    ClassIdx s = t.super[c];
    if (s != kNoClass && t.instance_size[s] > plain[s]) {
      // The superclass holds bytes the plain model misses (padding or
      // injected fields): this class's own fields continue after them.
      uint64_t start = field_end[s] ? field_end[s] : t.instance_size[s];
      ClassFieldTypes own = ModelChain(t, names, c, true).back();
      ModelLayout after = ModelInstanceLayout(layout, std::span<const ClassFieldTypes>(&own, 1), start);
      if (start >= plain[s] + 64) {
        estimate = after.size;  // padding: nothing fills in behind it
        end = after.field_end;
      } else {
        estimate = std::max(base.size + (t.instance_size[s] - plain[s]), base.size);
        end = 0;
      }
    }
    uint64_t size = estimate;
    auto it = evidence.find(t.class_id[c]);
    if (it != evidence.end() && it->second.min_gap != UINT64_MAX) {
      const SpacingEvidence& ev = it->second;
      uint64_t gap = ev.min_gap;
      bool fits = gap >= std::min(estimate, base.size) && gap - std::min(estimate, base.size) <= kMaxPlausibleSlack;
      // A wider spacing than the model is believed only when it can't be a
      // neighbour left out of the dump (a dead object, a mirror): two
      // instances spaced exactly alike, or slack too small for any object.
      bool repeated = ev.at_min >= 2;
      bool trusted = gap == estimate || repeated || gap - std::min(gap, estimate) < min_object ||
                     (layout.compact_headers && gap == estimate + kHashGrowth);
      if (fits && trusted && gap >= estimate) {
        size = gap;
      } else if (fits && gap < estimate && ev.count >= 2) {
        size = gap;  // instances closer than the model allows: no padding on this JDK
      }
    }
    if (size != estimate) end = 0;
    (size == base.size ? counts.from_model : counts.from_spacing) += 1;
    t.instance_size[c] = size;
    field_end[c] = end;
  }
  return counts;
}

}  // namespace heapscope::heap
