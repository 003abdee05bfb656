// hprof/byte_window.h - a contiguous view of the decoded stream at the parse
// position, over either a whole in-memory span (a mapped file) or a
// ChunkSource.
//
// Parsers read straight from [cur(), end()) and call Ensure(n) only when a
// record needs more than is in view; Ensure may move the view into an
// internal buffer, so pointers taken before it are invalid after it. Over a
// chunk stream the buffer grows only as bytes arrive: a length read from the
// input never sizes an allocation by itself.
#ifndef HEAPSCOPE_HPROF_BYTE_WINDOW_H_
#define HEAPSCOPE_HPROF_BYTE_WINDOW_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hprof/chunk_source.h"
#include "hprof/error.h"

namespace heapscope::hprof {

class MappedFile;

class ByteWindow {
 public:
  // Over bytes already in memory; `base` is the stream offset of all[0].
  // With `release`, pages behind the parse position are handed back to the
  // kernel as parsing goes (see MappedFile::Release).
  ByteWindow(std::span<const uint8_t> all, uint64_t base,
             const MappedFile* release = nullptr);
  explicit ByteWindow(ChunkSource* source);

  const uint8_t* cur() const { return cur_; }
  const uint8_t* end() const { return end_; }
  uint64_t available() const { return static_cast<uint64_t>(end_ - cur_); }
  // Moves the parse position to p, which lies in [cur(), end()].
  void Advance(const uint8_t* p) { cur_ = p; }
  uint64_t OffsetOf(const uint8_t* p) const { return base_ + static_cast<uint64_t>(p - begin_); }
  uint64_t offset() const { return OffsetOf(cur_); }

  // Makes at least n bytes visible at cur(). False when the stream ends
  // first (or the source failed: see source_error()).
  bool Ensure(uint64_t n) { return available() >= n || Refill(n); }
  // Moves past n bytes without making them visible all at once.
  bool Skip(uint64_t n);
  // True when no byte is left at cur() and none will come.
  bool AtEnd() { return cur_ == end_ && !Refill(1); }
  // Hands already-parsed mapped pages back; cheap to call often.
  void ReleaseBehind();
  const std::optional<Error>& source_error() const { return source_error_; }
  // Bytes of the underlying file consumed, for progress.
  uint64_t InputBytesRead() const;
  uint64_t InputSize() const;

 private:
  bool Refill(uint64_t n);
  bool FetchChunk();

  const uint8_t* begin_ = nullptr;  // start of the current region
  const uint8_t* cur_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t base_ = 0;               // stream offset of begin_
  ChunkSource* source_ = nullptr;
  std::span<const uint8_t> pending_;  // rest of the current chunk, not in view
  std::vector<uint8_t> buffer_;       // holds bytes that straddle chunk edges
  bool in_buffer_ = false;
  const MappedFile* release_ = nullptr;
  uint64_t released_to_ = 0;          // stream offset up to which pages were released
  uint64_t mapped_size_ = 0;
  std::optional<Error> source_error_;
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_BYTE_WINDOW_H_
