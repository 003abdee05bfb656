#include "index/dump_identity.h"

#include <xxhash.h>

#include <algorithm>
#include <filesystem>
#include <span>

#include <fmt/format.h>

#include "hprof/mapped_file.h"

namespace heapscope::index {

Result<DumpIdentity> ReadDumpIdentity(const std::string& path) {
  auto file = hprof::MappedFile::Open(path);
  if (!file.ok()) return file.error();
  std::span<const uint8_t> bytes = file->bytes();
  DumpIdentity id;
  id.size = file->size();
  id.mtime_ns = file->mtime_ns();
  std::span<const uint8_t> head = bytes.first(std::min(id.size, kIdentityHeadBytes));
  std::span<const uint8_t> tail = bytes.last(std::min(id.size, kIdentityTailBytes));
  id.head_xxh3 = XXH3_64bits(head.data(), head.size());
  id.tail_xxh3 = XXH3_64bits(tail.data(), tail.size());
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
