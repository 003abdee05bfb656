// hprof/dump_reader_test.cc - dumps built with HprofWriter, read back with
// ReadDump on every path a dump can take: mapped, streamed in chunks cut at
// awkward sizes, and gzip. Then damaged dumps, each of which must give one
// clean Error naming the place of the damage.
#include "hprof/dump_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "hprof/big_endian.h"
#include "hprof/chunk_source.h"
#include "hprof/dump_input.h"
#include "hprof/writer.h"

namespace heapscope::hprof {
namespace {

// ---------------------------------------------------------------------------
// One text line per record, shared by the recording visitors and the
// expectations, so a mismatch reads as a diff of records.

std::string Hex(std::span<const uint8_t> b) {
  std::string s;
  for (uint8_t c : b) s += fmt::format("{:02x}", c);
  return s;
}

std::string Utf8Line(uint64_t id, std::string_view text) {
  return fmt::format("utf8 {:#x} {}", id,
                     Hex({reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
}
std::string LoadClassLine(const LoadClassRecord& r) {
  return fmt::format("load_class {} {:#x} {} {:#x}", r.class_serial, r.class_id, r.trace_serial,
                     r.name_id);
}
std::string FrameLine(const FrameRecord& r) {
  return fmt::format("frame {:#x} {:#x} {:#x} {:#x} {} {}", r.frame_id, r.method_name_id,
                     r.signature_id, r.source_file_id, r.class_serial, r.line);
}
std::string TraceLine(uint32_t serial, uint32_t thread, uint32_t count, std::string frames) {
  return fmt::format("trace {} {} {} {}", serial, thread, count, frames);
}
std::string StartThreadLine(const StartThreadRecord& r) {
  return fmt::format("start_thread {} {:#x} {} {:#x} {:#x} {:#x}", r.thread_serial, r.thread_id,
                     r.trace_serial, r.name_id, r.group_name_id, r.parent_group_name_id);
}
std::string RootLine(const RootRecord& r) {
  return fmt::format("root {} {:#x} {} {} {:#x}", RootKindName(r.kind), r.object_id,
                     r.thread_serial, r.frame, r.jni_ref_id);
}
std::string ClassLine(const ClassDumpRecord& c) {
  std::string s = fmt::format("class {:#x} {} {:#x} {:#x} {:#x} {:#x} {} statics", c.class_id,
                              c.stack_serial, c.super_id, c.loader_id, c.signers_id,
                              c.protection_domain_id, c.instance_size);
  for (const StaticField& f : c.statics) {
    s += fmt::format(" {:#x}:{}={:#x}", f.name_id, static_cast<int>(f.type), f.value);
  }
  s += " fields";
  for (const FieldDecl& f : c.fields) {
    s += fmt::format(" {:#x}:{}", f.name_id, static_cast<int>(f.type));
  }
  return s;
}
std::string ObjectLine(std::string_view what, uint64_t id, uint64_t class_or_type,
                       uint32_t length, std::span<const uint8_t> data, bool with_data) {
  std::string s = fmt::format("{} {:#x} {:#x} {}", what, id, class_or_type, length);
  if (with_data) s += " " + Hex(data);
  return s;
}

struct TopLog : TopVisitorBase {
  FileHeader header;
  std::vector<std::string> lines;
  void OnHeader(const FileHeader& h) { header = h; }
  void OnUtf8(uint64_t id, std::string_view text) { lines.push_back(Utf8Line(id, text)); }
  void OnLoadClass(const LoadClassRecord& r) { lines.push_back(LoadClassLine(r)); }
  void OnUnloadClass(uint32_t serial) { lines.push_back(fmt::format("unload_class {}", serial)); }
  void OnFrame(const FrameRecord& r) { lines.push_back(FrameLine(r)); }
  void OnTrace(const TraceRecord& r) {
    lines.push_back(TraceLine(r.trace_serial, r.thread_serial, r.frame_count, Hex(r.frame_ids)));
  }
  void OnStartThread(const StartThreadRecord& r) { lines.push_back(StartThreadLine(r)); }
  void OnEndThread(uint32_t serial) { lines.push_back(fmt::format("end_thread {}", serial)); }
  void OnHeapSummary(uint32_t a, uint32_t b, uint64_t c, uint64_t d) {
    lines.push_back(fmt::format("heap_summary {} {} {} {}", a, b, c, d));
  }
  void OnAllocSites(uint32_t n) { lines.push_back(fmt::format("alloc_sites {}", n)); }
  void OnCpuSamples(uint32_t total, uint32_t n) {
    lines.push_back(fmt::format("cpu_samples {} {}", total, n));
  }
  void OnControlSettings(uint32_t flags, uint16_t depth) {
    lines.push_back(fmt::format("control_settings {} {}", flags, depth));
  }
};

// Records every heap callback; with kData it also wants (and logs) the bytes
// of instances and arrays, without it it checks that none are handed over.
template <bool kData>
struct HeapLog : HeapVisitorBase {
  static constexpr bool kWantInstanceData = kData;
  static constexpr bool kWantObjectArrayData = kData;
  static constexpr bool kWantPrimitiveArrayData = kData;
  std::vector<std::string> lines;
  std::vector<std::pair<uint64_t, uint64_t>> objects;  // (offset, id)

  void OnSegmentStart(uint64_t) { lines.push_back("segment"); }
  void OnRoot(const RootRecord& r) { lines.push_back(RootLine(r)); }
  void OnClassDump(const ClassDumpRecord& c) { lines.push_back(ClassLine(c)); }
  void OnInstance(uint64_t offset, uint64_t id, uint64_t class_id, uint32_t length,
                  std::span<const uint8_t> data) {
    Object(offset, id, data, ObjectLine("instance", id, class_id, length, data, kData));
  }
  void OnObjectArray(uint64_t offset, uint64_t id, uint64_t class_id, uint32_t length,
                     std::span<const uint8_t> elements) {
    Object(offset, id, elements, ObjectLine("object_array", id, class_id, length, elements, kData));
  }
  void OnPrimitiveArray(uint64_t offset, uint64_t id, BasicType type, uint32_t length,
                        std::span<const uint8_t> data, bool has_data) {
    Object(offset, id, data,
           ObjectLine(has_data ? "primitive_array" : "primitive_array_nodata", id,
                      static_cast<uint64_t>(type), length, data, kData));
  }
  void OnHeapDumpInfo(const HeapDumpInfoRecord& r) {
    lines.push_back(fmt::format("heap_dump_info {} {:#x}", r.heap_type, r.name_id));
  }

 private:
  void Object(uint64_t offset, uint64_t id, std::span<const uint8_t> data, std::string line) {
    if (!kData) {
      EXPECT_TRUE(data.empty()) << line;
    }
    lines.push_back(std::move(line));
    objects.emplace_back(offset, id);
  }
};

// ---------------------------------------------------------------------------
// The ways a dump reaches the reader.

enum class Path { kMapped, kChunks1, kChunks7, kChunks64k, kGzip };

std::string PathName(Path p) {
  switch (p) {
    case Path::kMapped: return "Mapped";
    case Path::kChunks1: return "Chunks1";
    case Path::kChunks7: return "Chunks7";
    case Path::kChunks64k: return "Chunks64k";
    case Path::kGzip: return "Gzip";
  }
  return "?";
}

// Hands out the stream in fixed-size pieces, each in a fresh allocation that
// dies at the next call, so a reader that keeps a pointer across Next()
// shows up under AddressSanitizer.
class MemoryChunks : public ChunkSource {
 public:
  MemoryChunks(std::vector<uint8_t> bytes, size_t chunk)
      : bytes_(std::move(bytes)), chunk_(chunk) {}
  Result<std::span<const uint8_t>> Next() override {
    size_t n = std::min(chunk_, bytes_.size() - pos_);
    current_ = std::make_unique<uint8_t[]>(std::max<size_t>(n, 1));
    std::copy_n(bytes_.data() + pos_, n, current_.get());
    pos_ += n;
    return std::span<const uint8_t>(current_.get(), n);
  }
  uint64_t InputBytesRead() const override { return pos_; }
  uint64_t InputSize() const override { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
  size_t chunk_;
  size_t pos_ = 0;
  std::unique_ptr<uint8_t[]> current_;
};

// A directory for the test's files, removed at exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heapscope-reader-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

const TempDir& Temp() {
  static TempDir dir;
  return dir;
}

void WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) {
    ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  }
  ASSERT_EQ(std::fclose(f), 0);
}

Result<DumpInput> OpenVia(Path path, const std::vector<uint8_t>& bytes) {
  DumpInput in;
  switch (path) {
    case Path::kMapped:
    case Path::kGzip: {
      std::string file = Temp().File("dump.hprof");
      WriteBytes(file, bytes);
      if (path == Path::kMapped) return DumpInput::Open(file);
      std::string cmd = fmt::format("gzip -c -n '{}' > '{}.gz'", file, file);
      if (std::system(cmd.c_str()) != 0) return Error::Io("gzip failed");
      return DumpInput::Open(file + ".gz", 2);
    }
    case Path::kChunks1: in.chunks = std::make_unique<MemoryChunks>(bytes, 1); break;
    case Path::kChunks7: in.chunks = std::make_unique<MemoryChunks>(bytes, 7); break;
    case Path::kChunks64k: in.chunks = std::make_unique<MemoryChunks>(bytes, 64 << 10); break;
  }
  in.encoding = DumpEncoding::kGzipStream;
  in.file_size = bytes.size();
  return in;
}

ReadOptions OneThread() {
  ReadOptions opt;
  opt.threads = 1;
  return opt;
}

template <class Heap>
Result<ReadSummary> ReadVia(Path path, const std::vector<uint8_t>& bytes, TopLog& top,
                            std::vector<Heap>& heaps, const ReadOptions& opt = OneThread()) {
  auto in = OpenVia(path, bytes);
  if (!in.ok()) return in.error();
  if (path == Path::kGzip) {
    EXPECT_NE(in->encoding, DumpEncoding::kPlain);
  }
  return ReadDump(*in, opt, top, heaps);
}

// Reads with one visitor and returns its lines after checking the summary.
template <bool kData>
Result<ReadSummary> ReadLog(Path path, const std::vector<uint8_t>& bytes, TopLog& top,
                            HeapLog<kData>& heap, const ReadOptions& opt = OneThread()) {
  std::vector<HeapLog<kData>> heaps(1);
  auto r = ReadVia(path, bytes, top, heaps, opt);
  heap = std::move(heaps[0]);
  return r;
}

// ---------------------------------------------------------------------------
// A dump with every record and sub-record kind, and the lines it must give.

struct Expected {
  std::vector<std::string> top, heap, heap_no_data;
  uint64_t records = 0;
  uint64_t heap_bodies = 0;
};

struct Built {
  std::vector<uint8_t> bytes;
  Expected want;
};

class FullDumpBuilder {
 public:
  FullDumpBuilder(uint32_t id_size, RecordTag heap_record, std::string format)
      : w_(WriterOptions{std::move(format), id_size, 0x1234567890ull, heap_record}),
        heap_record_(heap_record) {}

  // Ids use the high bytes when there are high bytes, to catch 4/8 mix-ups.
  uint64_t Id(uint64_t x) const { return w_.id_size() == 8 ? x | 0x7e00000000000000ull : x; }

  Built Build(bool big_array, bool heap_dump_end) {
    TopRecords();
    Segment();
    for (int k = 0; k < kRootKindCount; ++k) {
      RootRecord r{static_cast<RootKind>(k), Id(0x100 + k), 0, 0, 0};
      switch (r.kind) {
        case RootKind::kJniGlobal: r.jni_ref_id = Id(0x900); break;
        case RootKind::kJniLocal: case RootKind::kJavaFrame: case RootKind::kThreadObject:
        case RootKind::kJniMonitor:
          r.thread_serial = 7;
          r.frame = 0x80000000u + k;
          break;
        case RootKind::kNativeStack: case RootKind::kThreadBlock: r.thread_serial = 9; break;
        default: break;
      }
      w_.Root(r);
      Heap(RootLine(r));
    }
    EndSegment();
    w_.Utf8(Id(50), "between segments");
    Top(Utf8Line(Id(50), "between segments"));

    Segment();
    ClassDumps();
    Objects();
    EndSegment();

    Segment();
    PrimitiveArrays(big_array);
    w_.HeapDumpInfo(0x5a, Id(0x7a));
    Heap(fmt::format("heap_dump_info {} {:#x}", 0x5a, Id(0x7a)));
    w_.PrimitiveArrayNoData(Id(0x330), 1, BasicType::kInt, 1000);
    Object("primitive_array_nodata", Id(0x330), static_cast<uint64_t>(BasicType::kInt), 1000, {});
    EndSegment();

    // An empty body is legal and still announced.
    w_.Record(static_cast<uint8_t>(heap_record_), {});
    ++want_.records;
    ++want_.heap_bodies;
    Heap("segment");

    if (heap_dump_end) {
      w_.HeapDumpEnd();
      ++want_.records;
    }
    return {w_.Finish(), want_};
  }

 private:
  void Top(std::string line) {
    want_.top.push_back(std::move(line));
    ++want_.records;
  }
  void Heap(const std::string& line) {
    want_.heap.push_back(line);
    want_.heap_no_data.push_back(line);
  }
  void Object(std::string_view what, uint64_t id, uint64_t class_or_type, uint32_t length,
              std::span<const uint8_t> data) {
    want_.heap.push_back(ObjectLine(what, id, class_or_type, length, data, true));
    want_.heap_no_data.push_back(ObjectLine(what, id, class_or_type, length, data, false));
  }
  void Segment() { Heap("segment"); }
  void EndSegment() {
    w_.EndSegment();
    ++want_.records;
    ++want_.heap_bodies;
  }

  void TopRecords() {
    w_.Utf8(Id(1), "java/lang/Object");
    Top(Utf8Line(Id(1), "java/lang/Object"));
    w_.Utf8(Id(2), "");
    Top(Utf8Line(Id(2), ""));
    std::string odd("caf\xc3\xa9\0\xed\xa0\x80", 8);  // modified UTF-8 with a NUL
    w_.Utf8(Id(3), odd);
    Top(Utf8Line(Id(3), odd));
    LoadClassRecord lc{1, Id(0x200), 0x80000001u, Id(1)};
    w_.LoadClass(lc);
    Top(LoadClassLine(lc));
    w_.UnloadClass(0xfffffffeu);
    Top("unload_class 4294967294");
    for (int32_t line : {42, 0, -1, -2, -3}) {
      FrameRecord f{Id(0x500 + static_cast<uint64_t>(line + 3)), Id(4), Id(5), Id(6), 1, line};
      w_.Frame(f);
      Top(FrameLine(f));
    }
    std::vector<uint64_t> frames = {Id(0x500), Id(0x501), Id(0x502)};
    w_.Trace(1, 2, frames);
    std::vector<uint8_t> frame_bytes;
    for (uint64_t f : frames) HprofWriter::PutId(frame_bytes, f, w_.id_size());
    Top(TraceLine(1, 2, 3, Hex(frame_bytes)));
    w_.Trace(3, 4, {});
    Top(TraceLine(3, 4, 0, ""));
    std::vector<AllocSite> sites = {{0, 1, 2, 3, 4, 5, 6}, {10, 7, 8, 9, 10, 11, 12}};
    w_.AllocSites(sites, 0x7);
    Top("alloc_sites 2");
    w_.AllocSites({});
    Top("alloc_sites 0");
    w_.HeapSummary(1, 2, 0x300000000ull, 0x400000000ull);
    Top("heap_summary 1 2 12884901888 17179869184");
    StartThreadRecord st{5, Id(0x600), 1, Id(7), Id(8), Id(9)};
    w_.StartThread(st);
    Top(StartThreadLine(st));
    w_.EndThread(5);
    Top("end_thread 5");
    std::vector<CpuSample> samples = {{3, 1}, {7, 2}};
    w_.CpuSamples(10, samples);
    Top("cpu_samples 10 2");
    w_.ControlSettings(3, 0xffff);
    Top("control_settings 3 65535");
  }

  void ClassDumps() {
    std::vector<ConstantPoolEntry> pool;
    std::vector<StaticField> statics;
    std::vector<FieldDecl> fields;
    const uint64_t values[] = {0, 0, Id(0x1234), 0, 1, 0xbeef, 0x3f800000, 0x400921fb54442d18ull,
                               0x80, 0x8001, 0x80000001, 0x8000000000000001ull};
    for (uint8_t t = 2; t <= 11; ++t) {
      if (t == 3) continue;
      auto type = static_cast<BasicType>(t);
      pool.push_back({static_cast<uint16_t>(t * 100), type, values[t]});
      statics.push_back({Id(0x40 + t), type, values[t]});
      fields.push_back({Id(0x60 + t), type});
    }
    ClassDumpRecord c{Id(0x200), 3, Id(0x201), Id(0x202), Id(0x203), Id(0x204),
                      48, statics, fields};
    w_.ClassDump(c, pool);
    Heap(ClassLine(c));
    ClassDumpRecord bare{Id(0x201), 0, 0, 0, 0, 0, 0, {}, {}};
    w_.ClassDump(bare);
    Heap(ClassLine(bare));
  }

  void Objects() {
    std::vector<uint8_t> fields = Bytes(37, 1);
    w_.Instance(Id(0x300), 11, Id(0x200), fields);
    Object("instance", Id(0x300), Id(0x200), 37, fields);
    w_.Instance(Id(0x301), 0, Id(0x201), {});
    Object("instance", Id(0x301), Id(0x201), 0, {});
    std::vector<uint64_t> elements = {Id(0x300), 0, Id(0x301)};
    w_.ObjectArray(Id(0x302), 2, Id(0x205), elements);
    std::vector<uint8_t> element_bytes;
    for (uint64_t e : elements) HprofWriter::PutId(element_bytes, e, w_.id_size());
    Object("object_array", Id(0x302), Id(0x205), 3, element_bytes);
    w_.ObjectArray(Id(0x303), 0, Id(0x205), {});
    Object("object_array", Id(0x303), Id(0x205), 0, {});
  }

  void PrimitiveArrays(bool big_array) {
    for (uint8_t t = 4; t <= 11; ++t) {
      auto type = static_cast<BasicType>(t);
      uint32_t size = BasicTypeSize(t, w_.id_size());
      for (uint32_t length : {0u, 1u, 5u}) {
        std::vector<uint8_t> data = Bytes(length * size, t);
        uint64_t id = Id(0x400 + t * 16 + length);
        w_.PrimitiveArray(id, 0, type, data);
        Object("primitive_array", id, t, length, data);
      }
    }
    if (big_array) {
      // Longer than any chunk, so it straddles chunk edges on every path.
      std::vector<uint8_t> data = Bytes(200000, 9);
      w_.PrimitiveArray(Id(0x499), 0, BasicType::kByte, data);
      Object("primitive_array", Id(0x499), static_cast<uint64_t>(BasicType::kByte), 200000, data);
    }
  }

  static std::vector<uint8_t> Bytes(size_t n, uint8_t seed) {
    std::vector<uint8_t> b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed * 31 + i * 7);
    return b;
  }

  HprofWriter w_;
  RecordTag heap_record_;
  Expected want_;
};

Built FullDump(uint32_t id_size, bool big_array = true,
               RecordTag heap_record = RecordTag::kHeapDumpSegment,
               std::string format = "JAVA PROFILE 1.0.2", bool heap_dump_end = true) {
  return FullDumpBuilder(id_size, heap_record, std::move(format)).Build(big_array, heap_dump_end);
}

// ---------------------------------------------------------------------------
// Round trips.

class RoundTrip : public testing::TestWithParam<std::tuple<uint32_t, Path>> {
 protected:
  uint32_t id_size() const { return std::get<0>(GetParam()); }
  Path path() const { return std::get<1>(GetParam()); }
};

TEST_P(RoundTrip, EveryRecordKindWithData) {
  Built d = FullDump(id_size());
  TopLog top;
  HeapLog<true> heap;
  auto r = ReadLog(path(), d.bytes, top, heap);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(top.header.format, "JAVA PROFILE 1.0.2");
  EXPECT_EQ(top.header.id_size, id_size());
  EXPECT_EQ(top.header.timestamp_ms, 0x1234567890ull);
  EXPECT_EQ(top.lines, d.want.top);
  EXPECT_EQ(heap.lines, d.want.heap);
  EXPECT_EQ(r->records, d.want.records);
  EXPECT_EQ(r->heap_dump_bodies, d.want.heap_bodies);
  EXPECT_EQ(r->decoded_bytes, d.bytes.size());
  EXPECT_FALSE(r->truncated);
  EXPECT_EQ(r->stats.empty_heap_segments, 1u);
  EXPECT_EQ(r->stats.heap_dump_length_wrapped, 0u);
}

TEST_P(RoundTrip, EveryRecordKindWithoutData) {
  Built d = FullDump(id_size());
  TopLog top;
  HeapLog<false> heap;
  auto r = ReadLog(path(), d.bytes, top, heap);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(top.lines, d.want.top);
  EXPECT_EQ(heap.lines, d.want.heap_no_data);
  EXPECT_EQ(r->decoded_bytes, d.bytes.size());
}

// Offsets handed to visitors point at the sub-record's tag and id.
TEST_P(RoundTrip, ObjectOffsetsPointAtTheirSubRecords) {
  Built d = FullDump(id_size(), /*big_array=*/false);
  TopLog top;
  HeapLog<false> heap;
  auto r = ReadLog(path(), d.bytes, top, heap);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_FALSE(heap.objects.empty());
  for (auto [offset, id] : heap.objects) {
    ASSERT_LT(offset + 1 + id_size(), d.bytes.size());
    uint8_t tag = d.bytes[offset];
    EXPECT_TRUE(tag == 0x21 || tag == 0x22 || tag == 0x23 || tag == 0xC3) << offset;
    EXPECT_EQ(LoadId(d.bytes.data() + offset + 1, id_size()), id) << offset;
  }
}

// HotSpot before segments (JAVA PROFILE 1.0.1) wrote one HEAP_DUMP record
// and no HEAP_DUMP_END; such a dump is complete.
TEST_P(RoundTrip, OldStyleHeapDumpWithoutEnd) {
  Built d = FullDump(id_size(), true, RecordTag::kHeapDump, "JAVA PROFILE 1.0.1", false);
  TopLog top;
  HeapLog<true> heap;
  auto r = ReadLog(path(), d.bytes, top, heap);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(top.header.format, "JAVA PROFILE 1.0.1");
  EXPECT_EQ(top.lines, d.want.top);
  EXPECT_EQ(heap.lines, d.want.heap);
  EXPECT_FALSE(r->truncated);
  EXPECT_EQ(r->stats.missing_heap_dump_end, 0u);
  EXPECT_EQ(r->stats.heap_dump_length_wrapped, 0u);
}

TEST_P(RoundTrip, AndroidFormatName) {
  Built d = FullDump(id_size(), false, RecordTag::kHeapDumpSegment, "JAVA PROFILE 1.0.3");
  TopLog top;
  HeapLog<true> heap;
  auto r = ReadLog(path(), d.bytes, top, heap);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(top.header.format, "JAVA PROFILE 1.0.3");
  EXPECT_EQ(heap.lines, d.want.heap);
}

INSTANTIATE_TEST_SUITE_P(
    IdSizesAndPaths, RoundTrip,
    testing::Combine(testing::Values(4u, 8u),
                     testing::Values(Path::kMapped, Path::kChunks1, Path::kChunks7,
                                     Path::kChunks64k, Path::kGzip)),
    [](const auto& info) {
      return fmt::format("Id{}{}", std::get<0>(info.param), PathName(std::get<1>(info.param)));
    });

// Several threads each take whole segments; together they see everything.
TEST(DumpReaderThreads, SegmentsSplitAcrossVisitors) {
  WriterOptions opts;
  opts.segment_limit = 64;  // many small segments
  HprofWriter w(opts);
  std::vector<std::string> want;
  for (uint64_t i = 0; i < 2000; ++i) {
    std::vector<uint8_t> fields(i % 13, static_cast<uint8_t>(i));
    w.Instance(i, 0, 0x99, fields);
    auto length = static_cast<uint32_t>(fields.size());
    want.push_back(ObjectLine("instance", i, 0x99, length, fields, true));
  }
  w.HeapDumpEnd();
  std::vector<uint8_t> bytes = w.Finish();
  TopLog top;
  std::vector<HeapLog<true>> heaps(4);
  ReadOptions opt;
  opt.threads = 4;
  auto r = ReadVia(Path::kMapped, bytes, top, heaps, opt);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  std::vector<std::string> got;
  for (auto& h : heaps) {
    for (auto& line : h.lines) {
      if (line != "segment") got.push_back(line);
    }
  }
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_GT(r->heap_dump_bodies, 100u);
}

// Writing to a file gives the same bytes as writing to memory, across the
// points where the file writer hands its buffer to the kernel.
TEST(HprofWriterFile, SameBytesAsInMemory) {
  WriterOptions opts;
  opts.segment_limit = 1 << 20;
  std::string file = Temp().File("written.hprof");
  auto to_file = HprofWriter::Create(file, opts);
  ASSERT_TRUE(to_file.ok()) << to_file.error().ToString();
  HprofWriter in_memory(opts);
  std::vector<uint8_t> data(300000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 13);
  for (HprofWriter* w : {&to_file.value(), &in_memory}) {
    for (uint64_t i = 0; i < 20; ++i) {
      w->Utf8(i, "name");
      w->PrimitiveArray(i, 0, BasicType::kByte, data);
    }
    w->HeapDumpEnd();
  }
  ASSERT_TRUE(to_file->Close().ok());
  std::vector<uint8_t> want = in_memory.Finish();
  auto in = DumpInput::Open(file);
  ASSERT_TRUE(in.ok()) << in.error().ToString();
  ASSERT_EQ(in->mapped.size(), want.size());
  EXPECT_TRUE(std::equal(want.begin(), want.end(), in->mapped.bytes().begin()));
}

// ---------------------------------------------------------------------------
// Damaged dumps. Each gives one Error with the offset of the damage and the
// record it is in, on every path.

class Malformed : public testing::TestWithParam<Path> {
 protected:
  Path path() const { return GetParam(); }
  bool mapped() const { return path() == Path::kMapped; }

  template <bool kData = true>
  Result<ReadSummary> Read(const std::vector<uint8_t>& bytes, bool allow_truncated = false) {
    ReadOptions opt = OneThread();
    opt.allow_truncated = allow_truncated;
    heap_ = {};
    top_ = {};
    if constexpr (kData) {
      return ReadLog(path(), bytes, top_, heap_, opt);
    } else {
      HeapLog<false> heap;
      auto r = ReadLog(path(), bytes, top_, heap, opt);
      heap_.lines = heap.lines;
      heap_.objects = heap.objects;
      return r;
    }
  }

  static void ExpectError(const Result<ReadSummary>& r, uint64_t offset, std::string_view record,
                          std::string_view message, bool truncated = false) {
    ASSERT_FALSE(r.ok());
    const Error& e = r.error();
    EXPECT_EQ(e.kind, ErrorKind::kBadInput) << e.ToString();
    EXPECT_EQ(e.offset, offset) << e.ToString();
    EXPECT_EQ(e.record, record) << e.ToString();
    EXPECT_NE(e.message.find(message), std::string::npos)
        << "message: " << e.message << "\nwanted: " << message;
    EXPECT_EQ(e.truncated, truncated) << e.ToString();
  }

  TopLog top_;
  HeapLog<true> heap_;
};

constexpr uint64_t kHeader = 31;  // "JAVA PROFILE 1.0.2\0", u4 id size, u8 time

TEST_P(Malformed, TruncatedInRecordHeader) {
  HprofWriter w;
  w.Utf8(1, "abc");
  uint64_t cut = w.bytes().size();
  w.LoadClass({1, 2, 3, 4});
  std::vector<uint8_t> bytes = w.Finish();
  bytes.resize(cut + 5);
  ExpectError(Read(bytes), cut, "record header",
              "file ends inside a record header (5 of 9 bytes)", true);
}

TEST_P(Malformed, TruncatedInRecordBody) {
  HprofWriter w;
  uint64_t at = w.bytes().size();
  w.Utf8(1, "hello world");
  std::vector<uint8_t> bytes = w.Finish();
  bytes.resize(at + 9 + 4);
  ExpectError(Read(bytes), at, "UTF8 record",
              "record declares 19 bytes but the file ends after 4", true);
}

// Builds a segment of two instances and cuts the file `into` bytes into the
// second one. Returns the offsets of the segment record and that instance.
std::vector<uint8_t> CutSecondInstance(uint64_t into, uint64_t* segment, uint64_t* second) {
  HprofWriter w;
  w.Utf8(1, "x");
  *segment = w.bytes().size();
  w.Instance(0xA, 0, 0xC, std::vector<uint8_t>(8, 1));
  *second = *segment + 9 + w.TakeSegmentBody().size();
  w.Instance(0xA, 0, 0xC, std::vector<uint8_t>(8, 1));
  w.Instance(0xB, 0, 0xC, std::vector<uint8_t>(16, 2));
  w.HeapDumpEnd();
  std::vector<uint8_t> bytes = w.Finish();
  bytes.resize(*second + into);
  return bytes;
}

TEST_P(Malformed, TruncatedInSubRecordHeader) {
  uint64_t segment = 0, second = 0;
  std::vector<uint8_t> bytes = CutSecondInstance(10, &segment, &second);
  auto r = Read(bytes);
  if (mapped()) {
    // Framing sees the cut record before any body is parsed.
    ExpectError(r, segment, "HEAP_DUMP_SEGMENT record",
                "record declares 74 bytes but the file ends after 43", true);
  } else {
    ExpectError(r, second, fmt::format("HEAP_DUMP_SEGMENT at byte {} / INSTANCE_DUMP", segment),
                "file ends after 10 of this sub-record's bytes", true);
  }
}

TEST_P(Malformed, TruncatedInSubRecordData) {
  uint64_t segment = 0, second = 0;
  std::vector<uint8_t> bytes = CutSecondInstance(30, &segment, &second);
  auto with_data = Read<true>(bytes);
  auto without_data = Read<false>(bytes);
  if (mapped()) {
    for (auto* r : {&with_data, &without_data}) {
      ExpectError(*r, segment, "HEAP_DUMP_SEGMENT record",
                  "record declares 74 bytes but the file ends after 63", true);
    }
  } else {
    std::string record = fmt::format("HEAP_DUMP_SEGMENT at byte {} / INSTANCE_DUMP", segment);
    ExpectError(with_data, second, record, "file ends after 30 of this sub-record's bytes", true);
    ExpectError(without_data, second, record, "file ends inside this sub-record's data", true);
  }
}

// What precedes the cut is analysed; the summary says what was lost.
TEST_P(Malformed, AllowTruncatedKeepsObjectsBeforeTheCut) {
  uint64_t segment = 0, second = 0;
  for (uint64_t into : {0, 10, 30}) {
    SCOPED_TRACE(into);
    std::vector<uint8_t> bytes = CutSecondInstance(into, &segment, &second);
    for (bool data : {true, false}) {
      auto r = data ? Read<true>(bytes, true) : Read<false>(bytes, true);
      ASSERT_TRUE(r.ok()) << r.error().ToString();
      EXPECT_TRUE(r->truncated);
      EXPECT_FALSE(r->truncation.empty());
      EXPECT_EQ(r->stats.records_after_truncation_lost, 1u);
      EXPECT_EQ(r->stats.bytes_lost_to_truncation, into);
      EXPECT_EQ(r->stats.missing_heap_dump_end, 0u);
      ASSERT_EQ(heap_.objects.size(), 1u);
      EXPECT_EQ(heap_.objects[0].second, 0xAu);
      EXPECT_EQ(top_.lines, std::vector<std::string>{Utf8Line(1, "x")});
    }
  }
}

// Only the cut itself is forgiven: corrupt bytes before it are an error.
TEST_P(Malformed, AllowTruncatedStillReportsDamageBeforeTheCut) {
  HprofWriter w;
  uint64_t segment = w.bytes().size();
  w.Instance(0xA, 0, 0xC, {});
  w.RawSubRecord(std::vector<uint8_t>{0x55, 0, 0, 0, 0, 0, 0, 0, 0});
  w.Instance(0xB, 0, 0xC, std::vector<uint8_t>(16, 2));
  w.HeapDumpEnd();
  std::vector<uint8_t> bytes = w.Finish();
  bytes.resize(segment + 9 + 25 + 9 + 30);
  ExpectError(Read(bytes, true), segment + 9 + 25,
              fmt::format("HEAP_DUMP_SEGMENT at byte {} / unknown", segment),
              "unknown sub-record tag 0x55");
}

TEST_P(Malformed, AllowTruncatedInTopLevelRecord) {
  HprofWriter w;
  w.Instance(0xA, 0, 0xC, {});
  w.EndSegment();
  uint64_t at = w.bytes().size();
  w.Utf8(1, "hello world");
  std::vector<uint8_t> bytes = w.Finish();
  bytes.resize(at + 12);
  auto r = Read(bytes, true);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->stats.bytes_lost_to_truncation, 12u);
  EXPECT_EQ(r->stats.missing_heap_dump_end, 0u);
  ASSERT_EQ(heap_.objects.size(), 1u);
  EXPECT_TRUE(top_.lines.empty());
}

TEST_P(Malformed, ZeroLengthRecords) {
  const std::pair<uint8_t, std::string_view> cases[] = {
      {0x01, "record length is 0, expected at least 8 (the string id)"},
      {0x02, "record length is 0, expected 24"},
      {0x03, "record length is 0, expected 4"},
      {0x04, "record length is 0, expected 40"},
      {0x05, "record length is 0, expected at least 12"},
      {0x06, "record length is 0, expected at least 34"},
      {0x07, "record length is 0, expected 24"},
      {0x0A, "record length is 0, expected 40"},
      {0x0B, "record length is 0, expected 4"},
      {0x0D, "record length is 0, expected at least 8"},
      {0x0E, "record length is 0, expected 6"},
  };
  for (auto [tag, message] : cases) {
    SCOPED_TRACE(static_cast<int>(tag));
    HprofWriter w;
    w.Utf8(1, "ok");
    uint64_t at = w.bytes().size();
    w.RecordHeader(tag, 0);
    w.HeapDumpEnd();
    ExpectError(Read(w.Finish()), at, fmt::format("{} record", RecordTagName(tag)), message);
  }
}

TEST_P(Malformed, RecordLengthDisagreesWithCount) {
  HprofWriter w;
  std::vector<uint8_t> body;
  HprofWriter::PutU4(body, 1);
  HprofWriter::PutU4(body, 2);
  HprofWriter::PutU4(body, 3);  // three frames, none present
  uint64_t at = w.bytes().size();
  w.Record(0x05, body);
  ExpectError(Read(w.Finish()), at, "TRACE record",
              "record length is 12, expected 36 for 3 frames");
}

TEST_P(Malformed, UnknownRecordTag) {
  HprofWriter w;
  w.Utf8(1, "ok");
  uint64_t at = w.bytes().size();
  w.RecordHeader(0x42, 0);
  w.HeapDumpEnd();
  ExpectError(Read(w.Finish()), at, "record header", "unknown record tag 0x42");
}

TEST_P(Malformed, UnknownSubRecordTag) {
  HprofWriter w;
  uint64_t segment = w.bytes().size();
  w.Root({RootKind::kStickyClass, 5, 0, 0, 0});
  w.RawSubRecord(std::vector<uint8_t>{0x55, 0, 0, 0, 0, 0, 0, 0, 0});
  w.HeapDumpEnd();
  ExpectError(Read(w.Finish()), segment + 9 + 9,
              fmt::format("HEAP_DUMP_SEGMENT at byte {} / unknown", segment),
              "unknown sub-record tag 0x55");
}

TEST_P(Malformed, BadBasicTypes) {
  auto bad = static_cast<BasicType>(3);
  std::vector<StaticField> good_static = {{1, BasicType::kInt, 7}};
  std::vector<FieldDecl> good_field = {{2, BasicType::kLong}};
  struct Case {
    std::vector<ConstantPoolEntry> pool;
    std::vector<StaticField> statics;
    std::vector<FieldDecl> fields;
    std::string_view message;
  };
  const Case cases[] = {
      {{{1, BasicType::kInt, 1}, {2, static_cast<BasicType>(1), 0}}, good_static, good_field,
       "constant pool entry 1 has unknown type 1"},
      {{}, {{1, BasicType::kInt, 7}, {3, bad, 0}}, good_field, "static field 1 has unknown type 3"},
      {{}, good_static, {{2, static_cast<BasicType>(12)}}, "instance field 0 has unknown type 12"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    HprofWriter w;
    uint64_t segment = w.bytes().size();
    w.Instance(1, 0, 2, {});
    uint64_t at = segment + 9 + w.TakeSegmentBody().size();
    w.Instance(1, 0, 2, {});
    w.ClassDump({2, 0, 0, 0, 0, 0, 0, c.statics, c.fields}, c.pool);
    w.HeapDumpEnd();
    ExpectError(Read(w.Finish()), at,
                fmt::format("HEAP_DUMP_SEGMENT at byte {} / CLASS_DUMP", segment), c.message);
  }
  HprofWriter w;
  uint64_t segment = w.bytes().size();
  w.PrimitiveArray(1, 0, BasicType::kObject, std::vector<uint8_t>(16));
  w.HeapDumpEnd();
  ExpectError(Read(w.Finish()), segment + 9,
              fmt::format("HEAP_DUMP_SEGMENT at byte {} / PRIM_ARRAY_DUMP", segment),
              "element type 2 is not a primitive type");
}

// The segment's length is right but the last sub-record claims more bytes
// than the segment has left.
TEST_P(Malformed, SubRecordRunsPastItsSegment) {
  HprofWriter w;
  uint64_t segment = w.bytes().size();
  w.Instance(0xA, 0, 0xC, std::vector<uint8_t>(4, 1));
  std::vector<uint8_t> body = w.TakeSegmentBody();
  uint64_t second = segment + 9 + body.size();
  body.insert(body.end(), body.begin(), body.end());
  body[body.size() - 4 - 1] = 100;  // low byte of the second instance's length
  w.Record(0x1C, body);
  w.HeapDumpEnd();
  std::vector<uint8_t> bytes = w.Finish();
  std::string record = fmt::format("HEAP_DUMP_SEGMENT at byte {} / INSTANCE_DUMP", segment);
  std::string message = fmt::format(
      "sub-record needs 125 bytes but its HEAP_DUMP_SEGMENT ends at byte {}",
      segment + 9 + body.size());
  ExpectError(Read<true>(bytes), second, record, message);
  ExpectError(Read<false>(bytes), second, record, message);
}

TEST_P(Malformed, SegmentEndsInsideSubRecordHeader) {
  HprofWriter w;
  uint64_t segment = w.bytes().size();
  w.Root({RootKind::kJniGlobal, 1, 0, 0, 2});
  std::vector<uint8_t> body = w.TakeSegmentBody();
  body.resize(body.size() - 4);
  w.Record(0x1C, body);
  w.HeapDumpEnd();
  ExpectError(Read(w.Finish()), segment + 9,
              fmt::format("HEAP_DUMP_SEGMENT at byte {} / ROOT_JNI_GLOBAL", segment),
              fmt::format("sub-record needs 17 bytes but its HEAP_DUMP_SEGMENT ends at byte {}",
                          segment + 9 + 13));
}

TEST_P(Malformed, NotHprof) {
  std::string text = "PK\3\4 this is a zip file, not a heap dump at all..........";
  ExpectError(Read(std::vector<uint8_t>(text.begin(), text.end())), 0, "file header",
              "not an HPROF heap dump");
  ExpectError(Read({}), 0, "file header", "not an HPROF heap dump");
}

TEST_P(Malformed, BadFileHeaders) {
  WriterOptions opts;
  opts.id_size = 3;
  ExpectError(Read(HprofWriter(opts).Finish()), 19, "file header",
              "identifier size is 3, expected 4 or 8");
  opts.id_size = 8;
  opts.format = "JAVA PROFILE 6.0.1";
  ExpectError(Read(HprofWriter(opts).Finish()), 0, "file header", "unsupported format");
  std::vector<uint8_t> bytes = HprofWriter().Finish();
  bytes.resize(25);
  ExpectError(Read(bytes), 19, "file header", "file ends inside the header", true);
}

TEST_P(Malformed, MissingHeapDumpEnd) {
  HprofWriter w;
  w.Instance(1, 0, 2, {});
  w.EndSegment();
  std::vector<uint8_t> bytes = w.Finish();
  ExpectError(Read(bytes), bytes.size(), "end of file",
              "the file ends without a HEAP_DUMP_END record", true);
  auto r = Read(bytes, true);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->stats.missing_heap_dump_end, 1u);
  EXPECT_EQ(heap_.objects.size(), 1u);
}

// A dump without any heap is a valid (if dull) dump.
TEST_P(Malformed, NoHeapAtAllIsFine) {
  HprofWriter w;
  w.Utf8(1, "x");
  auto r = Read(w.Finish());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->decoded_bytes, kHeader + 9 + 9);
}

INSTANTIATE_TEST_SUITE_P(Paths, Malformed,
                         testing::Values(Path::kMapped, Path::kChunks1, Path::kChunks7,
                                         Path::kGzip),
                         [](const auto& info) { return PathName(info.param); });

// ---------------------------------------------------------------------------
// Random input never crashes the reader: it either reads or says why not.

void ExpectCleanResult(const Result<ReadSummary>& r, uint64_t size) {
  if (r.ok()) {
    EXPECT_LE(r->decoded_bytes, size);
    return;
  }
  EXPECT_EQ(r.error().kind, ErrorKind::kBadInput) << r.error().ToString();
  EXPECT_FALSE(r.error().message.empty());
  EXPECT_NE(r.error().offset, kNoOffset) << r.error().ToString();
  EXPECT_LE(r.error().offset, size) << r.error().ToString();
}

TEST(DumpReaderGarbage, RandomBuffersGiveResultsOrErrors) {
  std::mt19937_64 rng(20260601);
  const std::vector<uint8_t> valid4 = FullDump(4, false).bytes;
  const std::vector<uint8_t> valid8 = FullDump(8, false).bytes;
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> bytes;
    switch (round % 4) {
      case 0: {  // noise
        bytes.resize(rng() % 300);
        for (auto& b : bytes) b = static_cast<uint8_t>(rng());
        break;
      }
      case 1: {  // a valid header, then noise
        bytes = HprofWriter(WriterOptions{"JAVA PROFILE 1.0.2", rng() % 2 ? 4u : 8u}).Finish();
        size_t n = rng() % 400;
        for (size_t i = 0; i < n; ++i) bytes.push_back(static_cast<uint8_t>(rng()));
        break;
      }
      case 2: {  // a valid dump with a few bytes changed
        bytes = rng() % 2 ? valid4 : valid8;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < flips; ++i) {
          size_t at = kHeader + rng() % (bytes.size() - kHeader);
          bytes[at] = static_cast<uint8_t>(rng() % 3 ? rng() : bytes[at] ^ 0x80);
        }
        break;
      }
      case 3: {  // a valid dump cut anywhere
        bytes = rng() % 2 ? valid4 : valid8;
        bytes.resize(rng() % bytes.size());
        break;
      }
    }
    Path path = round % 8 < 4 ? Path::kMapped : Path::kChunks7;
    ReadOptions opt = OneThread();
    opt.allow_truncated = rng() % 2;
    SCOPED_TRACE(fmt::format("round {} path {} allow_truncated {}", round, PathName(path),
                             opt.allow_truncated));
    TopLog top;
    std::vector<HeapLog<true>> with_data(1);
    ExpectCleanResult(ReadVia(path, bytes, top, with_data, opt), bytes.size());
    TopLog top2;
    std::vector<HeapLog<false>> without_data(1);
    ExpectCleanResult(ReadVia(path, bytes, top2, without_data, opt), bytes.size());
    if (HasFailure()) break;
  }
}

// ---------------------------------------------------------------------------
// A 1.0.1 HEAP_DUMP over 4 GiB: its u4 length wrapped, and the reader must
// find the real end by parsing. The 5 GiB of array data are a hole in a
// sparse file, so the test needs almost no disk.

TEST(DumpReaderHuge, WrappedHeapDumpLengthIsRepaired) {
  constexpr uint32_t kLongs = (5ull << 30) / 8;
  WriterOptions opts{"JAVA PROFILE 1.0.1", 8, 0, RecordTag::kHeapDump};
  HprofWriter w(opts);
  w.Utf8(1, "x");
  w.Instance(0xA, 0, 0xC, std::vector<uint8_t>(4, 1));
  w.PrimitiveArrayHeader(0xB, 0, BasicType::kLong, kLongs);
  std::vector<uint8_t> head = w.TakeSegmentBody();
  w.Instance(0xD, 0, 0xC, std::vector<uint8_t>(4, 2));
  std::vector<uint8_t> tail = w.TakeSegmentBody();
  const uint64_t body = head.size() + uint64_t{kLongs} * 8 + tail.size();
  ASSERT_GT(body, uint64_t{1} << 32);
  w.RecordHeader(0x0C, static_cast<uint32_t>(body));  // wraps, as the JVM's did
  w.Raw(head);
  std::vector<uint8_t> prefix = w.Finish();
  std::vector<uint8_t> end = {0x2C, 0, 0, 0, 0, 0, 0, 0, 0};
  tail.insert(tail.end(), end.begin(), end.end());

  std::string file = Temp().File("wrapped.hprof");
  int fd = ::open(file.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  const uint64_t tail_at = prefix.size() + uint64_t{kLongs} * 8;
  bool written =
      ::pwrite(fd, prefix.data(), prefix.size(), 0) == static_cast<ssize_t>(prefix.size()) &&
      ::pwrite(fd, tail.data(), tail.size(), static_cast<off_t>(tail_at)) ==
          static_cast<ssize_t>(tail.size());
  struct stat st {};
  bool sparse = written && ::fstat(fd, &st) == 0 && uint64_t(st.st_blocks) * 512 < (64u << 20);
  ::close(fd);
  if (!sparse) {
    std::filesystem::remove(file);
    GTEST_SKIP() << "the filesystem refuses a 5 GiB sparse file";
  }

  auto in = DumpInput::Open(file);
  ASSERT_TRUE(in.ok()) << in.error().ToString();
  TopLog top;
  std::vector<HeapLog<false>> heaps(2);
  ReadOptions opt;
  opt.threads = 2;
  auto r = ReadDump(*in, opt, top, heaps);
  std::filesystem::remove(file);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  std::vector<std::string> want = {
      "segment",
      ObjectLine("instance", 0xA, 0xC, 4, {}, false),
      ObjectLine("primitive_array", 0xB, static_cast<uint64_t>(BasicType::kLong), kLongs, {},
                 false),
      ObjectLine("instance", 0xD, 0xC, 4, {}, false),
  };
  EXPECT_EQ(heaps[0].lines, want);
  EXPECT_TRUE(heaps[1].lines.empty());
  EXPECT_EQ(r->stats.heap_dump_length_wrapped, 1u);
  EXPECT_EQ(r->records, 3u);
  EXPECT_EQ(r->decoded_bytes, tail_at + tail.size());
  EXPECT_FALSE(r->truncated);
}

}  // namespace
}  // namespace heapscope::hprof
