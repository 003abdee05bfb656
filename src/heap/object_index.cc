#include "heap/object_index.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace heapscope::heap {

namespace {
// At most this many buckets: 32 MiB of table, enough for any real heap
// range to land a handful of objects per bucket.
constexpr uint64_t kMaxBuckets = uint64_t{1} << 22;
// Dumps list objects mostly in address order (region by region), so the
// sorted order is a merge of a few ascending runs; past this many runs a
// plain sort is as good.
constexpr size_t kMaxMergedRuns = 256;
}  // namespace

ObjectIndex ObjectIndex::Build(std::span<const uint64_t> ids) {
  ObjectIndex index;
  const uint64_t n = ids.size();
  std::vector<uint64_t> order(n);
  std::iota(order.begin(), order.end(), uint64_t{0});
  auto by_id = [&](uint64_t a, uint64_t b) { return ids[a] != ids[b] ? ids[a] < ids[b] : a < b; };
  std::vector<uint64_t> run_starts{0};
  for (uint64_t i = 1; i < n && run_starts.size() <= kMaxMergedRuns; ++i) {
    if (ids[i] < ids[i - 1]) run_starts.push_back(i);
  }
  if (run_starts.size() > kMaxMergedRuns) {
    std::sort(order.begin(), order.end(), by_id);
  } else {
    run_starts.push_back(n);
    while (run_starts.size() > 2) {
      std::vector<uint64_t> merged{0};
      for (size_t r = 0; r + 2 < run_starts.size(); r += 2) {
        std::inplace_merge(order.begin() + static_cast<int64_t>(run_starts[r]),
                           order.begin() + static_cast<int64_t>(run_starts[r + 1]),
                           order.begin() + static_cast<int64_t>(run_starts[r + 2]), by_id);
        merged.push_back(run_starts[r + 2]);
      }
      if ((run_starts.size() - 1) % 2 == 1) merged.push_back(n);
      if (merged.back() != n) merged.push_back(n);
      run_starts.swap(merged);
    }
  }
  index.sorted_ids.reserve(n);
  index.sorted_objects.reserve(n);
  for (uint64_t o : order) {
    index.sorted_ids.push_back(ids[o]);
    index.sorted_objects.push_back(o);
  }
  if (n == 0) {
    index.bucket_begin.resize(2, 0);
    return index;
  }
  index.base = index.sorted_ids[0];
  uint64_t range = index.sorted_ids[n - 1] - index.base;
  while ((range >> index.shift) >= kMaxBuckets) ++index.shift;
  uint64_t buckets = (range >> index.shift) + 1;
  index.bucket_begin.resize(buckets + 1, 0);
  for (uint64_t i = 0; i < n; ++i) ++index.bucket_begin[((index.sorted_ids[i] - index.base) >> index.shift) + 1];
  for (uint64_t b = 1; b <= buckets; ++b) index.bucket_begin[b] += index.bucket_begin[b - 1];
  return index;
}

uint64_t ObjectIndex::Find(uint64_t id) const {
  if (sorted_ids.empty() || id < base) return kNotFound;
  uint64_t b = (id - base) >> shift;
  if (b + 1 >= bucket_begin.size()) return kNotFound;
  const uint64_t* first = sorted_ids.span().data() + bucket_begin[b];
  const uint64_t* last = sorted_ids.span().data() + bucket_begin[b + 1];
  const uint64_t* it = std::lower_bound(first, last, id);
  return it != last && *it == id ? sorted_objects[static_cast<uint64_t>(it - sorted_ids.span().data())] : kNotFound;
}

}  // namespace heapscope::heap
