#include "heap/object_index.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

namespace heapscope::heap {

namespace {
// At most this many buckets (32 MiB of table), and never more than objects:
// enough for any real heap range to land a handful of objects per bucket,
// without a small dump with far-apart ids paying for millions of buckets.
// (Each probe in a bucket reads the id through the model's column, so a
// bucket costs more to search than a run of sorted ids did: 2^23 buckets,
// ~5 objects each on a 29M-object dump, kept Find as fast as the old index
// with 2^22 buckets of 8 bytes.)
constexpr uint64_t kMaxBuckets = uint64_t{1} << 23;
// Dumps list objects mostly in address order (region by region), so the
// sorted order is a merge of a few ascending runs; past this many runs a
// plain sort is as good.
constexpr size_t kMaxMergedRuns = 256;
}  // namespace

ObjectIndex ObjectIndex::Build(std::span<const uint64_t> ids) {
  const uint64_t n = ids.size();
  if (n > kMaxObjects) {
    // BuildHeapModel refuses such dumps with an error; reaching here is our bug.
    std::fprintf(stderr, "heapscope: internal error: object index of %llu objects, at most %llu\n",
                 static_cast<unsigned long long>(n), static_cast<unsigned long long>(kMaxObjects));
    std::abort();
  }
  ObjectIndex index;
  std::vector<uint32_t>& order = index.sorted_objects.storage();
  order.resize(n);
  std::iota(order.begin(), order.end(), uint32_t{0});
  // Ties (a dump repeating an id) keep dump order, so Find gives the first.
  auto by_id = [&](uint32_t a, uint32_t b) { return ids[a] != ids[b] ? ids[a] < ids[b] : a < b; };
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
  if (n == 0) {
    index.bucket_begin.resize(2, 0);
    return index;
  }
  index.base = ids[order[0]];
  const uint64_t range = ids[order[n - 1]] - index.base;
  // bit_floor(n) >= 2 whenever the range is non-zero, so shift stays < 64.
  const uint64_t max_buckets = std::min(kMaxBuckets, std::bit_floor(n));
  while ((range >> index.shift) >= max_buckets) ++index.shift;
  const uint64_t buckets = (range >> index.shift) + 1;
  std::vector<uint32_t>& begin = index.bucket_begin.storage();
  begin.resize(buckets + 1, 0);
  // Counting needs no order: read the ids sequentially.
  for (uint64_t id : ids) ++begin[((id - index.base) >> index.shift) + 1];
  for (uint64_t b = 1; b <= buckets; ++b) begin[b] += begin[b - 1];
  return index;
}

uint64_t ObjectIndex::Find(std::span<const uint64_t> ids, uint64_t id) const {
  if (sorted_objects.empty() || id < base) return kNotFound;
  const uint64_t b = (id - base) >> shift;
  // Not b + 1 >= size: b is UINT64_MAX for the largest id above a base of 0.
  if (bucket_begin.size() < 2 || b >= bucket_begin.size() - 1) return kNotFound;
  const uint32_t* first = sorted_objects.data() + bucket_begin[b];
  const uint32_t* last = sorted_objects.data() + bucket_begin[b + 1];
  const uint32_t* it = std::lower_bound(first, last, id, [ids](uint32_t o, uint64_t v) { return ids[o] < v; });
  return it != last && ids[*it] == id ? uint64_t{*it} : kNotFound;
}

}  // namespace heapscope::heap
