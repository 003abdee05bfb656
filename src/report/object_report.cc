#include "report/object_report.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/object_labels.h"

namespace heapscope::report {

namespace {

std::string KindName(heap::ObjectKind kind) {
  switch (kind) {
    case heap::ObjectKind::kInstance: return "instance";
    case heap::ObjectKind::kObjectArray: return "object array";
    case heap::ObjectKind::kPrimitiveArray: return "primitive array";
    case heap::ObjectKind::kClass: return "class";
  }
  return "unknown";
}

// Cuts UTF-8 text after `max_chars` code points, never inside one.
bool CutUtf8(std::string& s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<uint8_t>(s[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars++ == max_chars) {
      s.resize(i);
      return true;
    }
  }
  return false;
}

std::string FieldsKey(heap::ObjectKind kind) {
  if (kind == heap::ObjectKind::kClass) return "static_fields";
  if (kind == heap::ObjectKind::kInstance) return "fields";
  return "elements";
}

}  // namespace

ObjectDetails DescribeObject(const heap::HeapModel& model, const analysis::ReverseGraph& reverse,
                             const analysis::DominatorTree& tree, heap::ObjectIdx o) {
  ObjectDetails d;
  d.object = o;
  auto kind = static_cast<heap::ObjectKind>(model.object_kind[o]);
  d.kind = KindName(kind);
  d.shallow_size = model.shallow_size[o];
  const analysis::NodeId node = analysis::NodeOf(o);
  d.reachable = tree.Reachable(node);
  if (d.reachable) {
    d.retained_size = tree.retained[node];
    analysis::NodeId idom = tree.idom[node];
    if (idom == analysis::kSuperRoot) d.dominated_by_roots = true;
    else if (idom != analysis::kNoNode) d.dominator = analysis::ObjectOf(idom);
  }
  d.string_value = model.StringValue(o);
  if (d.string_value) d.string_cut = CutUtf8(*d.string_value, kMaxStringChars);
  d.array_length = model.array_length[o];
  switch (kind) {
    case heap::ObjectKind::kInstance: d.fields = InstanceFields(model, o); break;
    case heap::ObjectKind::kClass: d.fields = StaticFields(model, o); break;
    case heap::ObjectKind::kObjectArray:
    case heap::ObjectKind::kPrimitiveArray: d.fields = ArrayElements(model, o, kMaxArrayElements); break;
  }
  for (FieldValue& v : d.fields) {
    if (v.type != hprof::BasicType::kObject || v.object == heap::kNoObject) continue;
    v.string = model.StringValue(v.object);
    if (v.string) CutUtf8(*v.string, kMaxStringChars);
  }
  for (uint64_t e = reverse.in_begin[node]; e < reverse.in_begin[node + 1]; ++e) {
    auto edge = static_cast<analysis::EdgeKind>(reverse.in_kind[e]);
    if (edge != analysis::EdgeKind::kField && edge != analysis::EdgeKind::kStatic &&
        edge != analysis::EdgeKind::kReferent) {
      continue;
    }
    ++d.referrer_count;
    if (d.referrers.size() == kMaxReferrers) continue;
    const analysis::NodeId source = reverse.in_source[e];
    // Edges from one source are listed together in model order: the k-th
    // of a kind is the k-th such model reference.
    uint32_t occurrence = 0;
    for (uint64_t p = e; p > reverse.in_begin[node] && reverse.in_source[p - 1] == source; --p) {
      occurrence += reverse.in_kind[p - 1] == reverse.in_kind[e];
    }
    const uint32_t slot = analysis::ReferenceSlot(model, source, node, edge, occurrence);
    d.referrers.push_back({analysis::ObjectOf(source), model.SlotName(analysis::ObjectOf(source), slot)});
  }
  d.roots = RootLabels(model, RootsOf(model, o));
  return d;
}

nlohmann::ordered_json ObjectJson(const heap::HeapModel& model, const ObjectDetails& d) {
  using Json = nlohmann::ordered_json;
  auto kind = static_cast<heap::ObjectKind>(model.object_kind[d.object]);
  Json j;
  j["id"] = HexId(model, d.object);
  j["class"] = ObjectClassName(model, d.object);
  j["kind"] = d.kind;
  j["shallow_bytes"] = d.shallow_size;
  j["retained_bytes"] = d.retained_size;
  j["reachable"] = d.reachable;
  if (d.dominator != heap::kNoObject) {
    j["dominator"] = {{"id", HexId(model, d.dominator)}, {"class", ObjectClassName(model, d.dominator)}};
  } else if (d.dominated_by_roots) {
    j["dominator"] = {{"id", nullptr}, {"class", "<GC roots>"}};
  } else {
    j["dominator"] = nullptr;
  }
  j["gc_roots"] = d.roots;
  if (d.string_value) {
    j["string"] = *d.string_value;
    j["string_truncated"] = d.string_cut;
  }
  if (kind == heap::ObjectKind::kObjectArray || kind == heap::ObjectKind::kPrimitiveArray) {
    j["array_length"] = d.array_length;
  }
  Json fields = Json::array();
  for (const FieldValue& v : d.fields) {
    Json f = {{"name", v.name}, {"type", TypeName(v.type)}, {"value", ValueJson(v)}};
    if (v.type == hprof::BasicType::kObject && v.object != heap::kNoObject) f["class"] = ObjectClassName(model, v.object);
    if (v.string) f["string"] = *v.string;
    if (!v.known) f["known"] = false;
    fields.push_back(std::move(f));
  }
  j[FieldsKey(kind)] = std::move(fields);
  Json referrers = Json::array();
  for (const Referrer& r : d.referrers) {
    referrers.push_back({{"id", HexId(model, r.object)}, {"class", ObjectClassName(model, r.object)}, {"field", r.field}});
  }
  j["referrers"] = std::move(referrers);
  j["referrer_count"] = d.referrer_count;
  return j;
}

std::string ObjectText(const heap::HeapModel& model, const ObjectDetails& d) {
  auto kind = static_cast<heap::ObjectKind>(model.object_kind[d.object]);
  std::string out = fmt::format("{} {} ({})\n", HexId(model, d.object), ObjectClassName(model, d.object), d.kind);
  out += fmt::format("  shallow size:   {} bytes\n", d.shallow_size);
  if (d.reachable) {
    out += fmt::format("  retained size:  {} bytes\n", d.retained_size);
  } else {
    out += "  retained size:  - (unreachable from GC roots)\n";
  }
  if (d.dominator != heap::kNoObject) {
    out += fmt::format("  dominator:      {} ({})\n", HexId(model, d.dominator), ObjectClassName(model, d.dominator));
  } else if (d.dominated_by_roots) {
    out += "  dominator:      <GC roots> (no single object keeps it alive)\n";
  }
  if (!d.roots.empty()) out += fmt::format("  GC root:        {}\n", fmt::join(d.roots, ", "));
  if (d.string_value) out += fmt::format("  value:          {}{}\n", QuotedText(*d.string_value), d.string_cut ? "..." : "");
  if (kind == heap::ObjectKind::kObjectArray || kind == heap::ObjectKind::kPrimitiveArray) {
    out += fmt::format("  length:         {}\n", d.array_length);
  }
  if (!d.fields.empty()) {
    const char* title = kind == heap::ObjectKind::kClass      ? "static fields"
                        : kind == heap::ObjectKind::kInstance ? "fields"
                                                              : "first elements";
    out += fmt::format("{}:\n", title);
    size_t name_width = 0, type_width = 0;
    for (const FieldValue& v : d.fields) {
      name_width = std::max(name_width, v.name.size());
      type_width = std::max(type_width, TypeName(v.type).size());
    }
    for (const FieldValue& v : d.fields) {
      out += fmt::format("  {:<{}}  {:<{}}  {}\n", v.name, name_width, TypeName(v.type), type_width,
                         ValueText(model, v));
    }
  }
  out += fmt::format("referrers ({}{}):\n", d.referrer_count,
                     d.referrers.size() < d.referrer_count ? fmt::format(", first {} shown", d.referrers.size()) : "");
  if (d.referrers.empty()) out += "  none\n";
  for (const Referrer& r : d.referrers) {
    out += fmt::format("  {} {}  {}\n", HexId(model, r.object), ObjectClassName(model, r.object), r.field);
  }
  return out;
}

}  // namespace heapscope::report
