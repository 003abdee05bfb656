// hprof/gzip_writer.h - gzip output in HotSpot's block format.
//
// `jcmd GC.heap_dump -gz` writes independent gzip members of 1 MiB of input
// each, the first carrying the comment "HPROF BLOCKSIZE=<n>". Writing the same
// format lets both ends run in parallel: members are compressed on all cores
// here, and gzip_reader inflates them on all cores again. Any gzip tool reads
// the result as one stream.
#ifndef HEAPSCOPE_HPROF_GZIP_WRITER_H_
#define HEAPSCOPE_HPROF_GZIP_WRITER_H_

#include <cstdint>
#include <memory>

#include "hprof/byte_sink.h"

namespace heapscope::hprof {

struct GzipWriterOptions {
  uint64_t block_size = uint64_t{1} << 20;
  int level = 1;    // libdeflate level; 1 as `-gz=1`, the usual choice
  int threads = 0;  // 0 = all cores
};

std::unique_ptr<ByteSink> CreateGzipBlockSink(std::unique_ptr<ByteSink> out, GzipWriterOptions options = {});

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_GZIP_WRITER_H_
