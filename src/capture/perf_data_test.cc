// The performance-data parser on hand-built files of both byte orders, G1's
// capacity padding, and damaged files (which come from another process's
// /tmp and must never crash us).
#include "capture/perf_data.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace heapscope::capture {
namespace {

class PerfFile {
 public:
  explicit PerfFile(bool little) : little_(little) {
    b_ = {0xCA, 0xFE, 0xC0, 0xC0, static_cast<uint8_t>(little ? 1 : 0), 2, 0, 1};
    b_.resize(32, 0);
    Put32(24, 32);
  }
  PerfFile& Number(const std::string& name, int64_t v) { return Entry(name, 'J', 0, Bytes64(v)); }
  PerfFile& Text(const std::string& name, const std::string& v) {
    std::vector<uint8_t> d(v.begin(), v.end());
    d.push_back(0);
    return Entry(name, 'B', static_cast<int32_t>(d.size()), d);
  }
  std::vector<uint8_t> bytes() const { return b_; }

 private:
  PerfFile& Entry(const std::string& name, char type, int32_t vector, const std::vector<uint8_t>& data) {
    const size_t at = b_.size();
    const size_t name_at = 20, data_at = (name_at + name.size() + 1 + 7) / 8 * 8;
    const size_t length = (data_at + data.size() + 7) / 8 * 8;
    b_.resize(at + length, 0);
    Put32(at, static_cast<int32_t>(length));
    Put32(at + 4, static_cast<int32_t>(name_at));
    Put32(at + 8, vector);
    b_[at + 12] = static_cast<uint8_t>(type);
    Put32(at + 16, static_cast<int32_t>(data_at));
    std::copy(name.begin(), name.end(), b_.begin() + static_cast<ptrdiff_t>(at + name_at));
    std::copy(data.begin(), data.end(), b_.begin() + static_cast<ptrdiff_t>(at + data_at));
    Put32(28, Get32(28) + 1);
    return *this;
  }
  std::vector<uint8_t> Bytes64(int64_t v) const {
    std::vector<uint8_t> d(8);
    for (int i = 0; i < 8; ++i) d[little_ ? i : 7 - i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
    return d;
  }
  void Put32(size_t at, int32_t v) {
    for (int i = 0; i < 4; ++i) b_[at + (little_ ? i : 3 - i)] = static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * i));
  }
  int32_t Get32(size_t at) const {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{b_[at + (little_ ? i : 3 - i)]} << (8 * i);
    return static_cast<int32_t>(v);
  }
  bool little_;
  std::vector<uint8_t> b_;
};

PerfFile G1Heap(bool little) {
  PerfFile f(little);
  f.Text("sun.gc.policy.name", "GarbageFirst")
      .Number("sun.gc.policy.generations", 2)
      .Number("sun.gc.generation.0.spaces", 3)
      .Number("sun.gc.generation.0.capacity", (20 << 20) + 24)
      .Number("sun.gc.generation.0.space.0.used", 5 << 20)
      .Number("sun.gc.generation.0.space.1.used", 0)
      .Number("sun.gc.generation.0.space.2.used", 1 << 20)
      .Number("sun.gc.generation.1.spaces", 1)
      .Number("sun.gc.generation.1.capacity", (360 << 20) + 8)
      .Number("sun.gc.generation.1.maxCapacity", (1024 << 20) + 8)
      .Number("sun.gc.generation.1.space.0.used", 100 << 20)
      .Number("sun.gc.collector.0.time", 1'500'000'000)
      .Number("sun.gc.collector.0.invocations", 7)
      .Number("sun.gc.collector.2.time", 500'000'000)
      .Number("sun.os.hrt.frequency", 1'000'000'000)
      .Text("sun.rt.javaCommand", "com.acme.Main --port 8080");
  return f;
}

TEST(PerfData, ReadsBothByteOrdersAndSubtractsG1Padding) {
  for (bool little : {true, false}) {
    auto c = ParsePerfData(G1Heap(little).bytes());
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    EXPECT_EQ(c->String("sun.rt.javaCommand"), "com.acme.Main --port 8080");
    const HeapFigures f = HeapFiguresOf(c.value());
    EXPECT_EQ(f.collector, "GarbageFirst");
    EXPECT_EQ(f.old_capacity, uint64_t{360} << 20);
    EXPECT_EQ(f.old_max, uint64_t{1024} << 20);
    EXPECT_EQ(f.old_used, uint64_t{100} << 20);
    EXPECT_EQ(f.heap_capacity, uint64_t{380} << 20);
    EXPECT_EQ(f.heap_used, uint64_t{106} << 20);
    EXPECT_DOUBLE_EQ(f.gc_seconds, 2.0);
    EXPECT_EQ(f.gc_count, 7u);
  }
}

TEST(PerfData, DamagedFilesAreErrorsNeverCrashes) {
  const std::vector<uint8_t> good = G1Heap(true).bytes();
  for (size_t cut = 0; cut < good.size(); cut += 3) {
    auto c = ParsePerfData(std::span(good).first(cut));
    EXPECT_FALSE(c.ok()) << "cut at " << cut;
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0x7f}, uint8_t{0xff}}) {
      auto bad = good;
      bad[i] = v;
      (void)ParsePerfData(bad);  // any result; ASan/UBSan watch the reads
    }
  }
  auto not_ready = good;
  not_ready[7] = 0;
  EXPECT_FALSE(ParsePerfData(not_ready).ok());
}

}  // namespace
}  // namespace heapscope::capture
