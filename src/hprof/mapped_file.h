// hprof/mapped_file.h - a read-only memory map of a whole file.
//
// Readers walk the map front to back and hand pages they are done with back
// to the kernel (Release), so peak RSS stays bounded by what is in flight, not
// by the file size: /usr/bin/time counts mapped file pages too. Movable, not
// copyable; spans into it die with it.
#ifndef HEAPSCOPE_HPROF_MAPPED_FILE_H_
#define HEAPSCOPE_HPROF_MAPPED_FILE_H_

#include <cstdint>
#include <span>
#include <string>

#include "hprof/error.h"

namespace heapscope::hprof {

class MappedFile {
 public:
  static Result<MappedFile> Open(const std::string& path);
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  uint64_t size() const { return size_; }
  // Modification time when the file was opened, in ns since the epoch.
  int64_t mtime_ns() const { return mtime_ns_; }
  // Drops the pages wholly inside [offset, offset + length) from this
  // process; the page cache keeps them, so a later touch is a minor fault.
  void Release(uint64_t offset, uint64_t length) const;

 private:
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  int64_t mtime_ns_ = 0;
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_MAPPED_FILE_H_
