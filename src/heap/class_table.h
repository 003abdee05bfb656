// heap/class_table.h - every class in a dump, as columns indexed by a dense
// class number (ClassIdx).
//
// Built once from CLASS_DUMP, LOAD_CLASS and UTF8 records; read-only after
// Finish(). Instance sizes are filled in by ClassSizes once the JVM layout is
// known. Primitive array "classes" (int[] ...) are rows too, so histograms
// can key everything by ClassIdx.
#ifndef HEAPSCOPE_HEAP_CLASS_TABLE_H_
#define HEAPSCOPE_HEAP_CLASS_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "hprof/records.h"
#include "hprof/tags.h"

namespace heapscope::heap {

using ClassIdx = uint32_t;
inline constexpr ClassIdx kNoClass = ~ClassIdx{0};

struct FieldInfo {
  uint64_t name_id;
  hprof::BasicType type;
};

struct ClassTable {
  // Columns, one entry per class.
  std::vector<uint64_t> class_id;        // id of the java.lang.Class mirror (0 for primitive arrays)
  std::vector<std::string> name;         // Java source form
  std::vector<ClassIdx> super;           // kNoClass for java.lang.Object and unknown supers
  std::vector<uint64_t> loader_id;       // 0 = bootstrap
  std::vector<uint32_t> dump_instance_size;  // as the CLASS_DUMP states (not the JVM's)
  std::vector<uint32_t> field_begin;     // own declared fields: fields[field_begin[c] .. field_begin[c+1])
  std::vector<FieldInfo> fields;
  std::vector<uint32_t> static_begin;    // statics[static_begin[c] .. static_begin[c+1])
  std::vector<hprof::StaticField> statics;
  std::vector<uint64_t> instance_size;   // JVM shallow size of one instance (0 = not an instance class)
  std::vector<uint64_t> mirror_size;     // estimated size of the java.lang.Class object (0 = none)
  std::vector<uint8_t> array_elem;       // BasicType of the elements for array classes, 0 otherwise
  std::vector<uint8_t> array_dims;       // number of [] in the name

  absl::flat_hash_map<uint64_t, ClassIdx> by_id;
  ClassIdx primitive_array[12] = {kNoClass, kNoClass, kNoClass, kNoClass, kNoClass, kNoClass,
                                  kNoClass, kNoClass, kNoClass, kNoClass, kNoClass, kNoClass};
  ClassIdx java_lang_class = kNoClass;
  ClassIdx java_lang_string = kNoClass;

  size_t size() const { return name.size(); }
  ClassIdx Find(uint64_t id) const {
    auto it = by_id.find(id);
    return it == by_id.end() ? kNoClass : it->second;
  }
  ClassIdx FindByName(std::string_view java_name) const;
  // Declared fields of c and all its superclasses, in the order HPROF
  // instance data holds them (the class's own first, then its super's).
  std::vector<FieldInfo> InstanceFieldChain(ClassIdx c) const;
  // Whether c is `ancestor` or extends it; false when either is kNoClass.
  // A super chain that loops (a damaged dump) ends after size() steps.
  bool IsSubclass(ClassIdx c, ClassIdx ancestor) const;
};

// A CLASS_DUMP copied out of the parser's window.
struct ClassDumpCopy {
  uint64_t class_id, super_id, loader_id;
  uint32_t instance_size;
  std::vector<hprof::StaticField> statics;
  std::vector<FieldInfo> fields;
  static ClassDumpCopy From(const hprof::ClassDumpRecord& r);
};

// Builds the table. `names` maps UTF8 ids to text; `class_name_ids` maps
// class ids to the name id from LOAD_CLASS.
ClassTable BuildClassTable(std::vector<ClassDumpCopy> dumps,
                           const absl::flat_hash_map<uint64_t, std::string>& names,
                           const absl::flat_hash_map<uint64_t, uint64_t>& class_name_ids);

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_CLASS_TABLE_H_
