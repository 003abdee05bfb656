// heap/column.h - a flat array of fixed-width values, the unit every heap
// table is made of. It owns its values (a vector, while being built) or is a
// read-only view of memory a shared owner keeps alive (a mapped index file).
// Readers can't tell which: size, span and const operator[] work on both and
// copies of a view share the map. Mutating a view (non-const operator[],
// push_back, storage ...) is our bug and aborts with a message. 64-bit counts.
#ifndef HEAPSCOPE_HEAP_COLUMN_H_
#define HEAPSCOPE_HEAP_COLUMN_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace heapscope::heap {

namespace internal {
[[noreturn]] inline void ColumnViewMutated(const char* operation) {
  std::fprintf(stderr,
               "heapscope: internal error: %s on a column that is a read-only view of an index file; "
               "views are for reading, build into an owned column instead\n",
               operation);
  std::abort();
}
}  // namespace internal

template <typename T>
class Column {
  static_assert(std::is_trivially_copyable_v<T>, "columns hold fixed-width values");

 public:
  Column() = default;

  // A read-only column of `count` values at `data`. `keep_alive` owns that
  // memory (a file mapping) and lives as long as any copy of the column.
  static Column View(const T* data, uint64_t count, std::shared_ptr<const void> keep_alive) {
    Column c;
    c.view_ = data;
    c.view_size_ = count;
    c.keep_alive_ = std::move(keep_alive);
    return c;
  }

  bool is_view() const { return view_ != nullptr; }
  uint64_t size() const { return view_ ? view_size_ : values_.size(); }
  bool empty() const { return size() == 0; }
  const T* data() const { return view_ ? view_ : values_.data(); }
  const T& operator[](uint64_t i) const { return data()[i]; }
  T& operator[](uint64_t i) {
    if (view_) internal::ColumnViewMutated("operator[] (non-const)");
    return values_[i];
  }
  std::span<const T> span() const { return {data(), size()}; }
  void push_back(const T& v) { Owned("push_back").push_back(v); }
  void resize(uint64_t n, const T& v = T{}) { Owned("resize").resize(n, v); }
  void reserve(uint64_t n) { Owned("reserve").reserve(n); }
  void shrink_to_fit() { Owned("shrink_to_fit").shrink_to_fit(); }
  std::vector<T>& storage() { return Owned("storage"); }

 private:
  std::vector<T>& Owned(const char* operation) {
    if (view_) internal::ColumnViewMutated(operation);
    return values_;
  }

  std::vector<T> values_;
  // Set only for views (a view of zero values is simply an empty column).
  const T* view_ = nullptr;
  uint64_t view_size_ = 0;
  std::shared_ptr<const void> keep_alive_;
};

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_COLUMN_H_
