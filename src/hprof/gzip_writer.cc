#include "hprof/gzip_writer.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <libdeflate.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace heapscope::hprof {
namespace {

// Members compressed per round: enough to keep every core busy while the
// producer waits, few enough that memory stays a few dozen MiB.
constexpr size_t kBlocksPerThread = 4;

struct Compressor {
  explicit Compressor(int level) : c(libdeflate_alloc_compressor(level)) {}
  ~Compressor() { libdeflate_free_compressor(c); }
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;
  libdeflate_compressor* c;
};

struct Block {
  std::vector<uint8_t> in;
  std::vector<uint8_t> out;
};

void PutLe32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

class GzipBlockSink final : public ByteSink {
 public:
  GzipBlockSink(std::unique_ptr<ByteSink> out, GzipWriterOptions o)
      : out_(std::move(out)), o_(o),
        threads_(o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
        arena_(threads_), compressors_([level = o.level] { return std::make_unique<Compressor>(level); }) {
    blocks_.resize(static_cast<size_t>(threads_) * kBlocksPerThread);
    for (Block& b : blocks_) b.in.reserve(o_.block_size);
  }

  Status Write(std::span<const uint8_t> bytes) override {
    if (!error_.ok()) return error_;
    in_ += bytes.size();
    while (!bytes.empty()) {
      Block& b = blocks_[filled_];
      size_t take = std::min<size_t>(bytes.size(), o_.block_size - b.in.size());
      b.in.insert(b.in.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      if (b.in.size() == o_.block_size && ++filled_ == blocks_.size()) {
        if (Status s = Flush(); !s.ok()) return error_ = s.error();
      }
    }
    return {};
  }

  Status Finish() override {
    if (!error_.ok()) return error_;
    if (filled_ < blocks_.size() && !blocks_[filled_].in.empty()) ++filled_;
    // An empty dump still gets one member, so the output is valid gzip.
    if (filled_ == 0 && members_ == 0) filled_ = 1;
    if (Status s = Flush(); !s.ok()) return s;
    return out_->Finish();
  }

  uint64_t BytesIn() const override { return in_; }

 private:
  Status Flush() {
    const bool first_round = members_ == 0;
    arena_.execute([&] {
      tbb::parallel_for(size_t{0}, filled_, [&](size_t i) {
        Compress(blocks_[i], first_round && i == 0);
      });
    });
    for (size_t i = 0; i < filled_; ++i) {
      if (blocks_[i].out.empty()) return Error{ErrorKind::kInternal, "libdeflate could not compress a block", kNoOffset, {}};
      if (Status s = out_->Write(blocks_[i].out); !s.ok()) return s;
      blocks_[i].in.clear();
      ++members_;
    }
    filled_ = 0;
    return {};
  }

  void Compress(Block& b, bool with_comment) {
    libdeflate_compressor* c = compressors_.local()->c;
    b.out.clear();
    if (!c) return;
    // Header: magic, deflate, flags (FCOMMENT on the first member), no
    // mtime, no extra flags, OS unknown.
    b.out.insert(b.out.end(), {0x1f, 0x8b, 0x08, static_cast<uint8_t>(with_comment ? 0x10 : 0x00), 0, 0, 0, 0, 0, 0xff});
    if (with_comment) {
      std::string comment = fmt::format("HPROF BLOCKSIZE={}", o_.block_size);
      b.out.insert(b.out.end(), comment.begin(), comment.end());
      b.out.push_back(0);
    }
    size_t head = b.out.size();
    size_t bound = libdeflate_deflate_compress_bound(c, b.in.size());
    b.out.resize(head + bound);
    size_t n = libdeflate_deflate_compress(c, b.in.data(), b.in.size(), b.out.data() + head, bound);
    if (n == 0) {
      b.out.clear();
      return;
    }
    b.out.resize(head + n);
    PutLe32(b.out, libdeflate_crc32(0, b.in.data(), b.in.size()));
    PutLe32(b.out, static_cast<uint32_t>(b.in.size()));
  }

  std::unique_ptr<ByteSink> out_;
  GzipWriterOptions o_;
  int threads_;
  tbb::task_arena arena_;
  tbb::enumerable_thread_specific<std::unique_ptr<Compressor>> compressors_;
  std::vector<Block> blocks_;
  size_t filled_ = 0;   // blocks_[0, filled_) are full (or the last, partial)
  uint64_t members_ = 0;
  uint64_t in_ = 0;
  Status error_;
};

}  // namespace

std::unique_ptr<ByteSink> CreateGzipBlockSink(std::unique_ptr<ByteSink> out, GzipWriterOptions options) {
  return std::make_unique<GzipBlockSink>(std::move(out), options);
}

}  // namespace heapscope::hprof
