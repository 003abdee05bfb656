// When an index must not be used: the dump was touched, edited or appended
// to; a column, blob or manifest was damaged, deleted or cut; the index was
// written by another build or format; the model was read past a truncation
// that this run doesn't allow. Each case must rebuild (with a note) and give
// exactly what a fresh build gives, and the repaired index must reopen.
#include <fcntl.h>
#include <sys/stat.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hprof/writer.h"
#include "index/analyzed_heap.h"
#include "index/index_test_fixture.h"
#include "index/model_codec.h"

namespace heapscope::index::testing {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteAll(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

timespec Mtime(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mtim;
}

void SetMtime(const std::string& path, timespec mtime) {
  timespec times[2] = {mtime, mtime};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

class ValidityTest : public IndexTest {
 protected:
  void SetUp() override {
    IndexTest::SetUp();
    ASSERT_TRUE(Open());
    notes_.clear();
  }
  // Opens after damage: expects a rebuild whose note says `note`, a result
  // equal to a fresh build, and an index that then reopens cleanly.
  void ExpectRebuilt(const std::string& note, bool model_reused = false) {
    auto heap = Open();
    ASSERT_TRUE(heap);
    EXPECT_EQ(heap->index.model_reused, model_reused);
    EXPECT_FALSE(heap->index.analysis_reused);
    EXPECT_TRUE(NoteContains(note)) << "notes: " << ::testing::PrintToString(notes_);
    ExpectSameHeap(*heap, *Fresh());
    notes_.clear();
    auto again = Open();
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->index.model_reused && again->index.analysis_reused);
    EXPECT_TRUE(notes_.empty()) << ::testing::PrintToString(notes_);
  }
  void EditManifest(const std::string& part, const std::function<void(nlohmann::json&)>& edit) {
    std::string path = IndexFile(part + "/manifest.json");
    nlohmann::json m = nlohmann::json::parse(std::ifstream(path));
    edit(m);
    std::ofstream(path, std::ios::trunc) << m.dump(2);
  }
};

TEST_F(ValidityTest, TouchedDumpIsStale) {
  timespec t = Mtime(dump_);
  t.tv_sec += 1;
  SetMtime(dump_, t);
  ExpectRebuilt("index stale (dump changed): rebuilding");
}

TEST_F(ValidityTest, ByteChangedUnderTheSameMtimeIsStale) {
  timespec t = Mtime(dump_);
  std::vector<uint8_t> bytes = ReadAll(dump_);
  std::string text(bytes.begin(), bytes.end());
  size_t at = text.find("com/acme/Node");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 12] = 'f';  // com/acme/Nodf
  WriteAll(dump_, bytes);
  SetMtime(dump_, t);
  ExpectRebuilt("dump changed");
  EXPECT_NE(Open()->model.scan.classes.FindByName("com.acme.Nodf"), heap::kNoClass);
}

TEST_F(ValidityTest, AppendedDumpIsStale) {
  // One more UTF8 record after HEAP_DUMP_END is still a valid dump.
  std::vector<uint8_t> bytes = ReadAll(dump_);
  const std::string text = "appended";
  bytes.push_back(0x01);
  hprof::HprofWriter::PutU4(bytes, 0);
  hprof::HprofWriter::PutU4(bytes, static_cast<uint32_t>(8 + text.size()));
  hprof::HprofWriter::PutU8(bytes, 0x777);
  bytes.insert(bytes.end(), text.begin(), text.end());
  WriteAll(dump_, bytes);
  ExpectRebuilt("dump changed");
  EXPECT_EQ(Open()->model.scan.names.at(0x777), "appended");
}

TEST_F(ValidityTest, FlippedByteInAnyFileIsCorrupt) {
  for (std::string file : {"model/ref_target.col", "model/model.bin", "model/id_sorted_objects.col",
                           "analysis-as-mat/retained.col", "analysis-as-mat/in_source.col"}) {
    SCOPED_TRACE(file);
    std::vector<uint8_t> bytes = ReadAll(IndexFile(file));
    ASSERT_FALSE(bytes.empty());
    bytes[bytes.size() / 2] ^= 0x40;
    WriteAll(IndexFile(file), bytes);
    bool model_file = file.rfind("model/", 0) == 0;
    ExpectRebuilt("index corrupt (" + fs::path(file).filename().string() + " checksum", !model_file);
  }
}

TEST_F(ValidityTest, DeletedOrCutFilesAreCorrupt) {
  fs::remove(IndexFile("model/object_kind.col"));
  ExpectRebuilt("index corrupt (object_kind.col is missing)");
  fs::resize_file(IndexFile("analysis-as-mat/idom.col"), fs::file_size(IndexFile("analysis-as-mat/idom.col")) - 4);
  ExpectRebuilt("index corrupt (idom.col has", /*model_reused=*/true);
  fs::remove(IndexFile("model/manifest.json"));
  ExpectRebuilt("index corrupt (no readable manifest)");
  std::ofstream(IndexFile("model/manifest.json"), std::ios::trunc) << "{\"format\": \"heapscope-in";
  ExpectRebuilt("index corrupt (manifest is not JSON)");
}

TEST_F(ValidityTest, AnotherBuildOrFormatIsStale) {
  EditManifest("model", [](nlohmann::json& m) { m["heapscope"] = "0.0.9+feedface"; });
  ExpectRebuilt("index stale (written by heapscope 0.0.9+feedface)");
  EditManifest("model", [](nlohmann::json& m) { m["format_version"] = m["format_version"].get<int>() + 1; });
  ExpectRebuilt("index stale (index format");
  // A manifest that no longer describes its files: the checksums say so.
  EditManifest("analysis-as-mat", [](nlohmann::json& m) { m["files"][0]["xxh3"] = "0123456789abcdef"; });
  ExpectRebuilt("index corrupt", /*model_reused=*/true);
  // A model entry of the wrong type is damage, not a crash.
  EditManifest("model", [](nlohmann::json& m) { m["dump"]["size"] = "big"; });
  ExpectRebuilt("index corrupt (manifest is malformed");
}

TEST_F(ValidityTest, AnalysisOfAnOlderModelIsNotUsed) {
  // Keep the analysis part, rebuild only the model: its build id changes.
  fs::path saved = dir_ + "/saved-analysis";
  fs::rename(IndexFile("analysis-as-mat"), saved);
  IndexOptions force = Options();
  force.rebuild = true;
  ASSERT_TRUE(Open(force));
  fs::remove_all(IndexFile("analysis-as-mat"));
  fs::rename(saved, IndexFile("analysis-as-mat"));
  notes_.clear();
  auto heap = Open();
  ASSERT_TRUE(heap);
  EXPECT_TRUE(heap->index.model_reused);
  EXPECT_FALSE(heap->index.analysis_reused);
  EXPECT_TRUE(NoteContains("computed from another model build"));
  ExpectSameHeap(*heap, *Fresh());
}

TEST_F(ValidityTest, TruncatedModelNeedsAllowTruncated) {
  WriteTestDump(dump_, {8, false, /*truncated=*/true});
  IndexOptions allow = Options();
  allow.read.allow_truncated = true;
  auto cut = Open(allow);
  ASSERT_TRUE(cut);
  EXPECT_TRUE(cut->model.scan.read.truncated);
  EXPECT_TRUE(Open(allow)->index.model_reused);
  // Without --allow-truncated the index must not hide the truncation.
  auto strict = OpenOrBuild(dump_, Options());
  ASSERT_FALSE(strict.ok());
  EXPECT_TRUE(strict.error().truncated);
}

TEST(ModelCodecTest, ShortOrLongBlobsAreRejected) {
  heap::HeapModel model;
  model.scan.names[1] = "x";
  model.roots.push_back({3, hprof::RootKind::kJniGlobal, 0, 0});
  std::vector<uint8_t> blob = EncodeModelExtras(model);
  heap::HeapModel back;
  ASSERT_TRUE(DecodeModelExtras(blob, &back).ok());
  EXPECT_EQ(back.scan.names.at(1), "x");
  for (size_t cut : {size_t{0}, size_t{1}, blob.size() / 2, blob.size() - 1}) {
    heap::HeapModel partial;
    EXPECT_FALSE(DecodeModelExtras(std::span(blob).first(cut), &partial).ok()) << cut;
  }
  blob.push_back(0);
  EXPECT_FALSE(DecodeModelExtras(blob, &back).ok());
}

}  // namespace
}  // namespace heapscope::index::testing
