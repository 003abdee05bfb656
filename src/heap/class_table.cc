#include "heap/class_table.h"

#include <algorithm>

#include <fmt/format.h>

#include "heap/java_names.h"

namespace heapscope::heap {

using hprof::BasicType;

ClassDumpCopy ClassDumpCopy::From(const hprof::ClassDumpRecord& r) {
  ClassDumpCopy c{r.class_id, r.super_id, r.loader_id, r.instance_size, {}, {}};
  c.statics.assign(r.statics.begin(), r.statics.end());
  c.fields.reserve(r.fields.size());
  for (const auto& f : r.fields) c.fields.push_back({f.name_id, f.type});
  return c;
}

ClassIdx ClassTable::FindByName(std::string_view java_name) const {
  for (ClassIdx c = 0; c < name.size(); ++c) {
    if (name[c] == java_name) return c;
  }
  return kNoClass;
}

std::vector<FieldInfo> ClassTable::InstanceFieldChain(ClassIdx c) const {
  std::vector<FieldInfo> out;
  size_t guard = 0;
  while (c != kNoClass && guard++ < size()) {
    out.insert(out.end(), fields.begin() + field_begin[c], fields.begin() + field_begin[c + 1]);
    c = super[c];
  }
  return out;
}

bool ClassTable::IsSubclass(ClassIdx c, ClassIdx ancestor) const {
  if (ancestor == kNoClass) return false;
  size_t guard = 0;
  for (; c != kNoClass && guard++ < size(); c = super[c]) {
    if (c == ancestor) return true;
  }
  return false;
}

namespace {
uint8_t ElementTypeOf(std::string_view java_name, uint8_t* dims) {
  *dims = 0;
  size_t n = java_name.size();
  while (n >= 2 && java_name.substr(n - 2) == "[]") {
    ++*dims;
    n -= 2;
  }
  if (*dims == 0) return 0;
  if (*dims > 1) return static_cast<uint8_t>(BasicType::kObject);
  static constexpr std::pair<std::string_view, BasicType> kPrims[] = {
      {"boolean", BasicType::kBoolean}, {"char", BasicType::kChar},   {"float", BasicType::kFloat},
      {"double", BasicType::kDouble},   {"byte", BasicType::kByte},   {"short", BasicType::kShort},
      {"int", BasicType::kInt},         {"long", BasicType::kLong}};
  std::string_view base = java_name.substr(0, n);
  for (auto [prim, type] : kPrims) {
    if (base == prim) return static_cast<uint8_t>(type);
  }
  return static_cast<uint8_t>(BasicType::kObject);
}
}  // namespace

ClassTable BuildClassTable(std::vector<ClassDumpCopy> dumps,
                           const absl::flat_hash_map<uint64_t, std::string>& names,
                           const absl::flat_hash_map<uint64_t, uint64_t>& class_name_ids) {
  // Dump order differs between runs of a parallel read; sort for stable output.
  std::sort(dumps.begin(), dumps.end(),
            [](const ClassDumpCopy& a, const ClassDumpCopy& b) { return a.class_id < b.class_id; });
  ClassTable t;
  auto add_row = [&](uint64_t id, std::string name) {
    ClassIdx idx = static_cast<ClassIdx>(t.name.size());
    t.class_id.push_back(id);
    uint8_t dims = 0;
    t.array_elem.push_back(ElementTypeOf(name, &dims));
    t.array_dims.push_back(dims);
    t.name.push_back(std::move(name));
    t.super.push_back(kNoClass);
    t.loader_id.push_back(0);
    t.dump_instance_size.push_back(0);
    t.instance_size.push_back(0);
    return idx;
  };
  for (const ClassDumpCopy& d : dumps) {
    if (t.by_id.contains(d.class_id)) continue;  // a duplicate CLASS_DUMP adds nothing
    std::string name;
    auto nid = class_name_ids.find(d.class_id);
    if (nid != class_name_ids.end()) {
      auto text = names.find(nid->second);
      if (text != names.end()) name = JavaClassName(text->second);
    }
    if (name.empty()) name = fmt::format("unknown-class@0x{:x}", d.class_id);
    ClassIdx idx = add_row(d.class_id, std::move(name));
    t.by_id.emplace(d.class_id, idx);
    t.loader_id[idx] = d.loader_id;
    t.dump_instance_size[idx] = d.instance_size;
  }
  // Primitive arrays have no class id in PRIM_ARRAY_DUMP: key them by type.
  for (uint8_t type = 4; type <= 11; ++type) {
    std::string name = PrimitiveArrayName(static_cast<BasicType>(type));
    ClassIdx found = kNoClass;
    for (ClassIdx c = 0; c < t.size(); ++c) {
      if (t.name[c] == name) { found = c; break; }
    }
    if (found == kNoClass) found = add_row(0, name);
    t.primitive_array[type] = found;
  }
  t.field_begin.assign(t.size() + 1, 0);
  t.static_begin.assign(t.size() + 1, 0);
  std::vector<const ClassDumpCopy*> dump_of(t.size(), nullptr);
  for (const ClassDumpCopy& d : dumps) {
    ClassIdx idx = t.Find(d.class_id);
    if (idx != kNoClass && !dump_of[idx]) dump_of[idx] = &d;
  }
  for (ClassIdx c = 0; c < t.size(); ++c) {
    const ClassDumpCopy* d = dump_of[c];
    t.field_begin[c] = static_cast<uint32_t>(t.fields.size());
    t.static_begin[c] = static_cast<uint32_t>(t.statics.size());
    if (!d) continue;
    t.super[c] = d->super_id ? t.Find(d->super_id) : kNoClass;
    t.fields.insert(t.fields.end(), d->fields.begin(), d->fields.end());
    t.statics.insert(t.statics.end(), d->statics.begin(), d->statics.end());
  }
  t.field_begin[t.size()] = static_cast<uint32_t>(t.fields.size());
  t.static_begin[t.size()] = static_cast<uint32_t>(t.statics.size());
  t.java_lang_class = t.FindByName("java.lang.Class");
  t.java_lang_string = t.FindByName("java.lang.String");
  return t;
}

}  // namespace heapscope::heap
