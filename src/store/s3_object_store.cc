#include "store/s3_object_store.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "store/s3_ranged_source.h"
#include "store/s3_xml.h"

namespace heapscope::store {
namespace {

constexpr std::string_view kMetaPrefix = "x-amz-meta-";

}  // namespace

std::unique_ptr<S3ObjectStore> S3ObjectStore::Open(S3Config config) {
  return std::unique_ptr<S3ObjectStore>(new S3ObjectStore(std::make_shared<const S3Client>(std::move(config))));
}

std::string S3ObjectStore::KeyPrefix() const {
  const std::string& prefix = client_->config().prefix;
  return prefix.empty() ? "" : prefix + "/";
}

Status S3ObjectStore::CheckBucketExists() {
  if (bucket_exists_) return {};
  const S3Call head{.method = "HEAD"};
  auto answer = client_->Send(head);
  if (!answer.ok()) return answer.error();
  if (answer->status == 404) {
    return Error::Io(fmt::format("s3 HEAD s3://{}: HTTP 404 NoSuchBucket: no such bucket at this endpoint",
                                 client_->config().bucket));
  }
  if (answer->status != 200) return client_->Failure(head, answer.value());
  bucket_exists_ = true;
  return {};
}

Result<std::unique_ptr<hprof::ByteSink>> S3ObjectStore::Put(const std::string& key, const PutOptions& options) {
  if (Status s = CheckObjectKey(key); !s.ok()) return s.error();
  if (Status s = CheckObjectMetadata(options); !s.ok()) return s.error();
  return CreateS3UploadSink(client_, KeyPrefix() + key, ObjectCreationHeaders(client_->config(), options));
}

Status S3ObjectStore::PutBytes(const std::string& key, std::span<const uint8_t> bytes, const PutOptions& options) {
  if (bytes.size() > client_->config().part_size) {  // beyond one PutObject's reach or comfort
    auto sink = Put(key, options);
    if (!sink.ok()) return sink.error();
    if (Status s = sink.value()->Write(bytes); !s.ok()) return s;
    return sink.value()->Finish();
  }
  if (Status s = CheckObjectKey(key); !s.ok()) return s;  // Put checks its own
  if (Status s = CheckObjectMetadata(options); !s.ok()) return s;
  return PutObject(*client_, KeyPrefix() + key, bytes, ObjectCreationHeaders(client_->config(), options));
}

Result<std::optional<S3Response>> S3ObjectStore::Head(const std::string& key) {
  if (Status s = CheckObjectKey(key); !s.ok()) return s.error();
  const S3Call head{.method = "HEAD", .key = KeyPrefix() + key};
  auto answer = client_->Send(head);
  if (!answer.ok()) return answer.error();
  if (answer->status == 200) return std::optional<S3Response>(std::move(answer.value()));
  if (answer->status != 404) return client_->Failure(head, answer.value());
  if (Status s = CheckBucketExists(); !s.ok()) return s.error();
  return std::optional<S3Response>();
}

// The bucket is known to exist here, so S3's code is this one.
Error S3ObjectStore::NoSuchKey(std::string_view method, const std::string& key) const {
  return Error::Io(fmt::format("s3 {} s3://{}/{}{}: HTTP 404 NoSuchKey: no such object", method,
                               client_->config().bucket, KeyPrefix(), key));
}

Result<bool> S3ObjectStore::Exists(const std::string& key) {
  auto head = Head(key);
  if (!head.ok()) return head.error();
  return head->has_value();
}

Result<std::vector<std::string>> S3ObjectStore::List(const std::string& prefix) {
  const std::string strip = KeyPrefix();
  std::vector<std::string> keys;
  std::string token;
  while (true) {
    S3Call list{.method = "GET",
                .query = {{"list-type", "2"},
                          {"prefix", strip + prefix},
                          {"max-keys", std::to_string(client_->config().list_page)}}};
    if (!token.empty()) list.query.emplace_back("continuation-token", token);
    auto answer = client_->Expect(list, {200});
    if (!answer.ok()) return answer.error();
    for (std::string_view contents : XmlElements(answer->body, "Contents")) {
      std::string full = XmlText(contents, "Key").value_or("");
      // Objects that no key names (written by other tools) stay out, as
      // foreign files in a local store do.
      if (!full.starts_with(strip) || !CheckObjectKey(std::string_view(full).substr(strip.size())).ok()) continue;
      keys.push_back(full.substr(strip.size()));
    }
    if (XmlText(answer->body, "IsTruncated") != "true") break;
    token = XmlText(answer->body, "NextContinuationToken").value_or("");
    if (token.empty()) return Error::Io(fmt::format("s3 list of s3://{}/{}: a truncated page without a continuation "
                                                    "token", client_->config().bucket, strip + prefix));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

Result<std::unique_ptr<hprof::ChunkSource>> S3ObjectStore::Get(const std::string& key) {
  auto head = Head(key);
  if (!head.ok()) return head.error();
  if (!head->has_value()) return NoSuchKey("GET", key);
  const S3Response& found = head->value();
  uint64_t size = 0;
  std::string_view length = found.Header("content-length");
  auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), size);
  if (ec != std::errc() || end != length.data() + length.size()) {
    return Error::Io(fmt::format("s3 HEAD s3://{}/{}{}: bad Content-Length {:?}", client_->config().bucket,
                                 KeyPrefix(), key, length));
  }
  return OpenS3RangedSource(client_, KeyPrefix() + key, size, std::string(found.Header("etag")));
}

Status S3ObjectStore::Delete(const std::string& key) {
  if (Status s = CheckObjectKey(key); !s.ok()) return s;
  auto answer = client_->Expect({.method = "DELETE", .key = KeyPrefix() + key}, {204, 200, 404});
  return answer.ok() ? Status() : Status(answer.error());
}

std::string S3ObjectStore::Location() const { return S3Location(client_->config()); }

Result<std::vector<S3Upload>> S3ObjectStore::ListUploads(const std::string& prefix) {
  const std::string strip = KeyPrefix();
  auto uploads = ListMultipartUploads(*client_, strip + prefix);
  if (!uploads.ok()) return uploads.error();
  for (S3Upload& u : uploads.value()) u.key = u.key.substr(std::min(strip.size(), u.key.size()));
  return uploads;
}

Result<HttpHeaders> S3ObjectStore::Metadata(const std::string& key) {
  auto head = Head(key);
  if (!head.ok()) return head.error();
  if (!head->has_value()) return NoSuchKey("HEAD", key);
  HttpHeaders metadata;
  for (const auto& [name, value] : head->value().headers) {
    if (name.starts_with(kMetaPrefix)) metadata.emplace_back(name.substr(kMetaPrefix.size()), value);
  }
  std::sort(metadata.begin(), metadata.end());
  return metadata;
}

}  // namespace heapscope::store
