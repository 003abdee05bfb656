// heap/class_sizes.h - the JVM's size of one instance of every class, from
// the field-layout model and the address spacing observed in the dump.
//
// Used by the heap scan once the layout is known; docs/SIZES.md describes
// the rules. Fills ClassTable::instance_size for instance classes.
#ifndef HEAPSCOPE_HEAP_CLASS_SIZES_H_
#define HEAPSCOPE_HEAP_CLASS_SIZES_H_

#include <cstdint>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "heap/class_table.h"
#include "heap/jvm_layout.h"

namespace heapscope::heap {

using NameTable = absl::flat_hash_map<uint64_t, std::string>;

// What the dump showed about one class's instances.
struct SpacingEvidence {
  uint64_t count = 0;
  uint64_t min_gap = UINT64_MAX;  // smallest distance to the next object; MAX = none seen
  uint64_t at_min = 0;            // instances spaced exactly min_gap
};

// With compact object headers (JDK 24+), an object whose identity hash was
// taken and that a GC then moved grows by one word to keep the hash.
inline constexpr uint64_t kHashGrowth = 8;

// The declared fields of c and its superclasses, root first, with the
// fields HotSpot injects added and, when `contended` is set, the known
// @Contended fields split off.
std::vector<ClassFieldTypes> ModelChain(const ClassTable& t, const NameTable& names, ClassIdx c,
                                        bool contended);

struct SizingCounts {
  uint64_t from_spacing = 0;
  uint64_t from_model = 0;
};

// Sets t.instance_size for every instance class. `evidence` is keyed by
// class id.
SizingCounts SizeInstanceClasses(ClassTable& t, const NameTable& names, const JvmLayout& layout,
                                 const absl::flat_hash_map<uint64_t, SpacingEvidence>& evidence);

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_CLASS_SIZES_H_
