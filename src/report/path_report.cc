#include "report/path_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/object_labels.h"

namespace heapscope::report {

namespace {

constexpr std::string_view kStaticPrefix = "static ";

std::string RootField(const heap::HeapModel& model, const analysis::GcRootPath& path) {
  std::vector<std::string> labels = RootLabels(model, path.roots);
  // The graph makes roots only from the model's roots, so this is a bug
  // guard, not a case users meet.
  if (labels.empty()) return "root";
  return fmt::format("root: {}", fmt::join(labels, ", "));
}

// How `step` holds the next object: a field, an element, a static or a
// pseudo-edge.
std::string FieldName(const heap::HeapModel& model, const analysis::PathStep& step, const analysis::PathStep& next) {
  std::string_view pseudo = analysis::PseudoEdgeName(next.via);
  return pseudo.empty() ? model.SlotName(step.object, next.slot) : std::string(pseudo);
}

// One segment of the rendered path: `step` and how it holds the next object.
std::string Segment(const heap::HeapModel& model, const analysis::PathStep& step,
                    const analysis::PathStep& next) {
  std::string slot = FieldName(model, step, next);
  if (next.via == analysis::EdgeKind::kStatic) {
    heap::ClassIdx c = MirroredClass(model, step.object);
    std::string owner = c == heap::kNoClass ? ObjectClassName(model, step.object) : model.scan.classes.name[c];
    if (slot.starts_with(kStaticPrefix)) slot.erase(0, kStaticPrefix.size());
    return fmt::format("static {}.{}", owner, slot);
  }
  if (static_cast<heap::ObjectKind>(model.object_kind[step.object]) == heap::ObjectKind::kObjectArray) {
    return fmt::format("{} {}", ObjectClassName(model, step.object), slot);
  }
  return fmt::format("{}.{}", ObjectClassName(model, step.object), slot);
}

}  // namespace

std::string RenderPath(const heap::HeapModel& model, const analysis::GcRootPath& path) {
  std::string out;
  for (size_t i = 0; i + 1 < path.steps.size(); ++i) {
    out += Segment(model, path.steps[i], path.steps[i + 1]);
    out += " -> ";
  }
  if (!path.steps.empty()) out += ObjectClassName(model, path.steps.back().object);
  return out;
}

nlohmann::ordered_json PathsJson(const heap::HeapModel& model, heap::ObjectIdx target,
                                 const analysis::GcRootPaths& paths) {
  nlohmann::ordered_json j;
  j["target"] = HexId(model, target);
  j["paths"] = nlohmann::ordered_json::array();
  for (const analysis::GcRootPath& path : paths.paths) {
    nlohmann::ordered_json pj = nlohmann::ordered_json::array();
    for (size_t i = 0; i < path.steps.size(); ++i) {
      const analysis::PathStep& s = path.steps[i];
      std::string field = i == 0 ? RootField(model, path) : FieldName(model, path.steps[i - 1], s);
      pj.push_back({{"id", HexId(model, s.object)}, {"class", ObjectClassName(model, s.object)}, {"field", field}});
    }
    j["paths"].push_back(std::move(pj));
  }
  j["complete"] = paths.complete;
  return j;
}

std::string PathsText(const heap::HeapModel& model, heap::ObjectIdx target,
                      const analysis::GcRootPaths& paths) {
  std::string out;
  if (paths.paths.empty() && paths.complete) {
    return fmt::format(
        "no strong path from a GC root to {} ({}): it is unreachable, or reachable only through "
        "java.lang.ref.Reference.referent\n",
        HexId(model, target), ObjectClassName(model, target));
  }
  for (size_t p = 0; p < paths.paths.size(); ++p) {
    const analysis::GcRootPath& path = paths.paths[p];
    if (p > 0) out += "\n";
    out += fmt::format("{}  (path {}, {} objects)\n", RootField(model, path), p + 1, path.steps.size());
    out += RenderPath(model, path) + "\n";
    for (const analysis::PathStep& s : path.steps) {
      out += fmt::format("    {} {}\n", HexId(model, s.object), ObjectClassName(model, s.object));
    }
  }
  if (!paths.complete) {
    out += fmt::format("\n(search stopped after {} edges: {} may have more paths)\n", paths.edges_examined,
                       HexId(model, target));
  }
  return out;
}

}  // namespace heapscope::report
