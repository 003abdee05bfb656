#include "hprof/gzip_reader.h"

#include <libdeflate.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace heapscope::hprof {
namespace {

using Bytes = std::vector<uint8_t>;

// Text-like records from a small vocabulary mixed with random numbers:
// compresses about 3-4x, like a heap dump, so members have realistic sizes.
Bytes MakeData(size_t size, uint32_t seed) {
  static const char* const kWords[] = {"java/lang/String", "byte[]", "HashMap$Node", "0x7f3a", "instance",
                                       "class", "root", "thread", "value", "next", "key", "table"};
  std::mt19937 rng(seed);
  Bytes out;
  out.reserve(size + 64);
  while (out.size() < size) {
    const char* word = kWords[rng() % std::size(kWords)];
    out.insert(out.end(), word, word + std::strlen(word));
    const uint32_t number = rng();
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(number >> (8 * i)));
  }
  out.resize(size);
  return out;
}

void PutLe32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

struct MemberHeader {
  uint8_t flags = 0;
  std::string extra, name, comment;
};

// A gzip member written by hand: header, raw deflate, CRC32 and ISIZE.
void AppendMember(Bytes& out, std::span<const uint8_t> data, const MemberHeader& h = {}) {
  const uint8_t fixed[10] = {0x1f, 0x8b, 0x08, h.flags, 0, 0, 0, 0, 0, 3};
  out.insert(out.end(), fixed, fixed + 10);
  if (h.flags & 0x04) {
    out.push_back(static_cast<uint8_t>(h.extra.size()));
    out.push_back(static_cast<uint8_t>(h.extra.size() >> 8));
    out.insert(out.end(), h.extra.begin(), h.extra.end());
  }
  if (h.flags & 0x08) out.insert(out.end(), h.name.c_str(), h.name.c_str() + h.name.size() + 1);
  if (h.flags & 0x10) out.insert(out.end(), h.comment.c_str(), h.comment.c_str() + h.comment.size() + 1);
  libdeflate_compressor* c = libdeflate_alloc_compressor(1);
  const size_t bound = libdeflate_deflate_compress_bound(c, data.size());
  const size_t at = out.size();
  out.resize(at + bound);
  const size_t n = libdeflate_deflate_compress(c, data.data(), data.size(), out.data() + at, bound);
  libdeflate_free_compressor(c);
  out.resize(at + n);
  PutLe32(out, libdeflate_crc32(0, data.data(), data.size()));
  PutLe32(out, static_cast<uint32_t>(data.size()));
}

// What `jcmd GC.heap_dump -gz=1` writes: fixed-size blocks, one member each,
// the first one's comment naming the block size.
Bytes HotSpotGzip(const Bytes& data, size_t block_size) {
  Bytes out;
  for (size_t at = 0; at < data.size(); at += block_size) {
    MemberHeader h;
    if (at == 0) {
      h.flags = 0x10;
      h.comment = "HPROF BLOCKSIZE=" + std::to_string(block_size);
    }
    AppendMember(out, std::span(data).subspan(at, std::min(block_size, data.size() - at)), h);
  }
  return out;
}

class TempFile {
 public:
  explicit TempFile(const Bytes& bytes) {
    static int counter = 0;
    path_ = ::testing::TempDir() + "gzip_reader_test_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter++) + ".gz";
    std::ofstream(path_, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                 static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Drained {
  Bytes data;                  // everything Next() handed out before any error
  std::optional<Error> error;
  uint64_t input_read = 0;
  uint64_t input_size = 0;
};

Drained Inflate(const Bytes& gz, int threads) {
  TempFile file(gz);
  auto mapped = MappedFile::Open(file.path());
  EXPECT_TRUE(mapped.ok());
  Drained out;
  auto source = OpenGzipSource(std::move(mapped.value()), threads);
  if (!source.ok()) {
    out.error = source.error();
    return out;
  }
  while (true) {
    auto chunk = (*source)->Next();
    if (!chunk.ok()) {
      out.error = chunk.error();
      // The error sticks.
      EXPECT_FALSE((*source)->Next().ok());
      break;
    }
    if (chunk->empty()) break;
    out.data.insert(out.data.end(), chunk->begin(), chunk->end());
  }
  out.input_read = (*source)->InputBytesRead();
  out.input_size = (*source)->InputSize();
  return out;
}

bool IsPrefix(const Bytes& prefix, const Bytes& whole) {
  return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

TEST(GzipHeader, RecognisesMagicAndHotSpotBlockSize) {
  const Bytes data = MakeData(1000, 1);
  const Bytes hotspot = HotSpotGzip(data, 1 << 20);
  EXPECT_TRUE(LooksLikeGzip(hotspot));
  EXPECT_FALSE(LooksLikeGzip(Bytes{0x1f, 0x8b}));
  EXPECT_FALSE(LooksLikeGzip(Bytes{'J', 'A', 'V', 'A'}));
  EXPECT_EQ(HotSpotGzipBlockSize(hotspot), 1u << 20);

  Bytes plain;
  AppendMember(plain, data);
  EXPECT_EQ(HotSpotGzipBlockSize(plain), 0u);

  // FEXTRA and FNAME come before the comment and must be skipped, not read.
  Bytes named;
  AppendMember(named, data, {0x04 | 0x08 | 0x10, "xyz\0w", "dump.hprof", "HPROF BLOCKSIZE=4096"});
  EXPECT_EQ(HotSpotGzipBlockSize(named), 4096u);

  Bytes other_comment;
  AppendMember(other_comment, data, {0x10, "", "", "made by hand"});
  EXPECT_EQ(HotSpotGzipBlockSize(other_comment), 0u);

  // A block size we won't allocate, or no number at all: not the block format.
  for (std::string comment : {"HPROF BLOCKSIZE=67108865", "HPROF BLOCKSIZE=", "HPROF BLOCKSIZE=12k",
                              "HPROF BLOCKSIZE=99999999999999999999999"}) {
    Bytes odd;
    AppendMember(odd, data, {0x10, "", "", comment});
    EXPECT_EQ(HotSpotGzipBlockSize(odd), 0u) << comment;
  }
  // The comment's NUL lies past the bytes we were given.
  EXPECT_EQ(HotSpotGzipBlockSize(std::span(hotspot).first(20)), 0u);
}

TEST(GzipBlocks, RoundTripsWithAnyThreadCount) {
  const Bytes data = MakeData((6 << 20) + 12345, 2);
  const Bytes gz = HotSpotGzip(data, 64 << 10);  // ~100 members
  ASSERT_EQ(HotSpotGzipBlockSize(gz), 64u << 10);
  for (int threads : {1, 2, 3, 0}) {
    Drained out = Inflate(gz, threads);
    ASSERT_FALSE(out.error) << out.error->ToString();
    EXPECT_TRUE(out.data == data) << "threads=" << threads;
    EXPECT_EQ(out.input_read, gz.size());
    EXPECT_EQ(out.input_size, gz.size());
  }
}

TEST(GzipBlocks, IgnoresFalseMemberStartsInsideMembers) {
  // Incompressible data is stored verbatim, so gzip headers embedded in it
  // show up in the compressed file as candidates that must not be used.
  Bytes data = MakeData(2 << 20, 3);
  std::mt19937 rng(3);
  for (size_t at = 0; at + 64 < data.size(); at += 997) {
    const uint8_t fake[10] = {0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3};
    for (size_t i = 10; i < 64; ++i) data[at + i] = static_cast<uint8_t>(rng());
    std::memcpy(&data[at], fake, sizeof fake);
  }
  Bytes inner;  // a real gzip member inside the data, too
  AppendMember(inner, MakeData(10000, 4));
  std::copy(inner.begin(), inner.end(), data.begin() + 500000);
  const Bytes gz = HotSpotGzip(data, 32 << 10);
  for (int threads : {1, 2}) {
    Drained out = Inflate(gz, threads);
    ASSERT_FALSE(out.error) << out.error->ToString();
    EXPECT_TRUE(out.data == data) << "threads=" << threads;
  }
}

TEST(GzipBlocks, OversizedMemberFallsBackToStreaming) {
  const Bytes data = MakeData(1 << 20, 5);
  Bytes gz = HotSpotGzip(Bytes(data.begin(), data.begin() + 100000), 64 << 10);
  AppendMember(gz, std::span(data).subspan(100000));  // far larger than the block size
  Drained out = Inflate(gz, 2);
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_TRUE(out.data == data);
}

TEST(GzipStream, SingleMember) {
  const Bytes data = MakeData((9 << 20) + 7, 6);  // spans several output chunks
  Bytes gz;
  AppendMember(gz, data, {0x08, "", "dump.hprof", ""});
  ASSERT_EQ(HotSpotGzipBlockSize(gz), 0u);
  Drained out = Inflate(gz, 2);
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_TRUE(out.data == data);
  EXPECT_EQ(out.input_read, gz.size());
}

TEST(GzipStream, ConcatenatedMembersIncludingEmptyOnes) {
  const Bytes data = MakeData(3 << 20, 7);
  Bytes gz;
  AppendMember(gz, {});
  const size_t cuts[] = {0, 1, 70000, 1 << 20, (1 << 20) + 3, 3 << 20};
  for (size_t i = 0; i + 1 < std::size(cuts); ++i) {
    AppendMember(gz, std::span(data).subspan(cuts[i], cuts[i + 1] - cuts[i]));
  }
  AppendMember(gz, {});
  Drained out = Inflate(gz, 1);
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_TRUE(out.data == data);
}

TEST(GzipBlocks, EmptyMembersAreSkipped) {
  const Bytes data = MakeData(200000, 8);
  Bytes gz = HotSpotGzip(data, 64 << 10);
  AppendMember(gz, {});
  Drained out = Inflate(gz, 2);
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_TRUE(out.data == data);
}

// Flips one byte in the middle of the compressed data; whatever part of the
// stream the damage lands in, the reader reports it with an offset. The block
// path hands out only verified members; the stream path can't wait for a
// member's CRC, so what it handed out may be wrong.
void ExpectCorruptionReported(const Bytes& data, Bytes gz, int threads, bool verified) {
  const size_t at = gz.size() / 2;
  gz[at] ^= 0x5a;
  Drained out = Inflate(gz, threads);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kBadInput);
  EXPECT_FALSE(out.error->truncated);
  EXPECT_NE(out.error->offset, kNoOffset);
  EXPECT_LE(out.error->offset, gz.size());
  EXPECT_NE(out.error->record.find("gzip member at byte"), std::string::npos) << out.error->ToString();
  EXPECT_LT(out.data.size(), data.size());
  if (verified) {
    EXPECT_TRUE(IsPrefix(out.data, data)) << "only verified bytes go out before the error";
  }
}

TEST(GzipBlocks, CorruptByteIsAnErrorWithOffset) {
  const Bytes data = MakeData(4 << 20, 9);
  ExpectCorruptionReported(data, HotSpotGzip(data, 64 << 10), 2, true);
  ExpectCorruptionReported(data, HotSpotGzip(data, 64 << 10), 1, true);
}

TEST(GzipStream, CorruptByteIsAnErrorWithOffset) {
  const Bytes data = MakeData(4 << 20, 10);
  Bytes gz;
  AppendMember(gz, data);
  ExpectCorruptionReported(data, gz, 2, false);
}

TEST(GzipBlocks, CrcMismatchIsAnError) {
  const Bytes data = MakeData(300000, 11);
  Bytes gz = HotSpotGzip(data, 64 << 10);
  gz[gz.size() - 6] ^= 1;  // the last member's CRC32
  Drained out = Inflate(gz, 2);
  ASSERT_TRUE(out.error);
  EXPECT_FALSE(out.error->truncated);
  EXPECT_NE(out.error->message.find("CRC32"), std::string::npos) << out.error->ToString();
}

void ExpectTruncationReported(const Bytes& data, const Bytes& gz, size_t keep, int threads) {
  SCOPED_TRACE("keep " + std::to_string(keep) + " of " + std::to_string(gz.size()));
  Drained out = Inflate(Bytes(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(keep)), threads);
  ASSERT_TRUE(out.error);
  EXPECT_TRUE(out.error->truncated) << out.error->ToString();
  EXPECT_EQ(out.error->offset, keep);
  EXPECT_TRUE(IsPrefix(out.data, data));
}

TEST(GzipBlocks, TruncatedFileIsReportedAsTruncated) {
  const Bytes data = MakeData(2 << 20, 12);
  const Bytes gz = HotSpotGzip(data, 64 << 10);
  for (size_t keep : {gz.size() / 2, gz.size() - 1, gz.size() - 5, size_t{3}, size_t{25}}) {
    ExpectTruncationReported(data, gz, keep, 2);
  }
}

TEST(GzipStream, TruncatedFileIsReportedAsTruncated) {
  const Bytes data = MakeData(4 << 20, 13);
  Bytes gz;
  AppendMember(gz, std::span(data).first(2 << 20));
  AppendMember(gz, std::span(data).subspan(2 << 20));
  for (size_t keep : {gz.size() / 4, gz.size() - 3, gz.size() / 2 + 5}) {
    ExpectTruncationReported(data, gz, keep, 1);
  }
}

TEST(GzipBlocks, TrailingGarbageIsAnError) {
  const Bytes data = MakeData(500000, 14);
  for (const Bytes& tail : {Bytes{0, 0, 0, 0}, Bytes{'x'}, Bytes{0x1f, 0x8b, 0x09}}) {
    Bytes gz = HotSpotGzip(data, 64 << 10);
    const size_t end = gz.size();
    gz.insert(gz.end(), tail.begin(), tail.end());
    Drained out = Inflate(gz, 2);
    ASSERT_TRUE(out.error);
    EXPECT_FALSE(out.error->truncated);
    EXPECT_EQ(out.error->offset, end);
    EXPECT_TRUE(out.data == data) << "everything before the garbage is still delivered";
  }
}

TEST(GzipStream, TrailingGarbageIsAnError) {
  const Bytes data = MakeData(500000, 15);
  Bytes gz;
  AppendMember(gz, data);
  const size_t end = gz.size();
  gz.insert(gz.end(), {'j', 'u', 'n', 'k'});
  Drained out = Inflate(gz, 1);
  ASSERT_TRUE(out.error);
  EXPECT_FALSE(out.error->truncated);
  EXPECT_EQ(out.error->offset, end);
  EXPECT_TRUE(out.data == data);
}

TEST(GzipSource, RejectsNonGzip) {
  Drained out = Inflate(Bytes{'J', 'A', 'V', 'A', ' ', 'P'}, 1);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kBadInput);
}

}  // namespace
}  // namespace heapscope::hprof
