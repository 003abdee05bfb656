// redact/array_text.h - the characters in a char[] or byte[] as one byte
// each, so one set of byte patterns finds secrets in every encoding, and
// spans map straight back to the array's bytes for masking.
//
// HPROF writes char[] big-endian. A byte[] is either Latin-1 text (a compact
// String's value, or any bytes), or UTF-16 in the JVM's byte order (a
// String with a non-Latin-1 character; little-endian on x86). Which, the
// array doesn't say (the String's coder does, but the String may be far
// away in the dump), so a byte[] is read as bytes and, when at least 4 of
// its odd (or even) bytes are zero, also as UTF-16LE (or BE). A character
// that isn't Latin-1 becomes \x1a, which no rule's secret part matches.
#ifndef HEAPSCOPE_REDACT_ARRAY_TEXT_H_
#define HEAPSCOPE_REDACT_ARRAY_TEXT_H_

#include <cstdint>
#include <span>
#include <string>

#include "hprof/tags.h"

namespace heapscope::redact {

enum class TextEncoding : uint8_t { kBytes, kUtf16Le, kUtf16Be };

inline constexpr char kNotLatin1 = '\x1a';

// Whether arrays of this element type can hold text.
inline bool IsTextArray(hprof::BasicType t) { return t == hprof::BasicType::kByte || t == hprof::BasicType::kChar; }

// The readings of an array worth scanning, each as (encoding, text); `out`
// is reused between calls. Returns how many (at most 3) were filled.
struct ArrayText {
  TextEncoding encoding;
  std::string text;
};
int ReadArrayText(hprof::BasicType type, std::span<const uint8_t> data, ArrayText (&out)[3]);

// Writes '*' over characters [begin, end) of a reading, in that reading's
// encoding, into `data` (the array's bytes).
void MaskCharacters(TextEncoding encoding, std::span<uint8_t> data, uint64_t begin, uint64_t end);

}  // namespace heapscope::redact

#endif  // HEAPSCOPE_REDACT_ARRAY_TEXT_H_
