// hprof/encrypted_writer.h - a ByteSink stage that encrypts what passes
// through it into the container of encrypted_format.h.
//
// Plaintext is cut into chunks and several chunks are sealed at once on
// worker threads, then written in order; memory stays at about two chunks
// per thread. The data key is fresh for every sink, so encrypting the same
// bytes twice gives unrelated files. Finish() seals the final chunk (empty
// when the plaintext filled its last chunk exactly) and finishes `out`.
#ifndef HEAPSCOPE_HPROF_ENCRYPTED_WRITER_H_
#define HEAPSCOPE_HPROF_ENCRYPTED_WRITER_H_

#include <cstdint>
#include <memory>

#include "hprof/byte_sink.h"
#include "hprof/dump_key.h"
#include "hprof/encrypted_format.h"

namespace heapscope::hprof {

// `threads`: 0 = all cores; 1 seals on the calling thread. The key is only
// used here, not kept.
std::unique_ptr<ByteSink> CreateEncryptingSink(std::unique_ptr<ByteSink> out, const DumpKey& key, int threads);

// The same with another chunk size (kMinChunkSize .. kMaxChunkSize), so
// tests can cover many chunks with little data.
std::unique_ptr<ByteSink> CreateEncryptingSink(std::unique_ptr<ByteSink> out, const DumpKey& key, int threads,
                                               uint32_t chunk_size);

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_ENCRYPTED_WRITER_H_
