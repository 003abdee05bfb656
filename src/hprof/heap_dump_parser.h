// hprof/heap_dump_parser.h - walks the sub-records of one HEAP_DUMP or
// HEAP_DUMP_SEGMENT body and calls a visitor for each.
//
// Header-only because it is the hot loop: the visitor is a template
// parameter so its callbacks inline. A visitor derives from HeapVisitorBase
// and hides the callbacks it cares about; its kWant* constants let the parser
// skip bodies nobody reads (a histogram never touches field bytes). Spans
// handed to callbacks are valid only during the call.
#ifndef HEAPSCOPE_HPROF_HEAP_DUMP_PARSER_H_
#define HEAPSCOPE_HPROF_HEAP_DUMP_PARSER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hprof/big_endian.h"
#include "hprof/byte_window.h"
#include "hprof/error.h"
#include "hprof/read_stats.h"
#include "hprof/records.h"
#include "hprof/tags.h"

namespace heapscope::hprof {

struct HeapVisitorBase {
  static constexpr bool kWantInstanceData = false;
  static constexpr bool kWantObjectArrayData = false;
  static constexpr bool kWantPrimitiveArrayData = false;
  void OnSegmentStart(uint64_t /*offset*/) {}
  void OnRoot(const RootRecord&) {}
  void OnClassDump(const ClassDumpRecord&) {}
  // `data` is empty unless kWantInstanceData; `length` is always the byte count.
  void OnInstance(uint64_t /*offset*/, uint64_t /*id*/, uint64_t /*class_id*/,
                  uint32_t /*length*/, std::span<const uint8_t> /*data*/) {}
  void OnObjectArray(uint64_t /*offset*/, uint64_t /*id*/, uint64_t /*class_id*/,
                     uint32_t /*length*/, std::span<const uint8_t> /*elements*/) {}
  // `has_data` is false for Android's PRIMITIVE_ARRAY_NODATA.
  void OnPrimitiveArray(uint64_t /*offset*/, uint64_t /*id*/, BasicType /*type*/,
                        uint32_t /*length*/, std::span<const uint8_t> /*data*/,
                        bool /*has_data*/) {}
  void OnHeapDumpInfo(const HeapDumpInfoRecord&) {}
};

// Reused between bodies so CLASS_DUMP parsing allocates only while warming up.
struct HeapParseScratch {
  std::vector<StaticField> statics;
  std::vector<FieldDecl> fields;
};

struct HeapBodyLimits {
  uint64_t body_offset;    // stream offset of the body's first byte
  uint64_t body_length;    // as declared
  uint64_t record_offset;  // offset of the enclosing record's tag
  uint8_t record_tag;
  // A pre-segment HEAP_DUMP over 4 GiB has a u4 length that wrapped; when the
  // body may be longer than declared the parser looks past the declared end.
  bool length_may_wrap = false;
  // The file ends at body_offset + body_length, before the declared end: a
  // sub-record crossing it was cut by truncation (truncated=true), and is
  // not corrupt.
  bool cut_by_eof = false;
};

namespace internal {

inline bool IsSubRecordOnlyTag(uint8_t tag) {
  return (tag >= 0x20 && tag <= 0x23) || tag == 0xFF || tag == 0xC3 || tag == 0xFE ||
         (tag >= 0x89 && tag <= 0x8E) || tag == 0x90;
}

inline std::string SubRecordContext(const HeapBodyLimits& lim, uint8_t sub_tag) {
  return fmt::format("{} at byte {} / {}", RecordTagName(lim.record_tag), lim.record_offset,
                     SubTagName(sub_tag));
}

}  // namespace internal

// Parses one heap dump body. On success the window stands just past it and
// `*actual_length` holds the body length (which differs from the declared one
// only when a wrapped length was repaired).
template <uint32_t kIdSize, class Visitor>
Status ParseHeapDumpBody(ByteWindow& win, const HeapBodyLimits& limits, Visitor& v,
                         HeapParseScratch& scratch, ReadStats& stats,
                         uint64_t* actual_length) {
  constexpr uint32_t I = kIdSize;
  uint64_t end_offset = limits.body_offset + limits.body_length;
  v.OnSegmentStart(limits.body_offset);

  const uint8_t* p = win.cur();
  const uint8_t* e = win.end();
  uint64_t sub_start = 0;
  uint8_t tag = 0;

  auto fail = [&](std::string msg) -> Error {
    return Error::BadInput(std::move(msg), sub_start, internal::SubRecordContext(limits, tag));
  };
  // Makes n bytes from p visible, staying inside the body. On failure p is
  // left at the sub-record start so the caller can report it.
  auto need = [&](uint64_t n) -> Status {
    uint64_t here = win.OffsetOf(p);
    if (here + n > end_offset) {
      if (limits.cut_by_eof) {
        Error err = fail(fmt::format("file ends after {} of this sub-record's bytes",
                                     end_offset - sub_start));
        err.truncated = true;
        return err;
      }
      if (!limits.length_may_wrap) {
        return fail(fmt::format("sub-record needs {} bytes but its {} ends at byte {}",
                                here + n - sub_start, RecordTagName(limits.record_tag),
                                end_offset));
      }
      end_offset += uint64_t{1} << 32;  // the u4 length wrapped
      ++stats.heap_dump_length_wrapped;
    }
    if (static_cast<uint64_t>(e - p) >= n) return {};
    win.Advance(p);
    bool ok = win.Ensure(n);
    p = win.cur();
    e = win.end();
    if (ok) return {};
    if (win.source_error()) return *win.source_error();
    Error err = fail(fmt::format("file ends after {} of this sub-record's bytes",
                                 win.OffsetOf(e) - sub_start));
    err.truncated = true;
    return err;
  };
  auto skip = [&](uint64_t n) -> Status {
    if (win.OffsetOf(p) + n > end_offset) {
      if (auto s = need(n); !s.ok()) return s;  // reports the overrun
    }
    if (static_cast<uint64_t>(e - p) >= n) {
      p += n;
      return {};
    }
    win.Advance(p);
    bool ok = win.Skip(n);
    p = win.cur();
    e = win.end();
    if (ok) return {};
    if (win.source_error()) return *win.source_error();
    Error err = fail("file ends inside this sub-record's data");
    err.truncated = true;
    return err;
  };

  // The parse may run up to `lim` without checks: the end of the visible
  // window or of the body, whichever comes first.
  const uint8_t* lim = e;
  auto reset_lim = [&] {
    uint64_t room = end_offset - win.OffsetOf(p);
    lim = static_cast<uint64_t>(e - p) > room ? p + room : e;
  };
  reset_lim();
// Fast paths inline; the lambdas handle window refills and errors.
#define HS_NEED(n)                                                   \
  do {                                                               \
    if (static_cast<uint64_t>(lim - p) < (n)) [[unlikely]] {         \
      if (auto s_ = need(n); !s_.ok()) return s_;                    \
      reset_lim();                                                   \
    }                                                                \
  } while (0)
#define HS_SKIP(n)                                                   \
  do {                                                               \
    if (static_cast<uint64_t>(lim - p) >= (n)) [[likely]] {          \
      p += (n);                                                      \
    } else {                                                         \
      if (auto s_ = skip(n); !s_.ok()) return s_;                    \
      reset_lim();                                                   \
    }                                                                \
  } while (0)

  uint64_t records_since_release = 0;
  while (true) {
    uint64_t here = win.OffsetOf(p);
    if (here >= end_offset) {
      if (here == end_offset && limits.length_may_wrap) {
        // Ended exactly on the declared length: if what follows is a
        // sub-record rather than a record, the length wrapped.
        win.Advance(p);
        if (win.Ensure(1) && internal::IsSubRecordOnlyTag(*win.cur())) {
          p = win.cur();
          e = win.end();
          end_offset += uint64_t{1} << 32;
          ++stats.heap_dump_length_wrapped;
          reset_lim();
          continue;
        }
        p = win.cur();
        e = win.end();
      }
      break;
    }
    if (++records_since_release == 4096) {
      records_since_release = 0;
      win.Advance(p);
      win.ReleaseBehind();
    }
    sub_start = here;
    tag = 0;
    HS_NEED(1);
    tag = *p;
    switch (static_cast<SubTag>(tag)) {
      case SubTag::kInstanceDump: {
        HS_NEED(1 + I + 4 + I + 4);
        uint64_t id = LoadId<I>(p + 1);
        uint64_t class_id = LoadId<I>(p + 1 + I + 4);
        uint32_t length = LoadU4(p + 1 + I + 4 + I);
        if constexpr (Visitor::kWantInstanceData) {
          HS_NEED(1 + I + 4 + I + 4 + uint64_t{length});
          const uint8_t* data = p + 1 + I + 4 + I + 4;
          v.OnInstance(sub_start, id, class_id, length, {data, length});
          p = data + length;
        } else {
          // Skipped before the call, so that an object cut by the end of
          // the file is lost, not visited, as when its data is wanted.
          p += 1 + I + 4 + I + 4;
          HS_SKIP(length);
          v.OnInstance(sub_start, id, class_id, length, {});
        }
        break;
      }
      case SubTag::kObjectArrayDump: {
        HS_NEED(1 + I + 4 + 4 + I);
        uint64_t id = LoadId<I>(p + 1);
        uint32_t length = LoadU4(p + 1 + I + 4);
        uint64_t class_id = LoadId<I>(p + 1 + I + 8);
        uint64_t bytes = uint64_t{length} * I;
        if constexpr (Visitor::kWantObjectArrayData) {
          HS_NEED(1 + I + 8 + I + bytes);
          const uint8_t* data = p + 1 + I + 8 + I;
          v.OnObjectArray(sub_start, id, class_id, length, {data, bytes});
          p = data + bytes;
        } else {
          p += 1 + I + 8 + I;
          HS_SKIP(bytes);
          v.OnObjectArray(sub_start, id, class_id, length, {});
        }
        break;
      }
      case SubTag::kPrimitiveArrayDump:
      case SubTag::kPrimitiveArrayNoData: {
        HS_NEED(1 + I + 4 + 4 + 1);
        uint64_t id = LoadId<I>(p + 1);
        uint32_t length = LoadU4(p + 1 + I + 4);
        uint8_t type = p[1 + I + 8];
        uint32_t elem = BasicTypeSize(type, I);
        if (elem == 0 || type == static_cast<uint8_t>(BasicType::kObject)) {
          return fail(fmt::format("element type {} is not a primitive type", type));
        }
        p += 1 + I + 8 + 1;
        bool has_data = tag == static_cast<uint8_t>(SubTag::kPrimitiveArrayDump);
        uint64_t bytes = has_data ? uint64_t{length} * elem : 0;
        if constexpr (Visitor::kWantPrimitiveArrayData) {
          HS_NEED(bytes);
          v.OnPrimitiveArray(sub_start, id, static_cast<BasicType>(type), length, {p, bytes},
                             has_data);
          p += bytes;
        } else {
          HS_SKIP(bytes);
          v.OnPrimitiveArray(sub_start, id, static_cast<BasicType>(type), length, {}, has_data);
        }
        break;
      }
      case SubTag::kClassDump: {
        constexpr uint64_t kFixed = 1 + I + 4 + 6 * I + 4 + 2;
        HS_NEED(kFixed);
        ClassDumpRecord cd{};
        cd.class_id = LoadId<I>(p + 1);
        cd.stack_serial = LoadU4(p + 1 + I);
        cd.super_id = LoadId<I>(p + 1 + I + 4);
        cd.loader_id = LoadId<I>(p + 1 + I + 4 + I);
        cd.signers_id = LoadId<I>(p + 1 + I + 4 + 2 * I);
        cd.protection_domain_id = LoadId<I>(p + 1 + I + 4 + 3 * I);
        cd.instance_size = LoadU4(p + 1 + I + 4 + 6 * I);
        uint32_t cp_count = LoadU2(p + kFixed - 2);
        p += kFixed;
        for (uint32_t i = 0; i < cp_count; ++i) {
          HS_NEED(3);
          uint32_t size = BasicTypeSize(p[2], I);
          if (size == 0) return fail(fmt::format("constant pool entry {} has unknown type {}", i, p[2]));
          HS_NEED(3 + size);
          p += 3 + size;
        }
        HS_NEED(2);
        uint32_t static_count = LoadU2(p);
        p += 2;
        cd.statics_offset = win.OffsetOf(p);
        scratch.statics.clear();
        for (uint32_t i = 0; i < static_count; ++i) {
          HS_NEED(I + 1);
          uint8_t type = p[I];
          uint32_t size = BasicTypeSize(type, I);
          if (size == 0) return fail(fmt::format("static field {} has unknown type {}", i, type));
          HS_NEED(I + 1 + size);
          uint64_t value = 0;
          for (uint32_t b = 0; b < size; ++b) value = (value << 8) | p[I + 1 + b];
          scratch.statics.push_back({LoadId<I>(p), static_cast<BasicType>(type), value});
          p += I + 1 + size;
        }
        HS_NEED(2);
        uint32_t field_count = LoadU2(p);
        p += 2;
        scratch.fields.clear();
        for (uint32_t i = 0; i < field_count; ++i) {
          HS_NEED(I + 1);
          uint8_t type = p[I];
          if (BasicTypeSize(type, I) == 0) {
            return fail(fmt::format("instance field {} has unknown type {}", i, type));
          }
          scratch.fields.push_back({LoadId<I>(p), static_cast<BasicType>(type)});
          p += I + 1;
        }
        cd.statics = scratch.statics;
        cd.fields = scratch.fields;
        v.OnClassDump(cd);
        break;
      }
      case SubTag::kRootUnknown:
      case SubTag::kRootStickyClass:
      case SubTag::kRootMonitorUsed:
      case SubTag::kRootInternedString:
      case SubTag::kRootFinalizing:
      case SubTag::kRootDebugger:
      case SubTag::kRootReferenceCleanup:
      case SubTag::kRootVmInternal:
      case SubTag::kRootUnreachable: {
        HS_NEED(1 + I);
        RootKind kind = RootKind::kUnknown;
        switch (static_cast<SubTag>(tag)) {
          case SubTag::kRootStickyClass: kind = RootKind::kStickyClass; break;
          case SubTag::kRootMonitorUsed: kind = RootKind::kMonitorUsed; break;
          case SubTag::kRootInternedString: kind = RootKind::kInternedString; break;
          case SubTag::kRootFinalizing: kind = RootKind::kFinalizing; break;
          case SubTag::kRootDebugger: kind = RootKind::kDebugger; break;
          case SubTag::kRootReferenceCleanup: kind = RootKind::kReferenceCleanup; break;
          case SubTag::kRootVmInternal: kind = RootKind::kVmInternal; break;
          case SubTag::kRootUnreachable: kind = RootKind::kUnreachable; break;
          default: break;
        }
        v.OnRoot(RootRecord{kind, LoadId<I>(p + 1), 0, 0, 0});
        p += 1 + I;
        break;
      }
      case SubTag::kRootJniGlobal: {
        HS_NEED(1 + 2 * I);
        v.OnRoot(RootRecord{RootKind::kJniGlobal, LoadId<I>(p + 1), 0, 0, LoadId<I>(p + 1 + I)});
        p += 1 + 2 * I;
        break;
      }
      case SubTag::kRootJniLocal:
      case SubTag::kRootJavaFrame:
      case SubTag::kRootThreadObject:
      case SubTag::kRootJniMonitor: {
        HS_NEED(1 + I + 8);
        RootKind kind = tag == 0x02   ? RootKind::kJniLocal
                        : tag == 0x03 ? RootKind::kJavaFrame
                        : tag == 0x08 ? RootKind::kThreadObject
                                      : RootKind::kJniMonitor;
        v.OnRoot(RootRecord{kind, LoadId<I>(p + 1), LoadU4(p + 1 + I), LoadU4(p + 1 + I + 4), 0});
        p += 1 + I + 8;
        break;
      }
      case SubTag::kRootNativeStack:
      case SubTag::kRootThreadBlock: {
        HS_NEED(1 + I + 4);
        RootKind kind = tag == 0x04 ? RootKind::kNativeStack : RootKind::kThreadBlock;
        v.OnRoot(RootRecord{kind, LoadId<I>(p + 1), LoadU4(p + 1 + I), 0, 0});
        p += 1 + I + 4;
        break;
      }
      case SubTag::kHeapDumpInfo: {
        HS_NEED(1 + 4 + I);
        v.OnHeapDumpInfo(HeapDumpInfoRecord{LoadU4(p + 1), LoadId<I>(p + 5)});
        p += 1 + 4 + I;
        break;
      }
      default:
        return fail(fmt::format("unknown sub-record tag 0x{:02x}", tag));
    }
  }
#undef HS_NEED
#undef HS_SKIP
  win.Advance(p);
  *actual_length = end_offset - limits.body_offset;
  return {};
}

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_HEAP_DUMP_PARSER_H_
