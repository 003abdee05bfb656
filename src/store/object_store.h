// store/object_store.h - where shipped dumps and their metadata are kept: a
// flat namespace of keys ("dumps/<id>/metadata.json") holding bytes, as S3
// has it: a local folder, or an S3-compatible bucket (s3_object_store.h).
//
// Objects appear whole or not at all: Put's sink stores under a temporary
// name and makes the object visible only on a successful Finish(), so a
// reader (or a restarted agent asking Exists) never sees half an object.
// Writing a key again replaces it, which is what makes a retried upload
// idempotent.
#ifndef HEAPSCOPE_STORE_OBJECT_STORE_H_
#define HEAPSCOPE_STORE_OBJECT_STORE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hprof/byte_sink.h"
#include "hprof/chunk_source.h"
#include "hprof/error.h"

namespace heapscope::store {

// User metadata goes with an object only where the store keeps it (S3 sends
// each pair as x-amz-meta-<name> and shows it on HEAD, to lifecycle rules,
// inventories and the console); a local folder checks it and drops it. So
// it is a label for tools around the store, never something a reader of
// the store needs: that belongs in an object (metadata.json).
struct PutOptions {
  std::vector<std::pair<std::string, std::string>> metadata;  // name (no prefix), value
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // A sink whose bytes become `key` on Finish().
  virtual Result<std::unique_ptr<hprof::ByteSink>> Put(const std::string& key, const PutOptions& options = {}) = 0;
  // A small object in one call (metadata), durable when it returns.
  virtual Status PutBytes(const std::string& key, std::span<const uint8_t> bytes,
                          const PutOptions& options = {}) = 0;
  virtual Result<bool> Exists(const std::string& key) = 0;
  // Keys starting with `prefix`, sorted.
  virtual Result<std::vector<std::string>> List(const std::string& prefix) = 0;
  virtual Result<std::unique_ptr<hprof::ChunkSource>> Get(const std::string& key) = 0;
  virtual Status Delete(const std::string& key) = 0;
  // Where the store is, for messages and metadata ("file:///var/dumps").
  virtual std::string Location() const = 0;
};

// Keys are relative paths of [A-Za-z0-9._-] segments joined by '/', none
// empty, "." or ".."; anything else is a usage error naming the key.
Status CheckObjectKey(std::string_view key);

// Metadata names are [a-z0-9-] and values printable ASCII (they travel as
// HTTP headers), at most 2 KB of names and values together (S3's limit);
// anything else is a usage error.
Status CheckObjectMetadata(const PutOptions& options);

// A store URL: a plain path or file://PATH is a local folder (created when
// missing); s3://BUCKET[/PREFIX][?options] is a bucket (s3_config.h lists
// the options and the environment it reads). Other schemes are a usage error.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url);

}  // namespace heapscope::store

#endif  // HEAPSCOPE_STORE_OBJECT_STORE_H_
