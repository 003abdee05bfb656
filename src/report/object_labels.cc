#include "report/object_labels.h"

#include <algorithm>

#include <fmt/format.h>

namespace heapscope::report {

std::string HexId(const heap::HeapModel& model, heap::ObjectIdx o) {
  return fmt::format("0x{:x}", model.object_id[o]);
}

heap::ClassIdx MirroredClass(const heap::HeapModel& model, heap::ObjectIdx o) {
  if (static_cast<heap::ObjectKind>(model.object_kind[o]) != heap::ObjectKind::kClass) return heap::kNoClass;
  return model.scan.classes.Find(model.object_id[o]);
}

std::string ObjectClassName(const heap::HeapModel& model, heap::ObjectIdx o) {
  const heap::ClassTable& t = model.scan.classes;
  if (static_cast<heap::ObjectKind>(model.object_kind[o]) == heap::ObjectKind::kClass) {
    heap::ClassIdx c = MirroredClass(model, o);
    return c == heap::kNoClass ? "class <unknown>" : "class " + t.name[c];
  }
  heap::ClassIdx c = model.object_class[o];
  return c == heap::kNoClass ? "<unknown class>" : t.name[c];
}

std::vector<std::string> RootLabels(const heap::HeapModel& model, std::span<const heap::RootEntry> roots) {
  std::vector<std::string> labels;
  for (const heap::RootEntry& r : roots) {
    std::string label(hprof::RootKindName(r.kind));
    if (r.thread_serial != 0) {
      auto thread = std::find_if(model.threads.begin(), model.threads.end(),
                                 [&](const heap::ThreadInfo& t) { return t.serial == r.thread_serial; });
      bool named = thread != model.threads.end() && !thread->name.empty();
      label += named ? fmt::format(" (thread {})", thread->name) : fmt::format(" (thread #{})", r.thread_serial);
    }
    // A local held in several frames of one thread is one reason, not several.
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(std::move(label));
  }
  return labels;
}

std::vector<heap::RootEntry> RootsOf(const heap::HeapModel& model, heap::ObjectIdx o) {
  std::vector<heap::RootEntry> out;
  for (const heap::RootEntry& r : model.roots) {
    if (r.object == o) out.push_back(r);
  }
  return out;
}

}  // namespace heapscope::report
