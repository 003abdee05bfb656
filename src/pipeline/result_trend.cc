#include "pipeline/result_trend.h"

#include <cstdint>
#include <map>
#include <string>

namespace heapscope::pipeline {

nlohmann::ordered_json ResultTrend(const catalog::AnalysisResult& now,
                                   const std::vector<catalog::AnalysisResult>& history) {
  nlohmann::ordered_json heap = nlohmann::ordered_json::array();
  for (const catalog::AnalysisResult& r : history) {
    heap.push_back({{"dump_id", r.dump_id}, {"captured_ms", r.captured_ms}, {"heap_bytes", r.heap_bytes}});
  }
  heap.push_back({{"dump_id", now.dump_id}, {"captured_ms", now.captured_ms}, {"heap_bytes", now.heap_bytes}});

  nlohmann::ordered_json suspects = nlohmann::ordered_json::array();
  for (const catalog::SuspectRow& s : now.suspects) {
    // Retained size of the same place in each earlier dump that had it.
    nlohmann::ordered_json series = nlohmann::ordered_json::array();
    std::vector<uint64_t> sizes;
    for (const catalog::AnalysisResult& r : history) {
      for (const catalog::SuspectRow& then : r.suspects) {
        if (then.signature != s.signature) continue;
        series.push_back({{"dump_id", r.dump_id}, {"captured_ms", r.captured_ms}, {"retained_bytes", then.retained_bytes}});
        sizes.push_back(then.retained_bytes);
        break;
      }
    }
    sizes.push_back(s.retained_bytes);
    // Growth in a row, counted back from this dump.
    size_t growing = 0;
    for (size_t i = sizes.size() - 1; i > 0 && sizes[i] > sizes[i - 1]; --i) ++growing;
    nlohmann::ordered_json j = {{"rank", s.rank},
                                {"signature", s.signature},
                                {"retained_bytes", s.retained_bytes},
                                {"seen_before", series.size()},
                                {"earlier", series}};
    if (sizes.size() > 1) {
      j["change_bytes"] = static_cast<int64_t>(s.retained_bytes) - static_cast<int64_t>(sizes[sizes.size() - 2]);
    } else {
      j["change_bytes"] = nullptr;
    }
    j["growing_dumps_in_a_row"] = growing;
    suspects.push_back(std::move(j));
  }
  return {{"dumps", history.size() + 1}, {"heap", heap}, {"suspects", suspects}};
}

}  // namespace heapscope::pipeline
