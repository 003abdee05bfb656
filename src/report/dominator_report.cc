#include "report/dominator_report.h"

#include <fmt/format.h>

#include "report/histogram_report.h"
#include "report/object_labels.h"

namespace heapscope::report {

nlohmann::ordered_json DominatorsJson(const heap::HeapModel& m, const analysis::DominatorTree& tree,
                                      const std::vector<heap::ObjectIdx>& objects) {
  nlohmann::ordered_json j;
  j["objects"] = nlohmann::ordered_json::array();
  for (heap::ObjectIdx o : objects) {
    j["objects"].push_back({{"id", HexId(m, o)},
                            {"class", ObjectClassName(m, o)},
                            {"shallow_bytes", m.shallow_size[o]},
                            {"retained_bytes", tree.retained[analysis::NodeOf(o)]}});
  }
  j["reachable_bytes"] = tree.retained[analysis::kSuperRoot];
  j["reachable_objects"] = tree.reachable_objects;
  j["unreachable_objects"] = tree.unreachable_objects;
  j["unreachable_bytes"] = tree.unreachable_bytes;
  return j;
}

std::string DominatorsText(const heap::HeapModel& m, const analysis::DominatorTree& tree,
                           const std::vector<heap::ObjectIdx>& objects) {
  uint64_t total = tree.retained[analysis::kSuperRoot];
  std::string out = fmt::format("{:>20}  {:>14}  {:>16}  {:>6}  {}\n", "id", "shallow bytes", "retained bytes",
                                "%", "class");
  for (heap::ObjectIdx o : objects) {
    uint64_t r = tree.retained[analysis::NodeOf(o)];
    out += fmt::format("{:>20}  {:>14}  {:>16}  {:>6.2f}  {}\n", HexId(m, o),
                       m.shallow_size[o], r, total ? 100.0 * static_cast<double>(r) / static_cast<double>(total) : 0.0,
                       ObjectClassName(m, o));
  }
  out += fmt::format("reachable heap: {} objects, {}", tree.reachable_objects, HumanBytes(total));
  if (tree.unreachable_objects) {
    out += fmt::format("; unreachable (left out): {} objects, {}", tree.unreachable_objects,
                       HumanBytes(tree.unreachable_bytes));
  }
  out += "\n";
  return out;
}

}  // namespace heapscope::report
