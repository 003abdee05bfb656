// capture/dump_completeness_test.cc - CheckDumpComplete on dumps written
// with HprofWriter, plain and in HotSpot's gzip block format, whole and cut
// short everywhere: a cut dump must never pass, nor crash the check.
#include "capture/dump_completeness.h"

#include <libdeflate.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "hprof/gzip_writer.h"
#include "hprof/test_dump.h"

namespace heapscope::capture {
namespace {

using Bytes = std::vector<uint8_t>;

// Random bytes with no zero among them, so no cut inside them ends like
// HEAP_DUMP_END, and gzip members come out as large as they get.
Bytes NonZeroBytes(size_t size) {
  std::mt19937 rng(7);
  Bytes out(size);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng() | 1);
  return out;
}

// A dump with a string, a class, an instance and a byte[] of `array_bytes`.
Bytes SmallDump(uint32_t id_size, size_t array_bytes = 64) {
  hprof::HprofWriter w(hprof::WriterOptions{.id_size = id_size, .timestamp_ms = 1700000000000});
  w.Utf8(0x10, "Leak");
  hprof::LoadClasses(w, {{0x100, 0x10}});
  hprof::WriteClassDump(w, 0x100, 0, {});
  w.Instance(0x200, 0, 0x100, {});
  w.PrimitiveArray(0x300, 0, hprof::BasicType::kByte, NonZeroBytes(array_bytes));
  w.HeapDumpEnd();
  return w.Finish();
}

// A dump of exactly `size` bytes, the byte[] taking up the difference.
Bytes DumpOfSize(size_t size) {
  const size_t without_array = SmallDump(8, 0).size();
  return SmallDump(8, size - without_array);
}

// A temporary file, removed at the end of the test.
class DumpOnDisk {
 public:
  explicit DumpOnDisk(std::span<const uint8_t> bytes) : file_("dump_completeness_test") { Rewrite(bytes); }
  void Rewrite(std::span<const uint8_t> bytes) const {
    std::ofstream(file_.path(), std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  const std::string& path() const { return file_.path(); }

 private:
  hprof::TempDumpFile file_;
};

// The block sink hands over one member per Write, so this sees where each ends.
class MemberEndsSink final : public hprof::ByteSink {
 public:
  Status Write(std::span<const uint8_t> bytes) override {
    data.insert(data.end(), bytes.begin(), bytes.end());
    member_ends.push_back(data.size());
    return {};
  }
  Status Finish() override { return {}; }
  uint64_t BytesIn() const override { return data.size(); }
  Bytes data;
  std::vector<size_t> member_ends;
};

MemberEndsSink GzipBlocks(std::span<const uint8_t> dump, uint64_t block_size) {
  auto sink = std::make_unique<MemberEndsSink>();
  MemberEndsSink* members = sink.get();
  auto gzip = hprof::CreateGzipBlockSink(std::move(sink), {.block_size = block_size, .threads = 1});
  EXPECT_TRUE(gzip->Write(dump).ok());
  EXPECT_TRUE(gzip->Finish().ok());
  return std::move(*members);
}

// Each prefix shorter than the file must be judged incomplete or refused.
// Cut by truncating, longest first: rewriting a file from empty each time
// makes ext4 flush it on every close.
void ExpectEveryCutRejected(std::span<const uint8_t> whole) {
  DumpOnDisk file(whole);
  for (size_t size = whole.size(); size-- > 0;) {
    std::filesystem::resize_file(file.path(), size);
    auto verdict = CheckDumpComplete(file.path());
    EXPECT_TRUE(!verdict.ok() || !verdict->complete) << "a dump cut at byte " << size << " passed";
  }
}

TEST(DumpCompleteness, EndsWithHeapDumpEnd) {
  const Bytes marker = {0x2c, 0, 0, 0, 0, 0, 0, 0, 0};
  Bytes longer = {1, 2, 3};
  longer.insert(longer.end(), marker.begin(), marker.end());
  EXPECT_TRUE(EndsWithHeapDumpEnd(marker));
  EXPECT_TRUE(EndsWithHeapDumpEnd(longer));
  EXPECT_FALSE(EndsWithHeapDumpEnd(std::span(marker).first(8)));
  EXPECT_FALSE(EndsWithHeapDumpEnd(std::span(longer).first(11)));
  EXPECT_FALSE(EndsWithHeapDumpEnd({}));
}

TEST(DumpCompleteness, CompletePlainDump) {
  for (uint32_t id_size : {4u, 8u}) {
    const Bytes dump = SmallDump(id_size);
    DumpOnDisk file(dump);
    auto verdict = CheckDumpComplete(file.path());
    ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
    EXPECT_TRUE(verdict->complete) << verdict->reason;
    EXPECT_EQ(verdict->reason, "");
    EXPECT_FALSE(verdict->gzip);
    EXPECT_EQ(verdict->file_bytes, dump.size());
    EXPECT_EQ(verdict->id_size, id_size);
  }
}

TEST(DumpCompleteness, PlainDumpCutAnywhere) {
  ExpectEveryCutRejected(SmallDump(8));
  ExpectEveryCutRejected(SmallDump(4));
}

TEST(DumpCompleteness, PlainDumpCutInsideHeaderIsIncomplete) {
  const Bytes dump = SmallDump(8);
  DumpOnDisk file{std::span(dump).first(25)};
  auto verdict = CheckDumpComplete(file.path());
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_FALSE(verdict->complete);
  EXPECT_EQ(verdict->reason, "ends at byte 25 inside the HPROF file header");
}

TEST(DumpCompleteness, LastNineBytesZeroed) {
  Bytes dump = SmallDump(8);
  std::fill(dump.end() - 9, dump.end(), 0);
  DumpOnDisk file(dump);
  auto verdict = CheckDumpComplete(file.path());
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_FALSE(verdict->complete);
  EXPECT_EQ(verdict->reason,
            fmt::format("ends at byte {} without HEAP_DUMP_END (last 9 bytes are not 2C 00..00)", dump.size()));
}

TEST(DumpCompleteness, NotADumpIsAnError) {
  for (const Bytes& bytes : {Bytes{}, NonZeroBytes(4096), Bytes{'J', 'A', 'V', 'A', ' ', 'X'}}) {
    DumpOnDisk file(bytes);
    auto verdict = CheckDumpComplete(file.path());
    ASSERT_FALSE(verdict.ok()) << bytes.size() << " bytes passed as a dump";
    EXPECT_EQ(verdict.error().kind, ErrorKind::kBadInput);
    EXPECT_EQ(verdict.error().offset, 0u);
  }
}

TEST(DumpCompleteness, NoRegularFileIsAnIoError) {
  for (const std::string& path : {std::string("/nonexistent/java_pid1.hprof"), ::testing::TempDir()}) {
    auto verdict = CheckDumpComplete(path);
    ASSERT_FALSE(verdict.ok());
    EXPECT_EQ(verdict.error().kind, ErrorKind::kIo) << verdict.error().ToString();
  }
}

TEST(DumpCompleteness, CompleteGzipOfSeveralMegabyteMembers) {
  const Bytes dump = DumpOfSize(2'600'000);
  const MemberEndsSink gzip = GzipBlocks(dump, 1 << 20);
  ASSERT_EQ(gzip.member_ends.size(), 3u);
  DumpOnDisk file(gzip.data);
  auto verdict = CheckDumpComplete(file.path());
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_TRUE(verdict->complete) << verdict->reason;
  EXPECT_TRUE(verdict->gzip);
  EXPECT_EQ(verdict->file_bytes, gzip.data.size());
  EXPECT_EQ(verdict->id_size, 8u);
}

TEST(DumpCompleteness, CompleteGzipOfOneMember) {
  const MemberEndsSink gzip = GzipBlocks(SmallDump(4), 1 << 20);
  DumpOnDisk file(gzip.data);
  auto verdict = CheckDumpComplete(file.path());
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_TRUE(verdict->complete) << verdict->reason;
  EXPECT_EQ(verdict->id_size, 4u);
}

// A last block of fewer than 9 bytes holds only the end of HEAP_DUMP_END.
TEST(DumpCompleteness, CompleteGzipWithTinyLastBlock) {
  constexpr size_t kBlock = 4096;
  for (size_t last_block : {size_t{1}, size_t{4}, size_t{8}, size_t{9}, kBlock}) {
    const MemberEndsSink gzip = GzipBlocks(DumpOfSize(3 * kBlock + last_block % kBlock), kBlock);
    DumpOnDisk file(gzip.data);
    auto verdict = CheckDumpComplete(file.path());
    ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
    EXPECT_TRUE(verdict->complete) << "last block of " << last_block << ": " << verdict->reason;
  }
}

TEST(DumpCompleteness, GzipCutAtMemberBoundary) {
  const MemberEndsSink gzip = GzipBlocks(DumpOfSize(2'600'000), 1 << 20);
  DumpOnDisk file(gzip.data);
  for (size_t i = 0; i + 1 < gzip.member_ends.size(); ++i) {
    file.Rewrite(std::span(gzip.data).first(gzip.member_ends[i]));
    auto verdict = CheckDumpComplete(file.path());
    ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
    EXPECT_FALSE(verdict->complete);
    const std::string member = i == 0 ? fmt::format("the only gzip member (bytes 0..{})", gzip.member_ends[0])
                                      : fmt::format("the last gzip member (bytes {}..{})", gzip.member_ends[i - 1],
                                                    gzip.member_ends[i]);
    EXPECT_EQ(verdict->reason, member + " ends without HEAP_DUMP_END (last 9 bytes are not 2C 00..00)");
  }
}

TEST(DumpCompleteness, GzipCutInsideMember) {
  const MemberEndsSink gzip = GzipBlocks(DumpOfSize(2'600'000), 1 << 20);
  DumpOnDisk file(gzip.data);
  for (size_t cut : {size_t{5000}, gzip.member_ends[0] + 100, gzip.member_ends[1] + 1, gzip.data.size() - 1}) {
    file.Rewrite(std::span(gzip.data).first(cut));
    auto verdict = CheckDumpComplete(file.path());
    ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
    EXPECT_FALSE(verdict->complete);
    const std::string where = cut < gzip.member_ends[0] ? "the first gzip member (at byte 0) does not inflate"
                                                        : fmt::format("ends at byte {} inside a gzip member", cut);
    EXPECT_NE(verdict->reason.find(where), std::string::npos) << verdict->reason;
  }
}

TEST(DumpCompleteness, GzipCutAnywhere) {
  ExpectEveryCutRejected(GzipBlocks(DumpOfSize(3000), 1024).data);
}

TEST(DumpCompleteness, GzipThatIsNoDumpIsAnError) {
  // A gzip tool's output: one member, no block-size comment.
  const Bytes dump = SmallDump(8);
  libdeflate_compressor* compressor = libdeflate_alloc_compressor(6);
  Bytes plain_gzip(libdeflate_gzip_compress_bound(compressor, dump.size()));
  plain_gzip.resize(libdeflate_gzip_compress(compressor, dump.data(), dump.size(), plain_gzip.data(),
                                             plain_gzip.size()));
  libdeflate_free_compressor(compressor);
  // The block format around something that is no HPROF.
  const Bytes gzip_of_garbage = GzipBlocks(NonZeroBytes(5000), 1024).data;
  for (const Bytes& bytes : {plain_gzip, gzip_of_garbage}) {
    DumpOnDisk file(bytes);
    auto verdict = CheckDumpComplete(file.path());
    ASSERT_FALSE(verdict.ok());
    EXPECT_EQ(verdict.error().kind, ErrorKind::kBadInput);
    EXPECT_EQ(verdict.error().offset, 0u);
  }
}

}  // namespace
}  // namespace heapscope::capture
