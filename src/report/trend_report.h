// report/trend_report.h - `heapscope trend` as JSON and as text.
#ifndef HEAPSCOPE_REPORT_TREND_REPORT_H_
#define HEAPSCOPE_REPORT_TREND_REPORT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "analysis/heap_trend.h"

namespace heapscope::report {

// {"dumps":[{"path","timestamp_ms","reachable_bytes"}], "hours",
//  "growing":[{"signature","kind","category","series":[{"instances","retained_bytes"}],"rate_bytes_per_hour"}],
//  "points":[...every accumulation point...], "classes":[{"name","growing","series","rate_bytes_per_hour"}]}
// `top` cuts the classes (growing ones always stay).
nlohmann::ordered_json TrendJson(const analysis::HeapTrend& trend, size_t top);
std::string TrendText(const analysis::HeapTrend& trend, size_t top);
// One self-contained page of TrendJson: a chart per growing item.
std::string TrendHtml(const nlohmann::ordered_json& trend_json);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_TREND_REPORT_H_
