#include "hprof/byte_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace heapscope::hprof {
namespace {

// Writes leave in pieces this big: few syscalls, little memory.
constexpr size_t kBufferSize = size_t{4} << 20;

// write(2) into the page cache is a copy as costly as producing the bytes,
// so a second thread does it: the producer fills one buffer while the
// other is being written.
class FileSink final : public ByteSink {
 public:
  FileSink(int fd, std::string path, std::string temp) : fd_(fd), path_(std::move(path)), temp_(std::move(temp)) {
    filling_.reserve(kBufferSize);
    writer_ = std::thread([this] { WriterMain(); });
  }
  ~FileSink() override {
    StopWriter();
    if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
    if (!finished_ && !temp_.empty()) ::unlink(temp_.c_str());
  }

  Status Write(std::span<const uint8_t> bytes) override {
    if (!error_.ok()) return error_;
    in_ += bytes.size();
    while (!bytes.empty()) {
      size_t take = std::min(bytes.size(), kBufferSize - filling_.size());
      filling_.insert(filling_.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      if (filling_.size() == kBufferSize) {
        if (Status s = HandOff(); !s.ok()) return s;
      }
    }
    return {};
  }

  Status Finish() override {
    if (!error_.ok()) return error_;
    if (Status s = HandOff(); !s.ok()) return s;
    if (Status s = WaitIdle(); !s.ok()) return s;
    StopWriter();
    if (fd_ == STDOUT_FILENO) {
      finished_ = true;
      return {};
    }
    if (::close(fd_) != 0) return Fail("close", errno);
    fd_ = -1;
    if (::rename(temp_.c_str(), path_.c_str()) != 0) return Fail("rename into place", errno);
    finished_ = true;
    return {};
  }

  uint64_t BytesIn() const override { return in_; }

 private:
  // Gives the filled buffer to the writer once it is done with the last one.
  Status HandOff() {
    if (Status s = WaitIdle(); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::swap(filling_, writing_);
    filling_.clear();
    busy_ = !writing_.empty();
    cv_.notify_all();
    return {};
  }
  Status WaitIdle() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !busy_; });
    if (write_errno_) return Fail("write", write_errno_);
    return {};
  }
  void WriterMain() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return busy_ || stop_; });
      if (!busy_) return;
      lock.unlock();
      int err = WriteAll(writing_);
      lock.lock();
      write_errno_ = write_errno_ ? write_errno_ : err;
      busy_ = false;
      cv_.notify_all();
    }
  }
  void StopWriter() {
    if (!writer_.joinable()) return;
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    writer_.join();
  }
  // 0, or the errno of the failed write.
  int WriteAll(std::span<const uint8_t> bytes) const {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return n < 0 ? errno : EIO;
      done += static_cast<size_t>(n);
    }
    return 0;
  }
  Status Fail(std::string_view what, int err) {
    error_ = Error::Io(fmt::format("cannot {} {}: {}", what, path_, std::strerror(err)));
    return error_;
  }

  int fd_;
  std::string path_;
  std::string temp_;
  std::vector<uint8_t> filling_;  // the producer's
  std::vector<uint8_t> writing_;  // the writer thread's while busy_
  uint64_t in_ = 0;
  bool finished_ = false;
  Status error_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool busy_ = false;
  bool stop_ = false;
  int write_errno_ = 0;
  std::thread writer_;
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
