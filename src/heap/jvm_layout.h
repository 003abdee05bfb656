// heap/jvm_layout.h - how the dumped JVM laid out objects in memory, and the
// shallow sizes that follow from it.
//
// HotSpot writes 8-byte ids whatever the real layout, and its CLASS_DUMP
// "instance size" counts fields at their dump sizes, so neither tells the
// real size. The layout is inferred from the dump itself (InferJvmLayout):
// object addresses are real addresses, and the spacing of consecutive
// objects shows their true sizes. docs/SIZES.md explains the inference.
#ifndef HEAPSCOPE_HEAP_JVM_LAYOUT_H_
#define HEAPSCOPE_HEAP_JVM_LAYOUT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hprof/tags.h"

namespace heapscope::heap {

struct JvmLayout {
  std::string name;                 // e.g. "compressed oops + compressed class pointers"
  uint32_t header_bytes = 12;       // where instance fields start
  uint32_t array_length_offset = 12;
  uint32_t ref_size = 4;            // 4 with compressed oops
  bool word_aligned_array_base = false;  // HotSpot before JDK 22 rounds array bases to 8
  bool compact_headers = false;
  uint32_t alignment = 8;           // ObjectAlignmentInBytes

  uint64_t Align(uint64_t n) const { return (n + alignment - 1) / alignment * alignment; }
  uint32_t ArrayBase(uint32_t elem_size) const;
  uint64_t ArraySize(uint32_t elem_size, uint64_t length) const {
    return Align(ArrayBase(elem_size) + length * elem_size);
  }
  // Size of an array whose length has residue `length_mod_64` mod 64 and
  // whose total element count is accounted separately: the padding part.
  uint64_t ArrayPadding(uint32_t elem_size, uint64_t length_mod_64) const;
  // JVM size of one field of a dump basic type.
  uint32_t FieldSize(hprof::BasicType type) const;
  bool compressed_oops() const { return ref_size == 4; }
};

// Every layout we know of for the dump's id size, most common first.
std::vector<JvmLayout> CandidateLayouts(uint32_t id_size);

// Field types of one class's declared instance fields, as laid out.
struct ClassFieldTypes {
  std::vector<hprof::BasicType> regular;
  // @Contended fields: laid out after the regular ones as one group, with
  // ContendedPaddingWidth (128) bytes of padding before and after.
  std::vector<hprof::BasicType> contended;
};

struct ModelLayout {
  uint64_t size;       // aligned instance size
  uint64_t field_end;  // end of the last field: where a subclass's fields start
};

// The layout HotSpot's field layout (JDK 15+: larger fields first,
// subclasses filling the superclass's holes) gives a class whose chain of
// declared fields is `chain`, root class first, starting at `start` (the
// object header when 0). Fields the JVM injects and @Contended padding are
// in no dump: callers add what they know (HotSpotInjectedFields,
// HotSpotContendedFields); address spacing corrects the rest.
ModelLayout ModelInstanceLayout(const JvmLayout& layout, std::span<const ClassFieldTypes> chain,
                                uint64_t start = 0);
inline uint64_t ModelInstanceSize(const JvmLayout& layout, std::span<const ClassFieldTypes> chain) {
  return ModelInstanceLayout(layout, chain).size;
}

// Names of the @Contended fields of a JDK class ("*" alone: the whole class
// is @Contended). Empty for other classes.
std::span<const std::string_view> HotSpotContendedFields(std::string_view class_name);

// Fields HotSpot adds to a few JDK classes (javaClasses.hpp's *_INJECTED_FIELDS):
// ClassLoader.loader_data, Throwable.depth, MemberName.vmindex and so on.
// Some JDKs' dumps list them and some don't; callers add the ones a
// CLASS_DUMP lacks. Empty for other classes.
struct InjectedField {
  std::string_view name;
  hprof::BasicType type;
};
std::span<const InjectedField> HotSpotInjectedFields(std::string_view class_name);

// Spacing evidence for array layouts: one array and the distance to the
// object that followed it in the dump.
struct ArraySample {
  uint32_t elem_size;  // 1, 2, 4, 8; 0 for object arrays (ref size unknown)
  uint32_t length;
  uint64_t gap;
};

// Evidence for instance layouts: a class's model sizes under each candidate
// and the smallest spacing seen after one of its instances.
struct InstanceSample {
  std::vector<uint64_t> model_sizes;  // per candidate
  uint64_t min_gap;
};

// Picks the candidate that explains the samples best: none of its sizes may
// exceed an observed spacing, and most should equal one. `address_bits` is
// the OR of all object addresses, which gives the alignment.
JvmLayout InferJvmLayout(const std::vector<JvmLayout>& candidates,
                         std::span<const ArraySample> arrays,
                         std::span<const InstanceSample> instances, uint64_t address_bits,
                         std::string* reasoning);

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_JVM_LAYOUT_H_
