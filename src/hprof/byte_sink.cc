#include "hprof/byte_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace heapscope::hprof {
namespace {

// Writes leave in pieces this big: few syscalls, little memory.
constexpr size_t kBufferSize = size_t{4} << 20;

class FileSink final : public ByteSink {
 public:
  FileSink(int fd, std::string path, std::string temp) : fd_(fd), path_(std::move(path)), temp_(std::move(temp)) {
    buffer_.reserve(kBufferSize);
  }
  ~FileSink() override {
    if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
    if (!finished_ && !temp_.empty()) ::unlink(temp_.c_str());
  }

  Status Write(std::span<const uint8_t> bytes) override {
    if (!error_.ok()) return error_;
    in_ += bytes.size();
    if (buffer_.size() + bytes.size() > kBufferSize) {
      if (Status s = Flush(); !s.ok()) return s;
      if (bytes.size() >= kBufferSize) return WriteAll(bytes);
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    return {};
  }

  Status Finish() override {
    if (!error_.ok()) return error_;
    if (Status s = Flush(); !s.ok()) return s;
    if (fd_ == STDOUT_FILENO) {
      finished_ = true;
      return {};
    }
    if (::close(fd_) != 0) return Fail("close");
    fd_ = -1;
    if (::rename(temp_.c_str(), path_.c_str()) != 0) return Fail("rename into place");
    finished_ = true;
    return {};
  }

  uint64_t BytesIn() const override { return in_; }

 private:
  Status Flush() {
    Status s = WriteAll(buffer_);
    buffer_.clear();
    return s;
  }
  Status WriteAll(std::span<const uint8_t> bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Fail("write");
      done += static_cast<size_t>(n);
    }
    return {};
  }
  Status Fail(std::string_view what) {
    error_ = Error::Io(fmt::format("cannot {} {}: {}", what, path_, std::strerror(errno)));
    return error_;
  }

  int fd_;
  std::string path_;
  std::string temp_;
  std::vector<uint8_t> buffer_;
  uint64_t in_ = 0;
  bool finished_ = false;
  Status error_;
};

}  // namespace

Result<std::unique_ptr<ByteSink>> CreateFileSink(const std::string& path) {
  if (path == "-") return std::unique_ptr<ByteSink>(std::make_unique<FileSink>(STDOUT_FILENO, "standard output", ""));
  std::string temp = fmt::format("{}.partial-{}", path, ::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error::Io(fmt::format("cannot create {}: {}", temp, std::strerror(errno)));
  return std::unique_ptr<ByteSink>(std::make_unique<FileSink>(fd, path, std::move(temp)));
}

}  // namespace heapscope::hprof
