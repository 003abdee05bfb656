#include "analysis/instance_fields.h"

namespace heapscope::analysis {

const InstanceFields::Slot& InstanceFields::Locate(heap::ClassIdx c, std::string_view name) {
  auto it = slots_.find(absl::string_view(name.data(), name.size()));
  if (it == slots_.end()) it = slots_.try_emplace(std::string(name), model_.scan.classes.size()).first;
  Slot& slot = it->second[c];
  if (slot.resolved) return slot;
  slot.resolved = true;
  const uint32_t id_size = model_.scan.read.header.id_size;
  uint32_t offset = 0;
  for (const heap::FieldInfo& f : model_.scan.classes.InstanceFieldChain(c)) {
    const uint32_t size = hprof::BasicTypeSize(static_cast<uint8_t>(f.type), id_size);
    auto n = model_.scan.names.find(f.name_id);
    if (n != model_.scan.names.end() && n->second == name) {
      slot = {offset, static_cast<uint8_t>(size), f.type == hprof::BasicType::kObject, true};
      break;
    }
    offset += size;
  }
  return slot;
}

std::optional<uint64_t> InstanceFields::Raw(heap::ObjectIdx o, std::string_view name) {
  if (o == heap::kNoObject || static_cast<heap::ObjectKind>(model_.object_kind[o]) != heap::ObjectKind::kInstance) {
    return std::nullopt;
  }
  const heap::ClassIdx c = model_.object_class[o];
  if (c == heap::kNoClass) return std::nullopt;
  const Slot& slot = Locate(c, name);
  if (slot.size == 0) return std::nullopt;
  std::span<const uint8_t> data = model_.ObjectData(o);
  if (uint64_t{slot.offset} + slot.size > data.size()) return std::nullopt;
  uint64_t v = 0;
  for (uint32_t b = 0; b < slot.size; ++b) v = (v << 8) | data[slot.offset + b];
  return v;
}

std::optional<int64_t> InstanceFields::Int(heap::ObjectIdx o, std::string_view name) {
  auto raw = Raw(o, name);
  if (!raw) return std::nullopt;
  const Slot& slot = Locate(model_.object_class[o], name);
  if (slot.is_object) return std::nullopt;
  switch (slot.size) {
    case 1: return static_cast<int8_t>(*raw);
    case 2: return static_cast<int16_t>(*raw);
    case 4: return static_cast<int32_t>(*raw);
    default: return static_cast<int64_t>(*raw);
  }
}

heap::ObjectIdx InstanceFields::Ref(heap::ObjectIdx o, std::string_view name) {
  auto raw = Raw(o, name);
  if (!raw || *raw == 0 || !Locate(model_.object_class[o], name).is_object) return heap::kNoObject;
  return model_.Find(*raw);
}

}  // namespace heapscope::analysis
