// hprof/dump_key.h - the master key that encrypted dumps are sealed with.
//
// A key file holds the 32-byte key as 64 hex digits (what `heapscope keygen`
// writes; surrounding whitespace is allowed) or as exactly 32 raw bytes. The
// key never encrypts a dump directly: each file gets its own random data
// key, wrapped under this one (see encrypted_format.h). The key id, a hash of
// the key, is stored in every encrypted file, so a wrong key is named as
// such instead of looking like damage. The key bytes are wiped when the
// object dies; copies are explicit (Copy) so none is made by accident.
#ifndef HEAPSCOPE_HPROF_DUMP_KEY_H_
#define HEAPSCOPE_HPROF_DUMP_KEY_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "hprof/error.h"

namespace heapscope::hprof {

inline constexpr size_t kDumpKeySize = 32;
inline constexpr size_t kDumpKeyIdSize = 8;

class DumpKey {
 public:
  // Io when the file can't be read; Usage when it holds anything but a key
  // (the message says what was found and what is expected).
  static Result<DumpKey> Load(const std::string& path);
  // A fresh key from OpenSSL's CSPRNG. Aborts only if the CSPRNG does,
  // which on Linux means no entropy source at all.
  static DumpKey Generate();
  static DumpKey FromBytes(std::span<const uint8_t, kDumpKeySize> bytes);

  DumpKey(DumpKey&& other) noexcept;
  DumpKey& operator=(DumpKey&& other) noexcept;
  DumpKey(const DumpKey&) = delete;
  DumpKey& operator=(const DumpKey&) = delete;
  ~DumpKey();

  DumpKey Copy() const { return FromBytes(key_); }
  std::span<const uint8_t, kDumpKeySize> bytes() const { return key_; }
  // 64 lower-case hex digits, as a key file holds them.
  std::string Hex() const;
  // First 8 bytes of SHA-256("heapscope key id v1" || key): names the key
  // without revealing it.
  const std::array<uint8_t, kDumpKeyIdSize>& Id() const { return id_; }
  std::string IdHex() const;

 private:
  DumpKey() = default;
  void ComputeId();

  std::array<uint8_t, kDumpKeySize> key_{};
  std::array<uint8_t, kDumpKeyIdSize> id_{};
};

// Lower-case hex of any bytes (key ids in messages).
std::string HexOf(std::span<const uint8_t> bytes);

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_DUMP_KEY_H_
