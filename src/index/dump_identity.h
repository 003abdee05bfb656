// index/dump_identity.h - what ties an index to one dump file: its size,
// mtime and hashes of its first and last bytes. Two small reads and a stat,
// so it is checked on every open. It catches a replaced, rewritten, appended
// or touched dump; an edit in the middle that keeps size and mtime is not
// caught (hashing a 50 GB dump on every open would defeat the index).
#ifndef HEAPSCOPE_INDEX_DUMP_IDENTITY_H_
#define HEAPSCOPE_INDEX_DUMP_IDENTITY_H_

#include <cstdint>
#include <string>

#include "hprof/error.h"

namespace heapscope::index {

// HotSpot's header, class and UTF8 records sit at the front and a segmented
// dump ends with HEAP_DUMP_END, so these spans see what a re-dump changes.
inline constexpr uint64_t kIdentityHeadBytes = uint64_t{1} << 20;
inline constexpr uint64_t kIdentityTailBytes = uint64_t{64} << 10;

struct DumpIdentity {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t head_xxh3 = 0;  // XXH3-64 of the first kIdentityHeadBytes (or all)
  uint64_t tail_xxh3 = 0;  // XXH3-64 of the last kIdentityTailBytes (or all)
  bool operator==(const DumpIdentity&) const = default;
};

Result<DumpIdentity> ReadDumpIdentity(const std::string& path);

// The index directory of a dump: "<dump>.hsidx" beside it, or under
// `index_dir` (when not empty) as "<dump file name>-<hash of its absolute
// path>.hsidx", so dumps of the same name in different folders don't meet.
std::string IndexDirFor(const std::string& dump_path, const std::string& index_dir);

}  // namespace heapscope::index

#endif  // HEAPSCOPE_INDEX_DUMP_IDENTITY_H_
