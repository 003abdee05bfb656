// store/local_folder_store.h - an ObjectStore in a folder: key "a/b/c" is the
// file <root>/a/b/c.
//
// Bytes being written live in <root>/.partial~/ (the '~' is no key
// character, so no key can collide with it and List never shows it). Finish
// fsyncs the file, renames it onto its key and fsyncs the key's folder, so an
// object is whole after a crash or absent. Objects are only ever replaced by
// a rename, never changed in place, so a reader holding one keeps reading
// the version it opened.
#ifndef HEAPSCOPE_STORE_LOCAL_FOLDER_STORE_H_
#define HEAPSCOPE_STORE_LOCAL_FOLDER_STORE_H_

#include <memory>
#include <string>

#include "store/object_store.h"

namespace heapscope::store {

class LocalFolderStore final : public ObjectStore {
 public:
  // Creates `root` when missing and removes temporaries that writers killed
  // long ago left behind.
  static Result<std::unique_ptr<LocalFolderStore>> Open(const std::string& root);

  // Metadata is checked like S3's and not kept (object_store.h).
  Result<std::unique_ptr<hprof::ByteSink>> Put(const std::string& key, const PutOptions& options = {}) override;
  Status PutBytes(const std::string& key, std::span<const uint8_t> bytes, const PutOptions& options = {}) override;
  Result<bool> Exists(const std::string& key) override;
  Result<std::vector<std::string>> List(const std::string& prefix) override;
  Result<std::unique_ptr<hprof::ChunkSource>> Get(const std::string& key) override;
  Status Delete(const std::string& key) override;
  std::string Location() const override;

 private:
  explicit LocalFolderStore(std::string root) : root_(std::move(root)) {}

  std::string root_;  // absolute, no trailing '/'
};

}  // namespace heapscope::store

#endif  // HEAPSCOPE_STORE_LOCAL_FOLDER_STORE_H_
