#include "hprof/encrypted_format.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "hprof/big_endian.h"

namespace heapscope::hprof {

namespace {

// Header field offsets (see the table in the header).
constexpr size_t kVersionAt = 8;
constexpr size_t kChunkSizeAt = 12;
constexpr size_t kKeyIdAt = 16;
constexpr size_t kNonceAt = 24;
constexpr size_t kWrappedKeyAt = 36;
constexpr size_t kTagAt = 68;
constexpr size_t kReservedAt = 84;
// The data key's AAD: magic, version, chunk size and key id. (The nonce
// and the reserved bytes need no AAD: the nonce is bound by GCM itself, and
// every chunk's AAD is the whole header.)
constexpr size_t kWrapAadSize = 24;
constexpr std::string_view kHeaderRecord = "encryption header";

static_assert(kReservedAt + 12 == kEncryptedHeaderSize);
static_assert(kKeyIdAt + kDumpKeyIdSize == kWrapAadSize);

void PutU4(uint8_t* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
void PutU8(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}

// One AES-256-GCM operation with a fresh context: only for the 32-byte
// data key, where a context per call costs nothing.
bool Gcm(bool encrypt, std::span<const uint8_t, kDumpKeySize> key, const uint8_t* nonce,
         std::span<const uint8_t> aad, const uint8_t* in, size_t size, uint8_t* out, uint8_t* tag) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return false;
  int n = 0;
  bool ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), nonce, encrypt ? 1 : 0) == 1 &&
            EVP_CipherUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1 &&
            EVP_CipherUpdate(ctx, out, &n, in, static_cast<int>(size)) == 1;
  if (ok && !encrypt) ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag) == 1;
  ok = ok && EVP_CipherFinal_ex(ctx, out + n, &n) == 1;
  if (ok && encrypt) ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kGcmTagSize, tag) == 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

void ChunkNonce(uint64_t index, bool final, uint8_t* nonce) {
  PutU8(nonce, index);
  PutU4(nonce + 8, final ? 1 : 0);
}

}  // namespace

DataKey::DataKey(Fresh) {
  if (RAND_bytes(key_.data(), static_cast<int>(key_.size())) != 1) {
    fmt::print(stderr, "heapscope: internal error: OpenSSL RAND_bytes failed\n");
    std::abort();
  }
}

DataKey::~DataKey() { OPENSSL_cleanse(key_.data(), key_.size()); }

Result<EncryptedHeader> SealHeader(const DumpKey& master, uint32_t chunk_size, const DataKey& data_key) {
  EncryptedHeader h{};
  std::memcpy(h.data(), kEncryptedMagic.data(), kEncryptedMagic.size());
  PutU4(h.data() + kVersionAt, kEncryptedFormatVersion);
  PutU4(h.data() + kChunkSizeAt, chunk_size);
  std::memcpy(h.data() + kKeyIdAt, master.Id().data(), kDumpKeyIdSize);
  if (RAND_bytes(h.data() + kNonceAt, kGcmNonceSize) != 1) {
    return Error{ErrorKind::kInternal, "OpenSSL RAND_bytes failed", kNoOffset, {}};
  }
  if (!Gcm(true, master.bytes(), h.data() + kNonceAt, std::span(h).first(kWrapAadSize), data_key.bytes().data(),
           kDumpKeySize, h.data() + kWrappedKeyAt, h.data() + kTagAt)) {
    return Error{ErrorKind::kInternal, "OpenSSL AES-256-GCM failed to wrap the data key", kNoOffset, {}};
  }
  return h;
}

Result<ChunkLayout> OpenHeader(std::span<const uint8_t> file, const DumpKey& master, DataKey& data_key) {
  const std::string record(kHeaderRecord);
  if (file.size() < kEncryptedHeaderSize) {
    return Error::BadInput(fmt::format("the file ends inside its {}-byte encryption header, after {} bytes: it "
                                       "was cut short",
                                       kEncryptedHeaderSize, file.size()),
                           file.size(), record);
  }
  const uint8_t* h = file.data();
  if (std::memcmp(h, kEncryptedMagic.data(), kEncryptedMagic.size()) != 0) {
    return Error::BadInput(fmt::format("not an encrypted dump: it does not start with \"{}\"", kEncryptedMagic), 0,
                           record);
  }
  const uint32_t version = LoadU4(h + kVersionAt);
  if (version != kEncryptedFormatVersion) {
    return Error::BadInput(fmt::format("encryption format version {}, expected {} (from a newer heapscope, or "
                                       "damaged)",
                                       version, kEncryptedFormatVersion),
                           kVersionAt, record);
  }
  ChunkLayout layout;
  layout.chunk_size = LoadU4(h + kChunkSizeAt);
  if (layout.chunk_size < kMinChunkSize || layout.chunk_size > kMaxChunkSize) {
    return Error::BadInput(fmt::format("chunk size is {} bytes, expected {} to {}", layout.chunk_size, kMinChunkSize,
                                       kMaxChunkSize),
                           kChunkSizeAt, record);
  }
  for (size_t i = kReservedAt; i < kEncryptedHeaderSize; ++i) {
    if (h[i] != 0) {
      return Error::BadInput(fmt::format("reserved header byte {} is {:#04x}, expected 0", i, h[i]), i, record);
    }
  }
  // The key id first: a wrong key is the likeliest failure and deserves
  // its own message, not "damaged".
  if (std::memcmp(h + kKeyIdAt, master.Id().data(), kDumpKeyIdSize) != 0) {
    return Error::Usage(fmt::format("the dump was encrypted with key {}, but the key file holds key {}",
                                    HexOf(file.subspan(kKeyIdAt, kDumpKeyIdSize)), master.IdHex()));
  }
  uint8_t tag[kGcmTagSize];
  std::memcpy(tag, h + kTagAt, kGcmTagSize);
  if (!Gcm(false, master.bytes(), h + kNonceAt, file.first(kWrapAadSize), h + kWrappedKeyAt, kDumpKeySize,
           data_key.bytes().data(), tag)) {
    OPENSSL_cleanse(data_key.bytes().data(), kDumpKeySize);
    return Error::BadInput("the header is damaged (its data key does not authenticate)", kNonceAt, record);
  }
  const uint64_t body = file.size() - kEncryptedHeaderSize;
  const uint64_t full_record = uint64_t{layout.chunk_size} + kGcmTagSize;
  const uint64_t full = body / full_record;
  const uint64_t tail = body % full_record;
  if (tail < kGcmTagSize) {
    return Error::BadInput("the file ends without its final chunk: it was cut short", file.size(),
                           fmt::format("encrypted chunk {}", full));
  }
  layout.chunks = full + 1;
  layout.final_plain = tail - kGcmTagSize;
  return layout;
}

Error ChunkAuthError(const ChunkLayout& layout, uint64_t index) {
  const uint64_t at = layout.Offset(index);
  const uint64_t last_byte = at + layout.RecordSize(index) - 1;
  const bool final = index + 1 == layout.chunks;
  return Error::BadInput(
      fmt::format("{}chunk {} (bytes {}..{} of the encrypted file) fails authentication: the file is damaged{}",
                  final ? "final " : "", index, at, last_byte,
                  final ? ", was tampered with or was cut short" : " or was tampered with"),
      at, fmt::format("encrypted chunk {}", index));
}

ChunkCipher::ChunkCipher(const DataKey& key, const EncryptedHeader& header, Mode mode) : header_(header) {
  ctx_ = EVP_CIPHER_CTX_new();
  if (!ctx_) return;
  // Keyed once here; each chunk only sets its nonce, which keeps OpenSSL's
  // key schedule out of the per-chunk cost.
  if (EVP_CipherInit_ex(ctx_, EVP_aes_256_gcm(), nullptr, key.bytes().data(), nullptr,
                        mode == Mode::kSeal ? 1 : 0) != 1) {
    EVP_CIPHER_CTX_free(ctx_);
    ctx_ = nullptr;
  }
}

ChunkCipher::~ChunkCipher() { EVP_CIPHER_CTX_free(ctx_); }

bool ChunkCipher::Seal(uint64_t index, bool final, std::span<const uint8_t> plain, uint8_t* out) {
  if (!ctx_) return false;
  uint8_t nonce[kGcmNonceSize];
  ChunkNonce(index, final, nonce);
  int n = 0;
  if (EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) != 1 ||
      EVP_EncryptUpdate(ctx_, nullptr, &n, header_.data(), static_cast<int>(header_.size())) != 1) {
    return false;
  }
  size_t done = 0;
  if (!plain.empty()) {
    if (EVP_EncryptUpdate(ctx_, out, &n, plain.data(), static_cast<int>(plain.size())) != 1) return false;
    done = static_cast<size_t>(n);
  }
  if (EVP_EncryptFinal_ex(ctx_, out + done, &n) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, kGcmTagSize, out + plain.size()) == 1;
}

bool ChunkCipher::Open(uint64_t index, bool final, std::span<const uint8_t> record, uint8_t* out) {
  if (!ctx_ || record.size() < kGcmTagSize) return false;
  const size_t size = record.size() - kGcmTagSize;
  uint8_t nonce[kGcmNonceSize];
  ChunkNonce(index, final, nonce);
  uint8_t tag[kGcmTagSize];
  std::memcpy(tag, record.data() + size, kGcmTagSize);
  int n = 0;
  if (EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) != 1 ||
      EVP_DecryptUpdate(ctx_, nullptr, &n, header_.data(), static_cast<int>(header_.size())) != 1) {
    return false;
  }
  size_t done = 0;
  if (size > 0) {
    if (EVP_DecryptUpdate(ctx_, out, &n, record.data(), static_cast<int>(size)) != 1) return false;
    done = static_cast<size_t>(n);
  }
  if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag) != 1) return false;
  return EVP_DecryptFinal_ex(ctx_, out + done, &n) == 1;
}

}  // namespace heapscope::hprof
