// analysis/finalizer_backlog.h - objects waiting for their finalize() to
// run: java.lang.ref.Finalizer's queue. A long queue means the finalizer
// thread can't keep up (or is stuck), and everything queued stays in the
// heap until it gets there.
#ifndef HEAPSCOPE_ANALYSIS_FINALIZER_BACKLOG_H_
#define HEAPSCOPE_ANALYSIS_FINALIZER_BACKLOG_H_

#include <cstdint>

#include "analysis/dominator_tree.h"
#include "analysis/instance_fields.h"

namespace heapscope::analysis {

struct FinalizerBacklog {
  heap::ObjectIdx finalizer_class = heap::kNoObject;  // the java.lang.ref.Finalizer class object
  heap::ObjectIdx queue = heap::kNoObject;            // its static ReferenceQueue
  uint64_t pending = 0;          // the queue's length
  uint64_t retained_bytes = 0;   // what the Finalizer class retains (queue and unfinalized list)
  uint64_t registered = 0;       // Finalizer instances: objects with a finalize() not yet run
};

FinalizerBacklog ReadFinalizerBacklog(InstanceFields& fields, const DominatorTree& tree);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_FINALIZER_BACKLOG_H_
