// capture/dump_completeness.h - whether a heap dump the JVM has finished
// writing is whole, judged from its header and its last bytes alone.
//
// HotSpot writes a dump in place under its final name and closes it whether
// the dump worked or not (a full disk leaves a truncated file), so the close
// the folder watcher sees says nothing about success. A whole HPROF ends
// with HEAP_DUMP_END: tag 2C, time 0, length 0. A gzip dump (-gz=N,
// HeapDumpGzipLevel) is a series of independent members of one block (1 MiB)
// of input each; it is whole when its last member inflates, passes its
// CRC32 and length check and ends with those 9 bytes.
//
// Reading only the ends keeps the check at milliseconds and about two blocks
// of memory, whatever the dump's size. The price: a dump cut exactly where
// its data happens to hold 2C and eight zero bytes passes. The file may come
// from a hostile container, so every length is checked and the work per file
// is bounded.
#ifndef HEAPSCOPE_CAPTURE_DUMP_COMPLETENESS_H_
#define HEAPSCOPE_CAPTURE_DUMP_COMPLETENESS_H_

#include <cstdint>
#include <span>
#include <string>

#include "hprof/error.h"

namespace heapscope::capture {

struct DumpCompleteness {
  bool complete = false;
  std::string reason;      // why not, with the byte offset; empty when complete
  bool gzip = false;
  uint64_t file_bytes = 0;
  uint32_t id_size = 0;    // 4 or 8; 0 when the file ends inside the header
};

// Errors: Io when the path is no regular file or cannot be read; BadInput,
// with the offset, when it is no heap dump at all: empty, a wrong header, or
// a gzip file that lacks HotSpot's block-size comment or whose first member
// inflates to something other than an HPROF header.
Result<DumpCompleteness> CheckDumpComplete(const std::string& path);

// True when the bytes end with a HEAP_DUMP_END record.
bool EndsWithHeapDumpEnd(std::span<const uint8_t> tail);

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_DUMP_COMPLETENESS_H_
