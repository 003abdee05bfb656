// index/blob_codec.h - the little-endian encoding of the index's small
// structured parts: class table, names, roots, threads, scalars.
// BlobReader has a sticky error: decode a whole structure, check ok() once.
// After a short read every read gives zero or empty, and counts are checked
// against the bytes left, so a damaged blob can't read out of bounds or
// allocate wildly. Checksums catch damage first; this is the net below.
#ifndef HEAPSCOPE_INDEX_BLOB_CODEC_H_
#define HEAPSCOPE_INDEX_BLOB_CODEC_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace heapscope::index {

static_assert(std::endian::native == std::endian::little,
              "index files are little-endian and written from memory as they are");

class BlobWriter {
 public:
  void U8(uint8_t v) { out_.push_back(v); }
  void U32(uint32_t v) { Put(&v, sizeof v); }
  void U64(uint64_t v) { Put(&v, sizeof v); }
  void I32(int32_t v) { Put(&v, sizeof v); }
  void Bool(bool v) { U8(v ? 1 : 0); }
  void Str(std::string_view s) {
    U64(s.size());
    Put(s.data(), s.size());
  }
  const std::vector<uint8_t>& bytes() const { return out_; }

 private:
  void Put(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  std::vector<uint8_t> out_;
};

class BlobReader {
 public:
  explicit BlobReader(std::span<const uint8_t> in) : in_(in) {}

  uint8_t U8() { return Get<uint8_t>(); }
  uint32_t U32() { return Get<uint32_t>(); }
  uint64_t U64() { return Get<uint64_t>(); }
  int32_t I32() { return Get<int32_t>(); }
  bool Bool() { return Get<uint8_t>() != 0; }
  std::string Str() {
    uint64_t n = Count(1);
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  // A count of items that take at least `min_item_bytes` each; 0 and a
  // failed reader when the bytes left can't hold that many.
  uint64_t Count(uint64_t min_item_bytes) {
    uint64_t n = U64();
    if (min_item_bytes != 0 && n > (in_.size() - pos_) / min_item_bytes) {
      failed_ = true;
      pos_ = in_.size();
      return 0;
    }
    return n;
  }
  bool ok() const { return !failed_; }
  bool AtEnd() const { return pos_ == in_.size(); }

 private:
  template <typename T>
  T Get() {
    T v{};
    if (in_.size() - pos_ < sizeof(T)) {
      failed_ = true;
      pos_ = in_.size();
      return v;
    }
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::span<const uint8_t> in_;
  uint64_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace heapscope::index

#endif  // HEAPSCOPE_INDEX_BLOB_CODEC_H_
