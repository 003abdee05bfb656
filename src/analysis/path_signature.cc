#include "analysis/path_signature.h"

#include <algorithm>

namespace heapscope::analysis {

namespace {

std::string ClassLabel(const heap::HeapModel& m, heap::ObjectIdx o) {
  const heap::ClassTable& t = m.scan.classes;
  if (static_cast<heap::ObjectKind>(m.object_kind[o]) == heap::ObjectKind::kClass) {
    heap::ClassIdx c = t.Find(m.object_id[o]);
    return "class " + (c == heap::kNoClass ? std::string("?") : t.name[c]);
  }
  heap::ClassIdx c = m.object_class[o];
  return c == heap::kNoClass ? std::string("?") : t.name[c];
}

std::string EdgeLabel(const heap::HeapModel& m, heap::ObjectIdx from, const PathStep& next) {
  if (std::string_view pseudo = PseudoEdgeName(next.via); !pseudo.empty()) return std::string(pseudo);
  if (static_cast<heap::ObjectKind>(m.object_kind[from]) == heap::ObjectKind::kObjectArray) return "[]";
  return m.SlotName(from, next.slot);
}

std::string RootLabel(const heap::HeapModel& m, const GcRootPath& path) {
  // The sorted set of kinds, so two dumps that list a root's entries in
  // another order still agree.
  std::vector<std::string> labels;
  for (const heap::RootEntry& r : path.roots) {
    std::string label(hprof::RootKindName(r.kind));
    if (r.thread_serial != 0) {
      for (const heap::ThreadInfo& t : m.threads) {
        if (t.serial == r.thread_serial && !t.name.empty()) label += " (thread " + t.name + ")";
      }
    }
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
  }
  std::sort(labels.begin(), labels.end());
  std::string out;
  for (const std::string& l : labels) out += (out.empty() ? "" : ", ") + l;
  return out.empty() ? "root" : out;
}

}  // namespace

std::string PathSignature(const heap::HeapModel& m, const GcRootPath& path) {
  // A static field is a root of its own for the reader: what leads to its
  // class (a loader's class list, say) says nothing about the leak.
  size_t start = 0;
  for (size_t i = 1; i < path.steps.size(); ++i) {
    if (path.steps[i].via == EdgeKind::kStatic) start = i - 1;
  }
  std::string out = start > 0 || (path.steps.size() > 1 && path.steps[1].via == EdgeKind::kStatic)
                        ? std::string("static: ")
                        : RootLabel(m, path) + ": ";
  for (size_t i = start; i < path.steps.size(); ++i) {
    out += ClassLabel(m, path.steps[i].object);
    if (i + 1 < path.steps.size()) {
      const std::string edge = EdgeLabel(m, path.steps[i].object, path.steps[i + 1]);
      out += (edge.front() == '[' || edge.front() == '<' ? " " : ".") + edge + " -> ";
    }
  }
  return out;
}

}  // namespace heapscope::analysis
