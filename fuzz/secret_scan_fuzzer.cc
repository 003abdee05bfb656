// fuzz/secret_scan_fuzzer.cc - the secret scanner and masker on any bytes.
//
// The first byte picks the array type (char[] or byte[]); the rest is the
// array's data. Every reading is scanned with the built-in rules and every
// span masked: spans must lie inside their text and masking must stay
// inside the array (ASan checks the writes).
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "redact/array_text.h"
#include "redact/secret_matcher.h"

using namespace heapscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto matcher = redact::SecretMatcher::Compile(redact::BuiltInSecretRules()).value();
  static auto scratch = matcher->NewScratch();
  if (size < 1) return 0;
  const hprof::BasicType type = data[0] & 1 ? hprof::BasicType::kChar : hprof::BasicType::kByte;
  std::vector<uint8_t> array(data + 1, data + size);
  if (type == hprof::BasicType::kChar && array.size() % 2) array.pop_back();
  redact::ArrayText texts[3];
  const int readings = redact::ReadArrayText(type, array, texts);
  const size_t length = array.size();
  for (int r = 0; r < readings; ++r) {
    const std::string& text = texts[r].text;
    matcher->Find(text, scratch, [&](const redact::SecretSpan& s) {
      if (s.begin >= s.end || s.end > text.size() || s.rule >= matcher->rules().size()) std::abort();
      redact::MaskCharacters(texts[r].encoding, array, s.begin, s.end);
    });
  }
  if (array.size() != length) std::abort();
  return 0;
}
