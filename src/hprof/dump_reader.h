// hprof/dump_reader.h - reads a whole dump: the header, every top-level
// record, and every heap dump body, calling visitors as it goes.
//
// Top-level records go to one TopVisitor, in file order. Heap dump bodies go
// to HeapVisitors: for a plain (mapped) dump, segments are parsed by several
// threads at once, each with its own visitor from `heap_visitors`, in no
// particular order (a visitor sees whole segments; OnSegmentStart marks each).
// For a compressed dump everything runs in order on heap_visitors[0]. All
// top-level records are seen before any heap body is parsed only in the
// mapped case; visitors must not rely on that.
#ifndef HEAPSCOPE_HPROF_DUMP_READER_H_
#define HEAPSCOPE_HPROF_DUMP_READER_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "hprof/big_endian.h"
#include "hprof/byte_window.h"
#include "hprof/dump_input.h"
#include "hprof/error.h"
#include "hprof/file_header.h"
#include "hprof/heap_dump_parser.h"
#include "hprof/read_stats.h"
#include "hprof/records.h"
#include "hprof/tags.h"

namespace heapscope::hprof {

struct TopVisitorBase {
  void OnHeader(const FileHeader&) {}
  void OnUtf8(uint64_t /*id*/, std::string_view /*text*/) {}
  void OnLoadClass(const LoadClassRecord&) {}
  void OnUnloadClass(uint32_t /*class_serial*/) {}
  void OnFrame(const FrameRecord&) {}
  void OnTrace(const TraceRecord&) {}
  void OnStartThread(const StartThreadRecord&) {}
  void OnEndThread(uint32_t /*thread_serial*/) {}
  void OnHeapSummary(uint32_t /*live_bytes*/, uint32_t /*live_instances*/,
                     uint64_t /*allocated_bytes*/, uint64_t /*allocated_instances*/) {}
  void OnAllocSites(uint32_t /*site_count*/) {}
  void OnCpuSamples(uint32_t /*total*/, uint32_t /*trace_count*/) {}
  void OnControlSettings(uint32_t /*flags*/, uint16_t /*depth*/) {}
};

struct ReadOptions {
  // Analyze what precedes a truncation instead of failing.
  bool allow_truncated = false;
  // Threads parsing heap segments of a mapped dump; 0 = all cores.
  int threads = 0;
  // Called now and then with (input bytes done, input bytes total).
  std::function<void(uint64_t, uint64_t)> progress;
  // The master key for an encrypted dump (--key-file); null when none was
  // given. Passed to DumpInput::Open by whoever opens the dump.
  std::shared_ptr<const DumpKey> key;
};

struct ReadSummary {
  FileHeader header;
  ReadStats stats;
  uint64_t records = 0;
  uint64_t heap_dump_bodies = 0;
  uint64_t decoded_bytes = 0;  // length of the decoded HPROF stream read
  bool truncated = false;
  std::string truncation;      // what was lost, for the report
};

namespace internal {

// Checks a top-level record's length and calls the visitor. `b` holds the
// whole body.
template <uint32_t I, class Top>
Status VisitTopLevelRecord(uint8_t tag, uint64_t offset, std::span<const uint8_t> b, Top& top) {
  const uint8_t* p = b.data();
  const uint64_t n = b.size();
  auto bad_length = [&](std::string_view expected) -> Error {
    return Error::BadInput(fmt::format("record length is {}, expected {}", n, expected), offset,
                           fmt::format("{} record", RecordTagName(tag)));
  };
  switch (static_cast<RecordTag>(tag)) {
    case RecordTag::kUtf8:
      if (n < I) return bad_length(fmt::format("at least {} (the string id)", I));
      top.OnUtf8(LoadId<I>(p), std::string_view(reinterpret_cast<const char*>(p + I), n - I));
      return {};
    case RecordTag::kLoadClass:
      if (n != 8 + 2 * I) return bad_length(std::to_string(8 + 2 * I));
      top.OnLoadClass({LoadU4(p), LoadId<I>(p + 4), LoadU4(p + 4 + I), LoadId<I>(p + 8 + I)});
      return {};
    case RecordTag::kUnloadClass:
      if (n != 4) return bad_length("4");
      top.OnUnloadClass(LoadU4(p));
      return {};
    case RecordTag::kFrame:
      if (n != 4 * I + 8) return bad_length(std::to_string(4 * I + 8));
      top.OnFrame({LoadId<I>(p), LoadId<I>(p + I), LoadId<I>(p + 2 * I), LoadId<I>(p + 3 * I),
                   LoadU4(p + 4 * I), static_cast<int32_t>(LoadU4(p + 4 * I + 4))});
      return {};
    case RecordTag::kTrace: {
      if (n < 12) return bad_length("at least 12");
      uint32_t count = LoadU4(p + 8);
      if (n != 12 + uint64_t{count} * I) {
        return bad_length(fmt::format("{} for {} frames", 12 + uint64_t{count} * I, count));
      }
      top.OnTrace({LoadU4(p), LoadU4(p + 4), b.subspan(12), count});
      return {};
    }
    case RecordTag::kAllocSites: {
      if (n < 34) return bad_length("at least 34");
      uint32_t sites = LoadU4(p + 30);
      if (n != 34 + uint64_t{sites} * 25) {
        return bad_length(fmt::format("{} for {} sites", 34 + uint64_t{sites} * 25, sites));
      }
      top.OnAllocSites(sites);
      return {};
    }
    case RecordTag::kHeapSummary:
      if (n != 24) return bad_length("24");
      top.OnHeapSummary(LoadU4(p), LoadU4(p + 4), LoadU8(p + 8), LoadU8(p + 16));
      return {};
    case RecordTag::kStartThread:
      if (n != 8 + 4 * I) return bad_length(std::to_string(8 + 4 * I));
      top.OnStartThread({LoadU4(p), LoadId<I>(p + 4), LoadU4(p + 4 + I), LoadId<I>(p + 8 + I),
                         LoadId<I>(p + 8 + 2 * I), LoadId<I>(p + 8 + 3 * I)});
      return {};
    case RecordTag::kEndThread:
      if (n != 4) return bad_length("4");
      top.OnEndThread(LoadU4(p));
      return {};
    case RecordTag::kCpuSamples: {
      if (n < 8) return bad_length("at least 8");
      uint32_t traces = LoadU4(p + 4);
      if (n != 8 + uint64_t{traces} * 8) {
        return bad_length(fmt::format("{} for {} traces", 8 + uint64_t{traces} * 8, traces));
      }
      top.OnCpuSamples(LoadU4(p), traces);
      return {};
    }
    case RecordTag::kControlSettings:
      if (n != 6) return bad_length("6");
      top.OnControlSettings(LoadU4(p), LoadU2(p + 4));
      return {};
    case RecordTag::kHeapDumpEnd:
      if (n != 0) return bad_length("0");
      return {};
    case RecordTag::kHeapDump:
    case RecordTag::kHeapDumpSegment:
      break;
  }
  return Error::BadInput(fmt::format("unknown record tag 0x{:02x}", tag), offset, "record header");
}

inline bool IsKnownRecordTag(uint8_t tag) { return RecordTagName(tag) != "unknown"; }

inline Error TruncatedRecord(uint8_t tag, uint64_t offset, uint64_t length, uint64_t have) {
  Error e = Error::BadInput(
      fmt::format("record declares {} bytes but the file ends after {}", length, have), offset,
      fmt::format("{} record", RecordTagName(tag)));
  e.truncated = true;
  return e;
}

inline void NoteTruncation(ReadSummary& sum, const Error& e, uint64_t lost_bytes) {
  sum.truncated = true;
  sum.stats.records_after_truncation_lost = 1;
  sum.stats.bytes_lost_to_truncation += lost_bytes;
  sum.truncation = e.ToString();
}

// A segmented dump that ends on a record boundary but without HEAP_DUMP_END
// was cut short between records.
inline Status MissingHeapDumpEnd(uint64_t offset, const ReadOptions& opt, ReadSummary& sum) {
  Error e = Error::BadInput("the file ends without a HEAP_DUMP_END record: the dump is incomplete",
                            offset, "end of file");
  e.truncated = true;
  if (!opt.allow_truncated) return e;
  ++sum.stats.missing_heap_dump_end;
  sum.truncated = true;
  sum.truncation = e.ToString();
  return {};
}

// Streaming read: one pass, in order, on heap_visitors[0].
template <uint32_t I, class Top, class Heap>
Status ReadStream(ByteWindow& win, const ReadOptions& opt, Top& top, Heap& heap,
                  ReadSummary& sum) {
  HeapParseScratch scratch;
  // HotSpot ends a dump with HEAP_DUMP_END only when it is segmented; a
  // 1.0.1 dump with one HEAP_DUMP record is complete without it.
  bool saw_segment = false, saw_end = false;
  uint64_t next_progress = 0;
  while (!win.AtEnd()) {
    uint64_t offset = win.offset();
    if (opt.progress && offset >= next_progress) {
      opt.progress(win.InputBytesRead(), win.InputSize());
      next_progress = offset + (64u << 20);
    }
    if (!win.Ensure(kRecordHeaderSize)) {
      if (win.source_error()) return *win.source_error();
      Error e = Error::BadInput(fmt::format("file ends inside a record header ({} of 9 bytes)",
                                            win.available()), offset, "record header");
      e.truncated = true;
      if (!opt.allow_truncated) return e;
      NoteTruncation(sum, e, win.available());
      break;
    }
    const uint8_t* p = win.cur();
    uint8_t tag = p[0];
    uint64_t length = LoadU4(p + 5);
    if (!IsKnownRecordTag(tag)) {
      return Error::BadInput(fmt::format("unknown record tag 0x{:02x}", tag), offset, "record header");
    }
    win.Advance(p + kRecordHeaderSize);
    ++sum.records;
    if (tag == static_cast<uint8_t>(RecordTag::kHeapDump) ||
        tag == static_cast<uint8_t>(RecordTag::kHeapDumpSegment)) {
      if (tag == static_cast<uint8_t>(RecordTag::kHeapDumpSegment)) saw_segment = true;
      ++sum.heap_dump_bodies;
      if (length == 0) ++sum.stats.empty_heap_segments;
      HeapBodyLimits lim{offset + kRecordHeaderSize, length, offset, tag,
                         tag == static_cast<uint8_t>(RecordTag::kHeapDump)};
      uint64_t actual = 0;
      Status s = ParseHeapDumpBody<I>(win, lim, heap, scratch, sum.stats, &actual);
      if (!s.ok()) {
        if (!s.error().truncated || !opt.allow_truncated) return s;
        // The window ends where the stream does: all from the cut
        // sub-record on is lost.
        NoteTruncation(sum, s.error(), win.OffsetOf(win.end()) - s.error().offset);
        break;
      }
      continue;
    }
    if (tag == static_cast<uint8_t>(RecordTag::kHeapDumpEnd)) saw_end = true;
    if (!win.Ensure(length)) {
      if (win.source_error()) return *win.source_error();
      Error e = TruncatedRecord(tag, offset, length, win.available());
      if (!opt.allow_truncated) return e;
      NoteTruncation(sum, e, win.available() + kRecordHeaderSize);
      break;
    }
    Status s = VisitTopLevelRecord<I>(tag, offset, {win.cur(), length}, top);
    if (!s.ok()) return s;
    win.Advance(win.cur() + length);
  }
  sum.decoded_bytes = win.offset();
  if (saw_segment && !saw_end && !sum.truncated) return MissingHeapDumpEnd(win.offset(), opt, sum);
  return {};
}

struct SegmentSpan {
  uint64_t record_offset;
  uint64_t body_offset;
  uint64_t length;       // bytes of the body present in the file
  uint64_t declared;     // as the record header says
  uint8_t tag;
};

// Mapped read: frame the records in order (top-level records are visited
// then), then parse heap bodies on several threads.
template <uint32_t I, class Top, class Heap>
Status ReadMapped(const MappedFile& file, uint64_t start, const ReadOptions& opt, Top& top,
                  std::vector<Heap>& heaps, ReadSummary& sum) {
  const uint8_t* base = file.bytes().data();
  const uint64_t size = file.size();
  std::vector<SegmentSpan> segments;
  bool segmented = false, saw_end = false;  // see ReadStream
  uint64_t pos = start;
  uint64_t released = 0;
  constexpr uint64_t kFramingReleaseStep = uint64_t{32} << 20;
  Error truncation;
  bool cut = false;
  while (pos < size) {
    if (size - pos < kRecordHeaderSize) {
      truncation = Error::BadInput(fmt::format("file ends inside a record header ({} of 9 bytes)",
                                               size - pos), pos, "record header");
      truncation.truncated = true;
      cut = true;
      break;
    }
    uint8_t tag = base[pos];
    uint64_t length = LoadU4(base + pos + 5);
    if (!IsKnownRecordTag(tag)) {
      return Error::BadInput(fmt::format("unknown record tag 0x{:02x}", tag), pos, "record header");
    }
    ++sum.records;
    uint64_t body = pos + kRecordHeaderSize;
    bool heap_body = tag == static_cast<uint8_t>(RecordTag::kHeapDump) ||
                     tag == static_cast<uint8_t>(RecordTag::kHeapDumpSegment);
    if (tag == static_cast<uint8_t>(RecordTag::kHeapDumpSegment)) segmented = true;
    if (heap_body && tag == static_cast<uint8_t>(RecordTag::kHeapDump) &&
        size - body > length + (uint64_t{1} << 32)) {
      // A pre-segment HEAP_DUMP that may be over 4 GiB: its length can only
      // be trusted after parsing it, so parse it here, in order.
      ++sum.heap_dump_bodies;
      ByteWindow win(file.bytes().subspan(body), body, &file);
      HeapBodyLimits lim{body, length, pos, tag, true};
      HeapParseScratch scratch;
      uint64_t actual = 0;
      Status s = ParseHeapDumpBody<I>(win, lim, heaps[0], scratch, sum.stats, &actual);
      if (!s.ok()) return s;
      pos = body + actual;
      continue;
    }
    if (length > size - body) {
      truncation = TruncatedRecord(tag, pos, length, size - body);
      cut = true;
      if (heap_body) {
        segments.push_back({pos, body, size - body, length, tag});
        ++sum.heap_dump_bodies;
      }
      break;
    }
    if (heap_body) {
      if (length == 0) ++sum.stats.empty_heap_segments;
      segments.push_back({pos, body, length, length, tag});
      ++sum.heap_dump_bodies;
    } else {
      if (tag == static_cast<uint8_t>(RecordTag::kHeapDumpEnd)) saw_end = true;
      Status s = VisitTopLevelRecord<I>(tag, pos, {base + body, length}, top);
      if (!s.ok()) return s;
    }
    pos = body + length;
    // Touching a record header maps the whole page-cache folio around it
    // (hundreds of KiB with large folios on recent kernels), so framing
    // alone would leave most of the file in RSS: hand it back as we go; the
    // parse maps each segment again.
    if (pos - released > kFramingReleaseStep) {
      file.Release(released, pos - released);
      released = pos;
    }
  }
  if (cut && !opt.allow_truncated) {
    // The heap bodies before the cut are fine; report the cut itself.
    return truncation;
  }

  // Parse heap bodies: threads take segments in file order.
  int threads = opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp<int>(threads, 1, static_cast<int>(heaps.size()));
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> done_bytes{0};
  std::vector<Status> status(static_cast<size_t>(threads));
  std::vector<ReadStats> stats(static_cast<size_t>(threads));
  std::vector<uint64_t> lost(static_cast<size_t>(threads), 0);
  std::vector<Error> cut_errors(static_cast<size_t>(threads));
  auto work = [&](int t) {
    HeapParseScratch scratch;
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= segments.size()) return;
      const SegmentSpan& seg = segments[i];
      // With the file, the parser hands pages back inside a big segment too.
      ByteWindow win(file.bytes().subspan(seg.body_offset, seg.length), seg.body_offset, &file);
      const bool is_cut = seg.length < seg.declared;
      HeapBodyLimits lim{seg.body_offset, seg.length, seg.record_offset, seg.tag, false, is_cut};
      uint64_t actual = 0;
      Status s = ParseHeapDumpBody<I>(win, lim, heaps[static_cast<size_t>(t)], scratch,
                                      stats[static_cast<size_t>(t)], &actual);
      if (!s.ok()) {
        // In a body cut by the end of the file, the sub-record the cut falls
        // in is lost; damage before the cut is still an error.
        if (!is_cut || !s.error().truncated) {
          status[static_cast<size_t>(t)] = s;
          next.store(segments.size());
          return;
        }
        lost[static_cast<size_t>(t)] = seg.body_offset + seg.length - s.error().offset;
        cut_errors[static_cast<size_t>(t)] = s.error();
      }
      file.Release(seg.body_offset, seg.length);
      uint64_t done = done_bytes.fetch_add(seg.length + kRecordHeaderSize) + seg.length;
      if (opt.progress && t == 0) opt.progress(done, size);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (int t = 0; t < threads; ++t) {
    if (!status[static_cast<size_t>(t)].ok()) return status[static_cast<size_t>(t)];
    sum.stats.Add(stats[static_cast<size_t>(t)]);
  }
  sum.decoded_bytes = pos;
  if (cut) {
    // A cut heap body was parsed up to its last whole sub-record (the
    // workers measured the rest); any other cut record is lost whole.
    bool cut_heap_body = !segments.empty() && segments.back().length < segments.back().declared;
    uint64_t lost_bytes = cut_heap_body ? 0 : size - pos;
    for (uint64_t l : lost) lost_bytes += l;
    NoteTruncation(sum, truncation, lost_bytes);
  } else if (segmented && !saw_end) {
    return MissingHeapDumpEnd(size, opt, sum);
  }
  return {};
}

}  // namespace internal

// Reads the dump in `in`. `heap_visitors` must hold at least one visitor;
// a mapped dump uses up to heap_visitors.size() threads.
template <class Top, class Heap>
Result<ReadSummary> ReadDump(DumpInput& in, const ReadOptions& opt, Top& top,
                             std::vector<Heap>& heap_visitors) {
  ReadSummary sum;
  if (in.encoding == DumpEncoding::kPlain) {
    auto header = ParseFileHeader(in.mapped.bytes().first(std::min(in.mapped.size(), kMaxFileHeaderSize)));
    if (!header.ok()) return header.error();
    sum.header = header.value();
    top.OnHeader(sum.header);
    Status s = sum.header.id_size == 8
                   ? internal::ReadMapped<8>(in.mapped, sum.header.size, opt, top, heap_visitors, sum)
                   : internal::ReadMapped<4>(in.mapped, sum.header.size, opt, top, heap_visitors, sum);
    if (!s.ok()) return s.error();
    return sum;
  }
  ByteWindow win(in.chunks.get());
  if (!win.Ensure(kMaxFileHeaderSize) && win.source_error()) return *win.source_error();
  auto header = ParseFileHeader({win.cur(), static_cast<size_t>(win.available())});
  if (!header.ok()) return header.error();
  sum.header = header.value();
  top.OnHeader(sum.header);
  win.Advance(win.cur() + sum.header.size);
  Status s = sum.header.id_size == 8
                 ? internal::ReadStream<8>(win, opt, top, heap_visitors[0], sum)
                 : internal::ReadStream<4>(win, opt, top, heap_visitors[0], sum);
  if (!s.ok()) return s.error();
  return sum;
}

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_DUMP_READER_H_
