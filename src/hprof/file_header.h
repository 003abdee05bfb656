// hprof/file_header.h - the HPROF file header: format name, id size, time.
//
// "JAVA PROFILE 1.0.1" / "1.0.2" (HotSpot) or "1.0.3" (Android), NUL, u4 id
// size, u8 milliseconds since the epoch. Checked before anything else, so
// that a file that is no HPROF at all gets one clear message.
#ifndef HEAPSCOPE_HPROF_FILE_HEADER_H_
#define HEAPSCOPE_HPROF_FILE_HEADER_H_

#include <cstdint>
#include <span>
#include <string>

#include "hprof/error.h"

namespace heapscope::hprof {

struct FileHeader {
  std::string format;      // e.g. "JAVA PROFILE 1.0.2"
  uint32_t id_size = 8;    // 4 or 8
  uint64_t timestamp_ms = 0;
  uint64_t size = 0;       // bytes up to the first record
};

// The longest header we accept; a reader needs this many bytes at most.
inline constexpr uint64_t kMaxFileHeaderSize = 64;

// Parses the header from the first bytes of the decoded stream (fewer than
// kMaxFileHeaderSize only when the whole stream is shorter).
Result<FileHeader> ParseFileHeader(std::span<const uint8_t> first_bytes);

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_FILE_HEADER_H_
