// hprof/error.h - the error value every layer returns, and Result<T>.
//
// Errors are values: no exception crosses a layer boundary. An Error names
// what went wrong and where (byte offset in the decoded HPROF stream and the
// record or sub-record being read), so a user can find the damage with a hex
// editor. Each kind maps to one documented process exit code (docs/CLI.md).
#ifndef HEAPSCOPE_HPROF_ERROR_H_
#define HEAPSCOPE_HPROF_ERROR_H_

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace heapscope {

enum class ErrorKind {
  kBadInput,   // the dump is damaged, truncated or not HPROF: exit 1
  kUsage,      // the command line is wrong: exit 2
  kIo,         // the file can't be opened, mapped or read: exit 3
  kInternal,   // a bug of ours: exit 4
};

inline constexpr uint64_t kNoOffset = ~uint64_t{0};

struct [[nodiscard]] Error {
  ErrorKind kind = ErrorKind::kBadInput;
  std::string message;       // lower-case, what and where, actual vs expected
  uint64_t offset = kNoOffset;  // byte offset in the decoded stream
  std::string record;        // e.g. "HEAP_DUMP_SEGMENT at byte 6789 / INSTANCE_DUMP"
  bool truncated = false;    // the input ended early; --allow-truncated may go on

  static Error BadInput(std::string message, uint64_t offset = kNoOffset,
                        std::string record = {}) {
    return Error{ErrorKind::kBadInput, std::move(message), offset,
                 std::move(record)};
  }
  static Error Io(std::string message) {
    return Error{ErrorKind::kIo, std::move(message), kNoOffset, {}};
  }
  static Error Usage(std::string message) {
    return Error{ErrorKind::kUsage, std::move(message), kNoOffset, {}};
  }

  // "at byte 1234 (0x4d2) in INSTANCE_DUMP: <message>"
  std::string ToString() const;
  int ExitCode() const;
};

// Holds a T or an Error. Check ok() before value().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}   // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error, for functions with nothing to return.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT
  bool ok() const { return !failed_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

}  // namespace heapscope

#endif  // HEAPSCOPE_HPROF_ERROR_H_
