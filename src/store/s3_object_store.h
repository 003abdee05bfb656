// store/s3_object_store.h - an ObjectStore in an S3-compatible bucket (AWS
// S3, MinIO, s3rver): key "a/b" is the object PREFIX/a/b.
//
// Put streams through a multipart upload that resumes an interrupted one
// (s3_multipart_upload.h); Get streams ranged reads (s3_ranged_source.h);
// List follows ListObjectsV2's continuation tokens and shows only names that
// are valid keys, as the local folder does. Opening makes no request: a
// wrong bucket or credentials show at the first call, with S3's error code.
// Thread-safe, and sinks and sources may outlive the store.
#ifndef HEAPSCOPE_STORE_S3_OBJECT_STORE_H_
#define HEAPSCOPE_STORE_S3_OBJECT_STORE_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/object_store.h"
#include "store/s3_client.h"
#include "store/s3_config.h"
#include "store/s3_multipart_upload.h"

namespace heapscope::store {

class S3ObjectStore final : public ObjectStore {
 public:
  static std::unique_ptr<S3ObjectStore> Open(S3Config config);

  Result<std::unique_ptr<hprof::ByteSink>> Put(const std::string& key, const PutOptions& options = {}) override;
  Status PutBytes(const std::string& key, std::span<const uint8_t> bytes, const PutOptions& options = {}) override;
  // HEAD. A 404 is false once the bucket is known to exist (one extra HEAD
  // of the bucket the first time), so a wrong bucket name is an error, not
  // an empty store.
  Result<bool> Exists(const std::string& key) override;
  Result<std::vector<std::string>> List(const std::string& prefix) override;
  Result<std::unique_ptr<hprof::ChunkSource>> Get(const std::string& key) override;
  Status Delete(const std::string& key) override;
  std::string Location() const override;

  // Multipart uploads in progress for keys starting with `prefix` (keys
  // without the store's prefix): what interrupted writers left.
  Result<std::vector<S3Upload>> ListUploads(const std::string& prefix);
  // x-amz-meta-* of an object, names in lower case without the prefix.
  Result<HttpHeaders> Metadata(const std::string& key);
  const S3Counters& counters() const { return client_->counters(); }

 private:
  explicit S3ObjectStore(std::shared_ptr<const S3Client> client) : client_(std::move(client)) {}
  std::string KeyPrefix() const;  // "PREFIX/", or empty
  // The HEAD answer; nullopt for a 404 in a bucket that exists.
  Result<std::optional<S3Response>> Head(const std::string& key);
  Error NoSuchKey(std::string_view method, const std::string& key) const;
  Status CheckBucketExists();

  std::shared_ptr<const S3Client> client_;
  std::atomic<bool> bucket_exists_{false};
};

}  // namespace heapscope::store

#endif  // HEAPSCOPE_STORE_S3_OBJECT_STORE_H_
