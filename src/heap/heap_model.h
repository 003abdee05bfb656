// heap/heap_model.h - the whole object graph of a dump as columns: objects
// numbered densely in dump order, their classes and exact shallow sizes,
// outbound references in CSR form, GC roots and threads.
//
// Built by BuildHeapModel; a plain dump stays mapped for the model's life
// (field values are read lazily from it), a compressed one keeps the few
// values analyses decode (Strings, threads) in an arena. Object counts
// and indexes are 64-bit. Read-only once built; safe to share across threads.
#ifndef HEAPSCOPE_HEAP_HEAP_MODEL_H_
#define HEAPSCOPE_HEAP_HEAP_MODEL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "heap/column.h"
#include "heap/heap_scan.h"
#include "heap/object_index.h"
#include "hprof/dump_input.h"
#include "hprof/error.h"

namespace heapscope::heap {

using ObjectIdx = uint64_t;
inline constexpr ObjectIdx kNoObject = ~ObjectIdx{0};

enum class ObjectKind : uint8_t { kInstance, kObjectArray, kPrimitiveArray, kClass };

struct RootEntry {
  ObjectIdx object;
  hprof::RootKind kind;
  uint32_t thread_serial;  // 0 when the kind has none
  uint32_t frame;          // frame depth for java-frame and JNI-local roots
};

struct StackFrame {
  std::string method;       // "java.lang.Thread.sleep"
  std::string signature;    // "(J)V"
  std::string source_file;
  int32_t line;             // as FRAME records encode it (<= 0: none/unknown/compiled/native)
};

struct ThreadInfo {
  ObjectIdx object = kNoObject;
  uint32_t serial = 0;
  std::string name;
  std::string state;        // java.lang.Thread.State name, "" when unknown
  bool daemon = false;
  std::vector<StackFrame> frames;
  std::vector<std::pair<uint32_t, ObjectIdx>> locals;  // (frame depth, object) roots
};

struct HeapModel {
  HeapScan scan;  // classes, layout, histogram, counters
  // One entry per object, in dump order (class mirrors first).
  Column<uint64_t> object_id;
  Column<ClassIdx> object_class;
  Column<uint64_t> shallow_size;
  Column<uint8_t> object_kind;     // ObjectKind
  Column<uint64_t> data_offset;    // where the record's value bytes are (see ObjectData)
  Column<uint32_t> array_length;   // element count of arrays, 0 otherwise
  // Outbound references: refs of object o are [ref_begin[o], ref_begin[o + 1]).
  Column<uint64_t> ref_begin;
  Column<ObjectIdx> ref_target;
  // Instance: index into ClassTable::InstanceFieldChain; object array:
  // element index; class: index of the static field.
  Column<uint32_t> ref_slot;
  uint64_t dangling_references = 0;  // ids that resolve to no object: counted, not fatal
  std::vector<RootEntry> roots;
  std::vector<ThreadInfo> threads;

  uint64_t object_count() const { return object_id.size(); }
  // Object with this dump id, kNoObject if none.
  ObjectIdx Find(uint64_t id) const;
  // Raw value bytes of an object: instance field data, array elements.
  std::span<const uint8_t> ObjectData(ObjectIdx o) const;
  // Name of reference slot `slot` of object o ("table", "[12]", "static cache").
  std::string SlotName(ObjectIdx o, uint32_t slot) const;
  // A field of an instance by name (nearest declaration wins); the raw
  // value bits, nullopt when the class has no such field.
  std::optional<uint64_t> FieldValue(ObjectIdx o, std::string_view field) const;
  // java.lang.String content (JDK 9+ Latin-1/UTF-16 or JDK 8 char[]) as
  // UTF-8; nullopt when o is no String or its value array is missing.
  std::optional<std::string> StringValue(ObjectIdx o) const;

  // Internal: lookup and storage behind Find and ObjectData. id_index holds
  // no pointer into object_id (Find hands it the column), so a moved or
  // copied model needs no fix-up.
  ObjectIndex id_index;
  std::shared_ptr<hprof::DumpInput> input;  // plain dumps: field data is read from its map
  std::vector<uint8_t> arena;  // compressed dumps: data of the objects Find-able by ObjectData
  Column<uint32_t> data_length;
};

struct ModelOptions {
  hprof::ReadOptions read;
};

// Reads the dump twice: a scan for classes and layout, then the graph.
Result<HeapModel> BuildHeapModel(const std::string& path, const ModelOptions& options);

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_HEAP_MODEL_H_
