// analysis/direct_buffers.h - native memory behind java.nio direct buffers:
// memory the heap size does not show.
//
// Each native allocation is counted once: a DirectByteBuffer owns memory
// when it has a cleaner and no `att` (slices, duplicates and views keep
// their parent in `att` and share its memory), and is not a file mapping
// (a MappedByteBuffer with an `fd`: the JDK mapped that memory itself).
// A buffer whose immediate dominator is its Cleaner is reachable only
// through it: garbage whose memory waits for the cleaner to run.
#ifndef HEAPSCOPE_ANALYSIS_DIRECT_BUFFERS_H_
#define HEAPSCOPE_ANALYSIS_DIRECT_BUFFERS_H_

#include <cstdint>

#include "analysis/dominator_tree.h"
#include "analysis/instance_fields.h"
#include "heap/heap_model.h"

namespace heapscope::analysis {

struct DirectBuffers {
  uint64_t buffers = 0;                // reachable buffers that own native memory
  uint64_t views = 0;                  // slices, duplicates and views (no memory of their own)
  uint64_t mapped = 0;                 // file mappings
  uint64_t native_bytes = 0;           // capacity of the owning buffers
  uint64_t pending_cleaner_bytes = 0;  // of which only their cleaner holds the buffer
  // The deepest object that dominates at least 80% of native_bytes
  // (kNoObject when none but the super-root does), and what it dominates.
  heap::ObjectIdx holder = heap::kNoObject;
  uint64_t holder_native_bytes = 0;
  heap::ObjectIdx largest = heap::kNoObject;  // the biggest owning buffer
};

DirectBuffers ScanDirectBuffers(InstanceFields& fields, const DominatorTree& tree);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_DIRECT_BUFFERS_H_
