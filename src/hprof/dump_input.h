// hprof/dump_input.h - an opened dump, plain or compressed, recognised by its
// content rather than its name.
//
// A plain dump is mapped whole and read in place (several threads may parse
// its segments at once); a compressed one is a ChunkSource read in order.
#ifndef HEAPSCOPE_HPROF_DUMP_INPUT_H_
#define HEAPSCOPE_HPROF_DUMP_INPUT_H_

#include <memory>
#include <string>

#include "hprof/chunk_source.h"
#include "hprof/error.h"
#include "hprof/mapped_file.h"

namespace heapscope::hprof {

enum class DumpEncoding { kPlain, kGzipBlocks, kGzipStream };
std::string_view DumpEncodingName(DumpEncoding encoding);

struct DumpInput {
  DumpEncoding encoding = DumpEncoding::kPlain;
  uint64_t file_size = 0;
  MappedFile mapped;                     // kPlain only
  std::unique_ptr<ChunkSource> chunks;   // compressed kinds only

  // `threads`: decompression threads, 0 = all cores.
  static Result<DumpInput> Open(const std::string& path, int threads = 0);
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_DUMP_INPUT_H_
