#include "hprof/inflating_source.h"

#include <isa-l.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "hprof/gzip_reader.h"

namespace heapscope::hprof {

namespace {

// As gzip_reader's stream chunks: per-chunk costs vanish at this size.
constexpr size_t kOutChunkSize = 4u << 20;
// ISA-L counts input in uint32_t.
constexpr uint64_t kMaxFeed = 1u << 30;

class InflatingSource final : public ChunkSource {
 public:
  explicit InflatingSource(std::unique_ptr<ChunkSource> inner)
      : inner_(std::move(inner)), state_(std::make_unique<inflate_state>()),
        out_(std::make_unique_for_overwrite<uint8_t[]>(kOutChunkSize)) {
    isal_inflate_init(state_.get());
  }

  // Bytes inflated before damage go out first; the error follows on the
  // next call and then sticks.
  Result<std::span<const uint8_t>> Next() override {
    if (error_) return *error_;
    size_t produced = 0;
    while (produced < kOutChunkSize && !finished_ && !error_) {
      if (in_.empty() && !inner_done_) {
        auto chunk = inner_->Next();
        if (!chunk.ok()) {
          error_ = chunk.error();
          break;
        }
        in_ = chunk.value();
        inner_done_ = in_.empty();
        continue;
      }
      if (!in_member_) {
        if (in_.empty()) {  // the inner stream ended at a member boundary
          finished_ = true;
          break;
        }
        isal_inflate_reset(state_.get());
        state_->crc_flag = ISAL_GZIP;
        member_start_ = pos_;
        in_member_ = true;
      }
      // Input is empty here only once the inner stream has ended: ISA-L may
      // still hold bits to decode.
      state_->next_in = const_cast<uint8_t*>(in_.data());
      state_->avail_in = static_cast<uint32_t>(std::min<uint64_t>(in_.size(), kMaxFeed));
      state_->next_out = out_.get() + produced;
      state_->avail_out = static_cast<uint32_t>(kOutChunkSize - produced);
      const int ret = isal_inflate(state_.get());
      const size_t used = static_cast<size_t>(state_->next_in - in_.data());
      const size_t wrote = static_cast<size_t>(state_->next_out - (out_.get() + produced));
      in_ = in_.subspan(used);
      pos_ += used;
      produced += wrote;
      if (ret < 0 || ret == ISAL_NEED_DICT) {
        error_ = Corrupt(ret);
      } else if (state_->block_state == ISAL_BLOCK_FINISH) {
        in_member_ = false;
      } else if (used == 0 && wrote == 0 && state_->avail_out > 0 && !in_.empty()) {
        error_ = Error::BadInput(fmt::format("gzip inflate stopped with input left (isa-l code {})", ret), pos_,
                                 Record());
      } else if (used == 0 && wrote == 0 && state_->avail_out > 0) {
        Error e = Error::BadInput("the compressed stream ends inside a gzip member (it was cut short before it "
                                  "was encrypted)",
                                  pos_, Record());
        e.truncated = true;  // what went out was authenticated by the layer below
        error_ = std::move(e);
      }
    }
    if (produced > 0) return std::span<const uint8_t>(out_.get(), produced);
    if (error_) return *error_;
    return std::span<const uint8_t>();
  }

  uint64_t InputBytesRead() const override { return inner_->InputBytesRead(); }
  uint64_t InputSize() const override { return inner_->InputSize(); }

 private:
  std::string Record() const { return fmt::format("gzip member at byte {} of the decrypted stream", member_start_); }

  Error Corrupt(int ret) const {
    const std::string_view what = IsalInflateErrorText(ret);
    // ISA-L reads ahead into a bit buffer; step back over it, as
    // gzip_reader does, so the offset points near the damage.
    const uint64_t buffered = static_cast<uint64_t>(std::max(state_->read_in_length, 0)) / 8;
    const uint64_t at = std::max(member_start_, pos_ - std::min(pos_, buffered));
    return Error::BadInput(fmt::format("{} (isa-l code {})", what, ret), at, Record());
  }

  std::unique_ptr<ChunkSource> inner_;
  std::span<const uint8_t> in_;  // what is left of the inner source's current chunk
  bool inner_done_ = false;
  uint64_t pos_ = 0;             // compressed bytes ISA-L has taken
  uint64_t member_start_ = 0;
  bool in_member_ = false;
  bool finished_ = false;
  std::optional<Error> error_;
  std::unique_ptr<inflate_state> state_;  // ~90 KiB, too big for the stack
  std::unique_ptr<uint8_t[]> out_;
};

}  // namespace

std::unique_ptr<ChunkSource> CreateInflatingSource(std::unique_ptr<ChunkSource> inner) {
  return std::make_unique<InflatingSource>(std::move(inner));
}

}  // namespace heapscope::hprof
