// report/histogram_report.h - the class histogram and the dump summary as
// JSON documents and as human tables.
//
// Pure formatting of a HeapScan; sorting and truncation to the top N happen
// here so every output format shows the same rows in the same order.
#ifndef HEAPSCOPE_REPORT_HISTOGRAM_REPORT_H_
#define HEAPSCOPE_REPORT_HISTOGRAM_REPORT_H_

#include <cstdint>
#include <string>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "heap/heap_scan.h"

namespace heapscope::report {

enum class HistogramSort { kShallow, kCount, kName, kRetained };

inline constexpr uint64_t kNoRetained = ~uint64_t{0};

struct HistogramRow {
  std::string name;
  uint64_t instances;
  uint64_t shallow_bytes;
  uint64_t retained_bytes = kNoRetained;  // set with `--retained`
};

// Rows with at least one instance, sorted (ties broken by name), at most
// `top` of them (0 = all). `retained` (per ClassIdx, may be empty) adds
// retained bytes to each row.
std::vector<HistogramRow> HistogramRows(const heap::HeapScan& scan, HistogramSort sort, size_t top,
                                        std::span<const uint64_t> retained = {});

nlohmann::ordered_json HistogramJson(const heap::HeapScan& scan, const std::vector<HistogramRow>& rows);
std::string HistogramText(const heap::HeapScan& scan, const std::vector<HistogramRow>& rows);

nlohmann::ordered_json SummaryJson(const heap::HeapScan& scan);
std::string SummaryText(const heap::HeapScan& scan);

// Non-zero read counters, one line each, for any report.
std::vector<std::string> ReadWarnings(const heap::HeapScan& scan);

// "1.2 GiB"
std::string HumanBytes(uint64_t bytes);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_HISTOGRAM_REPORT_H_
