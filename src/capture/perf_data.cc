#include "capture/perf_data.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <fmt/format.h>

namespace heapscope::capture {
namespace {

constexpr uint8_t kMagic[4] = {0xCA, 0xFE, 0xC0, 0xC0};
constexpr size_t kPrologue = 32;
constexpr size_t kEntryHeader = 20;
// The default file is 32 KiB; -XX:PerfDataMemorySize may make it larger.
constexpr size_t kMaxFile = size_t{64} << 20;

class Reader {
 public:
  Reader(std::span<const uint8_t> b, bool little) : b_(b), little_(little) {}
  bool Has(uint64_t at, uint64_t n) const { return at <= b_.size() && n <= b_.size() - at; }
  int64_t I32(uint64_t at) const {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{b_[at + (little_ ? i : 3 - i)]} << (8 * i);
    return static_cast<int32_t>(v);
  }
  int64_t I64(uint64_t at) const {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{b_[at + (little_ ? i : 7 - i)]} << (8 * i);
    return static_cast<int64_t>(v);
  }
  uint8_t U8(uint64_t at) const { return b_[at]; }
  const uint8_t* At(uint64_t at) const { return b_.data() + at; }

 private:
  std::span<const uint8_t> b_;
  bool little_;
};

std::string CString(const uint8_t* p, size_t max) {
  const void* nul = std::memchr(p, 0, max);
  return std::string(reinterpret_cast<const char*>(p), nul ? static_cast<size_t>(static_cast<const uint8_t*>(nul) - p) : max);
}

}  // namespace

std::optional<int64_t> PerfCounters::Number(std::string_view name) const {
  auto it = numbers.find(std::string(name));
  if (it == numbers.end()) return std::nullopt;
  return it->second;
}

std::string PerfCounters::String(std::string_view name) const {
  auto it = strings.find(std::string(name));
  return it == strings.end() ? std::string() : it->second;
}

Result<PerfCounters> ParsePerfData(std::span<const uint8_t> bytes) {
  auto bad = [](std::string what, uint64_t at) { return Error::BadInput(std::move(what), at, "hsperfdata"); };
  if (bytes.size() < kPrologue) return bad(fmt::format("{} bytes, shorter than the 32-byte prologue", bytes.size()), 0);
  if (std::memcmp(bytes.data(), kMagic, 4) != 0) return bad("no CAFEC0C0 magic: not a performance-data file", 0);
  if (bytes[4] > 1) return bad(fmt::format("byte order {} is neither 0 nor 1", bytes[4]), 4);
  Reader r(bytes, bytes[4] == 1);
  if (bytes[7] != 1) return bad("the JVM has not made the file accessible yet", 7);
  const int64_t entry_offset = r.I32(24), count = r.I32(28);
  if (entry_offset < static_cast<int64_t>(kPrologue) || count < 0) {
    return bad(fmt::format("entry offset {} / count {} out of range", entry_offset, count), 24);
  }
  PerfCounters out;
  uint64_t at = static_cast<uint64_t>(entry_offset);
  for (int64_t i = 0; i < count; ++i) {
    if (!r.Has(at, kEntryHeader)) return bad(fmt::format("entry {} starts past the end", i), at);
    const int64_t length = r.I32(at), name_offset = r.I32(at + 4), vector = r.I32(at + 8), data_offset = r.I32(at + 16);
    const uint8_t type = r.U8(at + 12);
    if (length < static_cast<int64_t>(kEntryHeader) || !r.Has(at, static_cast<uint64_t>(length))) {
      return bad(fmt::format("entry {} has length {}", i, length), at);
    }
    if (name_offset < static_cast<int64_t>(kEntryHeader) || name_offset >= length || data_offset < 0 ||
        data_offset > length || vector < 0) {
      return bad(fmt::format("entry {} has name offset {}, data offset {}, vector length {}", i, name_offset,
                             data_offset, vector),
                 at);
    }
    const uint64_t end = at + static_cast<uint64_t>(length);
    std::string name = CString(r.At(at + static_cast<uint64_t>(name_offset)), static_cast<size_t>(end - at - static_cast<uint64_t>(name_offset)));
    const uint64_t data = at + static_cast<uint64_t>(data_offset);
    if (type == 'J' && vector == 0 && data + 8 <= end) {
      out.numbers[name] = r.I64(data);
    } else if (type == 'B' && vector > 0 && data + static_cast<uint64_t>(vector) <= end) {
      out.strings[name] = CString(r.At(data), static_cast<size_t>(vector));
    }
    at = end;
  }
  return out;
}

Result<PerfCounters> ReadPerfData(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Io(fmt::format("cannot read {}", path));
  std::vector<uint8_t> bytes;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    bytes.insert(bytes.end(), buf, buf + in.gcount());
    if (bytes.size() > kMaxFile) return Error::BadInput(fmt::format("{} is over {} bytes", path, kMaxFile), kNoOffset, "hsperfdata");
  }
  auto c = ParsePerfData(bytes);
  if (!c.ok()) {
    Error e = c.error();
    e.message = fmt::format("{}: {}", path, e.message);
    return e;
  }
  return c;
}

HeapFigures HeapFiguresOf(const PerfCounters& c) {
  HeapFigures f;
  f.collector = c.String("sun.gc.policy.name");
  const bool g1 = f.collector == "GarbageFirst";
  const int64_t generations = c.Number("sun.gc.policy.generations").value_or(2);
  for (int64_t g = 0; g < generations && g < 8; ++g) {
    const std::string gen = fmt::format("sun.gc.generation.{}", g);
    const int64_t spaces = c.Number(gen + ".spaces").value_or(0);
    uint64_t used = 0;
    for (int64_t s = 0; s < spaces && s < 8; ++s) {
      used += static_cast<uint64_t>(std::max<int64_t>(0, c.Number(fmt::format("{}.space.{}.used", gen, s)).value_or(0)));
    }
    // G1 pads each space's capacity by 8 bytes so that jstat never shows 0.
    const uint64_t pad = g1 ? 8 * static_cast<uint64_t>(std::max<int64_t>(spaces, 0)) : 0;
    auto figure = [&](const char* name) {
      const uint64_t v = static_cast<uint64_t>(std::max<int64_t>(0, c.Number(gen + name).value_or(0)));
      return v > pad ? v - pad : 0;
    };
    const uint64_t capacity = figure(".capacity"), max = figure(".maxCapacity");
    f.heap_used += used;
    f.heap_capacity += capacity;
    // G1's generations share one pool of regions, so each may grow to the
    // whole heap: the heap's max is theirs, not their sum.
    f.heap_max = g1 ? std::max(f.heap_max, max) : f.heap_max + max;
    if (g == generations - 1) {
      f.old_used = used;
      f.old_capacity = capacity;
      f.old_max = max;
    }
  }
  const double hz = static_cast<double>(c.Number("sun.os.hrt.frequency").value_or(1'000'000'000));
  for (int k = 0; k < 8; ++k) {
    const std::string col = fmt::format("sun.gc.collector.{}", k);
    auto time = c.Number(col + ".time");
    if (!time) continue;
    f.gc_seconds += static_cast<double>(*time) / hz;
    f.gc_count += static_cast<uint64_t>(std::max<int64_t>(0, c.Number(col + ".invocations").value_or(0)));
  }
  f.uptime_seconds = static_cast<double>(c.Number("sun.os.hrt.ticks").value_or(0)) / hz;
  return f;
}

}  // namespace heapscope::capture
