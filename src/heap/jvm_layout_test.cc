#include "heap/jvm_layout.h"

#include <gtest/gtest.h>

#include <vector>

namespace heapscope::heap {
namespace {

using hprof::BasicType;

JvmLayout Named(std::string_view name) {
  for (const JvmLayout& l : CandidateLayouts(8)) {
    if (l.name == name) return l;
  }
  ADD_FAILURE() << "no layout " << name;
  return {};
}

uint64_t Size(const JvmLayout& l, std::vector<std::vector<BasicType>> chain) {
  std::vector<ClassFieldTypes> classes;
  for (auto& fields : chain) classes.push_back({fields, {}});
  return ModelInstanceSize(l, classes);
}

TEST(JvmLayout, ArraySizesPerLayout) {
  JvmLayout coops = Named("compressed oops + compressed class pointers");
  EXPECT_EQ(coops.ArraySize(1, 0), 16u);
  EXPECT_EQ(coops.ArraySize(1, 1), 24u);
  EXPECT_EQ(coops.ArraySize(4, 10), 56u);
  EXPECT_EQ(coops.ArraySize(8, 3), 40u);
  JvmLayout old_wide = Named("uncompressed oops and class pointers (JDK < 22)");
  EXPECT_EQ(old_wide.ArraySize(1, 0), 24u);
  EXPECT_EQ(old_wide.ArraySize(4, 1), 32u);
  JvmLayout new_wide = Named("uncompressed oops and class pointers (JDK 22+)");
  EXPECT_EQ(new_wide.ArraySize(4, 1), 24u);
  EXPECT_EQ(new_wide.ArraySize(8, 1), 32u);
  JvmLayout compact = Named("compact object headers + compressed oops");
  EXPECT_EQ(compact.ArraySize(1, 4), 16u);
  EXPECT_EQ(compact.ArraySize(1, 5), 24u);
  EXPECT_EQ(compact.ArraySize(8, 1), 24u);
}

TEST(JvmLayout, PaddingByResidueMatchesDirectSizes) {
  for (const JvmLayout& l : CandidateLayouts(8)) {
    for (uint32_t elem : {1u, 2u, 4u, 8u}) {
      for (uint64_t len = 0; len < 200; ++len) {
        uint64_t by_residue = l.ArrayBase(elem) + len * elem + l.ArrayPadding(elem, len % 64);
        EXPECT_EQ(by_residue, l.ArraySize(elem, len)) << l.name << " elem " << elem << " len " << len;
      }
    }
  }
}

TEST(JvmLayout, FieldPackingFillsHeaderGap) {
  JvmLayout coops = Named("compressed oops + compressed class pointers");
  // java.lang.Object: header only, rounded up.
  EXPECT_EQ(Size(coops, {{}}), 16u);
  // An int fills the 4-byte gap after the 12-byte header; the long goes at 16.
  EXPECT_EQ(Size(coops, {{BasicType::kLong, BasicType::kInt, BasicType::kObject}}), 32u);
  // HashMap$Node: int hash + 3 references = 12 + 16 = 28 -> 32.
  EXPECT_EQ(Size(coops, {{BasicType::kInt, BasicType::kObject, BasicType::kObject, BasicType::kObject}}), 32u);
  // A subclass's byte goes into the superclass's trailing hole.
  EXPECT_EQ(Size(coops, {{BasicType::kLong}, {BasicType::kByte}}), 24u);
  JvmLayout wide = Named("compressed class pointers, uncompressed oops");
  EXPECT_EQ(Size(wide, {{BasicType::kObject, BasicType::kObject}}), 32u);
}

TEST(JvmLayout, ContendedGroupsArePadded) {
  JvmLayout coops = Named("compressed oops + compressed class pointers");
  // JDK 17 ForkJoinPool-like: regular fields end at 72, then 128 padding,
  // the contended long, 128 more.
  std::vector<BasicType> regular(15, BasicType::kInt);  // 12 + 60 = 72
  ClassFieldTypes pool{regular, {BasicType::kLong}};
  ModelLayout l = ModelInstanceLayout(coops, std::span<const ClassFieldTypes>(&pool, 1));
  EXPECT_EQ(l.field_end, 72u + 128 + 8 + 128);
  EXPECT_EQ(l.size, 336u);
  // A subclass starts where the padding ends.
  ClassFieldTypes sub{{BasicType::kBoolean}, {}};
  std::vector<ClassFieldTypes> chain{pool, sub};
  EXPECT_EQ(ModelInstanceSize(coops, chain), 344u);
}

TEST(JvmLayout, InferencePrefersTheLayoutThatExplainsTheSpacing) {
  std::vector<JvmLayout> candidates = CandidateLayouts(8);
  // Spacing as a compressed-oops JVM would show it.
  JvmLayout truth = Named("compressed oops + compressed class pointers");
  std::vector<ArraySample> arrays;
  for (uint32_t len = 0; len < 50; ++len) {
    for (uint32_t elem : {1u, 2u, 4u, 8u}) arrays.push_back({elem, len, truth.ArraySize(elem, len)});
    arrays.push_back({0, len, truth.ArraySize(4, len)});
  }
  std::string why;
  JvmLayout got = InferJvmLayout(candidates, arrays, {}, 0x18, &why);
  EXPECT_EQ(got.name, truth.name) << why;
  EXPECT_EQ(got.alignment, 8u);
  // The same spacing with references twice as wide points elsewhere.
  JvmLayout wide = Named("compressed class pointers, uncompressed oops");
  for (ArraySample& s : arrays) {
    if (s.elem_size == 0) s.gap = wide.ArraySize(8, s.length);
  }
  EXPECT_EQ(InferJvmLayout(candidates, arrays, {}, 0x18, &why).name, wide.name) << why;
}

TEST(JvmLayout, AlignmentFromAddressBits) {
  std::string why;
  EXPECT_EQ(InferJvmLayout(CandidateLayouts(8), {}, {}, 0x7f0010, &why).alignment, 16u);
  EXPECT_EQ(InferJvmLayout(CandidateLayouts(8), {}, {}, 0x7f0018, &why).alignment, 8u);
}

}  // namespace
}  // namespace heapscope::heap
