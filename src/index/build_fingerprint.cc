#include "index/build_fingerprint.h"

#include <elf.h>
#include <link.h>

#include <cstring>

#include <fmt/format.h>

namespace heapscope::index {

namespace {

// The NT_GNU_BUILD_ID note of the main executable (the first object
// dl_iterate_phdr reports), as hex; "" when there is none.
std::string ExecutableBuildId() {
  std::string id;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) -> int {
        auto* result = static_cast<std::string*>(out);
        for (int h = 0; h < info->dlpi_phnum; ++h) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[h];
          if (ph.p_type != PT_NOTE) continue;
          const auto* p = reinterpret_cast<const uint8_t*>(info->dlpi_addr + ph.p_vaddr);
          const uint8_t* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            ElfW(Nhdr) note;
            std::memcpy(&note, p, sizeof note);
            const uint8_t* name = p + sizeof note;
            const uint8_t* desc = name + ((note.n_namesz + 3) & ~3u);
            if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0 &&
                desc + note.n_descsz <= end) {
              for (uint32_t b = 0; b < note.n_descsz; ++b) *result += fmt::format("{:02x}", desc[b]);
              return 1;
            }
            p = desc + ((note.n_descsz + 3) & ~3u);
          }
        }
        return 1;  // only the executable itself counts
      },
      &id);
  return id;
}

}  // namespace

const std::string& BuildFingerprint() {
  static const std::string fingerprint = [] {
    std::string id = ExecutableBuildId();
    return id.empty() ? std::string(kHeapscopeVersion) : fmt::format("{}+{}", kHeapscopeVersion, id);
  }();
  return fingerprint;
}

}  // namespace heapscope::index
