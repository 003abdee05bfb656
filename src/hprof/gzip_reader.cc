#include "hprof/gzip_reader.h"

#include <isa-l.h>
#include <libdeflate.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace heapscope::hprof {

namespace {

constexpr uint8_t kMagic[3] = {0x1f, 0x8b, 0x08};  // ID1, ID2, CM = deflate
constexpr size_t kFixedHeaderSize = 10;
constexpr uint8_t kFlagExtra = 0x04;
constexpr uint8_t kFlagName = 0x08;
constexpr uint8_t kFlagComment = 0x10;
constexpr uint8_t kFlagReserved = 0xe0;
constexpr std::string_view kBlockSizeTag = "HPROF BLOCKSIZE=";

// HotSpot writes 1 MiB blocks; anything past this is not a block size we
// trust to size buffers, so such a file is inflated as a plain stream.
constexpr uint64_t kMaxBlockSize = 64u << 20;
// Header parsing looks no further than this; a HotSpot header is ~35 bytes.
constexpr size_t kMaxHeaderScan = 64u << 10;
// Stream chunks: at this size the per-chunk costs (a Next() call, the
// reader's copy of a record straddling two chunks) vanish, and the one
// buffer is allocated once.
constexpr size_t kStreamChunkSize = 4u << 20;
// ISA-L counts input in uint32_t; feed it at most this much per call.
constexpr uint64_t kMaxStreamFeed = 1u << 30;
// Decoded blocks in flight (queued, being inflated or waiting to be read)
// may hold at most this much memory; with 1 MiB blocks the task cap below
// binds first.
constexpr uint64_t kInFlightBudget = 256u << 20;
// Enough queued blocks that workers never wait while the reader holds one
// and a stray false candidate sits in the queue.
constexpr size_t kTasksPerThread = 4;
// One libdeflate thread inflates ~1.2 GB/s of -gz=1 output (measured on a
// 2-core x86 box), already more than one
// serial parser consumes; this cap only keeps a large request from
// spawning threads (and buffers) that would sit idle.
constexpr int kMaxThreads = 16;
// Hand mapped input back to the kernel in steps this large, so madvise stays
// rare while resident compressed pages stay at a few MiB.
constexpr uint64_t kReleaseStep = 8u << 20;

std::string MemberRecord(uint64_t start) { return fmt::format("gzip member at byte {}", start); }

// True when the bytes at `p` (with `left` bytes remaining) could begin a
// member, including a member cut short by the end of the file.
bool StartsLikeMember(const uint8_t* p, uint64_t left) {
  return std::memcmp(p, kMagic, std::min<uint64_t>(left, sizeof kMagic)) == 0;
}

// A cheap filter for scanning compressed data for member starts: the magic,
// no reserved flag bits, a known XFL and OS. False positives only cost a
// failed speculative inflate; a real start that fails it is decoded serially.
bool PlausibleHeader(const uint8_t* p) {
  if (std::memcmp(p, kMagic, sizeof kMagic) != 0 || (p[3] & kFlagReserved) != 0) return false;
  const uint8_t xfl = p[8], os = p[9];
  return (xfl == 0 || xfl == 2 || xfl == 4) && (os <= 13 || os == 255);
}

Error TrailingGarbage(std::span<const uint8_t> in, uint64_t pos) {
  return Error::BadInput(
      fmt::format("{} byte{} of trailing data after the last gzip member (starts with {:02x}, expected 1f 8b 08)",
                  in.size() - pos, in.size() - pos == 1 ? "" : "s", in[pos]),
      pos, "trailing data");
}

void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

// Inflates members one after another with ISA-L, from a known member start
// to the end of the file (or, with `one_member`, to the end of that member).
// Handles everything the block path can't, and is where the block path goes
// to diagnose a member it failed to decode.
//
// Output is handed out as it is inflated, so bytes of a damaged member may
// go out before its CRC32 is checked at the member's end: the price of not
// holding whole members, which may be gigabytes. Callers must treat bytes
// before an error as unverified.
class StreamInflater {
 public:
  StreamInflater(const MappedFile& file, uint64_t start, bool one_member = false)
      : file_(file), in_(file.bytes()), pos_(start), released_to_(start), one_member_(one_member),
        state_(std::make_unique<inflate_state>()),
        out_(std::make_unique_for_overwrite<uint8_t[]>(kStreamChunkSize)) {
    isal_inflate_init(state_.get());
  }

  // Bytes decoded before damage are returned first; the error follows on
  // the next call and then sticks.
  Result<std::span<const uint8_t>> Next() {
    if (error_) return *error_;
    size_t produced = 0;
    while (produced < kStreamChunkSize && !finished_ && !error_) {
      if (!in_member_ && !BeginMember()) continue;
      const uint64_t left = in_.size() - pos_;
      state_->next_in = const_cast<uint8_t*>(in_.data() + pos_);
      state_->avail_in = static_cast<uint32_t>(std::min(left, kMaxStreamFeed));
      state_->next_out = out_.get() + produced;
      state_->avail_out = static_cast<uint32_t>(kStreamChunkSize - produced);
      const int ret = isal_inflate(state_.get());
      const uint64_t used = static_cast<uint64_t>(state_->next_in - (in_.data() + pos_));
      const size_t wrote = static_cast<size_t>(state_->next_out - (out_.get() + produced));
      pos_ += used;
      produced += wrote;
      if (ret < 0 || ret == ISAL_NEED_DICT) {
        error_ = Corrupt(ret);
      } else if (state_->block_state == ISAL_BLOCK_FINISH) {
        in_member_ = false;
      } else if (used == 0 && wrote == 0 && state_->avail_out > 0) {
        // ISA-L had all remaining input and room to write, yet stopped
        // inside the member: the file ends early.
        Error e = Error::BadInput("compressed data ends inside a gzip member (file truncated)",
                                  in_.size(), MemberRecord(member_start_));
        e.truncated = true;
        error_ = std::move(e);
      }
    }
    ReleaseBehind();
    if (produced > 0) return std::span<const uint8_t>(out_.get(), produced);
    if (error_) return *error_;
    return std::span<const uint8_t>();
  }

  uint64_t position() const { return pos_; }

 private:
  // At a member boundary: ends the stream, flags trailing data, or resets
  // the inflater for the member at pos_. False when no member was started.
  bool BeginMember() {
    const uint64_t left = in_.size() - pos_;
    if (left == 0 || (one_member_ && member_start_ != kNoOffset)) {
      finished_ = true;
      return false;
    }
    if (!StartsLikeMember(in_.data() + pos_, left)) {
      error_ = TrailingGarbage(in_, pos_);
      return false;
    }
    isal_inflate_reset(state_.get());
    state_->crc_flag = ISAL_GZIP;
    member_start_ = pos_;
    in_member_ = true;
    return true;
  }

  Error Corrupt(int ret) const {
    const std::string_view what = IsalInflateErrorText(ret);
    // ISA-L reads ahead into a bit buffer; step back over what it holds
    // so the offset points near the damage rather than past it.
    const uint64_t buffered = static_cast<uint64_t>(std::max(state_->read_in_length, 0)) / 8;
    const uint64_t at = std::max(member_start_, pos_ - std::min(pos_, buffered));
    return Error::BadInput(fmt::format("{} (isa-l code {})", what, ret), at, MemberRecord(member_start_));
  }

  void ReleaseBehind() {
    if (pos_ - released_to_ < kReleaseStep && !finished_) return;
    file_.Release(released_to_, pos_ - released_to_);
    released_to_ = pos_;
  }

  const MappedFile& file_;
  std::span<const uint8_t> in_;
  uint64_t pos_;                 // next compressed byte ISA-L hasn't taken
  uint64_t released_to_;
  const bool one_member_;
  uint64_t member_start_ = kNoOffset;  // until the first member begins
  bool in_member_ = false;
  bool finished_ = false;
  std::optional<Error> error_;
  std::unique_ptr<inflate_state> state_;  // ~90 KiB, too big for the stack
  std::unique_ptr<uint8_t[]> out_;
};

// One speculative member decode: a candidate start and, once done, what
// libdeflate made of it.
struct BlockTask {
  uint64_t start = 0;
  std::unique_ptr<uint8_t[]> out;
  size_t in_size = 0;
  size_t out_size = 0;
  libdeflate_result result = LIBDEFLATE_BAD_DATA;
  bool started = false;
  bool done = false;
};

// The source for both encodings. In block mode, a scanner ahead of the read
// position queues every plausible member start; workers inflate them with
// libdeflate, each into a block-sized buffer; Next() walks the chain of true
// members (each starts where the previous one ended) and discards the rest.
// So the output is exactly what a serial decode would give, whatever the
// scanner guessed. Any member libdeflate rejects switches the rest of the
// file to the stream inflater, which either decodes it (an oversized member
// is valid gzip) or reports the damage precisely.
class GzipSource final : public ChunkSource {
 public:
  GzipSource(MappedFile file, uint64_t block_size, int threads)
      : file_(std::move(file)), in_(file_.bytes()), block_size_(block_size) {
    if (block_size_ == 0) {
      stream_ = std::make_unique<StreamInflater>(file_, 0);
      return;
    }
    inline_decoder_ = libdeflate_alloc_decompressor();
    const uint64_t by_memory = std::max<uint64_t>(2, kInFlightBudget / block_size_);
    max_tasks_ = static_cast<size_t>(std::min<uint64_t>(by_memory, kTasksPerThread * threads));
    const int workers = static_cast<int>(std::min<uint64_t>(threads, max_tasks_));
    for (int i = 0; i < workers; ++i) {
      try {
        workers_.emplace_back([this] { WorkerMain(); });
      } catch (const std::system_error&) {
        break;  // fewer workers; with none, every member is decoded inline
      }
    }
    if (workers_.empty()) max_tasks_ = 0;
  }

  ~GzipSource() override { StopWorkers(); libdeflate_free_decompressor(inline_decoder_); }

  Result<std::span<const uint8_t>> Next() override {
    if (error_) return *error_;
    if (delivered_) free_buffers_.push_back(std::move(delivered_));
    while (!stream_) {
      if (pos_ == in_.size()) {
        if (released_to_ < pos_) file_.Release(released_to_, pos_ - released_to_);
        released_to_ = pos_;
        return std::span<const uint8_t>();
      }
      if (!StartsLikeMember(in_.data() + pos_, in_.size() - pos_)) {
        error_ = TrailingGarbage(in_, pos_);
        return *error_;
      }
      std::unique_ptr<BlockTask> task = TakeTaskAt(pos_);
      if (!task) task = DecodeInline(pos_);
      if (task->result != LIBDEFLATE_SUCCESS) {
        if (task->result == LIBDEFLATE_BAD_DATA) {
          if (auto error = Diagnose(pos_)) {
            error_ = std::move(error);
            return *error_;
          }
        }
        SwitchToStream();
        break;
      }
      pos_ += task->in_size;
      progress_.store(pos_, std::memory_order_relaxed);
      if (pos_ - released_to_ >= kReleaseStep) {
        file_.Release(released_to_, pos_ - released_to_);
        released_to_ = pos_;
      }
      if (task->out_size == 0) {  // an empty member: legal, nothing to hand out
        free_buffers_.push_back(std::move(task->out));
        continue;
      }
      delivered_ = std::move(task->out);
      return std::span<const uint8_t>(delivered_.get(), task->out_size);
    }
    auto chunk = stream_->Next();
    progress_.store(stream_->position(), std::memory_order_relaxed);
    return chunk;
  }

  uint64_t InputBytesRead() const override { return progress_.load(std::memory_order_relaxed); }
  uint64_t InputSize() const override { return in_.size(); }

 private:
  void WorkerMain() {
    NameThisThread("hs-gunzip");
    libdeflate_decompressor* decoder = libdeflate_alloc_decompressor();
    std::unique_lock lock(mu_);
    while (true) {
      work_cv_.wait(lock, [this] { return stop_ || !todo_.empty(); });
      if (stop_) break;
      BlockTask* task = todo_.front();
      todo_.pop_front();
      task->started = true;
      lock.unlock();
      Decode(decoder, task);
      lock.lock();
      task->done = true;
      done_cv_.notify_all();
    }
    lock.unlock();
    libdeflate_free_decompressor(decoder);
  }

  void Decode(libdeflate_decompressor* decoder, BlockTask* task) const {
    // A null decoder (allocation failed) reads as a failed member, and the
    // stream path takes over.
    if (!decoder) return;
    task->result = libdeflate_gzip_decompress_ex(decoder, in_.data() + task->start, in_.size() - task->start,
                                                 task->out.get(), block_size_, &task->in_size, &task->out_size);
  }

  std::unique_ptr<uint8_t[]> TakeBuffer() {
    if (free_buffers_.empty()) return std::make_unique_for_overwrite<uint8_t[]>(block_size_);
    auto buffer = std::move(free_buffers_.back());
    free_buffers_.pop_back();
    return buffer;
  }

  // The queued decode of the member at `start`, finished, or null when the
  // scanner didn't queue one there. Drops stale candidates (false starts
  // inside members already read) and tops the queue up.
  std::unique_ptr<BlockTask> TakeTaskAt(uint64_t start) {
    std::unique_lock lock(mu_);
    while (!inflight_.empty() && inflight_.front()->start < start) {
      BlockTask* stale = inflight_.front().get();
      if (!stale->started) {
        todo_.erase(std::find(todo_.begin(), todo_.end(), stale));
      } else {
        done_cv_.wait(lock, [stale] { return stale->done; });
      }
      free_buffers_.push_back(std::move(stale->out));
      inflight_.pop_front();
    }
    scan_pos_ = std::max(scan_pos_, start);
    bool queued = false;
    while (inflight_.size() < max_tasks_ && scan_pos_ < in_.size()) {
      const uint64_t candidate = NextCandidate(scan_pos_);
      scan_pos_ = candidate < in_.size() ? candidate + 1 : in_.size();
      if (candidate >= in_.size()) break;
      auto task = std::make_unique<BlockTask>();
      task->start = candidate;
      task->out = TakeBuffer();
      todo_.push_back(task.get());
      inflight_.push_back(std::move(task));
      queued = true;
    }
    if (queued) work_cv_.notify_all();
    if (inflight_.empty() || inflight_.front()->start != start) return nullptr;
    BlockTask* head = inflight_.front().get();
    done_cv_.wait(lock, [head] { return head->done; });
    auto task = std::move(inflight_.front());
    inflight_.pop_front();
    return task;
  }

  // The next offset at or after `from` whose bytes pass PlausibleHeader, or
  // the file size when there is none.
  uint64_t NextCandidate(uint64_t from) const {
    const uint8_t* base = in_.data();
    while (from + kFixedHeaderSize <= in_.size()) {
      const void* hit = std::memchr(base + from, kMagic[0], in_.size() - kFixedHeaderSize + 1 - from);
      if (!hit) break;
      const uint64_t at = static_cast<uint64_t>(static_cast<const uint8_t*>(hit) - base);
      if (PlausibleHeader(base + at)) return at;
      from = at + 1;
    }
    return in_.size();
  }

  std::unique_ptr<BlockTask> DecodeInline(uint64_t start) {
    auto task = std::make_unique<BlockTask>();
    task->start = start;
    task->out = TakeBuffer();
    Decode(inline_decoder_, task.get());
    return task;
  }

  // Why libdeflate rejected the member at `start`, found by inflating it
  // again with ISA-L, which tells a cut-off stream from a damaged one. For
  // damage, the error to report right away, so that no unverified byte of
  // the member goes out. Null for a truncated stream: its prefix is sound,
  // and the stream path hands it out before reporting the truncation.
  std::optional<Error> Diagnose(uint64_t start) const {
    StreamInflater probe(file_, start, /*one_member=*/true);
    while (true) {
      auto chunk = probe.Next();
      if (!chunk.ok()) {
        if (chunk.error().truncated) return std::nullopt;
        return chunk.error();
      }
      if (chunk->empty()) return std::nullopt;
    }
  }

  void SwitchToStream() {
    StopWorkers();
    inflight_.clear();
    todo_.clear();
    free_buffers_.clear();
    stream_ = std::make_unique<StreamInflater>(file_, pos_);
  }

  void StopWorkers() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& worker : workers_) worker.join();
    workers_.clear();
  }

  MappedFile file_;
  std::span<const uint8_t> in_;
  const uint64_t block_size_;
  std::atomic<uint64_t> progress_{0};
  uint64_t pos_ = 0;             // start of the next member to hand out
  uint64_t released_to_ = 0;
  uint64_t scan_pos_ = 0;        // where the candidate scan resumes
  size_t max_tasks_ = 0;
  libdeflate_decompressor* inline_decoder_ = nullptr;
  std::unique_ptr<uint8_t[]> delivered_;  // backs the span Next() last returned
  std::vector<std::unique_ptr<uint8_t[]>> free_buffers_;
  std::unique_ptr<StreamInflater> stream_;
  std::optional<Error> error_;   // sticky, once a damaged member was found

  std::mutex mu_;                // guards the task queues and task states
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<std::unique_ptr<BlockTask>> inflight_;  // queued candidates, file order
  std::deque<BlockTask*> todo_;                      // not yet taken by a worker
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

std::string_view IsalInflateErrorText(int ret) {
  switch (ret) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid deflate back-reference distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header (or trailing data after a member)";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported gzip compression method";
    case ISAL_INCORRECT_CHECKSUM: return "gzip CRC32 or length check failed (the damage may lie anywhere in the member)";
    default: return "corrupt deflate data";
  }
}

bool PlausibleGzipMemberStart(std::span<const uint8_t> bytes) {
  return bytes.size() >= kFixedHeaderSize && PlausibleHeader(bytes.data());
}

bool LooksLikeGzip(std::span<const uint8_t> first_bytes) {
  return first_bytes.size() >= sizeof kMagic && std::memcmp(first_bytes.data(), kMagic, sizeof kMagic) == 0;
}

uint64_t HotSpotGzipBlockSize(std::span<const uint8_t> first_bytes) {
  auto b = first_bytes.first(std::min(first_bytes.size(), kMaxHeaderScan));
  if (!LooksLikeGzip(b) || b.size() < kFixedHeaderSize) return 0;
  const uint8_t flags = b[3];
  if ((flags & kFlagReserved) != 0 || (flags & kFlagComment) == 0) return 0;
  size_t at = kFixedHeaderSize;
  if (flags & kFlagExtra) {
    if (at + 2 > b.size()) return 0;
    at += 2 + (b[at] | (size_t{b[at + 1]} << 8));
  }
  auto skip_string = [&b](size_t from) -> std::optional<size_t> {
    if (from >= b.size()) return std::nullopt;
    const void* nul = std::memchr(b.data() + from, 0, b.size() - from);
    if (!nul) return std::nullopt;
    return static_cast<size_t>(static_cast<const uint8_t*>(nul) - b.data());
  };
  if (flags & kFlagName) {
    auto nul = skip_string(at);
    if (!nul) return 0;
    at = *nul + 1;
  }
  auto nul = skip_string(at);
  if (!nul) return 0;
  std::string_view comment(reinterpret_cast<const char*>(b.data() + at), *nul - at);
  if (!comment.starts_with(kBlockSizeTag) || comment.size() == kBlockSizeTag.size()) return 0;
  uint64_t size = 0;
  for (char c : comment.substr(kBlockSizeTag.size())) {
    if (c < '0' || c > '9') return 0;
    size = size * 10 + static_cast<uint64_t>(c - '0');
    if (size > kMaxBlockSize) return 0;
  }
  return size;
}

Result<std::unique_ptr<ChunkSource>> OpenGzipSource(MappedFile file, int threads) {
  if (!LooksLikeGzip(file.bytes())) {
    return Error::BadInput("not a gzip file: it does not start with 1f 8b 08", 0, "gzip header");
  }
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, kMaxThreads);
  const uint64_t block_size = HotSpotGzipBlockSize(file.bytes());
  return std::unique_ptr<ChunkSource>(std::make_unique<GzipSource>(std::move(file), block_size, threads));
}

}  // namespace heapscope::hprof
