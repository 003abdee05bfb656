// OpenOrBuild end to end on small dumps: a reopened index equals a fresh
// build column by column (plain dumps of both id sizes, and gzip), each set
// of analysis options gets its own part beside one shared model, and the
// index lands beside the dump or under --index-dir.
#include "index/analyzed_heap.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "index/dump_identity.h"
#include "index/index_test_fixture.h"

namespace heapscope::index::testing {
namespace {

namespace fs = std::filesystem;
using analysis::NodeOf;

class RoundTripTest : public IndexTest, public ::testing::WithParamInterface<TestDump> {
 protected:
  void SetUp() override {
    IndexTest::SetUp();
    WriteTestDump(dump_, GetParam());
  }
};

TEST_P(RoundTripTest, ReopenedIndexEqualsAFreshBuild) {
  auto built = Open();
  ASSERT_TRUE(built);
  EXPECT_FALSE(built->index.model_reused);
  EXPECT_FALSE(built->index.analysis_reused);
  EXPECT_TRUE(built->index.write_error.empty()) << built->index.write_error;
  EXPECT_TRUE(NoteContains("no index yet"));
  EXPECT_TRUE(fs::exists(IndexFile("model/manifest.json")));
  EXPECT_TRUE(fs::exists(IndexFile("analysis-as-mat/manifest.json")));

  notes_.clear();
  auto reopened = Open();
  ASSERT_TRUE(reopened);
  EXPECT_TRUE(reopened->index.model_reused);
  EXPECT_TRUE(reopened->index.analysis_reused);
  EXPECT_TRUE(notes_.empty());
  EXPECT_GT(reopened->index.bytes, 0u);
  EXPECT_TRUE(reopened->model.object_id.is_view());
  EXPECT_TRUE(reopened->dominators.retained.is_view());

  auto fresh = Fresh();
  ASSERT_TRUE(fresh);
  ExpectSameHeap(*reopened, *fresh);
  ExpectSameHeap(*built, *fresh);

  // What the model reads lazily still works: field values from the mapped
  // dump (plain) or the arena (gzip).
  const heap::HeapModel& m = reopened->model;
  EXPECT_EQ(m.StringValue(m.Find(kThreadName)), std::optional<std::string>("main"));
  ASSERT_EQ(m.threads.size(), 1u);
  EXPECT_EQ(m.threads[0].name, "main");
  EXPECT_EQ(m.threads[0].frames.at(0).method, "com.acme.Node.run");
  heap::ObjectIdx held = m.Find(kWeaklyHeld);
  EXPECT_EQ(m.FieldValue(held, "val"), fresh->model.FieldValue(held, "val"));
  // A compressed dump keeps only what Strings and threads need.
  if (!GetParam().gzip) {
    EXPECT_EQ(m.FieldValue(held, "val"), std::optional<uint64_t>(99));
  }
  EXPECT_EQ(m.Find(0xdead0), heap::kNoObject);
}

INSTANTIATE_TEST_SUITE_P(Dumps, RoundTripTest,
                         ::testing::Values(TestDump{8, false}, TestDump{4, false}, TestDump{8, true}),
                         [](const ::testing::TestParamInfo<TestDump>& info) {
                           return std::string(info.param.gzip ? "Gzip" : "Plain") +
                                  std::to_string(info.param.id_size);
                         });

TEST_F(IndexTest, EachAnalysisOptionSetHasItsOwnPart) {
  ASSERT_TRUE(Open());
  IndexOptions exclude = Options();
  exclude.weak_refs = analysis::WeakRefs::kExclude;
  notes_.clear();
  auto excluded = Open(exclude);
  ASSERT_TRUE(excluded);
  EXPECT_TRUE(excluded->index.model_reused);
  EXPECT_FALSE(excluded->index.analysis_reused);
  EXPECT_TRUE(NoteContains("analysis-exclude"));
  EXPECT_TRUE(fs::exists(IndexFile("analysis-exclude/manifest.json")));
  EXPECT_TRUE(fs::exists(IndexFile("analysis-as-mat/manifest.json")));

  // The weakly held node is reachable only through Reference.referent.
  const heap::HeapModel& m = excluded->model;
  analysis::NodeId weak = NodeOf(m.Find(kWeakRef)), held = NodeOf(m.Find(kWeaklyHeld));
  EXPECT_FALSE(excluded->dominators.Reachable(held));
  auto as_mat = Open();
  ASSERT_TRUE(as_mat);
  EXPECT_TRUE(as_mat->index.analysis_reused);
  EXPECT_EQ(as_mat->dominators.idom[held], weak);

  // Both variants reopen, and each equals its own fresh build.
  auto excluded_again = Open(exclude);
  ASSERT_TRUE(excluded_again);
  EXPECT_TRUE(excluded_again->index.analysis_reused);
  ExpectSameHeap(*excluded_again, *Fresh(exclude));
  ExpectSameHeap(*as_mat, *Fresh());

  IndexOptions keep = Options();
  keep.keep_unreachable = true;
  auto kept = Open(keep);
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->dominators.Reachable(NodeOf(kept->model.Find(kUnreachable))));
  EXPECT_FALSE(as_mat->dominators.Reachable(NodeOf(as_mat->model.Find(kUnreachable))));
  EXPECT_TRUE(fs::exists(IndexFile("analysis-as-mat-keep-unreachable/manifest.json")));
  ExpectSameHeap(*Open(keep), *Fresh(keep));
}

TEST_F(IndexTest, IndexDirPlacement) {
  EXPECT_EQ(IndexDirFor(dump_, ""), dump_ + ".hsidx");
  std::string under = dir_ + "/indexes";
  IndexOptions o = Options();
  o.index_dir = under;
  auto heap = Open(o);
  ASSERT_TRUE(heap);
  std::string expected = IndexDirFor(dump_, under);
  EXPECT_EQ(heap->index.dir, expected);
  EXPECT_EQ(fs::path(expected).parent_path(), fs::path(under));
  EXPECT_EQ(fs::path(expected).filename().string().rfind("app.hprof-", 0), 0u) << expected;
  EXPECT_TRUE(fs::exists(expected + "/model/manifest.json"));
  EXPECT_FALSE(fs::exists(dump_ + ".hsidx"));
  EXPECT_TRUE(Open(o)->index.model_reused);

  // A dump of the same name elsewhere gets another index.
  fs::create_directory(dir_ + "/other");
  EXPECT_NE(IndexDirFor(dir_ + "/other/app.hprof", under), expected);
  // Spelled differently, the same dump finds the same index.
  EXPECT_EQ(IndexDirFor(dir_ + "/other/../app.hprof", under), expected);
}

TEST_F(IndexTest, ForceRebuildsAndLeavesNoTemporaries) {
  ASSERT_TRUE(Open());
  IndexOptions force = Options();
  force.rebuild = true;
  auto rebuilt = Open(force);
  ASSERT_TRUE(rebuilt);
  EXPECT_FALSE(rebuilt->index.model_reused);
  auto reopened = Open();
  ASSERT_TRUE(reopened);
  EXPECT_TRUE(reopened->index.model_reused);
  ExpectSameHeap(*reopened, *Fresh());
  for (const fs::directory_entry& e : fs::directory_iterator(dump_ + ".hsidx")) {
    std::string name = e.path().filename().string();
    EXPECT_TRUE(name == "model" || name == "analysis-as-mat") << name;
  }
}

TEST_F(IndexTest, UnwritableIndexStillGivesTheHeap) {
  IndexOptions o = Options();
  o.index_dir = "/dev/null/index";
  auto heap = Open(o);
  ASSERT_TRUE(heap);
  EXPECT_FALSE(heap->index.write_error.empty());
  EXPECT_TRUE(NoteContains("cannot write the index"));
  ExpectSameHeap(*heap, *Fresh());
}

TEST_F(IndexTest, ModelOnlyOpensWithoutAnalysis) {
  IndexOptions model_only = Options();
  model_only.with_analysis = false;
  auto built = Open(model_only);
  ASSERT_TRUE(built);
  EXPECT_TRUE(built->reverse.in_begin.empty());
  EXPECT_TRUE(fs::exists(IndexFile("model/manifest.json")));
  EXPECT_FALSE(fs::exists(IndexFile("analysis-as-mat")));
  auto reopened = Open(model_only);
  ASSERT_TRUE(reopened);
  EXPECT_TRUE(reopened->index.model_reused);
  // The full open then adds the analysis to the same model.
  auto full = Open();
  ASSERT_TRUE(full);
  EXPECT_TRUE(full->index.model_reused);
  EXPECT_FALSE(full->index.analysis_reused);
  ExpectSameHeap(*full, *Fresh());
}

TEST_F(IndexTest, MissingDumpIsAnError) {
  auto heap = OpenOrBuild(dir_ + "/no-such.hprof", Options());
  ASSERT_FALSE(heap.ok());
  EXPECT_EQ(heap.error().kind, ErrorKind::kIo);
}

}  // namespace
}  // namespace heapscope::index::testing
