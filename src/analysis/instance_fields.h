// analysis/instance_fields.h - reads named fields of many instances fast.
//
// HeapModel::FieldValue walks the class's field chain on every call, which
// is fine for one object and too slow for every HashMap of a large heap.
// InstanceFields resolves (class, field name) to an offset once and caches
// it. Not thread-safe (the cache); one per thread.
#ifndef HEAPSCOPE_ANALYSIS_INSTANCE_FIELDS_H_
#define HEAPSCOPE_ANALYSIS_INSTANCE_FIELDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "heap/heap_model.h"

namespace heapscope::analysis {

class InstanceFields {
 public:
  explicit InstanceFields(const heap::HeapModel& model) : model_(model) {}

  // The raw value bits of field `name` of instance o (nearest declaration
  // wins); nullopt when o is no instance or its class has no such field.
  std::optional<uint64_t> Raw(heap::ObjectIdx o, std::string_view name);
  // An int (or shorter integral) field, sign-extended.
  std::optional<int64_t> Int(heap::ObjectIdx o, std::string_view name);
  // A reference field as an object; kNoObject when null, dangling or absent.
  heap::ObjectIdx Ref(heap::ObjectIdx o, std::string_view name);

  const heap::HeapModel& model() const { return model_; }

 private:
  struct Slot {
    uint32_t offset = 0;
    uint8_t size = 0;  // 0: no such field
    bool is_object = false;
    bool resolved = false;
  };
  const Slot& Locate(heap::ClassIdx c, std::string_view name);

  const heap::HeapModel& model_;
  // Per field name, a slot per class: the look-up a hot loop pays is one
  // hash of the name (no allocation) and an index.
  absl::flat_hash_map<std::string, std::vector<Slot>> slots_;
};

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_INSTANCE_FIELDS_H_
