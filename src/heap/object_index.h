// heap/object_index.h - finds an object by the id the dump gave it.
//
// Ids are addresses (HotSpot) or arbitrary numbers (ART); objects are
// numbered in dump order. The index holds the ids sorted, with their object
// numbers, plus a bucket table over the id range so a look-up binary-searches
// a few entries instead of all of them (Find was a tenth of graph building
// time with a plain binary search over 29M ids). Read-only once built.
#ifndef HEAPSCOPE_HEAP_OBJECT_INDEX_H_
#define HEAPSCOPE_HEAP_OBJECT_INDEX_H_

#include <cstdint>
#include <span>

#include "heap/column.h"

namespace heapscope::heap {

class ObjectIndex {
 public:
  static constexpr uint64_t kNotFound = ~uint64_t{0};

  // `ids[o]` is the id of object o.
  static ObjectIndex Build(std::span<const uint64_t> ids);

  uint64_t Find(uint64_t id) const;

  // The columns, for persisting and reopening.
  Column<uint64_t> sorted_ids;
  Column<uint64_t> sorted_objects;
  Column<uint64_t> bucket_begin;  // bucket b covers ids base + [b << shift, (b + 1) << shift)
  uint64_t base = 0;
  uint32_t shift = 0;
};

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_OBJECT_INDEX_H_
