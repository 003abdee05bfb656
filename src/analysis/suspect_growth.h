// analysis/suspect_growth.h - the accumulation points of a dump as places
// that can be found again in another dump of the same service (by path
// signature), for `trend` and for `analyze --baseline`, which raises the
// score of a suspect by how much it grew since the baseline.
#ifndef HEAPSCOPE_ANALYSIS_SUSPECT_GROWTH_H_
#define HEAPSCOPE_ANALYSIS_SUSPECT_GROWTH_H_

#include <string>
#include <vector>

#include "analysis/heap_trend.h"
#include "analysis/leak_suspects.h"

namespace heapscope::analysis {

// The suspect's place: the signature of its first path, "" without one.
std::string SuspectSignature(const heap::HeapModel& model, const LeakSuspect& s);

// Accumulation points from `threshold` of the heap (a fraction), as trend
// follows them: one per suspect with a path, direct buffers left out (their
// bytes are native, not retained).
std::vector<TrendDump::Point> AccumulationPoints(const heap::HeapModel& model, const ReverseGraph& reverse,
                                                 const DominatorTree& tree, double threshold);

// Fills each suspect's growth from the baseline's points, adds up to 20
// points of score for growth (10 per 1% of the current heap gained), and
// re-ranks. `hours` is the time from the baseline to this dump (0 unknown).
void ApplyBaseline(const heap::HeapModel& model, const std::vector<TrendDump::Point>& baseline, double hours,
                   uint64_t heap_bytes, std::vector<LeakSuspect>& suspects);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_SUSPECT_GROWTH_H_
