// report/dominator_report.h - lists of objects with their shallow and
// retained sizes (top dominators, dominator-tree children), as JSON and as
// a human table.
#ifndef HEAPSCOPE_REPORT_DOMINATOR_REPORT_H_
#define HEAPSCOPE_REPORT_DOMINATOR_REPORT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/dominator_tree.h"
#include "heap/heap_model.h"

namespace heapscope::report {

// {"objects":[{"id","class","shallow_bytes","retained_bytes"}...], "reachable_bytes", ...}
nlohmann::ordered_json DominatorsJson(const heap::HeapModel& model, const analysis::DominatorTree& tree,
                                      const std::vector<heap::ObjectIdx>& objects);
std::string DominatorsText(const heap::HeapModel& model, const analysis::DominatorTree& tree,
                           const std::vector<heap::ObjectIdx>& objects);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_DOMINATOR_REPORT_H_
