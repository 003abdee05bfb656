// fuzz/dump_reader_fuzzer.cc - libFuzzer target: arbitrary bytes through
// DumpInput::Open and ReadDump, the way the CLI reads a dump.
//
// Each input is read three times: mapped with a visitor that wants every
// data span (and touches every byte of it, so ASan checks the span bounds),
// mapped with one that wants none (the skip paths), and streamed in small
// chunks (ByteWindow's chunk-edge code). Input starting with the gzip magic
// goes through the gzip reader as well. Any crash, sanitizer report or
// error without an offset is a finding, and so is a dump that both the
// mapped and the streamed read accept whole but see differently.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hprof/chunk_source.h"
#include "hprof/dump_input.h"
#include "hprof/dump_reader.h"

namespace heapscope::hprof {
namespace {

// Folding every byte into a sink makes each span's bytes be read.
uint8_t Fold(std::span<const uint8_t> b) {
  uint8_t x = 0;
  for (uint8_t c : b) x ^= c;
  return x;
}

// An order-sensitive digest of what a visitor saw (FNV-1a style), so two
// reads of one dump can be compared.
struct Digest {
  uint64_t value = 14695981039346656037ull;
  Digest& operator+=(uint64_t v) {
    value = (value ^ v) * 1099511628211ull;
    return *this;
  }
};

struct TouchTop : TopVisitorBase {
  Digest sink;
  void OnUtf8(uint64_t id, std::string_view text) {
    sink += id + Fold({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  }
  void OnTrace(const TraceRecord& r) { sink += r.frame_count + Fold(r.frame_ids); }
  void OnLoadClass(const LoadClassRecord& r) { sink += r.class_id; }
};

template <bool kData>
struct TouchHeap : HeapVisitorBase {
  static constexpr bool kWantInstanceData = kData;
  static constexpr bool kWantObjectArrayData = kData;
  static constexpr bool kWantPrimitiveArrayData = kData;
  Digest sink;
  void OnSegmentStart(uint64_t offset) { sink += offset; }
  void OnRoot(const RootRecord& r) { sink += r.object_id; }
  void OnClassDump(const ClassDumpRecord& c) {
    for (const StaticField& s : c.statics) sink += s.value;
    for (const FieldDecl& f : c.fields) sink += f.name_id;
  }
  void OnInstance(uint64_t offset, uint64_t id, uint64_t, uint32_t length,
                  std::span<const uint8_t> d) {
    Check(length, d, 1);
    sink += offset;
    sink += id + length + Fold(d);
  }
  void OnObjectArray(uint64_t offset, uint64_t id, uint64_t, uint32_t length,
                     std::span<const uint8_t> d) {
    if (kData && (length == 0 ? !d.empty() : d.size() % length != 0)) std::abort();
    sink += offset;
    sink += id + length + Fold(d);
  }
  void OnPrimitiveArray(uint64_t offset, uint64_t id, BasicType type, uint32_t length,
                        std::span<const uint8_t> d, bool has_data) {
    // Never kObject here, so the id size doesn't matter.
    Check(length, d, has_data ? BasicTypeSize(static_cast<uint8_t>(type), 8) : 0);
    sink += offset;
    sink += id + length + Fold(d);
  }
  void OnHeapDumpInfo(const HeapDumpInfoRecord& r) { sink += r.name_id; }

  // A data span holds exactly what the record declares, or nothing when
  // the visitor doesn't want data.
  static void Check(uint64_t length, std::span<const uint8_t> d, uint64_t elem) {
    if (d.size() != (kData ? length * elem : 0)) std::abort();
  }
};

// Pieces of `chunk` bytes, each in its own allocation freed at the next
// call, so a pointer kept across Next() is caught by ASan.
class SmallChunks : public ChunkSource {
 public:
  SmallChunks(const uint8_t* data, size_t size, size_t chunk)
      : data_(data), size_(size), chunk_(chunk) {}
  Result<std::span<const uint8_t>> Next() override {
    size_t n = std::min(chunk_, size_ - pos_);
    piece_.assign(data_ + pos_, data_ + pos_ + n);
    piece_.shrink_to_fit();
    pos_ += n;
    return std::span<const uint8_t>(piece_.data(), n);
  }
  uint64_t InputBytesRead() const override { return pos_; }
  uint64_t InputSize() const override { return size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t chunk_;
  size_t pos_ = 0;
  std::vector<uint8_t> piece_;
};

// Errors must say where; an error without an offset is a bug of ours,
// except for I/O and the gzip layer's own (compressed-offset) reports.
void CheckResult(const Result<ReadSummary>& r, uint64_t size, bool plain) {
  if (r.ok()) {
    if (plain && r->decoded_bytes > size) std::abort();
    return;
  }
  const Error& e = r.error();
  if (e.message.empty()) std::abort();
  if (plain && e.kind == ErrorKind::kBadInput && (e.offset == kNoOffset || e.offset > size)) {
    std::fprintf(stderr, "error with a bad offset: %s\n", e.ToString().c_str());
    std::abort();
  }
}

// What one read saw, when it read the whole dump.
struct Outcome {
  bool whole = false;
  uint64_t top = 0, heap = 0, records = 0, decoded = 0;
  bool operator==(const Outcome&) const = default;
};

// `plain`: offsets are in the input itself (not in a decoded gzip stream).
template <class Heap>
Outcome ReadWith(DumpInput& in, uint64_t size, bool plain, bool allow_truncated) {
  ReadOptions opt;
  opt.threads = 1;  // a thread per input would dominate the run time
  opt.allow_truncated = allow_truncated;
  TouchTop top;
  std::vector<Heap> heaps(1);
  auto r = ReadDump(in, opt, top, heaps);
  CheckResult(r, size, plain);
  if (!r.ok() || r->truncated) return {};
  return {true, top.sink.value, heaps[0].sink.value, r->records, r->decoded_bytes};
}

// One memfd for the process, rewritten per input: DumpInput takes a path,
// and /proc/self/fd/N names the memfd without touching the disk.
int InputFd() {
  static int fd = [] {
    int f = ::memfd_create("hprof-fuzz", MFD_CLOEXEC);
    if (f < 0) std::abort();
    return f;
  }();
  return fd;
}

}  // namespace
}  // namespace heapscope::hprof

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace heapscope::hprof;
  int fd = InputFd();
  if (::ftruncate(fd, 0) != 0) std::abort();
  if (size > 0 && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  // The last byte picks the options, so the fuzzer can steer them.
  const uint8_t knob = size ? data[size - 1] : 0;

  Outcome mapped;
  bool plain = false;
  for (int pass = 0; pass < 2; ++pass) {
    auto in = DumpInput::Open(path, 1);
    if (!in.ok()) return 0;  // a gzip header the gzip reader refuses
    plain = in->encoding == DumpEncoding::kPlain;
    if (pass == 0) {
      mapped = ReadWith<TouchHeap<true>>(*in, size, plain, knob & 1);
    } else {
      ReadWith<TouchHeap<false>>(*in, size, plain, knob & 2);
    }
  }

  DumpInput streamed;
  streamed.encoding = DumpEncoding::kGzipStream;
  streamed.file_size = size;
  streamed.chunks = std::make_unique<SmallChunks>(data, size, 1 + (knob >> 4));
  Outcome chunked = ReadWith<TouchHeap<true>>(streamed, size, true, knob & 1);
  if (plain && mapped.whole && chunked.whole && !(mapped == chunked)) {
    std::fprintf(stderr, "mapped and streamed reads of one dump differ\n");
    std::abort();
  }
  return 0;
}
