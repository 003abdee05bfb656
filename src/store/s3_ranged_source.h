// store/s3_ranged_source.h - S3ObjectStore::Get's ChunkSource: an object in
// ranged GETs of get_chunk bytes, the next range fetched on a thread while
// the caller reads the current one (two chunks in memory).
//
// The store learns the size and ETag first, with a HEAD: s3rver answers a
// range of an empty object with a 1-byte Content-Length and no byte, so no
// range is asked for beyond the object. Every range carries If-Match with
// that ETag: an object replaced while it is read fails (HTTP 412) instead of
// splicing two versions. Each range is retried like any request
// (s3_client.h), and one that comes back short is an error.
#ifndef HEAPSCOPE_STORE_S3_RANGED_SOURCE_H_
#define HEAPSCOPE_STORE_S3_RANGED_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "hprof/chunk_source.h"
#include "store/s3_client.h"

namespace heapscope::store {

// `key` is the whole key, store prefix included; `size` and `etag` are its
// HEAD's.
std::unique_ptr<hprof::ChunkSource> OpenS3RangedSource(std::shared_ptr<const S3Client> client, std::string key,
                                                       uint64_t size, std::string etag);

}  // namespace heapscope::store

#endif  // HEAPSCOPE_STORE_S3_RANGED_SOURCE_H_
