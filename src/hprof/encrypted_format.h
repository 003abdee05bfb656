// hprof/encrypted_format.h - the container heapscope encrypts dumps into
// ("encryption at rest"): AES-256-GCM in independently sealed chunks, with a
// per-file data key wrapped under the user's master key (envelope
// encryption). Used by encrypted_writer and encrypted_reader; docs/CLI.md
// ("Encrypted dumps") describes the same format for users.
//
//   offset size  header (96 bytes, integers big-endian)
//        0    8  magic "HSCRYPT1"
//        8    4  format version, 1
//       12    4  chunk size: plaintext bytes per chunk (the writer uses
//                4 MiB; readers accept 4 KiB .. 64 MiB)
//       16    8  master key id (DumpKey::Id)
//       24   12  nonce for the data key
//       36   32  data key, AES-256-GCM-encrypted under the master key with
//                the nonce above and AAD = header bytes 0..23 (magic to
//                key id)
//       68   16  its GCM tag
//       84   12  reserved, zero
//   then chunks, each the GCM ciphertext of `chunk size` plaintext bytes
//   under the data key, followed by its 16-byte tag; the last chunk is
//   shorter, possibly empty, and is always present. Chunk i's nonce is
//   u64 i || u32 (1 for the last chunk, else 0); its AAD is the whole
//   96-byte header.
//
// What that buys: every header field is authenticated (bytes 0..23 by the
// data key's tag, the nonce by GCM itself, all 96 by every chunk's), a chunk moved, repeated or
// dropped fails through the index in its nonce, and the flag makes a file
// cut at any point, a chunk boundary included, fail too. Decryption hands
// out a chunk's plaintext only after its tag verified.
#ifndef HEAPSCOPE_HPROF_ENCRYPTED_FORMAT_H_
#define HEAPSCOPE_HPROF_ENCRYPTED_FORMAT_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "hprof/dump_key.h"
#include "hprof/error.h"

struct evp_cipher_ctx_st;

namespace heapscope::hprof {

inline constexpr std::string_view kEncryptedMagic = "HSCRYPT1";
inline constexpr uint32_t kEncryptedFormatVersion = 1;
inline constexpr size_t kEncryptedHeaderSize = 96;
inline constexpr size_t kGcmTagSize = 16;
inline constexpr size_t kGcmNonceSize = 12;
// 4 MiB: a chunk's fixed costs (a tag, a hand-off between threads, the
// reader copying a record that straddles two chunks) vanish next to its
// AES-GCM time, and a few chunks in flight per thread stay small.
inline constexpr uint32_t kDefaultChunkSize = 4u << 20;
inline constexpr uint32_t kMinChunkSize = 4u << 10;
// The reader allocates a buffer per chunk in flight, so a header can't ask
// for more than this.
inline constexpr uint32_t kMaxChunkSize = 64u << 20;

using EncryptedHeader = std::array<uint8_t, kEncryptedHeaderSize>;

// A per-file data key; wiped when it dies.
class DataKey {
 public:
  enum Fresh { kRandom };
  DataKey() = default;           // zeros, to be filled (OpenHeader)
  explicit DataKey(Fresh);       // from OpenSSL's CSPRNG
  DataKey(const DataKey&) = delete;
  DataKey& operator=(const DataKey&) = delete;
  ~DataKey();
  std::array<uint8_t, kDumpKeySize>& bytes() { return key_; }
  const std::array<uint8_t, kDumpKeySize>& bytes() const { return key_; }

 private:
  std::array<uint8_t, kDumpKeySize> key_{};
};

// The header for a new file: a fresh nonce, `data_key` wrapped under
// `master`. Internal error only if OpenSSL fails.
Result<EncryptedHeader> SealHeader(const DumpKey& master, uint32_t chunk_size, const DataKey& data_key);

// Where the chunks of a file lie.
struct ChunkLayout {
  uint32_t chunk_size = 0;
  uint64_t chunks = 0;         // including the final one, so at least 1
  uint64_t final_plain = 0;    // plaintext bytes of the final chunk (< chunk_size)
  uint64_t Offset(uint64_t index) const { return kEncryptedHeaderSize + index * (uint64_t{chunk_size} + kGcmTagSize); }
  // Ciphertext plus tag.
  uint64_t RecordSize(uint64_t index) const {
    return (index + 1 == chunks ? final_plain : chunk_size) + kGcmTagSize;
  }
};

// Checks a whole encrypted file's header and length, unwraps its data key
// into `data_key` and returns the chunk layout. Errors: BadInput for a short
// file, bad version or chunk size, a header that fails to authenticate, or
// a length that leaves no room for the final chunk; Usage when the file was
// sealed under another master key.
Result<ChunkLayout> OpenHeader(std::span<const uint8_t> file, const DumpKey& master, DataKey& data_key);

// The error for chunk `index` failing authentication.
Error ChunkAuthError(const ChunkLayout& layout, uint64_t index);

// AES-256-GCM under one data key, for the chunks of one file, in one
// direction. One per thread: it holds an OpenSSL context, keyed once.
class ChunkCipher {
 public:
  enum class Mode { kSeal, kOpen };
  ChunkCipher(const DataKey& key, const EncryptedHeader& header, Mode mode);
  ChunkCipher(const ChunkCipher&) = delete;
  ChunkCipher& operator=(const ChunkCipher&) = delete;
  ~ChunkCipher();

  // False when OpenSSL could not set the context up; Seal and Open then fail.
  bool ok() const { return ctx_ != nullptr; }
  // Writes plain.size() + kGcmTagSize bytes to `out`. False if OpenSSL fails.
  bool Seal(uint64_t index, bool final, std::span<const uint8_t> plain, uint8_t* out);
  // Decrypts a record (ciphertext and tag) into `out` (record.size() -
  // kGcmTagSize bytes). False when the tag does not verify: `out` then holds
  // unauthenticated bytes the caller must not use.
  bool Open(uint64_t index, bool final, std::span<const uint8_t> record, uint8_t* out);

 private:
  evp_cipher_ctx_st* ctx_ = nullptr;
  EncryptedHeader header_;
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_ENCRYPTED_FORMAT_H_
