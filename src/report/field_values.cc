#include "report/field_values.h"

#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "report/object_labels.h"

namespace heapscope::report {

namespace {

using hprof::BasicType;

uint64_t LoadBigEndian(const uint8_t* p, uint32_t size) {
  uint64_t v = 0;
  for (uint32_t b = 0; b < size; ++b) v = (v << 8) | p[b];
  return v;
}

std::string NameOf(const heap::HeapModel& model, uint64_t name_id) {
  auto it = model.scan.names.find(name_id);
  return it == model.scan.names.end() ? fmt::format("<name 0x{:x}>", name_id) : it->second;
}

void SetReference(const heap::HeapModel& model, FieldValue& v, uint64_t id) {
  v.bits = id;
  v.object = id == 0 ? heap::kNoObject : model.Find(id);
}

// A reference slot's value from the model's reference list, for objects
// whose bytes were not kept. The model lists only non-null references, so a
// slot that is absent is null; one that is present but resolved to no
// object lost its id, so its value is unknown.
void ReferenceFromList(const heap::HeapModel& model, heap::ObjectIdx o, uint32_t slot, FieldValue& v) {
  for (uint64_t r = model.ref_begin[o]; r < model.ref_begin[o + 1]; ++r) {
    if (model.ref_slot[r] != slot) continue;
    heap::ObjectIdx target = model.ref_target[r];
    if (target == heap::kNoObject) {
      v.known = false;
    } else {
      v.bits = model.object_id[target];
      v.object = target;
    }
    return;
  }
}

// UTF-8 of one UTF-16 code unit; a lone surrogate becomes U+FFFD.
std::string CharUtf8(uint32_t unit) {
  if (unit >= 0xD800 && unit < 0xE000) unit = 0xFFFD;
  std::string s;
  if (unit < 0x80) {
    s += static_cast<char>(unit);
  } else if (unit < 0x800) {
    s += static_cast<char>(0xC0 | (unit >> 6));
    s += static_cast<char>(0x80 | (unit & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (unit >> 12));
    s += static_cast<char>(0x80 | ((unit >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (unit & 0x3F));
  }
  return s;
}

}  // namespace

std::vector<FieldValue> InstanceFields(const heap::HeapModel& model, heap::ObjectIdx o) {
  std::vector<FieldValue> out;
  heap::ClassIdx c = model.object_class[o];
  if (c == heap::kNoClass) return out;
  std::span<const uint8_t> data = model.ObjectData(o);
  const uint32_t id_size = model.scan.read.header.id_size;
  uint64_t offset = 0;
  std::vector<heap::FieldInfo> chain = model.scan.classes.InstanceFieldChain(c);
  for (uint32_t slot = 0; slot < chain.size(); ++slot) {
    const heap::FieldInfo& f = chain[slot];
    const uint32_t size = hprof::BasicTypeSize(static_cast<uint8_t>(f.type), id_size);
    FieldValue v;
    v.name = NameOf(model, f.name_id);
    v.type = f.type;
    if (offset + size <= data.size()) {
      uint64_t bits = LoadBigEndian(data.data() + offset, size);
      if (f.type == BasicType::kObject) SetReference(model, v, bits);
      else v.bits = bits;
    } else if (f.type == BasicType::kObject) {
      ReferenceFromList(model, o, slot, v);
    } else {
      v.known = false;
    }
    offset += size;
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<FieldValue> StaticFields(const heap::HeapModel& model, heap::ObjectIdx mirror) {
  std::vector<FieldValue> out;
  heap::ClassIdx c = MirroredClass(model, mirror);
  if (c == heap::kNoClass) return out;
  const heap::ClassTable& t = model.scan.classes;
  for (uint32_t s = t.static_begin[c]; s < t.static_begin[c + 1]; ++s) {
    const hprof::StaticField& f = t.statics[s];
    FieldValue v;
    v.name = NameOf(model, f.name_id);
    v.type = f.type;
    if (f.type == BasicType::kObject) SetReference(model, v, f.value);
    else v.bits = f.value;
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<FieldValue> ArrayElements(const heap::HeapModel& model, heap::ObjectIdx array, uint32_t limit) {
  std::vector<FieldValue> out;
  auto kind = static_cast<heap::ObjectKind>(model.object_kind[array]);
  heap::ClassIdx c = model.object_class[array];
  if (kind != heap::ObjectKind::kObjectArray && kind != heap::ObjectKind::kPrimitiveArray) return out;
  if (kind == heap::ObjectKind::kPrimitiveArray && c == heap::kNoClass) return out;
  const BasicType type = kind == heap::ObjectKind::kObjectArray
                             ? BasicType::kObject
                             : static_cast<BasicType>(model.scan.classes.array_elem[c]);
  const uint32_t size = hprof::BasicTypeSize(static_cast<uint8_t>(type), model.scan.read.header.id_size);
  const uint32_t n = std::min(model.array_length[array], limit);
  std::span<const uint8_t> data = model.ObjectData(array);
  const bool have_bytes = size != 0 && data.size() >= uint64_t{n} * size;
  for (uint32_t i = 0; i < n; ++i) {
    FieldValue v;
    v.name = fmt::format("[{}]", i);
    v.type = type;
    if (have_bytes) {
      uint64_t bits = LoadBigEndian(data.data() + uint64_t{i} * size, size);
      if (type == BasicType::kObject) SetReference(model, v, bits);
      else v.bits = bits;
    } else if (type == BasicType::kObject) {
      ReferenceFromList(model, array, i, v);
    } else {
      v.known = false;
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::string TypeName(BasicType type) {
  if (type == BasicType::kObject) return "object";
  std::string_view name = hprof::BasicTypeName(type);
  return name.empty() ? "unknown" : std::string(name);
}

std::string ValueText(const heap::HeapModel& model, const FieldValue& v) {
  if (!v.known) return "? (not kept)";
  switch (v.type) {
    case BasicType::kObject:
      if (v.bits == 0) return "null";
      if (v.object == heap::kNoObject) return fmt::format("0x{:x} (not in the dump)", v.bits);
      if (v.string) {
        return fmt::format("{} ({}) {}", HexId(model, v.object), ObjectClassName(model, v.object), QuotedText(*v.string));
      }
      return fmt::format("{} ({})", HexId(model, v.object), ObjectClassName(model, v.object));
    case BasicType::kBoolean: return v.bits ? "true" : "false";
    case BasicType::kChar:
      if (v.bits >= 0x20 && v.bits < 0x7F) return fmt::format("'{}'", static_cast<char>(v.bits));
      return fmt::format("'\\u{:04x}'", v.bits);
    case BasicType::kFloat: return fmt::format("{}", std::bit_cast<float>(static_cast<uint32_t>(v.bits)));
    case BasicType::kDouble: return fmt::format("{}", std::bit_cast<double>(v.bits));
    case BasicType::kByte: return fmt::format("{}", static_cast<int8_t>(v.bits));
    case BasicType::kShort: return fmt::format("{}", static_cast<int16_t>(v.bits));
    case BasicType::kInt: return fmt::format("{}", static_cast<int32_t>(v.bits));
    case BasicType::kLong: return fmt::format("{}", static_cast<int64_t>(v.bits));
  }
  return fmt::format("0x{:x}", v.bits);
}

std::string QuotedText(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    auto byte = static_cast<uint8_t>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7F) {
      out += fmt::format("\\u{:04x}", byte);
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

nlohmann::ordered_json ValueJson(const FieldValue& v) {
  if (!v.known) return nullptr;
  switch (v.type) {
    case BasicType::kObject:
      if (v.bits == 0) return nullptr;
      return fmt::format("0x{:x}", v.bits);
    case BasicType::kBoolean: return v.bits != 0;
    case BasicType::kChar: return CharUtf8(static_cast<uint32_t>(v.bits & 0xFFFF));
    case BasicType::kFloat: return std::bit_cast<float>(static_cast<uint32_t>(v.bits));
    case BasicType::kDouble: return std::bit_cast<double>(v.bits);
    case BasicType::kByte: return static_cast<int8_t>(v.bits);
    case BasicType::kShort: return static_cast<int16_t>(v.bits);
    case BasicType::kInt: return static_cast<int32_t>(v.bits);
    case BasicType::kLong: return static_cast<int64_t>(v.bits);
  }
  return nullptr;
}

}  // namespace heapscope::report
