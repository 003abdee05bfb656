// report/diff_report.h - `heapscope diff` as JSON and as a text table.
#ifndef HEAPSCOPE_REPORT_DIFF_REPORT_H_
#define HEAPSCOPE_REPORT_DIFF_REPORT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/heap_diff.h"

namespace heapscope::report {

enum class DiffSort { kRetained, kShallow, kInstances, kName };

// Rows in order (growth first: largest increase of the sort key), at most
// `top` (0 = all); classes with no change at all are left out unless
// `unchanged` is set.
std::vector<const analysis::ClassChange*> DiffRows(const analysis::HeapDiff& diff, DiffSort sort, size_t top,
                                                   bool unchanged);

nlohmann::ordered_json DiffJson(const analysis::HeapDiff& diff, const std::vector<const analysis::ClassChange*>& rows,
                                const std::string& base_path, const std::string& target_path);
std::string DiffText(const analysis::HeapDiff& diff, const std::vector<const analysis::ClassChange*>& rows);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_DIFF_REPORT_H_
