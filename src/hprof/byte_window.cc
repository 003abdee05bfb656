#include "hprof/byte_window.h"

#include <algorithm>
#include <cstring>

#include "hprof/mapped_file.h"

namespace heapscope::hprof {

namespace {
// Releasing in steps of this size keeps madvise calls rare (one per 32 MiB)
// while bounding what a sequential reader keeps resident.
constexpr uint64_t kReleaseStep = 32u << 20;
}  // namespace

ByteWindow::ByteWindow(std::span<const uint8_t> all, uint64_t base, const MappedFile* release)
    : begin_(all.data()), cur_(all.data()), end_(all.data() + all.size()), base_(base),
      release_(release), released_to_(base), mapped_size_(all.size()) {}

ByteWindow::ByteWindow(ChunkSource* source) : source_(source) {}

void ByteWindow::ReleaseBehind() {
  if (!release_) return;
  uint64_t pos = offset();
  if (pos - released_to_ < kReleaseStep) return;
  release_->Release(released_to_, pos - released_to_);
  released_to_ = pos;
}

uint64_t ByteWindow::InputBytesRead() const {
  return source_ ? source_->InputBytesRead() : offset();
}

uint64_t ByteWindow::InputSize() const {
  return source_ ? source_->InputSize() : base_ + mapped_size_;
}

bool ByteWindow::FetchChunk() {
  if (!source_ || source_error_) return false;
  while (true) {
    auto next = source_->Next();
    if (!next.ok()) {
      source_error_ = next.error();
      return false;
    }
    if (next->empty()) return false;
    pending_ = *next;
    return true;
  }
}

bool ByteWindow::Refill(uint64_t n) {
  if (!source_) return false;
  while (available() < n) {
    if (available() == 0 && !in_buffer_) {
      // Zero-copy: look at the next chunk in place.
      if (pending_.empty() && !FetchChunk()) return false;
      base_ += static_cast<uint64_t>(end_ - begin_);
      begin_ = cur_ = pending_.data();
      end_ = pending_.data() + pending_.size();
      pending_ = {};
      continue;
    }
    if (available() == 0 && in_buffer_) {
      base_ += static_cast<uint64_t>(end_ - begin_);
      in_buffer_ = false;
      begin_ = cur_ = end_ = nullptr;
      // Point at nothing; the next round goes zero-copy on pending_.
      begin_ = cur_ = end_ = pending_.data();
      continue;
    }
    // Bytes straddle a chunk edge: gather them in the buffer.
    uint64_t have = available();
    uint64_t cur_offset = offset();
    if (!in_buffer_ || cur_ != buffer_.data()) {
      std::vector<uint8_t> kept(cur_, end_);
      buffer_.swap(kept);
      in_buffer_ = true;
    }
    if (pending_.empty() && !FetchChunk()) {
      begin_ = cur_ = buffer_.data();
      end_ = begin_ + have;
      base_ = cur_offset;
      return false;
    }
    uint64_t take = std::min<uint64_t>(n - have, pending_.size());
    buffer_.insert(buffer_.end(), pending_.data(), pending_.data() + take);
    pending_ = pending_.subspan(take);
    begin_ = cur_ = buffer_.data();
    end_ = begin_ + buffer_.size();
    base_ = cur_offset;
  }
  return true;
}

bool ByteWindow::Skip(uint64_t n) {
  while (n > 0) {
    uint64_t step = std::min(n, available());
    cur_ += step;
    n -= step;
    if (n == 0) break;
    if (!Refill(1)) return false;
  }
  return true;
}

}  // namespace heapscope::hprof
