// heap/column.h - a flat array of fixed-width values, the unit every heap
// table is made of.
//
// Today a column owns a std::vector; the interface (size, span, operator[])
// is all analyses may use, so a later index layer can back a column with a
// memory-mapped file without touching them. Counts are 64-bit.
#ifndef HEAPSCOPE_HEAP_COLUMN_H_
#define HEAPSCOPE_HEAP_COLUMN_H_

#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

namespace heapscope::heap {

template <typename T>
class Column {
  static_assert(std::is_trivially_copyable_v<T>, "columns hold fixed-width values");

 public:
  uint64_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  const T& operator[](uint64_t i) const { return values_[i]; }
  T& operator[](uint64_t i) { return values_[i]; }
  std::span<const T> span() const { return values_; }
  void push_back(const T& v) { values_.push_back(v); }
  void resize(uint64_t n, const T& v = T{}) { values_.resize(n, v); }
  void reserve(uint64_t n) { values_.reserve(n); }
  void shrink_to_fit() { values_.shrink_to_fit(); }
  std::vector<T>& storage() { return values_; }

 private:
  std::vector<T> values_;
};

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_COLUMN_H_
