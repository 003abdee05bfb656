#include "capture/dump_completeness.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "hprof/file_header.h"
#include "hprof/gzip_reader.h"

namespace heapscope::capture {
namespace {

constexpr std::array<uint8_t, 9> kHeapDumpEnd = {0x2c, 0, 0, 0, 0, 0, 0, 0, 0};
// HotSpot's block is 1 MiB. The block size sizes our buffers, so a dump
// that claims much more is refused rather than read.
constexpr uint64_t kMaxBlockSize = 16u << 20;
// HotSpotGzipBlockSize looks no further than this for the comment.
constexpr uint64_t kGzipHeaderScan = 64u << 10;
// Members inflated per file, a block each at most. A real tail needs one or
// two; crafted bytes could plant a plausible member start every ten bytes.
constexpr int kMaxInflateAttempts = 64;

// How far before a member's end its start may lie: one block's deflate
// data, which even zlib's most pessimistic bound puts at 1.14 times the
// input, plus the header.
uint64_t MemberSpan(uint64_t block_size) { return block_size + block_size / 4 + 4096; }

// The open file, read with pread: a file that shrinks underneath then gives
// a short read, where a mapping would fault.
class DumpFile {
 public:
  DumpFile(int fd, const std::string& path) : fd_(fd), path_(path) {}
  DumpFile(const DumpFile&) = delete;
  DumpFile& operator=(const DumpFile&) = delete;
  ~DumpFile() { close(fd_); }

  Status ReadAt(uint64_t offset, std::span<uint8_t> into) const {
    size_t done = 0;
    while (done < into.size()) {
      const ssize_t n = pread(fd_, into.data() + done, into.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::Io(fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
      if (n == 0) return Error::Io(fmt::format("{} shrank to {} bytes while being checked", path_, offset + done));
      done += static_cast<size_t>(n);
    }
    return {};
  }

 private:
  int fd_;
  const std::string& path_;
};

// One gzip member that inflated and passed its CRC32 and length check.
struct Member {
  uint64_t start = 0;  // file offsets
  uint64_t end = 0;
  std::span<const uint8_t> data;  // valid until the next inflate
};

// Finds and inflates members near either end of the file, reusing one
// buffer of compressed bytes and one block of output.
class MemberSearch {
 public:
  MemberSearch(const DumpFile& file, uint64_t file_bytes, uint64_t block_size)
      : file_(file), file_bytes_(file_bytes), span_(MemberSpan(block_size)),
        out_(std::make_unique_for_overwrite<uint8_t[]>(block_size)), out_size_(block_size),
        decoder_(libdeflate_alloc_decompressor()) {}
  MemberSearch(const MemberSearch&) = delete;
  MemberSearch& operator=(const MemberSearch&) = delete;
  ~MemberSearch() { libdeflate_free_decompressor(decoder_); }

  Result<std::optional<Member>> First() {
    if (Status s = Load(0, std::min(file_bytes_, span_)); !s.ok()) return s.error();
    return Inflate(0);
  }

  // The last member ending exactly at `end`: plausible starts are tried from
  // the nearest back; a start inside deflate data practically never inflates
  // to exactly `end` with its checks passing.
  Result<std::optional<Member>> EndingAt(uint64_t end) {
    if (Status s = Load(end - std::min(end, span_), end); !s.ok()) return s.error();
    size_t below = in_.size();
    while (attempts_ < kMaxInflateAttempts) {
      const void* hit = memrchr(in_.data(), 0x1f, below);
      if (!hit) break;
      below = static_cast<size_t>(static_cast<const uint8_t*>(hit) - in_.data());
      if (!hprof::PlausibleGzipMemberStart(std::span(in_).subspan(below))) continue;
      std::optional<Member> member = Inflate(below);
      if (member && member->end == end) return member;
    }
    return std::optional<Member>();
  }

  bool gave_up() const { return attempts_ >= kMaxInflateAttempts; }
  uint64_t span() const { return span_; }

 private:
  Status Load(uint64_t begin, uint64_t end) {
    in_begin_ = begin;
    in_.resize(end - begin);
    return file_.ReadAt(begin, in_);
  }

  std::optional<Member> Inflate(size_t at) {
    ++attempts_;
    size_t in_bytes = 0, out_bytes = 0;
    if (!decoder_ || libdeflate_gzip_decompress_ex(decoder_, in_.data() + at, in_.size() - at, out_.get(),
                                                   out_size_, &in_bytes, &out_bytes) != LIBDEFLATE_SUCCESS) {
      return std::nullopt;
    }
    return Member{in_begin_ + at, in_begin_ + at + in_bytes, {out_.get(), out_bytes}};
  }

  const DumpFile& file_;
  const uint64_t file_bytes_;
  const uint64_t span_;
  std::vector<uint8_t> in_;  // file bytes from in_begin_
  uint64_t in_begin_ = 0;
  std::unique_ptr<uint8_t[]> out_;
  const uint64_t out_size_;
  libdeflate_decompressor* decoder_;
  int attempts_ = 0;
};

// True when a header ParseFileHeader refused is only cut short: the file
// so far agrees with a HotSpot header.
bool EndsInsideHeader(std::span<const uint8_t> bytes, const Error& refusal) {
  if (refusal.truncated) return true;
  for (std::string_view name : {"JAVA PROFILE 1.0.1", "JAVA PROFILE 1.0.2"}) {
    if (bytes.size() <= name.size() && std::memcmp(bytes.data(), name.data(), bytes.size()) == 0) return true;
  }
  return false;
}

// The verdict on a stream's last bytes, `records` being all or the end of
// what follows the header.
void Judge(std::span<const uint8_t> records, std::string_view where, DumpCompleteness& r) {
  r.complete = EndsWithHeapDumpEnd(records);
  if (r.complete) return;
  r.reason = records.size() < kHeapDumpEnd.size()
                 ? fmt::format("{} after {} bytes of records: too few to hold HEAP_DUMP_END", where, records.size())
                 : fmt::format("{} without HEAP_DUMP_END (last 9 bytes are not 2C 00..00)", where);
}

Result<DumpCompleteness> CheckPlain(const DumpFile& file, std::span<const uint8_t> head, DumpCompleteness r) {
  auto header = hprof::ParseFileHeader(head);
  if (!header.ok()) {
    if (!EndsInsideHeader(head, header.error())) return header.error();
    r.reason = fmt::format("ends at byte {} inside the HPROF file header", r.file_bytes);
    return r;
  }
  r.id_size = header->id_size;
  std::array<uint8_t, kHeapDumpEnd.size()> tail{};
  const uint64_t records = r.file_bytes - header->size;
  const auto last = std::span(tail).last(std::min<uint64_t>(records, tail.size()));
  if (Status s = file.ReadAt(r.file_bytes - last.size(), last); !s.ok()) return s.error();
  Judge(last, fmt::format("ends at byte {}", r.file_bytes), r);
  return r;
}

Result<DumpCompleteness> CheckGzip(const DumpFile& file, DumpCompleteness r) {
  std::vector<uint8_t> head(std::min(r.file_bytes, kGzipHeaderScan));
  if (Status s = file.ReadAt(0, head); !s.ok()) return s.error();
  const uint64_t block_size = hprof::HotSpotGzipBlockSize(head);
  if (block_size == 0) {
    return Error::BadInput("no \"HPROF BLOCKSIZE=\" comment in the first gzip member's header (or the file ends "
                           "inside it): not a gzip dump written by a JVM", 0, "gzip header");
  }
  if (block_size > kMaxBlockSize) {
    return Error::BadInput(fmt::format("gzip block size {} is larger than the {} this check reads", block_size,
                                       kMaxBlockSize), 0, "gzip header");
  }
  MemberSearch search(file, r.file_bytes, block_size);
  auto first = search.First();
  if (!first.ok()) return first.error();
  if (!*first) {
    r.reason = fmt::format("the first gzip member (at byte 0) does not inflate: the file ends inside it at byte {} "
                           "or it is damaged", r.file_bytes);
    return r;
  }
  auto header = hprof::ParseFileHeader((*first)->data);
  if (!header.ok()) {
    Error e = header.error();
    e.record = "first gzip member";
    return e;
  }
  r.id_size = header->id_size;
  if ((*first)->end == r.file_bytes) {
    Judge((*first)->data.subspan(header->size), fmt::format("the only gzip member (bytes 0..{}) ends", r.file_bytes),
          r);
    return r;
  }
  // The stream's last 9 bytes, gathered member by member from the end: a
  // last block of fewer than 9 bytes leaves the rest in the one before.
  std::vector<uint8_t> last;
  uint64_t end = r.file_bytes, last_start = 0;
  while (last.size() < kHeapDumpEnd.size() && end > 0) {
    auto member = search.EndingAt(end);
    if (!member.ok()) return member.error();
    if (!*member) {
      r.reason = end == r.file_bytes
                     ? fmt::format("ends at byte {} inside a gzip member: no member starting in the {} bytes before "
                                   "inflates and ends there (cut short or damaged)", end, search.span())
                     : fmt::format("no gzip member ends at byte {}, where the last one starts", end);
      if (search.gave_up()) r.reason += fmt::format("; gave up after {} tries", kMaxInflateAttempts);
      return r;
    }
    const auto data = (*member)->data;
    const auto take = data.last(std::min(data.size(), kHeapDumpEnd.size() - last.size()));
    last.insert(last.begin(), take.begin(), take.end());
    if (end == r.file_bytes) last_start = (*member)->start;
    end = (*member)->start;
  }
  Judge(last, fmt::format("the last gzip member (bytes {}..{}) ends", last_start, r.file_bytes), r);
  return r;
}

}  // namespace

bool EndsWithHeapDumpEnd(std::span<const uint8_t> tail) {
  return tail.size() >= kHeapDumpEnd.size() &&
         std::equal(kHeapDumpEnd.begin(), kHeapDumpEnd.end(), tail.end() - kHeapDumpEnd.size());
}

Result<DumpCompleteness> CheckDumpComplete(const std::string& path) {
  // O_NONBLOCK: a FIFO planted under a dump's name must not block the open.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error::Io(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  const DumpFile file(fd, path);
  struct stat st {};
  if (fstat(fd, &st) != 0) return Error::Io(fmt::format("cannot stat {}: {}", path, std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) return Error::Io(fmt::format("{} is not a regular file", path));
  DumpCompleteness r;
  r.file_bytes = static_cast<uint64_t>(st.st_size);
  if (r.file_bytes == 0) return Error::BadInput("the file is empty: not a heap dump", 0, "file header");
  std::array<uint8_t, hprof::kMaxFileHeaderSize> head_bytes{};
  const auto head = std::span(head_bytes).first(std::min<uint64_t>(r.file_bytes, head_bytes.size()));
  if (Status s = file.ReadAt(0, head); !s.ok()) return s.error();
  r.gzip = hprof::LooksLikeGzip(head);
  return r.gzip ? CheckGzip(file, std::move(r)) : CheckPlain(file, head, std::move(r));
}

}  // namespace heapscope::capture
