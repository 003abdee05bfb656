#include "hprof/dump_input.h"

#include <fmt/format.h>

#include "hprof/encrypted_reader.h"
#include "hprof/gzip_reader.h"
#include "hprof/inflating_source.h"

namespace heapscope::hprof {

namespace {

// Hands out one chunk already taken from `inner`, then the rest of it: how
// the first decrypted bytes are looked at before the decoder is chosen.
class PeekedSource final : public ChunkSource {
 public:
  PeekedSource(std::unique_ptr<ChunkSource> inner, std::span<const uint8_t> first)
      : inner_(std::move(inner)), first_(first) {}
  Result<std::span<const uint8_t>> Next() override {
    if (!peeked_done_) {
      peeked_done_ = true;
      if (!first_.empty()) return first_;
    }
    return inner_->Next();
  }
  uint64_t InputBytesRead() const override { return inner_->InputBytesRead(); }
  uint64_t InputSize() const override { return inner_->InputSize(); }

 private:
  std::unique_ptr<ChunkSource> inner_;
  std::span<const uint8_t> first_;  // valid until inner_->Next() is called again
  bool peeked_done_ = false;
};

Result<std::unique_ptr<ChunkSource>> OpenEncrypted(const std::string& path, MappedFile file, int threads,
                                                  const DumpKey* key) {
  if (!key) return Error::Usage(fmt::format("{} is encrypted: pass --key-file (or set HEAPSCOPE_KEY_FILE)", path));
  auto src = OpenEncryptedSource(std::move(file), *key, threads);
  if (!src.ok()) return src.error();
  // The first chunk says whether the plaintext is gzip. A first chunk that
  // fails to authenticate is reported here; an empty plaintext goes on to
  // the HPROF reader, which reports it.
  auto first = src.value()->Next();
  if (!first.ok()) return first.error();
  std::span<const uint8_t> head = first.value();
  auto peeked = std::make_unique<PeekedSource>(std::move(src.value()), head);
  if (LooksLikeGzip(head)) return CreateInflatingSource(std::move(peeked));
  return std::unique_ptr<ChunkSource>(std::move(peeked));
}

}  // namespace

std::string_view DumpEncodingName(DumpEncoding encoding) {
  switch (encoding) {
    case DumpEncoding::kPlain: return "plain";
    case DumpEncoding::kGzipBlocks: return "gzip (HotSpot blocks, parallel)";
    case DumpEncoding::kGzipStream: return "gzip (stream)";
    case DumpEncoding::kEncrypted: return "encrypted (AES-256-GCM)";
  }
  return "unknown";
}

Result<DumpInput> DumpInput::Open(const std::string& path, int threads, const DumpKey* key) {
  auto file = MappedFile::Open(path);
  if (!file.ok()) return file.error();
  DumpInput in;
  in.file_size = file->size();
  auto head = file->bytes().first(std::min<uint64_t>(file->size(), 4096));
  if (LooksEncrypted(head)) {
    in.encoding = DumpEncoding::kEncrypted;
    auto src = OpenEncrypted(path, std::move(file.value()), threads, key);
    if (!src.ok()) return src.error();
    in.chunks = std::move(src.value());
    return in;
  }
  if (!LooksLikeGzip(head)) {
    in.mapped = std::move(file.value());
    return in;
  }
  in.encoding = HotSpotGzipBlockSize(head) ? DumpEncoding::kGzipBlocks : DumpEncoding::kGzipStream;
  auto src = OpenGzipSource(std::move(file.value()), threads);
  if (!src.ok()) return src.error();
  in.chunks = std::move(src.value());
  return in;
}

}  // namespace heapscope::hprof
