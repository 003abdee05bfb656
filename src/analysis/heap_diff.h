// analysis/heap_diff.h - what changed between two dumps of one service, per
// class: instances, shallow and retained bytes before and after, and the
// rate of change per hour from the dumps' own timestamps.
//
// Object ids are addresses and move between dumps, so classes are matched
// by name (classes of one name under several loaders are summed); class
// loaders by their class name and the count of each.
#ifndef HEAPSCOPE_ANALYSIS_HEAP_DIFF_H_
#define HEAPSCOPE_ANALYSIS_HEAP_DIFF_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "heap/heap_model.h"

namespace heapscope::analysis {

// One dump's totals per class name.
struct ClassTotals {
  uint64_t timestamp_ms = 0;  // the dump header's
  struct Row {
    std::string name;
    uint64_t instances = 0, shallow_bytes = 0, retained_bytes = 0;
  };
  std::vector<Row> rows;  // sorted by name, one per name
  // Class loader instances per loader class name, sorted by name.
  std::vector<std::pair<std::string, uint64_t>> loaders;
};

// `retained_by_class` may be empty (no retained sizes).
ClassTotals TotalsOf(const heap::HeapModel& model, std::span<const uint64_t> retained_by_class);

struct ClassChange {
  std::string name;
  ClassTotals::Row before, after;  // zero rows where the class is absent
  bool appeared = false, vanished = false;
  int64_t retained_delta() const {
    return static_cast<int64_t>(after.retained_bytes) - static_cast<int64_t>(before.retained_bytes);
  }
  int64_t shallow_delta() const {
    return static_cast<int64_t>(after.shallow_bytes) - static_cast<int64_t>(before.shallow_bytes);
  }
  int64_t instances_delta() const {
    return static_cast<int64_t>(after.instances) - static_cast<int64_t>(before.instances);
  }
};

struct LoaderChange {
  std::string loader_class;
  uint64_t before = 0, after = 0;
};

struct HeapDiff {
  double hours = 0;  // target time - base time; 0 when unknown or not later
  std::vector<ClassChange> classes;  // every class present in either dump, by name
  std::vector<LoaderChange> loaders; // loader classes whose instance count changed
  // Per hour, 0 when `hours` is 0.
  double Rate(int64_t delta) const { return hours > 0 ? static_cast<double>(delta) / hours : 0; }
};

HeapDiff DiffHeaps(const ClassTotals& base, const ClassTotals& target);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_HEAP_DIFF_H_
