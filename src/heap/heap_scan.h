// heap/heap_scan.h - one streaming pass over a dump that yields its class
// table, the inferred JVM layout, per-class instance counts and exact shallow
// byte totals, root and thread counts.
//
// Memory is bounded by the number of classes, not objects: no per-object
// state is kept, so `histogram` and `summary` run in a fixed budget on any
// dump size. Parses heap segments of plain dumps on several threads.
#ifndef HEAPSCOPE_HEAP_HEAP_SCAN_H_
#define HEAPSCOPE_HEAP_HEAP_SCAN_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "heap/class_table.h"
#include "heap/jvm_layout.h"
#include "hprof/dump_input.h"
#include "hprof/dump_reader.h"
#include "hprof/error.h"

namespace heapscope::heap {

struct ClassCount {
  uint64_t instances = 0;
  uint64_t shallow_bytes = 0;
};

// A class whose JVM figures we can't reproduce, and why.
struct ExcludedClass {
  std::string name;
  std::string reason;
};

struct HeapScan {
  hprof::ReadSummary read;
  hprof::DumpEncoding encoding = hprof::DumpEncoding::kPlain;
  uint64_t file_size = 0;
  ClassTable classes;
  absl::flat_hash_map<uint64_t, std::string> names;  // UTF8 records: field, class, method names
  // LOAD_CLASS class serial -> class id, for stack frames.
  absl::flat_hash_map<uint32_t, uint64_t> class_by_serial;
  JvmLayout layout;
  std::string layout_reasoning;
  std::vector<ClassCount> per_class;   // indexed by ClassIdx
  uint64_t instances = 0;
  uint64_t object_arrays = 0;
  uint64_t primitive_arrays = 0;
  uint64_t objects() const { return instances + object_arrays + primitive_arrays; }
  uint64_t class_mirrors = 0;          // java.lang.Class objects (one per CLASS_DUMP)
  uint64_t shallow_bytes = 0;          // all objects, class mirrors included
  std::array<uint64_t, hprof::kRootKindCount> roots_by_kind{};
  uint64_t gc_roots = 0;
  uint64_t threads = 0;                // ROOT_THREAD_OBJECT records
  uint64_t instances_of_unknown_class = 0;
  uint64_t sizes_from_spacing = 0;     // classes sized by observed address spacing
  uint64_t sizes_from_model = 0;       // classes sized by the field-layout model
  std::vector<ExcludedClass> excluded;
};

struct ScanOptions {
  hprof::ReadOptions read;
};

Result<HeapScan> ScanHeap(hprof::DumpInput& input, const ScanOptions& options);
// Opens `path` (with options.read's threads and key) and scans it.
Result<HeapScan> ScanHeapFile(const std::string& path, const ScanOptions& options);

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_HEAP_SCAN_H_
