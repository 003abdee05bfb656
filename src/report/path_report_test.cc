// How paths from GC roots read: the one-line rendering (statics, array
// elements, fields), the root field of the JSON with the thread's name,
// and the text for a target no strong path reaches or a search cut short.
#include "report/path_report.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "analysis/gc_root_paths.h"
#include "analysis/path_test_dump.h"

namespace heapscope::report {
namespace {

using namespace analysis::path_test;  // NOLINT: the dump's ids read best unqualified

class PathReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = WritePathDump(8);
    ASSERT_FALSE(path_.empty());
    std::string error;
    heap_ = LoadDump(path_, &error);
    ASSERT_NE(heap_, nullptr) << error;
  }
  void TearDown() override { std::remove(path_.c_str()); }

  analysis::GcRootPaths Find(uint64_t id, size_t max_paths, uint64_t max_edges = analysis::kDefaultPathSearchEdges) {
    analysis::PathOptions options;
    options.max_paths = max_paths;
    options.max_edges = max_edges;
    auto r = analysis::FindGcRootPaths(heap_->model, heap_->reverse, heap_->model.Find(id), options);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : analysis::GcRootPaths{};
  }

  std::string path_;
  std::unique_ptr<LoadedHeap> heap_;
};

TEST_F(PathReportTest, RenderedFromTheRootDown) {
  analysis::GcRootPaths r = Find(kCachedSession, 2);
  ASSERT_EQ(r.paths.size(), 2u);
  EXPECT_EQ(RenderPath(heap_->model, r.paths[0]),
            "static com.acme.Cache.entries -> java.lang.Object[] [2] -> com.acme.Session");
  EXPECT_EQ(RenderPath(heap_->model, r.paths[1]),
            "com.acme.Holder.a -> com.acme.Node.next -> com.acme.Node.next -> com.acme.Session");
  std::string text = PathsText(heap_->model, heap_->model.Find(kCachedSession), r);
  EXPECT_EQ(text.rfind("root: sticky-class", 0), 0u) << text;
  EXPECT_NE(text.find("root: jni-global"), std::string::npos) << text;
  // A root target is its own one-object path.
  analysis::GcRootPaths root = Find(kCacheClass, 1);
  ASSERT_EQ(root.paths.size(), 1u);
  EXPECT_EQ(RenderPath(heap_->model, root.paths[0]), "class com.acme.Cache");
}

TEST_F(PathReportTest, JsonNamesTheRootAndEachReference) {
  analysis::GcRootPaths r = Find(kFrameTarget, 1);
  auto j = PathsJson(heap_->model, heap_->model.Find(kFrameTarget), r);
  EXPECT_EQ(j["target"], "0x6010");
  ASSERT_EQ(j["paths"].size(), 1u);
  ASSERT_EQ(j["paths"][0].size(), 2u);
  EXPECT_EQ(j["paths"][0][0]["field"], "root: java-frame (thread main)");
  EXPECT_EQ(j["paths"][0][0]["id"], "0x6000");
  EXPECT_EQ(j["paths"][0][1]["field"], "next");
  EXPECT_EQ(j["paths"][0][1]["class"], "com.acme.Node");
  EXPECT_EQ(j["complete"], true);
}

TEST_F(PathReportTest, NoPathAndCutShortSaySo) {
  analysis::GcRootPaths none = Find(kWeakOnly, 1);
  std::string text = PathsText(heap_->model, heap_->model.Find(kWeakOnly), none);
  EXPECT_NE(text.find("no strong path from a GC root to 0x7100"), std::string::npos) << text;
  EXPECT_TRUE(PathsJson(heap_->model, heap_->model.Find(kWeakOnly), none)["paths"].empty());
  analysis::GcRootPaths cut = Find(kCachedSession, 2, 3);
  ASSERT_FALSE(cut.complete);
  text = PathsText(heap_->model, heap_->model.Find(kCachedSession), cut);
  EXPECT_NE(text.find("search stopped after"), std::string::npos) << text;
  EXPECT_EQ(text.find("no strong path"), std::string::npos) << text;
}

}  // namespace
}  // namespace heapscope::report
