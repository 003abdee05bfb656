#include "hprof/file_header.h"

#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "hprof/big_endian.h"

namespace heapscope::hprof {

Result<FileHeader> ParseFileHeader(std::span<const uint8_t> b) {
  constexpr std::string_view kPrefix = "JAVA PROFILE ";
  if (b.size() < kPrefix.size() ||
      std::memcmp(b.data(), kPrefix.data(), kPrefix.size()) != 0) {
    return Error::BadInput("not an HPROF heap dump: the file does not start with \"JAVA PROFILE \"", 0,
                           "file header");
  }
  const void* nul = std::memchr(b.data(), 0, std::min<size_t>(b.size(), 32));
  if (!nul) return Error::BadInput("file header name is not NUL-terminated within 32 bytes", 0, "file header");
  FileHeader h;
  h.format.assign(reinterpret_cast<const char*>(b.data()),
                  static_cast<const uint8_t*>(nul) - b.data());
  if (h.format != "JAVA PROFILE 1.0.1" && h.format != "JAVA PROFILE 1.0.2" &&
      h.format != "JAVA PROFILE 1.0.3") {
    return Error::BadInput(fmt::format("unsupported format \"{}\" (expected JAVA PROFILE 1.0.1, 1.0.2 or 1.0.3)",
                                       h.format), 0, "file header");
  }
  uint64_t pos = h.format.size() + 1;
  if (b.size() < pos + 12) {
    Error e = Error::BadInput("file ends inside the header", pos, "file header");
    e.truncated = true;
    return e;
  }
  h.id_size = LoadU4(b.data() + pos);
  if (h.id_size != 4 && h.id_size != 8) {
    return Error::BadInput(fmt::format("identifier size is {}, expected 4 or 8", h.id_size), pos,
                           "file header");
  }
  h.timestamp_ms = LoadU8(b.data() + pos + 4);
  h.size = pos + 12;
  return h;
}

}  // namespace heapscope::hprof
