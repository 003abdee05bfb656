#include "store/s3_multipart_upload.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "hprof/dump_key.h"  // HexOf
#include "hprof/ordered_workers.h"
#include "store/s3_xml.h"

namespace heapscope::store {
namespace {

// Pages of ListMultipartUploads / ListParts we follow at most: 100 x 1000
// entries is far more than one key ever has.
constexpr int kMaxListPages = 100;

struct Md5 {
  unsigned char digest[16];
  std::string Hex() const { return hprof::HexOf({digest, sizeof digest}); }
  std::string Base64() const {
    unsigned char text[32];
    int n = EVP_EncodeBlock(text, digest, sizeof digest);
    return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n));
  }
};

Md5 Md5Of(std::span<const uint8_t> bytes) {
  Md5 md5{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), md5.digest, &length, EVP_md5(), nullptr);
  return md5;
}

std::string Unquoted(std::string_view etag) {
  std::string out;
  for (char c : etag) {
    if (c != '"') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

template <class T>
T NumberOr(const std::optional<std::string>& text, T fallback) {
  T value{};
  if (!text) return fallback;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  return ec == std::errc() && end == text->data() + text->size() ? value : fallback;
}

struct PartJob {
  int number = 0;
  std::vector<uint8_t> bytes;
  std::string etag;  // out
  Status status;     // out
};

class S3UploadSink final : public hprof::ByteSink {
 public:
  S3UploadSink(std::shared_ptr<const S3Client> client, std::string key, HttpHeaders creation_headers)
      : client_(std::move(client)), key_(std::move(key)), creation_headers_(std::move(creation_headers)) {}

  ~S3UploadSink() override {
    if (upload_id_.empty() || finished_) return;
    if (!client_->config().abort_unfinished) {
      while (workers_->in_flight() > 0) workers_->TakeFront();  // every part sent lands, for the test to count
      return;
    }
    cancel_ = true;
    workers_.reset();  // waits for the parts in flight, which stop at once
    // Best effort: what fails here is left to the bucket's lifecycle rule,
    // or to the next Put of the key, which resumes it.
    (void)AbortMultipartUpload(*client_, key_, upload_id_);
  }

  Status Write(std::span<const uint8_t> bytes) override {
    if (!error_.ok()) return error_;
    bytes_in_ += bytes.size();
    const uint64_t part_size = client_->config().part_size;
    while (!bytes.empty()) {
      // A full part goes only once more bytes follow it: then the last part
      // is never empty, and an object of exactly one part is one PutObject.
      if (buffer_.size() == part_size) {
        if (Status s = SendPart(); !s.ok()) return error_ = s;
      }
      const size_t n = std::min<size_t>(part_size - buffer_.size(), bytes.size());
      // Grown by hand so a part's buffer never outgrows the part (the
      // vector's own doubling could reach twice that).
      if (buffer_.size() + n > buffer_.capacity()) {
        buffer_.reserve(std::min<uint64_t>(part_size, std::max(2 * buffer_.capacity(), buffer_.size() + n)));
      }
      buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
      bytes = bytes.subspan(n);
    }
    return {};
  }

  Status Finish() override {
    if (!error_.ok()) return error_;
    if (finished_) return Error::Usage(fmt::format("s3 upload of {}: Finish called twice", key_));
    Status s = upload_id_.empty() ? PutObject(*client_, key_, buffer_, creation_headers_) : Complete();
    if (!s.ok()) return error_ = s;
    finished_ = true;
    return {};
  }

  uint64_t BytesIn() const override { return bytes_in_; }

 private:
  Status Begin() {
    const S3Config& c = client_->config();
    if (Status s = FindUploadToResume(); s.ok() && !upload_id_.empty()) {
      client_->counters().uploads_resumed++;
    } else {
      const S3Call create{.method = "POST", .key = key_, .query = {{"uploads", ""}}, .headers = creation_headers_};
      auto created = client_->Expect(create, {200});
      if (!created.ok()) return created.error();
      upload_id_ = XmlText(created->body, "UploadId").value_or("");
      if (upload_id_.empty()) return Error::Io(fmt::format("s3 POST s3://{}/{}?uploads: no UploadId in the answer",
                                                           c.bucket, key_));
    }
    workers_ = std::make_unique<hprof::OrderedWorkers<PartJob>>(c.parallel, "s3-upload",
                                                                 [this](PartJob& job, int) { UploadPart(job); });
    return {};
  }

  // Leaves upload_id_ empty when there is nothing to resume.
  Status FindUploadToResume() {
    auto uploads = ListMultipartUploads(*client_, key_);
    if (!uploads.ok()) return uploads.error();
    const S3Upload* newest = nullptr;
    for (const S3Upload& u : uploads.value()) {
      if (u.key == key_ && (newest == nullptr || u.initiated > newest->initiated)) newest = &u;
    }
    if (newest == nullptr) return {};
    auto parts = ListUploadParts(*client_, key_, newest->upload_id);
    if (!parts.ok()) return parts.error();
    for (S3UploadPart& p : parts.value()) uploaded_[p.number] = std::move(p);
    upload_id_ = newest->upload_id;
    return {};
  }

  Status SendPart() {
    if (upload_id_.empty()) {
      if (Status s = Begin(); !s.ok()) return s;
    }
    if (next_part_ > kMaxParts) {
      return Error::Io(fmt::format("s3 upload of {}: more than {} parts of {} bytes; give a larger part_size=", key_,
                                   kMaxParts, client_->config().part_size));
    }
    if (workers_->in_flight() >= static_cast<size_t>(client_->config().parallel)) {
      if (Status s = TakeOldestPart(); !s.ok()) return s;
    }
    auto job = std::make_unique<PartJob>();
    job->number = next_part_++;
    job->bytes = std::move(buffer_);
    buffer_ = std::move(spare_);
    buffer_.clear();
    workers_->Submit(std::move(job));
    return {};
  }

  Status TakeOldestPart() {
    std::unique_ptr<PartJob> job = workers_->TakeFront();
    if (!job->status.ok()) return job->status;
    done_.push_back({job->number, job->bytes.size(), std::move(job->etag)});
    spare_ = std::move(job->bytes);  // the next part fills it, so memory is not handed back and forth
    return {};
  }

  // On a worker thread.
  void UploadPart(PartJob& job) {
    if (failed_ || cancel_) {
      job.status = Error::Io(fmt::format("s3 upload of {}: part {} not sent after an earlier failure", key_,
                                         job.number));
      return;
    }
    const Md5 md5 = Md5Of(job.bytes);
    if (auto it = uploaded_.find(job.number);
        it != uploaded_.end() && it->second.size == job.bytes.size() && Unquoted(it->second.etag) == md5.Hex()) {
      job.etag = it->second.etag;
      client_->counters().parts_reused++;
      return;
    }
    const S3Call put{.method = "PUT",
                     .key = key_,
                     .query = {{"partNumber", std::to_string(job.number)}, {"uploadId", upload_id_}},
                     .headers = {{"Content-MD5", md5.Base64()}},
                     .body = job.bytes,
                     .cancel = &cancel_};
    auto answer = client_->Expect(put, {200});
    if (answer.ok()) job.etag = std::string(answer->Header("etag"));
    if (answer.ok() && job.etag.empty()) {
      answer = Error::Io(fmt::format("s3 PUT s3://{}/{}?partNumber={}: no ETag in the answer",
                                     client_->config().bucket, key_, job.number));
    }
    if (!answer.ok()) {
      job.status = answer.error();
      failed_ = true;
      return;
    }
    client_->counters().parts_uploaded++;
  }

  Status Complete() {
    if (Status s = SendPart(); !s.ok()) return s;
    while (workers_->in_flight() > 0) {
      if (Status s = TakeOldestPart(); !s.ok()) return s;
    }
    std::string xml = "<CompleteMultipartUpload>";
    for (const S3UploadPart& p : done_) {
      xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", p.number, XmlEscape(p.etag));
    }
    xml += "</CompleteMultipartUpload>";
    const S3Call complete{.method = "POST",
                          .key = key_,
                          .query = {{"uploadId", upload_id_}},
                          .headers = {{"Content-Type", "application/xml"}},
                          .body = {reinterpret_cast<const uint8_t*>(xml.data()), xml.size()}};
    auto answer = client_->Expect(complete, {200});
    if (!answer.ok()) return answer.error();
    return CheckCompleteAnswer(answer->body,
                               fmt::format("s3 POST s3://{}/{}?uploadId", client_->config().bucket, key_));
  }

  const std::shared_ptr<const S3Client> client_;
  const std::string key_;
  const HttpHeaders creation_headers_;
  std::vector<uint8_t> buffer_;  // the part being filled
  std::vector<uint8_t> spare_;   // a sent part's buffer, for the next one
  uint64_t bytes_in_ = 0;
  Status error_;
  bool finished_ = false;
  std::string upload_id_;  // empty until the first part goes
  std::map<int, S3UploadPart> uploaded_;  // by a resumed upload's earlier run; read-only once parts go
  int next_part_ = 1;
  std::vector<S3UploadPart> done_;  // in order
  std::atomic<bool> failed_{false};
  std::atomic<bool> cancel_{false};
  std::unique_ptr<hprof::OrderedWorkers<PartJob>> workers_;  // last: its threads die first
};

}  // namespace

HttpHeaders ObjectCreationHeaders(const S3Config& config, const PutOptions& options) {
  HttpHeaders headers = {{"Content-Type", "application/octet-stream"}};
  if (!config.sse.empty()) headers.emplace_back("x-amz-server-side-encryption", config.sse);
  if (!config.kms_key_id.empty()) {
    headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", config.kms_key_id);
  }
  for (const auto& [name, value] : options.metadata) headers.emplace_back("x-amz-meta-" + name, value);
  return headers;
}

Status PutObject(const S3Client& client, const std::string& key, std::span<const uint8_t> bytes,
                 const HttpHeaders& creation_headers) {
  S3Call put{.method = "PUT", .key = key, .headers = creation_headers, .body = bytes};
  put.headers.emplace_back("Content-MD5", Md5Of(bytes).Base64());
  auto answer = client.Expect(put, {200});
  return answer.ok() ? Status() : Status(answer.error());
}

Result<std::vector<S3Upload>> ListMultipartUploads(const S3Client& client, const std::string& key_prefix) {
  std::vector<S3Upload> uploads;
  std::string key_marker, upload_id_marker;
  for (int page = 0; page < kMaxListPages; ++page) {
    S3Call list{.method = "GET", .query = {{"uploads", ""}, {"prefix", key_prefix}}};
    if (!key_marker.empty()) {
      list.query.emplace_back("key-marker", key_marker);
      list.query.emplace_back("upload-id-marker", upload_id_marker);
    }
    auto answer = client.Expect(list, {200});
    if (!answer.ok()) return answer.error();
    for (std::string_view u : XmlElements(answer->body, "Upload")) {
      uploads.push_back({XmlText(u, "Key").value_or(""), XmlText(u, "UploadId").value_or(""),
                         XmlText(u, "Initiated").value_or("")});
    }
    key_marker = XmlText(answer->body, "NextKeyMarker").value_or("");
    upload_id_marker = XmlText(answer->body, "NextUploadIdMarker").value_or("");
    if (XmlText(answer->body, "IsTruncated") != "true" || key_marker.empty()) break;
  }
  return uploads;
}

Result<std::vector<S3UploadPart>> ListUploadParts(const S3Client& client, const std::string& key,
                                                  const std::string& upload_id) {
  std::vector<S3UploadPart> parts;
  std::string marker;
  for (int page = 0; page < kMaxListPages; ++page) {
    S3Call list{.method = "GET", .key = key, .query = {{"uploadId", upload_id}}};
    if (!marker.empty()) list.query.emplace_back("part-number-marker", marker);
    auto answer = client.Expect(list, {200});
    if (!answer.ok()) return answer.error();
    for (std::string_view p : XmlElements(answer->body, "Part")) {
      parts.push_back({NumberOr(XmlText(p, "PartNumber"), 0), NumberOr(XmlText(p, "Size"), uint64_t{0}),
                       XmlText(p, "ETag").value_or("")});
    }
    marker = XmlText(answer->body, "NextPartNumberMarker").value_or("");
    if (XmlText(answer->body, "IsTruncated") != "true" || marker.empty()) break;
  }
  return parts;
}

Status AbortMultipartUpload(const S3Client& client, const std::string& key, const std::string& upload_id) {
  const S3Call abort{.method = "DELETE", .key = key, .query = {{"uploadId", upload_id}}};
  auto answer = client.Expect(abort, {204, 200, 404});
  return answer.ok() ? Status() : Status(answer.error());
}

Status CheckCompleteAnswer(std::string_view body, std::string_view what) {
  if (XmlRootName(body) == "CompleteMultipartUploadResult") return {};
  if (XmlRootName(body) != "Error") {
    return Error::Io(fmt::format("{}: HTTP 200 without a CompleteMultipartUploadResult", what));
  }
  return Error::Io(fmt::format("{}: HTTP 200 with error {}: {}", what, XmlText(body, "Code").value_or("(no code)"),
                               XmlText(body, "Message").value_or("")));
}

std::unique_ptr<hprof::ByteSink> CreateS3UploadSink(std::shared_ptr<const S3Client> client, std::string key,
                                                    HttpHeaders creation_headers) {
  return std::make_unique<S3UploadSink>(std::move(client), std::move(key), std::move(creation_headers));
}

}  // namespace heapscope::store
