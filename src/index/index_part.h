// index/index_part.h - one part of an index: a directory of flat files and
// a manifest giving each one's value width, length and XXH3-64. Written into
// a temporary sibling and swapped in by one atomic rename, never modified in
// place: readers see the old part or the new, and their maps stay valid.
// Opening maps every file and verifies all lengths and checksums (on all
// cores) before the caller sees a single value.
#ifndef HEAPSCOPE_INDEX_INDEX_PART_H_
#define HEAPSCOPE_INDEX_INDEX_PART_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "heap/column.h"
#include "hprof/error.h"
#include "hprof/mapped_file.h"

namespace heapscope::index {

// Bump when a file's layout or meaning changes without a new build (the
// build fingerprint already separates binaries).
inline constexpr int kIndexFormatVersion = 2;

class PartWriter {
 public:
  // Starts a part that will replace `dir` (which need not exist yet).
  static Result<PartWriter> Create(const std::string& dir);
  PartWriter(PartWriter&& other) noexcept;
  PartWriter& operator=(PartWriter&&) = delete;
  PartWriter(const PartWriter&) = delete;
  PartWriter& operator=(const PartWriter&) = delete;
  // Removes the temporary directory unless Commit succeeded.
  ~PartWriter();

  // Writes file `name` holding `bytes`, values of `width` bytes each.
  Status Add(const std::string& name, uint32_t width, std::span<const uint8_t> bytes);
  template <typename T>
  Status AddColumn(const std::string& name, const heap::Column<T>& column) {
    auto bytes = std::as_bytes(column.span());
    return Add(name + ".col", sizeof(T), {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  }
  // Writes the manifest (`header` plus the format, build and file list) and
  // moves the part into place.
  Status Commit(nlohmann::ordered_json header);
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  PartWriter(std::string dir, std::string tmp) : dir_(std::move(dir)), tmp_(std::move(tmp)) {}
  std::string dir_;
  std::string tmp_;
  nlohmann::ordered_json files_ = nlohmann::ordered_json::array();
  uint64_t bytes_written_ = 0;
  bool committed_ = false;
};

struct OpenedPart {
  struct File {
    std::shared_ptr<const hprof::MappedFile> map;
    uint32_t width = 1;
  };
  nlohmann::json manifest;
  std::map<std::string, File> files;
  uint64_t bytes = 0;  // all files together

  // File `name`, whose values must be `width` bytes wide.
  Result<std::span<const uint8_t>> Bytes(const std::string& name, uint32_t width) const;
  // Column `name` (file "<name>.col") as a view that keeps its map alive.
  template <typename T>
  Result<heap::Column<T>> Column(const std::string& name) const {
    auto it = files.find(name + ".col");
    if (it == files.end() || it->second.width != sizeof(T)) return MissingColumn(name, sizeof(T));
    std::span<const uint8_t> b = it->second.map->bytes();
    return heap::Column<T>::View(reinterpret_cast<const T*>(b.data()), b.size() / sizeof(T), it->second.map);
  }

 private:
  static Error MissingColumn(const std::string& name, uint32_t width);
};

enum class PartProblem { kNone, kMissing, kStale, kCorrupt };

struct PartOpen {
  PartProblem problem = PartProblem::kNone;
  std::string detail;  // why it can't be used, for a one-line note
  OpenedPart part;     // usable when problem is kNone
};

// Opens and verifies the part in `dir`. `stale_reason` gets the manifest of
// a part of this format and build and says why it doesn't fit the request
// ("dump changed"), or "" when it does. `threads` hash the files; 0 = all
// cores.
PartOpen OpenPart(const std::string& dir,
                  const std::function<std::string(const nlohmann::json&)>& stale_reason, int threads);

// 64-bit values go into manifests as hex strings: JSON readers that hold
// numbers as doubles would round them.
std::string HexU64(uint64_t v);
// Parses HexU64's form; false on anything else.
bool ParseHexU64(const nlohmann::json& j, uint64_t* out);

}  // namespace heapscope::index

#endif  // HEAPSCOPE_INDEX_INDEX_PART_H_
