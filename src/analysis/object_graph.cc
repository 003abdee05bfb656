#include "analysis/object_graph.h"

#include <algorithm>

#include <fmt/format.h>

namespace heapscope::analysis {

namespace {

using heap::ClassIdx;
using heap::HeapModel;
using heap::kNoClass;
using heap::kNoObject;
using heap::ObjectIdx;
using heap::ObjectKind;

}  // namespace

std::vector<uint32_t> ReferentSlots(const HeapModel& m) {
  const heap::ClassTable& t = m.scan.classes;
  std::vector<uint32_t> slots(t.size(), kNoSlot);
  ClassIdx reference = t.FindByName("java.lang.ref.Reference");
  if (reference == kNoClass) return slots;
  for (ClassIdx c = 0; c < t.size(); ++c) {
    // The chain lists the class's own fields first, then each superclass's.
    uint32_t slot = 0;
    size_t guard = 0;
    for (ClassIdx k = c; k != kNoClass && guard++ < t.size(); k = t.super[k]) {
      if (k == reference) {
        for (uint32_t f = t.field_begin[k]; f < t.field_begin[k + 1]; ++f, ++slot) {
          auto name = m.scan.names.find(t.fields[f].name_id);
          if (name != m.scan.names.end() && name->second == "referent") slots[c] = slot;
        }
        break;
      }
      slot += t.field_begin[k + 1] - t.field_begin[k];
    }
  }
  return slots;
}

namespace {

// Edges of one object, in a fixed order: references as the model lists
// them, then the pseudo-edges.
// Classes each class loader defined, as (loader, class object) pairs sorted
// by loader, and which classes loaders are instances of (so most objects
// skip the look-up).
struct DefinedClasses {
  std::vector<std::pair<ObjectIdx, ObjectIdx>> pairs;
  std::vector<uint8_t> loader_class;
};

DefinedClasses ClassesByLoader(const HeapModel& m, const std::vector<ObjectIdx>& mirror_of_class) {
  const heap::ClassTable& t = m.scan.classes;
  DefinedClasses out;
  out.loader_class.assign(t.size(), 0);
  for (ClassIdx c = 0; c < t.size(); ++c) {
    if (t.loader_id[c] == 0 || mirror_of_class[c] == kNoObject) continue;
    ObjectIdx loader = m.Find(t.loader_id[c]);
    if (loader == kNoObject) continue;
    out.pairs.push_back({loader, mirror_of_class[c]});
    if (m.object_class[loader] != kNoClass) out.loader_class[m.object_class[loader]] = 1;
  }
  std::sort(out.pairs.begin(), out.pairs.end());
  return out;
}

template <typename Emit>
void ForEachEdge(const HeapModel& m, ObjectIdx o, const std::vector<uint32_t>& referent_slot,
                 const std::vector<ObjectIdx>& mirror_of_class, const DefinedClasses& defined,
                 const GraphOptions& options, Emit&& emit) {
  const heap::ClassTable& t = m.scan.classes;
  auto kind = static_cast<ObjectKind>(m.object_kind[o]);
  ClassIdx c = m.object_class[o];
  uint32_t referent = kind == ObjectKind::kInstance && c != kNoClass ? referent_slot[c] : kNoSlot;
  for (uint64_t r = m.ref_begin[o]; r < m.ref_begin[o + 1]; ++r) {
    ObjectIdx target = m.ref_target[r];
    if (target == kNoObject) continue;
    EdgeKind k = kind == ObjectKind::kClass  ? EdgeKind::kStatic
                 : m.ref_slot[r] == referent ? EdgeKind::kReferent
                                            : EdgeKind::kField;
    if (k == EdgeKind::kReferent && options.weak_refs == WeakRefs::kExclude) continue;
    emit(target, k);
  }
  if (kind == ObjectKind::kClass) {
    ClassIdx self = t.Find(m.object_id[o]);
    if (self == kNoClass) return;
    if (t.super[self] != kNoClass && mirror_of_class[t.super[self]] != kNoObject) {
      emit(mirror_of_class[t.super[self]], EdgeKind::kSuper);
    }
    if (t.loader_id[self] != 0) {
      ObjectIdx loader = m.Find(t.loader_id[self]);
      if (loader != kNoObject) emit(loader, EdgeKind::kLoader);
    }
    return;
  }
  if (c != kNoClass && mirror_of_class[c] != kNoObject) emit(mirror_of_class[c], EdgeKind::kClass);
  // A class loader retains the classes it defined (MAT's pseudo-edge), so a
  // leaked loader shows their statics in its retained size.
  if (c == kNoClass || !defined.loader_class[c]) return;
  auto it = std::lower_bound(defined.pairs.begin(), defined.pairs.end(), std::pair<ObjectIdx, ObjectIdx>{o, 0});
  for (; it != defined.pairs.end() && it->first == o; ++it) emit(it->second, EdgeKind::kDefined);
}

}  // namespace

Result<ObjectGraph> BuildObjectGraph(const HeapModel& m, const GraphOptions& options) {
  const uint64_t objects = m.object_count();
  if (objects >= kNoNode - 1) {
    return Error::BadInput(fmt::format("the dump has {} objects; heapscope's graph numbers at most {}",
                                       objects, kNoNode - 2));
  }
  const heap::ClassTable& t = m.scan.classes;
  std::vector<uint32_t> referent_slot = ReferentSlots(m);
  std::vector<ObjectIdx> mirror_of_class(t.size(), kNoObject);
  for (ClassIdx c = 0; c < t.size(); ++c) {
    if (t.class_id[c] != 0) mirror_of_class[c] = m.Find(t.class_id[c]);
  }
  DefinedClasses defined = ClassesByLoader(m, mirror_of_class);
  std::vector<ObjectIdx> roots;
  roots.reserve(m.roots.size());
  for (const heap::RootEntry& r : m.roots) roots.push_back(r.object);
  std::sort(roots.begin(), roots.end());
  roots.erase(std::unique(roots.begin(), roots.end()), roots.end());

  ObjectGraph g;
  g.node_count = objects + 1;
  // Pass 1: count edges per node.
  g.out_begin.resize(g.node_count + 1, 0);
  g.out_begin[1] = roots.size();
  for (ObjectIdx o = 0; o < objects; ++o) {
    uint64_t n = 0;
    ForEachEdge(m, o, referent_slot, mirror_of_class, defined, options, [&](ObjectIdx, EdgeKind) { ++n; });
    g.out_begin[o + 2] = n;
  }
  for (uint64_t n = 1; n <= g.node_count; ++n) g.out_begin[n] += g.out_begin[n - 1];
  const uint64_t edges = g.out_begin[g.node_count];
  // Pass 2: fill.
  g.out_target.resize(edges);
  g.out_kind.resize(edges);
  uint64_t e = 0;
  for (ObjectIdx r : roots) {
    g.out_target[e] = NodeOf(r);
    g.out_kind[e++] = static_cast<uint8_t>(EdgeKind::kRoot);
  }
  for (ObjectIdx o = 0; o < objects; ++o) {
    ForEachEdge(m, o, referent_slot, mirror_of_class, defined, options, [&](ObjectIdx target, EdgeKind k) {
      g.out_target[e] = NodeOf(target);
      g.out_kind[e++] = static_cast<uint8_t>(k);
    });
  }
  return g;
}

ReverseGraph BuildReverseGraph(const ObjectGraph& g) {
  ReverseGraph r;
  const uint64_t edges = g.out_target.size();
  r.in_begin.resize(g.node_count + 1, 0);
  for (uint64_t e = 0; e < edges; ++e) ++r.in_begin[g.out_target[e] + 1];
  for (uint64_t n = 1; n <= g.node_count; ++n) r.in_begin[n] += r.in_begin[n - 1];
  r.in_source.resize(edges);
  r.in_kind.resize(edges);
  // in_begin[t] walks from t's start to its end as t's edges are placed,
  // then everything shifts one place back: no second array of positions.
  for (NodeId n = 0; n < g.node_count; ++n) {
    for (uint64_t e = g.out_begin[n]; e < g.out_begin[n + 1]; ++e) {
      uint64_t at = r.in_begin[g.out_target[e]]++;
      r.in_source[at] = n;
      r.in_kind[at] = g.out_kind[e];
    }
  }
  for (uint64_t n = g.node_count; n > 0; --n) r.in_begin[n] = r.in_begin[n - 1];
  r.in_begin[0] = 0;
  return r;
}

std::string_view PseudoEdgeName(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::kClass: return "<class>";
    case EdgeKind::kSuper: return "<super>";
    case EdgeKind::kLoader: return "<classloader>";
    case EdgeKind::kDefined: return "<defined class>";
    default: return "";
  }
}

uint32_t ReferenceSlot(const HeapModel& m, NodeId source, NodeId target, EdgeKind kind, uint32_t occurrence) {
  if (source == kSuperRoot || target == kSuperRoot) return 0;
  if (kind != EdgeKind::kField && kind != EdgeKind::kStatic && kind != EdgeKind::kReferent) return 0;
  const ObjectIdx from = ObjectOf(source), to = ObjectOf(target);
  // Whether `from` is a java.lang.ref.Reference: asked only once a
  // reference to the target turns up.
  auto is_reference = [&] {
    if (static_cast<ObjectKind>(m.object_kind[from]) != ObjectKind::kInstance) return false;
    const heap::ClassTable& t = m.scan.classes;
    return t.IsSubclass(m.object_class[from], t.FindByName("java.lang.ref.Reference"));
  };
  int reference = -1;  // unknown yet
  for (uint64_t r = m.ref_begin[from]; r < m.ref_begin[from + 1]; ++r) {
    if (m.ref_target[r] != to) continue;
    if (reference < 0) reference = is_reference() ? 1 : 0;
    // A Reference whose referent is also held by another of its fields has
    // two edges to one node; the name tells them apart (a graph built with
    // --weak-refs=exclude lacks the referent edge, so counting alone could
    // name the wrong field).
    if (reference == 1 && (m.SlotName(from, m.ref_slot[r]) == "referent") != (kind == EdgeKind::kReferent)) continue;
    if (occurrence-- == 0) return m.ref_slot[r];
  }
  return 0;
}

}  // namespace heapscope::analysis
