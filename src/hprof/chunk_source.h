// hprof/chunk_source.h - a decoded HPROF byte stream delivered in pieces.
//
// Used where the whole stream can't be mapped at once (gzip, later
// decryption). A chunk stays valid until the next call to Next(); callers that
// need bytes across a chunk edge copy them (ByteWindow does).
#ifndef HEAPSCOPE_HPROF_CHUNK_SOURCE_H_
#define HEAPSCOPE_HPROF_CHUNK_SOURCE_H_

#include <cstdint>
#include <span>

#include "hprof/error.h"

namespace heapscope::hprof {

class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // The next piece of the stream; an empty span once the stream has ended.
  // An Error for damaged input (its offset is in the compressed file).
  virtual Result<std::span<const uint8_t>> Next() = 0;
  // Bytes of the underlying file consumed so far, for progress reporting.
  virtual uint64_t InputBytesRead() const = 0;
  virtual uint64_t InputSize() const = 0;
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_CHUNK_SOURCE_H_
