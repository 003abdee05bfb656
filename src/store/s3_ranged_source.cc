#include "store/s3_ranged_source.h"

#include <algorithm>
#include <atomic>

#include <fmt/format.h>

#include "hprof/ordered_workers.h"

namespace heapscope::store {
namespace {

struct RangeJob {
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string bytes;  // out
  Status status;      // out
};

class S3RangedSource final : public hprof::ChunkSource {
 public:
  S3RangedSource(std::shared_ptr<const S3Client> client, std::string key, uint64_t size, std::string etag)
      : client_(std::move(client)),
        key_(std::move(key)),
        size_(size),
        etag_(std::move(etag)),
        workers_(1, "s3-read", [this](RangeJob& job, int) { Fetch(job); }) {
    FetchNext();
  }
  ~S3RangedSource() override { cancel_ = true; }  // then workers_, declared last, waits for the fetch

  Result<std::span<const uint8_t>> Next() override {
    if (!error_.ok()) return error_.error();
    std::unique_ptr<RangeJob> job = workers_.TakeFront();
    if (job == nullptr) return std::span<const uint8_t>();
    if (!job->status.ok()) {
      error_ = job->status;
      return error_.error();
    }
    current_ = std::move(job->bytes);
    handed_out_ += current_.size();
    FetchNext();  // while the caller reads this one
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(current_.data()), current_.size());
  }
  uint64_t InputBytesRead() const override { return handed_out_; }
  uint64_t InputSize() const override { return size_; }

 private:
  void FetchNext() {
    if (asked_ >= size_) return;
    auto job = std::make_unique<RangeJob>();
    job->offset = asked_;
    job->length = std::min(client_->config().get_chunk, size_ - asked_);
    asked_ += job->length;
    workers_.Submit(std::move(job));
  }

  // On the worker thread.
  void Fetch(RangeJob& job) {
    S3Call get{.method = "GET",
               .key = key_,
               .headers = {{"Range", fmt::format("bytes={}-{}", job.offset, job.offset + job.length - 1)}},
               .cancel = &cancel_};
    if (!etag_.empty()) get.headers.emplace_back("If-Match", etag_);
    // A server may answer a range that is the whole object with all of it.
    const bool whole = job.offset == 0 && job.length == size_;
    auto answer = whole ? client_->Expect(get, {206, 200}) : client_->Expect(get, {206});
    if (!answer.ok()) {
      job.status = answer.error();
    } else if (answer->body.size() != job.length) {
      job.status = Error::Io(fmt::format("s3 GET s3://{}/{}: {} bytes at {} where {} were asked for",
                                         client_->config().bucket, key_, answer->body.size(), job.offset, job.length));
    } else {
      job.bytes = std::move(answer->body);
    }
  }

  const std::shared_ptr<const S3Client> client_;
  const std::string key_;
  const uint64_t size_;
  const std::string etag_;
  std::string current_;  // the chunk handed out last
  Status error_;         // sticky: no range after a failed one
  uint64_t asked_ = 0;   // bytes whose ranges are submitted
  uint64_t handed_out_ = 0;
  std::atomic<bool> cancel_{false};
  hprof::OrderedWorkers<RangeJob> workers_;  // last: joined before the rest dies
};

}  // namespace

std::unique_ptr<hprof::ChunkSource> OpenS3RangedSource(std::shared_ptr<const S3Client> client, std::string key,
                                                       uint64_t size, std::string etag) {
  return std::make_unique<S3RangedSource>(std::move(client), std::move(key), size, std::move(etag));
}

}  // namespace heapscope::store
