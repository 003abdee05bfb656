#include "analysis/heap_diff.h"

#include <algorithm>
#include <map>

namespace heapscope::analysis {

ClassTotals TotalsOf(const heap::HeapModel& model, std::span<const uint64_t> retained_by_class) {
  const heap::HeapScan& scan = model.scan;
  ClassTotals out;
  out.timestamp_ms = scan.read.header.timestamp_ms;
  std::map<std::string, ClassTotals::Row> by_name;
  for (heap::ClassIdx c = 0; c < scan.classes.size(); ++c) {
    ClassTotals::Row& r = by_name[scan.classes.name[c]];
    r.name = scan.classes.name[c];
    r.instances += scan.per_class[c].instances;
    r.shallow_bytes += scan.per_class[c].shallow_bytes;
    if (c < retained_by_class.size()) r.retained_bytes += retained_by_class[c];
  }
  for (auto& [name, row] : by_name) out.rows.push_back(std::move(row));
  // Each loader object once, named by its class.
  std::vector<uint64_t> ids;
  for (heap::ClassIdx c = 0; c < scan.classes.size(); ++c) {
    if (scan.classes.loader_id[c] != 0) ids.push_back(scan.classes.loader_id[c]);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::map<std::string, uint64_t> loaders;
  for (uint64_t id : ids) {
    const heap::ObjectIdx o = model.Find(id);
    const heap::ClassIdx c = o == heap::kNoObject ? heap::kNoClass : model.object_class[o];
    ++loaders[c == heap::kNoClass ? "<unknown>" : scan.classes.name[c]];
  }
  out.loaders.assign(loaders.begin(), loaders.end());
  return out;
}

HeapDiff DiffHeaps(const ClassTotals& base, const ClassTotals& target) {
  HeapDiff d;
  if (target.timestamp_ms > base.timestamp_ms && base.timestamp_ms > 0) {
    d.hours = static_cast<double>(target.timestamp_ms - base.timestamp_ms) / 3'600'000.0;
  }
  // Both row lists are sorted by name: one merge.
  size_t i = 0, j = 0;
  while (i < base.rows.size() || j < target.rows.size()) {
    ClassChange c;
    const bool take_base = j == target.rows.size() || (i < base.rows.size() && base.rows[i].name <= target.rows[j].name);
    const bool take_target = i == base.rows.size() || (j < target.rows.size() && target.rows[j].name <= base.rows[i].name);
    if (take_base) c.before = base.rows[i++];
    if (take_target) c.after = target.rows[j++];
    c.name = take_base ? c.before.name : c.after.name;
    c.appeared = !take_base || (c.before.instances == 0 && c.after.instances > 0);
    c.vanished = !take_target || (c.after.instances == 0 && c.before.instances > 0);
    if (c.appeared && c.vanished) c.appeared = c.vanished = false;  // no instances on either side
    if (!take_base) c.before.name = c.name;
    if (!take_target) c.after.name = c.name;
    d.classes.push_back(std::move(c));
  }
  std::map<std::string, LoaderChange> loaders;
  for (const auto& [name, n] : base.loaders) loaders[name] = {name, n, 0};
  for (const auto& [name, n] : target.loaders) {
    auto [it, inserted] = loaders.try_emplace(name, LoaderChange{name, 0, 0});
    it->second.after = n;
  }
  for (auto& [name, l] : loaders) {
    if (l.before != l.after) d.loaders.push_back(l);
  }
  return d;
}

}  // namespace heapscope::analysis
