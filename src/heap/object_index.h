// heap/object_index.h - finds an object by the id the dump gave it.
//
// Ids are addresses (HotSpot) or arbitrary numbers (ART); objects are
// numbered in dump order. The index holds the object numbers sorted by id,
// plus a bucket table over the id range so a look-up binary-searches a few
// entries instead of all of them (Find was a tenth of graph building time
// with a plain binary search over 29M ids). It keeps no copy of the ids:
// they are the model's object_id column, which every Find is given, so the
// index costs 4 bytes per object (plus at most 4 per bucket, and there are
// no more buckets than objects). Object numbers are 32-bit here: at most
// kMaxObjects objects (BuildHeapModel refuses larger dumps). Read-only once
// built.
#ifndef HEAPSCOPE_HEAP_OBJECT_INDEX_H_
#define HEAPSCOPE_HEAP_OBJECT_INDEX_H_

#include <cstdint>
#include <span>

#include "heap/column.h"

namespace heapscope::heap {

class ObjectIndex {
 public:
  static constexpr uint64_t kNotFound = ~uint64_t{0};
  // Most objects an index can hold: object numbers and bucket bounds are
  // 32-bit (the graph's node ids are too, with the same headroom).
  static constexpr uint64_t kMaxObjects = uint64_t{UINT32_MAX} - 1;

  // `ids[o]` is the id of object o; ids.size() <= kMaxObjects (the caller
  // checks: see BuildHeapModel).
  static ObjectIndex Build(std::span<const uint64_t> ids);

  // The object with this id, kNotFound if none; of objects sharing an id,
  // the lowest-numbered. `ids` must be the column the index was built from
  // (HeapModel::Find passes object_id): it is taken at each call rather
  // than kept, so the index holds no pointer into a model that is moved.
  uint64_t Find(std::span<const uint64_t> ids, uint64_t id) const;

  // The columns, for persisting and reopening.
  Column<uint32_t> sorted_objects;  // object numbers by (id, object number)
  Column<uint32_t> bucket_begin;    // bucket b: sorted_objects [bucket_begin[b], bucket_begin[b + 1]),
                                    // the ids base + [b << shift, (b + 1) << shift)
  uint64_t base = 0;
  uint32_t shift = 0;
};

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_OBJECT_INDEX_H_
