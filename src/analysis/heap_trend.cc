#include "analysis/heap_trend.h"

#include <algorithm>
#include <map>

namespace heapscope::analysis {

namespace {

int64_t Growth(const TrendItem& item) {
  if (item.series.empty()) return 0;
  return static_cast<int64_t>(item.series.back().retained_bytes) -
         static_cast<int64_t>(item.series.front().retained_bytes);
}

void Judge(TrendItem& item, double hours, uint64_t min_growth) {
  bool growing = item.series.size() >= 2;
  for (size_t i = 0; i < item.series.size() && growing; ++i) {
    if (!item.series[i].present) growing = false;
    else if (i > 0 && item.series[i].retained_bytes <= item.series[i - 1].retained_bytes) growing = false;
  }
  item.growing = growing && Growth(item) >= static_cast<int64_t>(min_growth);
  item.rate_bytes_per_hour = hours > 0 ? static_cast<double>(Growth(item)) / hours : 0;
}

void Rank(std::vector<TrendItem>& items) {
  std::stable_sort(items.begin(), items.end(), [](const TrendItem& a, const TrendItem& b) {
    if (a.growing != b.growing) return a.growing;
    if (Growth(a) != Growth(b)) return Growth(a) > Growth(b);
    return a.signature < b.signature;
  });
}

}  // namespace

HeapTrend ComputeTrend(std::vector<TrendDump> dumps, const TrendOptions& options) {
  std::stable_sort(dumps.begin(), dumps.end(),
                   [](const TrendDump& a, const TrendDump& b) { return a.timestamp_ms < b.timestamp_ms; });
  HeapTrend out;
  const size_t n = dumps.size();
  if (n >= 2 && dumps.front().timestamp_ms > 0 && dumps.back().timestamp_ms > dumps.front().timestamp_ms) {
    out.hours = static_cast<double>(dumps.back().timestamp_ms - dumps.front().timestamp_ms) / 3'600'000.0;
  }
  const uint64_t last_heap = n == 0 ? 0 : dumps.back().reachable_bytes;
  const uint64_t min_growth = std::max<uint64_t>(
      options.min_growth_bytes, static_cast<uint64_t>(options.min_growth_fraction * static_cast<double>(last_heap)));

  std::map<std::string, TrendItem> points, classes;
  for (size_t d = 0; d < n; ++d) {
    for (const TrendDump::Point& p : dumps[d].points) {
      TrendItem& item = points[p.signature];
      if (item.series.empty()) {
        item.signature = p.signature;
        item.kind = "accumulation-point";
        item.series.resize(n);
      }
      // Two suspects of one signature in a dump (two pool threads) add up.
      TrendPoint& at = item.series[d];
      at.present = true;
      at.instances += p.value.instances;
      at.retained_bytes += p.value.retained_bytes;
      item.category = p.category;
    }
    for (const ClassTotals::Row& r : dumps[d].classes.rows) {
      if (r.instances == 0) continue;
      TrendItem& item = classes[r.name];
      if (item.series.empty()) {
        item.signature = r.name;
        item.kind = "class";
        item.series.resize(n);
      }
      item.series[d] = {true, r.instances, r.retained_bytes};
    }
  }
  for (auto& [sig, item] : points) {
    Judge(item, out.hours, min_growth);
    out.points.push_back(std::move(item));
  }
  for (auto& [name, item] : classes) {
    Judge(item, out.hours, min_growth);
    out.classes.push_back(std::move(item));
  }
  Rank(out.points);
  Rank(out.classes);
  for (TrendDump& d : dumps) {
    d.points.clear();
    d.classes = {};
  }
  out.dumps = std::move(dumps);
  return out;
}

}  // namespace heapscope::analysis
