#include "index/dump_identity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

namespace heapscope::index {

namespace {

Result<uint64_t> HashRange(int fd, const std::string& path, uint64_t offset, uint64_t length) {
  std::vector<uint8_t> buf(length);
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, buf.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Io(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    if (n == 0) return Error::Io(fmt::format("{} shrank while it was read", path));
    done += static_cast<uint64_t>(n);
  }
  return uint64_t{XXH3_64bits(buf.data(), buf.size())};
}

}  // namespace

Result<DumpIdentity> ReadDumpIdentity(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::Io(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::Io(fmt::format("{} is not a regular file", path));
  }
  DumpIdentity id;
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  uint64_t head = std::min(id.size, kIdentityHeadBytes);
  uint64_t tail = std::min(id.size, kIdentityTailBytes);
  auto h = HashRange(fd, path, 0, head);
  auto t = h.ok() ? HashRange(fd, path, id.size - tail, tail) : h;
  ::close(fd);
  if (!h.ok()) return h.error();
  if (!t.ok()) return t.error();
  id.head_xxh3 = h.value();
  id.tail_xxh3 = t.value();
  return id;
}

std::string IndexDirFor(const std::string& dump_path, const std::string& index_dir) {
  if (index_dir.empty()) return dump_path + ".hsidx";
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::weakly_canonical(std::filesystem::absolute(dump_path, ec), ec);
  if (ec) abs = std::filesystem::absolute(dump_path, ec);
  std::string key = abs.string();
  uint32_t short_hash = static_cast<uint32_t>(XXH3_64bits(key.data(), key.size()));
  std::string name = std::filesystem::path(dump_path).filename().string();
  return (std::filesystem::path(index_dir) / fmt::format("{}-{:08x}.hsidx", name, short_hash)).string();
}

}  // namespace heapscope::index
