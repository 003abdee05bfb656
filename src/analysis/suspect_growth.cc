#include "analysis/suspect_growth.h"

#include <algorithm>

#include <absl/container/flat_hash_map.h>

#include "analysis/path_signature.h"

namespace heapscope::analysis {

std::string SuspectSignature(const heap::HeapModel& model, const LeakSuspect& s) {
  return s.paths.paths.empty() ? std::string() : PathSignature(model, s.paths.paths[0]);
}

std::vector<TrendDump::Point> AccumulationPoints(const heap::HeapModel& model, const ReverseGraph& reverse,
                                                 const DominatorTree& tree, double threshold) {
  SuspectOptions so;
  so.threshold = threshold;
  so.max_suspects = 200;
  so.max_paths = 1;
  std::vector<TrendDump::Point> points;
  for (const LeakSuspect& s : FindLeakSuspects(model, reverse, tree, so)) {
    if (s.paths.paths.empty() || s.category == SuspectCategory::kDirectBuffer) continue;
    points.push_back({SuspectSignature(model, s), std::string(CategoryName(s.category)),
                      TrendPoint{true, s.instances, s.place_bytes()}});
  }
  return points;
}

void ApplyBaseline(const heap::HeapModel& model, const std::vector<TrendDump::Point>& baseline, double hours,
                   uint64_t heap_bytes, std::vector<LeakSuspect>& suspects) {
  absl::flat_hash_map<std::string, TrendPoint> before;
  for (const TrendDump::Point& p : baseline) {
    TrendPoint& b = before[p.signature];
    b.present = true;
    b.instances += p.value.instances;
    b.retained_bytes += p.value.retained_bytes;
  }
  const double heap = static_cast<double>(std::max<uint64_t>(heap_bytes, 1));
  for (LeakSuspect& s : suspects) {
    LeakSuspect::Growth g;
    g.hours = hours;
    if (s.category != SuspectCategory::kDirectBuffer) {
      auto it = before.find(SuspectSignature(model, s));
      if (it != before.end()) {
        g.matched = true;
        g.retained_before = it->second.retained_bytes;
        g.instances_before = it->second.instances;
        const uint64_t now = s.place_bytes();
        if (now > g.retained_before) {
          const double gained_percent = 100.0 * static_cast<double>(now - g.retained_before) / heap;
          s.score = std::min(100.0, s.score + std::min(20.0, 10.0 * gained_percent));
        }
      }
    }
    s.growth = g;
  }
  std::stable_sort(suspects.begin(), suspects.end(), [](const LeakSuspect& a, const LeakSuspect& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.retained_bytes > b.retained_bytes;
  });
}

}  // namespace heapscope::analysis
