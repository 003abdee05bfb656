// fuzz/fuzz_key.h - the fixed master key the decrypt fuzzer and its seeds
// share: bytes 0, 1, ..., 31. A fuzzer can't guess keys; fixing one lets
// seeds be valid encrypted files whose mutations reach the chunk checks.
#ifndef HEAPSCOPE_FUZZ_FUZZ_KEY_H_
#define HEAPSCOPE_FUZZ_FUZZ_KEY_H_

#include <array>
#include <cstdint>

#include "hprof/dump_key.h"

namespace heapscope::hprof {

inline DumpKey FuzzKey() {
  std::array<uint8_t, kDumpKeySize> bytes;
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i);
  return DumpKey::FromBytes(bytes);
}

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_FUZZ_FUZZ_KEY_H_
