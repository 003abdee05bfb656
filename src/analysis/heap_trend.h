// analysis/heap_trend.h - what keeps growing across several dumps of one
// service: per class and per accumulation point (matched by its path
// signature, see path_signature.h), the series over the dumps in the order
// of their own timestamps.
//
// Growing means present in every dump, larger retained size at every step,
// and a total growth of at least TrendOptions' minimum: a heap that is
// stable within noise (a few objects of the dump machinery itself) flags
// nothing.
#ifndef HEAPSCOPE_ANALYSIS_HEAP_TREND_H_
#define HEAPSCOPE_ANALYSIS_HEAP_TREND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/heap_diff.h"

namespace heapscope::analysis {

struct TrendPoint {
  bool present = false;
  uint64_t instances = 0;       // objects of a class; elements of an accumulation point
  uint64_t retained_bytes = 0;
};

// One dump, as trend needs it.
struct TrendDump {
  std::string path;
  uint64_t timestamp_ms = 0;
  uint64_t reachable_bytes = 0;
  ClassTotals classes;
  struct Point {
    std::string signature;
    std::string category;  // the suspect category that found it
    TrendPoint value;
  };
  std::vector<Point> points;  // accumulation points
};

struct TrendItem {
  std::string signature;  // the class name for classes
  std::string kind;       // "accumulation-point" or "class"
  std::string category;   // accumulation points: the suspect category in the last dump
  std::vector<TrendPoint> series;  // one per dump, in time order
  bool growing = false;
  double rate_bytes_per_hour = 0;  // (last - first) / hours, 0 without timestamps
};

struct TrendOptions {
  double min_growth_fraction = 0.005;  // of the last dump's reachable heap
  uint64_t min_growth_bytes = 64 * 1024;
};

struct HeapTrend {
  std::vector<TrendDump> dumps;        // in time order (points and classes moved out)
  double hours = 0;                    // first to last
  std::vector<TrendItem> points;       // every accumulation point, growing first
  std::vector<TrendItem> classes;      // every class, growing first, then by growth
};

// Orders the dumps by timestamp (stable for equal ones) and builds the series.
HeapTrend ComputeTrend(std::vector<TrendDump> dumps, const TrendOptions& options);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_HEAP_TREND_H_
