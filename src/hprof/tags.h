// hprof/tags.h - record tags, heap-dump sub-record tags and basic types of
// the HPROF format (JAVA PROFILE 1.0.1 / 1.0.2, and Android's 1.0.3).
//
// Pure declarations, no logic beyond size look-ups. Values are the ones the
// format puts on disk, so every enum has an explicit width.
#ifndef HEAPSCOPE_HPROF_TAGS_H_
#define HEAPSCOPE_HPROF_TAGS_H_

#include <cstdint>
#include <string_view>

namespace heapscope::hprof {

// Top-level records: u1 tag, u4 microseconds since the header time, u4 length.
enum class RecordTag : uint8_t {
  kUtf8 = 0x01,
  kLoadClass = 0x02,
  kUnloadClass = 0x03,
  kFrame = 0x04,
  kTrace = 0x05,
  kAllocSites = 0x06,
  kHeapSummary = 0x07,
  kStartThread = 0x0A,
  kEndThread = 0x0B,
  kHeapDump = 0x0C,
  kCpuSamples = 0x0D,
  kControlSettings = 0x0E,
  kHeapDumpSegment = 0x1C,
  kHeapDumpEnd = 0x2C,
};
inline constexpr uint32_t kRecordHeaderSize = 9;

// Sub-records inside HEAP_DUMP / HEAP_DUMP_SEGMENT.
enum class SubTag : uint8_t {
  kRootUnknown = 0xFF,
  kRootJniGlobal = 0x01,
  kRootJniLocal = 0x02,
  kRootJavaFrame = 0x03,
  kRootNativeStack = 0x04,
  kRootStickyClass = 0x05,
  kRootThreadBlock = 0x06,
  kRootMonitorUsed = 0x07,
  kRootThreadObject = 0x08,
  kClassDump = 0x20,
  kInstanceDump = 0x21,
  kObjectArrayDump = 0x22,
  kPrimitiveArrayDump = 0x23,
  // Android 1.0.3 additions (ART's hprof.cc).
  kRootInternedString = 0x89,
  kRootFinalizing = 0x8A,
  kRootDebugger = 0x8B,
  kRootReferenceCleanup = 0x8C,
  kRootVmInternal = 0x8D,
  kRootJniMonitor = 0x8E,
  kRootUnreachable = 0x90,
  kPrimitiveArrayNoData = 0xC3,
  kHeapDumpInfo = 0xFE,
};

// Field and array element types ("basic types" in the format description).
enum class BasicType : uint8_t {
  kObject = 2,
  kBoolean = 4,
  kChar = 5,
  kFloat = 6,
  kDouble = 7,
  kByte = 8,
  kShort = 9,
  kInt = 10,
  kLong = 11,
};

// Size of a value of `type` in the dump (not in the JVM heap); 0 when the
// byte is no basic type. Object references take the dump's id size.
constexpr uint32_t BasicTypeSize(uint8_t type, uint32_t id_size) {
  switch (type) {
    case 2: return id_size;
    case 4: case 8: return 1;
    case 5: case 9: return 2;
    case 6: case 10: return 4;
    case 7: case 11: return 8;
    default: return 0;
  }
}

// Java's own spelling of a primitive type ("int"), empty for kObject.
std::string_view BasicTypeName(BasicType type);

// The format's name of a record or sub-record tag ("HEAP_DUMP_SEGMENT"),
// "unknown" for bytes that are none.
std::string_view RecordTagName(uint8_t tag);
std::string_view SubTagName(uint8_t tag);

// GC root kinds, dense, in a fixed order: the value is written to indexes.
enum class RootKind : uint8_t {
  kUnknown, kJniGlobal, kJniLocal, kJavaFrame, kNativeStack, kStickyClass,
  kThreadBlock, kMonitorUsed, kThreadObject, kInternedString, kFinalizing,
  kDebugger, kReferenceCleanup, kVmInternal, kJniMonitor, kUnreachable,
};
inline constexpr int kRootKindCount = 16;
std::string_view RootKindName(RootKind kind);

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_TAGS_H_
