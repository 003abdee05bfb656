// hprof/gzip_reader.h - gzip-compressed HPROF as a ChunkSource.
//
// `jcmd GC.heap_dump -gz=N` writes independent gzip members of a fixed
// uncompressed size (the first member's comment says "HPROF BLOCKSIZE=n");
// those are inflated in parallel with libdeflate. Any other gzip (one big
// member, or members without a block size) is inflated as a stream with
// ISA-L. Detection is by content. The source owns the mapped file.
#ifndef HEAPSCOPE_HPROF_GZIP_READER_H_
#define HEAPSCOPE_HPROF_GZIP_READER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hprof/chunk_source.h"
#include "hprof/error.h"
#include "hprof/mapped_file.h"

namespace heapscope::hprof {

// True when the bytes start with the gzip magic (1f 8b 08).
bool LooksLikeGzip(std::span<const uint8_t> first_bytes);

// The block size from a HotSpot first-member comment, or 0 when the stream
// isn't HotSpot's block format.
uint64_t HotSpotGzipBlockSize(std::span<const uint8_t> first_bytes);

// True when the bytes start like a gzip member (the magic, no reserved flag
// bits, a known XFL and OS), for finding member starts in compressed data.
// A cheap filter: deflate data passes it now and then, so a candidate is
// only a member if it also inflates.
bool PlausibleGzipMemberStart(std::span<const uint8_t> bytes);

// What an ISA-L inflate error code means, for messages.
std::string_view IsalInflateErrorText(int isal_code);

// `threads` inflate in parallel (HotSpot block format only); 0 = all cores.
// Errors are reported with offsets in the compressed file.
Result<std::unique_ptr<ChunkSource>> OpenGzipSource(MappedFile file, int threads);

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_GZIP_READER_H_
