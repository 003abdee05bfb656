// store/s3_multipart_upload.h - the ByteSink behind S3ObjectStore::Put, and
// the multipart calls around it.
//
// The sink buffers one part. An object that fits in one part is one
// PutObject on Finish(); the first part that fills with more bytes behind
// it starts a multipart upload, and parts go up on worker threads, at most
// `parallel` at a time, so memory stays near (parallel + 1) x part_size.
// Finish() uploads the last part and completes the upload, reading the
// answer's body too: S3 may say 200 and put an <Error> inside. A sink
// destroyed before a successful Finish() aborts its upload, so the object
// appears whole or not at all. Failures are sticky.
//
// Resume. A process killed mid-upload leaves its upload and parts in the
// bucket (until a lifecycle rule removes them). So a multipart upload first
// asks ListMultipartUploads for one of exactly this key (the newest, if
// several) and ListParts for what it holds, and reuses it: a part whose
// number, size and MD5 match the part being sent is not sent again. The
// match relies on S3's ETag of a part being its MD5, which holds unless the
// bucket encrypts with KMS; then every part simply goes up again. Resuming
// is only a saving, so any failure to look (s3rver answers 501 to
// ListMultipartUploads; a role may lack s3:ListBucketMultipartUploads)
// starts a fresh upload instead. A resumed upload keeps the metadata and
// encryption its first Put gave it. Two writers of one key at once would
// share an upload; the store's writers never do that (one key, one dump).
#ifndef HEAPSCOPE_STORE_S3_MULTIPART_UPLOAD_H_
#define HEAPSCOPE_STORE_S3_MULTIPART_UPLOAD_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hprof/byte_sink.h"
#include "store/object_store.h"
#include "store/s3_client.h"

namespace heapscope::store {

inline constexpr int kMaxParts = 10000;  // S3's limit per upload

struct S3Upload {
  std::string key;  // whole key
  std::string upload_id;
  std::string initiated;  // ISO 8601, as S3 gives it
};

struct S3UploadPart {
  int number = 0;
  uint64_t size = 0;
  std::string etag;  // quotes and all
};

// Headers that describe a new object (PutObject, CreateMultipartUpload):
// Content-Type, encryption and x-amz-meta-*. `options` must be checked.
HttpHeaders ObjectCreationHeaders(const S3Config& config, const PutOptions& options);

// One PutObject of `bytes`, with Content-MD5 and the payload's SHA-256.
Status PutObject(const S3Client& client, const std::string& key, std::span<const uint8_t> bytes,
                 const HttpHeaders& creation_headers);

// In-progress uploads of keys starting with `key_prefix`.
Result<std::vector<S3Upload>> ListMultipartUploads(const S3Client& client, const std::string& key_prefix);
Result<std::vector<S3UploadPart>> ListUploadParts(const S3Client& client, const std::string& key,
                                                  const std::string& upload_id);
Status AbortMultipartUpload(const S3Client& client, const std::string& key, const std::string& upload_id);

// An error for a CompleteMultipartUpload answer that holds one, whatever
// its status said.
Status CheckCompleteAnswer(std::string_view body, std::string_view what);

std::unique_ptr<hprof::ByteSink> CreateS3UploadSink(std::shared_ptr<const S3Client> client, std::string key,
                                                    HttpHeaders creation_headers);

}  // namespace heapscope::store

#endif  // HEAPSCOPE_STORE_S3_MULTIPART_UPLOAD_H_
