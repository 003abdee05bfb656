// hprof/inflating_source.h - gzip inflated from another ChunkSource, for a
// compressed stream that is not a file of its own: a dump that was
// gzip-compressed and then encrypted (`redact --encrypt` to OUT.gz).
//
// One ISA-L stream, member after member, in order on the calling thread
// (gzip_reader's parallel block path needs the whole file mapped). As with
// gzip_reader's stream path, bytes of a damaged member may go out before its
// CRC32 fails at the member's end. Error offsets are in the inner
// (decompressed-from-encryption, still compressed) stream; errors of the
// inner source pass through unchanged.
#ifndef HEAPSCOPE_HPROF_INFLATING_SOURCE_H_
#define HEAPSCOPE_HPROF_INFLATING_SOURCE_H_

#include <memory>

#include "hprof/chunk_source.h"

namespace heapscope::hprof {

// Progress (InputBytesRead, InputSize) is the inner source's.
std::unique_ptr<ChunkSource> CreateInflatingSource(std::unique_ptr<ChunkSource> inner);

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_INFLATING_SOURCE_H_
