#include "analysis/finalizer_backlog.h"

#include <string_view>

namespace heapscope::analysis {

FinalizerBacklog ReadFinalizerBacklog(InstanceFields& fields, const DominatorTree& tree) {
  const heap::HeapModel& m = fields.model();
  const heap::ClassTable& t = m.scan.classes;
  FinalizerBacklog out;
  const heap::ClassIdx finalizer = t.FindByName("java.lang.ref.Finalizer");
  if (finalizer == heap::kNoClass) return out;
  out.finalizer_class = m.Find(t.class_id[finalizer]);
  if (out.finalizer_class != heap::kNoObject && tree.Reachable(NodeOf(out.finalizer_class))) {
    out.retained_bytes = tree.retained[NodeOf(out.finalizer_class)];
  }
  for (uint32_t s = t.static_begin[finalizer]; s < t.static_begin[finalizer + 1]; ++s) {
    const hprof::StaticField& f = t.statics[s];
    auto name = m.scan.names.find(f.name_id);
    if (name == m.scan.names.end() || name->second != "queue" || f.type != hprof::BasicType::kObject) continue;
    out.queue = f.value == 0 ? heap::kNoObject : m.Find(f.value);
  }
  // ReferenceQueue.queueLength: a long since JDK 9, an int before.
  if (auto length = fields.Int(out.queue, "queueLength"); length && *length > 0) {
    out.pending = static_cast<uint64_t>(*length);
  }
  const heap::ClassIdx id = finalizer;
  for (heap::ObjectIdx o = 0; o < m.object_count(); ++o) out.registered += m.object_class[o] == id;
  return out;
}

}  // namespace heapscope::analysis
