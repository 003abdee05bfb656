// hprof/big_endian.h - loads of the big-endian integers HPROF is made of.
//
// Callers have checked the bounds; these only read.
#ifndef HEAPSCOPE_HPROF_BIG_ENDIAN_H_
#define HEAPSCOPE_HPROF_BIG_ENDIAN_H_

#include <cstdint>
#include <cstring>

namespace heapscope::hprof {

inline uint16_t LoadU2(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t LoadU4(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t LoadU8(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
// An object id of the dump's id size (4 or 8).
template <uint32_t kIdSize>
inline uint64_t LoadId(const uint8_t* p) {
  if constexpr (kIdSize == 8) return LoadU8(p);
  else return LoadU4(p);
}
inline uint64_t LoadId(const uint8_t* p, uint32_t id_size) {
  return id_size == 8 ? LoadU8(p) : LoadU4(p);
}

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_BIG_ENDIAN_H_
