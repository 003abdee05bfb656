// ObjectIndex against a linear search: ids in dump order, out of order,
// repeated, spread wide or packed, near both ends of the 64-bit range.
#include "heap/object_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace heapscope::heap {
namespace {

// The lowest-numbered object with this id, as Find promises.
uint64_t LinearFind(const std::vector<uint64_t>& ids, uint64_t id) {
  auto it = std::find(ids.begin(), ids.end(), id);
  return it == ids.end() ? ObjectIndex::kNotFound : static_cast<uint64_t>(it - ids.begin());
}

void ExpectFindsLikeLinearSearch(const std::vector<uint64_t>& ids) {
  ObjectIndex index = ObjectIndex::Build(ids);
  ASSERT_EQ(index.sorted_objects.size(), ids.size());
  ASSERT_GE(index.bucket_begin.size(), 2u);
  EXPECT_EQ(index.bucket_begin[index.bucket_begin.size() - 1], ids.size());
  // No more buckets than objects (one for an empty or one-object index).
  EXPECT_LE(index.bucket_begin.size() - 1, std::max<uint64_t>(ids.size(), 1));
  std::vector<uint64_t> probes = {0, 1, UINT64_MAX, UINT64_MAX - 1};
  for (uint64_t id : ids) {
    probes.push_back(id);
    probes.push_back(id - 1);
    probes.push_back(id + 1);
  }
  std::mt19937_64 rng(ids.size());
  for (int i = 0; i < 100; ++i) probes.push_back(rng());
  for (uint64_t id : probes) {
    ASSERT_EQ(index.Find(ids, id), LinearFind(ids, id)) << "id " << id;
  }
}

TEST(ObjectIndexTest, EmptyFindsNothing) {
  ExpectFindsLikeLinearSearch({});
  ObjectIndex index = ObjectIndex::Build({});
  EXPECT_EQ(index.Find({}, 0), ObjectIndex::kNotFound);
  EXPECT_EQ(index.Find({}, 42), ObjectIndex::kNotFound);
}

TEST(ObjectIndexTest, OneObject) {
  ExpectFindsLikeLinearSearch({0x1000});
  ExpectFindsLikeLinearSearch({0});
  ExpectFindsLikeLinearSearch({UINT64_MAX});
}

TEST(ObjectIndexTest, AddressOrderedRunsAndRepeats) {
  // Two heap regions listed high one first, then a repeated id: the first
  // object listed with it wins.
  std::vector<uint64_t> ids;
  for (uint64_t a = 0x7f0000000; a < 0x7f0000000 + 64 * 24; a += 24) ids.push_back(a);
  for (uint64_t a = 0x600000000; a < 0x600000000 + 64 * 16; a += 16) ids.push_back(a);
  ids.push_back(0x600000010);
  ids.push_back(0x7f0000000);
  ExpectFindsLikeLinearSearch(ids);
  ObjectIndex index = ObjectIndex::Build(ids);
  EXPECT_EQ(index.Find(ids, 0x600000010), 65u);
  EXPECT_EQ(index.Find(ids, 0x7f0000000), 0u);
}

TEST(ObjectIndexTest, FewObjectsFarApartKeepASmallTable) {
  std::vector<uint64_t> ids = {0xffffffffffffff00, 0x10, 0x7fff00000000};
  ExpectFindsLikeLinearSearch(ids);
  EXPECT_LE(ObjectIndex::Build(ids).bucket_begin.size(), 3u);
}

TEST(ObjectIndexTest, RandomIdsMatchLinearSearch) {
  std::mt19937_64 rng(7);
  for (uint64_t n : {2, 3, 17, 1000, 5000}) {
    for (int shape = 0; shape < 4; ++shape) {
      std::vector<uint64_t> ids(n);
      for (uint64_t& id : ids) {
        switch (shape) {
          case 0: id = rng(); break;                                // spread over 64 bits
          case 1: id = 0x700000000 + (rng() % (n * 4)) * 8; break;  // packed, with repeats
          case 2: id = rng() % 5; break;                            // mostly repeats
          default: id = UINT64_MAX - rng() % (n * 2); break;        // at the top end
        }
      }
      // Shape 1 in mostly ascending runs, as HotSpot dumps list objects.
      if (shape == 1) {
        for (uint64_t i = 0; i + 100 <= n; i += 100) std::sort(ids.begin() + i, ids.begin() + i + 100);
      }
      SCOPED_TRACE(testing::Message() << "n " << n << " shape " << shape);
      ExpectFindsLikeLinearSearch(ids);
    }
  }
}

TEST(ObjectIndexTest, ManyRunsTakeTheSortPath) {
  // More descending steps than the merge handles: a plain sort.
  std::vector<uint64_t> ids;
  for (uint64_t i = 0; i < 2000; ++i) ids.push_back((2000 - i) * 64 + (i % 3) * 8);
  ExpectFindsLikeLinearSearch(ids);
}

}  // namespace
}  // namespace heapscope::heap
