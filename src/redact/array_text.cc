#include "redact/array_text.h"

#include <algorithm>

namespace heapscope::redact {
namespace {

// Every match of a built-in rule has more ASCII characters than this, each
// with a zero high byte in UTF-16: fewer zeros can't hide one, however
// little of the rest is Latin-1 (a line of CJK text with an e-mail in it).
constexpr size_t kMinZeroHighBytes = 4;

void Utf16(std::span<const uint8_t> data, bool little_endian, std::string& out) {
  const size_t n = data.size() / 2;
  out.resize(n);
  const int hi = little_endian ? 1 : 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t h = data[2 * i + hi], l = data[2 * i + 1 - hi];
    out[i] = h == 0 ? static_cast<char>(l) : kNotLatin1;
  }
}

}  // namespace

int ReadArrayText(hprof::BasicType type, std::span<const uint8_t> data, ArrayText (&out)[3]) {
  if (type == hprof::BasicType::kChar) {
    out[0].encoding = TextEncoding::kUtf16Be;
    Utf16(data, false, out[0].text);
    return 1;
  }
  if (type != hprof::BasicType::kByte) return 0;
  out[0].encoding = TextEncoding::kBytes;
  out[0].text.assign(reinterpret_cast<const char*>(data.data()), data.size());
  int n = 1;
  if (data.size() >= 4 && data.size() % 2 == 0) {
    size_t zero_odd = 0, zero_even = 0;
    for (size_t i = 0; i + 1 < data.size(); i += 2) {
      zero_even += data[i] == 0;
      zero_odd += data[i + 1] == 0;
    }
    if (zero_odd >= kMinZeroHighBytes) {
      out[n].encoding = TextEncoding::kUtf16Le;
      Utf16(data, true, out[n++].text);
    }
    if (zero_even >= kMinZeroHighBytes) {
      out[n].encoding = TextEncoding::kUtf16Be;
      Utf16(data, false, out[n++].text);
    }
  }
  return n;
}

void MaskCharacters(TextEncoding encoding, std::span<uint8_t> data, uint64_t begin, uint64_t end) {
  if (encoding == TextEncoding::kBytes) {
    end = std::min<uint64_t>(end, data.size());
    for (uint64_t i = begin; i < end; ++i) data[i] = '*';
    return;
  }
  end = std::min<uint64_t>(end, data.size() / 2);
  const int hi = encoding == TextEncoding::kUtf16Le ? 1 : 0;
  for (uint64_t i = begin; i < end; ++i) {
    data[2 * i + hi] = 0;
    data[2 * i + 1 - hi] = '*';
  }
}

}  // namespace heapscope::redact
