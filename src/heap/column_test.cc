// Column as an owned vector and as a read-only view of memory someone else
// owns: the same reads, copies that share the owner, and a loud abort when
// code that builds columns is handed a view.
#include "heap/column.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace heapscope::heap {
namespace {

TEST(ColumnTest, ViewReadsLikeAnOwnedColumn) {
  auto owner = std::make_shared<std::vector<uint32_t>>(std::vector<uint32_t>{5, 6, 7});
  Column<uint32_t> view = Column<uint32_t>::View(owner->data(), owner->size(), owner);
  Column<uint32_t> owned;
  for (uint32_t v : *owner) owned.push_back(v);
  EXPECT_TRUE(view.is_view());
  EXPECT_FALSE(owned.is_view());
  ASSERT_EQ(view.size(), owned.size());
  const Column<uint32_t>& cview = view;
  for (uint64_t i = 0; i < view.size(); ++i) EXPECT_EQ(cview[i], owned[i]);
  EXPECT_EQ(view.span().data(), owner->data());

  // A copy shares the memory and keeps it alive after the original goes.
  std::weak_ptr<std::vector<uint32_t>> alive = owner;
  Column<uint32_t> copy = view;
  owner.reset();
  view = Column<uint32_t>();
  EXPECT_FALSE(alive.expired());
  EXPECT_EQ(copy.span()[2], 7u);
  copy = Column<uint32_t>();
  EXPECT_TRUE(alive.expired());
}

TEST(ColumnDeathTest, MutatingAViewAborts) {
  static const uint64_t values[] = {1, 2};
  Column<uint64_t> view = Column<uint64_t>::View(values, 2, nullptr);
  EXPECT_DEATH(view.push_back(3), "push_back on a column that is a read-only view");
  EXPECT_DEATH(view[0] = 9, "operator\\[\\] \\(non-const\\)");
  EXPECT_DEATH(view.storage(), "storage");
}

}  // namespace
}  // namespace heapscope::heap
