#include "heap/java_names.h"

#include <gtest/gtest.h>

namespace heapscope::heap {
namespace {

TEST(JavaNames, PlainAndNestedClasses) {
  EXPECT_EQ(JavaClassName("java/lang/String"), "java.lang.String");
  EXPECT_EQ(JavaClassName("java/util/HashMap$Node"), "java.util.HashMap$Node");
  EXPECT_EQ(JavaClassName("Demo"), "Demo");
}

TEST(JavaNames, ArrayDescriptors) {
  EXPECT_EQ(JavaClassName("[B"), "byte[]");
  EXPECT_EQ(JavaClassName("[[I"), "int[][]");
  EXPECT_EQ(JavaClassName("[Z"), "boolean[]");
  EXPECT_EQ(JavaClassName("[Ljava/lang/Object;"), "java.lang.Object[]");
  EXPECT_EQ(JavaClassName("[[Ljava/lang/String;"), "java.lang.String[][]");
  EXPECT_EQ(JavaClassName("[Ljava/util/HashMap$Node;"), "java.util.HashMap$Node[]");
}

TEST(JavaNames, HiddenClassesAsTheJvmPrintsThem) {
  EXPECT_EQ(JavaClassName("Demo$$Lambda$14+0x0000000800c03000"), "Demo$$Lambda$14/0x0000000800c03000");
}

TEST(JavaNames, PrimitiveArrays) {
  EXPECT_EQ(PrimitiveArrayName(hprof::BasicType::kLong), "long[]");
  EXPECT_EQ(PrimitiveArrayName(hprof::BasicType::kChar), "char[]");
}

}  // namespace
}  // namespace heapscope::heap
