// store/object_store.h - where shipped dumps and their metadata are kept: a
// flat namespace of keys ("dumps/<id>/metadata.json") holding bytes, as S3
// has it. The local folder is the built-in store; S3 (the pipeline) comes
// behind the same interface.
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
#include <vector>

#include "hprof/byte_sink.h"
#include "hprof/chunk_source.h"
#include "hprof/error.h"

namespace heapscope::store {

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // A sink whose bytes become `key` on Finish().
  virtual Result<std::unique_ptr<hprof::ByteSink>> Put(const std::string& key) = 0;
  // A small object in one call (metadata), durable when it returns.
  virtual Status PutBytes(const std::string& key, std::span<const uint8_t> bytes) = 0;
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

// A store URL: a plain path or file://PATH is a local folder (created when
// missing). Other schemes are a usage error until the pipeline adds them.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url);

}  // namespace heapscope::store

#endif  // HEAPSCOPE_STORE_OBJECT_STORE_H_
