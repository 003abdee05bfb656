// index/index_test_fixture.h - for the index tests only: a small dump in a
// fresh temporary folder, and a check that two analyzed heaps agree on every
// column and structure. In the dump a static holds a WeakReference whose
// referent nothing else reaches (--weak-refs matters), one Node is
// unreachable (--keep-unreachable matters), a Node chain ends in a dangling
// id, and a thread's frame holds an Object[].
#ifndef HEAPSCOPE_INDEX_INDEX_TEST_FIXTURE_H_
#define HEAPSCOPE_INDEX_INDEX_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "index/analyzed_heap.h"

namespace heapscope::index::testing {

struct TestDump {
  uint32_t id_size = 8;
  bool gzip = false;
  bool truncated = false;  // cut inside the last heap segment
};

// Ids of objects the tests look at.
inline constexpr uint64_t kChainHead = 0x2000;
inline constexpr uint64_t kWeakRef = 0x6000;
inline constexpr uint64_t kWeaklyHeld = 0x6010;
inline constexpr uint64_t kUnreachable = 0x7000;
inline constexpr uint64_t kThreadName = 0x3010;

void WriteTestDump(const std::string& path, const TestDump& dump);

// Every column (values, not just sizes) and every structure of the model,
// graph, reverse graph and dominator tree.
void ExpectSameHeap(const AnalyzedHeap& got, const AnalyzedHeap& want);

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Options that collect notes in notes_ instead of printing them.
  IndexOptions Options();
  // OpenOrBuild, failing the test on an error.
  std::shared_ptr<const AnalyzedHeap> Open(const IndexOptions& options);
  std::shared_ptr<const AnalyzedHeap> Open() { return Open(Options()); }
  // Built from the dump in memory, the index untouched: what a reopened
  // index must equal.
  std::shared_ptr<const AnalyzedHeap> Fresh(IndexOptions options);
  std::shared_ptr<const AnalyzedHeap> Fresh() { return Fresh(Options()); }
  // A file of the default index, e.g. "model/ref_target.col".
  std::string IndexFile(const std::string& relative) const { return dump_ + ".hsidx/" + relative; }
  bool NoteContains(const std::string& text) const;

  std::string dir_;
  std::string dump_;
  std::vector<std::string> notes_;
};

}  // namespace heapscope::index::testing

#endif  // HEAPSCOPE_INDEX_INDEX_TEST_FIXTURE_H_
