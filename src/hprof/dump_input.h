// hprof/dump_input.h - an opened dump, plain, compressed or encrypted,
// recognised by its content rather than its name.
//
// A plain dump is mapped whole and read in place (several threads may parse
// its segments at once); a compressed or encrypted one is a ChunkSource read
// in order. An encrypted dump's plaintext may itself be gzip, which is then
// inflated from the decrypted stream.
#ifndef HEAPSCOPE_HPROF_DUMP_INPUT_H_
#define HEAPSCOPE_HPROF_DUMP_INPUT_H_

#include <memory>
#include <string>

#include "hprof/chunk_source.h"
#include "hprof/dump_key.h"
#include "hprof/error.h"
#include "hprof/mapped_file.h"

namespace heapscope::hprof {

enum class DumpEncoding { kPlain, kGzipBlocks, kGzipStream, kEncrypted };
std::string_view DumpEncodingName(DumpEncoding encoding);

struct DumpInput {
  DumpEncoding encoding = DumpEncoding::kPlain;
  uint64_t file_size = 0;
  MappedFile mapped;                     // kPlain only
  std::unique_ptr<ChunkSource> chunks;   // every other kind

  // `threads`: decompression and decryption threads, 0 = all cores. `key`
  // is needed only for an encrypted dump (a usage error without it) and is
  // not kept.
  static Result<DumpInput> Open(const std::string& path, int threads = 0, const DumpKey* key = nullptr);
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_DUMP_INPUT_H_
