// hprof/encrypted_reader.h - an encrypted dump (encrypted_format.h) as a
// ChunkSource of its plaintext.
//
// Chunks are decrypted ahead of the reader on worker threads, at most a few
// at a time, so memory stays at a few chunks whatever the file size, and
// file pages already decrypted are handed back to the kernel. A chunk is
// handed out only after its tag verified: the first chunk that fails stops
// the stream with an error naming it, and nothing of it or after it is
// returned. Each record is copied out of the map before it is decrypted, so
// a file rewritten while it is read can't make the plaintext differ from
// what was authenticated.
#ifndef HEAPSCOPE_HPROF_ENCRYPTED_READER_H_
#define HEAPSCOPE_HPROF_ENCRYPTED_READER_H_

#include <memory>
#include <span>
#include <string>

#include "hprof/chunk_source.h"
#include "hprof/dump_key.h"
#include "hprof/error.h"
#include "hprof/mapped_file.h"

namespace heapscope::hprof {

// True when the bytes start with the encrypted format's magic "HSCRYPT1".
bool LooksEncrypted(std::span<const uint8_t> head);
// The same for a file's first bytes; false when it can't be read.
bool IsEncryptedFile(const std::string& path);

// Checks the header and the file's length (OpenHeader) before returning.
// `threads`: 0 = all cores; 1 decrypts on the calling thread in Next().
// The key is only used here, not kept. Errors carry offsets in the
// encrypted file.
Result<std::unique_ptr<ChunkSource>> OpenEncryptedSource(MappedFile file, const DumpKey& key, int threads);

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_ENCRYPTED_READER_H_
