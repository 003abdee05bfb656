// heap/field_layout.h - where each field of a class's instances sits in the
// instance data of a dump.
//
// Computed once per class, so passes that read every instance (the model
// build, redaction, secret holders) index an array instead of walking the
// superclass chain per object.
#ifndef HEAPSCOPE_HEAP_FIELD_LAYOUT_H_
#define HEAPSCOPE_HEAP_FIELD_LAYOUT_H_

#include <cstdint>
#include <vector>

#include "heap/class_table.h"

namespace heapscope::heap {

struct FieldPlace {
  uint32_t offset;        // bytes from the start of the instance data
  uint32_t slot;          // position in InstanceFieldChain
  uint32_t field;         // index into ClassTable::fields (for the name)
  ClassIdx declared_by;
  hprof::BasicType type;
  uint8_t size;           // bytes in the dump
};

// Per class, every instance field in dump order; `id_size` from the header.
std::vector<std::vector<FieldPlace>> InstanceFieldPlaces(const ClassTable& t, uint32_t id_size);

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_FIELD_LAYOUT_H_
