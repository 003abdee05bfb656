#include "store/object_store.h"

#include <fmt/format.h>

#include "store/local_folder_store.h"
#include "store/s3_config.h"
#include "store/s3_object_store.h"

namespace heapscope::store {
namespace {

constexpr size_t kMaxKeyLength = 1024;
constexpr size_t kMaxMetadataBytes = 2048;  // S3's limit on names and values together

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

// "s3" for "s3://bucket/x"; empty when `url` has no scheme (a plain path).
std::string_view SchemeOf(std::string_view url) {
  size_t end = url.find("://");
  if (end == std::string_view::npos || end == 0) return {};
  for (char c : url.substr(0, end)) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!letter && !(c >= '0' && c <= '9') && c != '+' && c != '.' && c != '-') return {};
  }
  return url.substr(0, end);
}

}  // namespace

Status CheckObjectKey(std::string_view key) {
  auto bad = [key](std::string_view why) {
    return Error::Usage(fmt::format("bad object key {:?}: {}", key.substr(0, 200), why));
  };
  if (key.empty()) return bad("empty");
  if (key.size() > kMaxKeyLength) return bad(fmt::format("{} characters, more than {}", key.size(), kMaxKeyLength));
  size_t start = 0;
  while (true) {
    size_t end = key.find('/', start);
    std::string_view segment = key.substr(start, end == std::string_view::npos ? end : end - start);
    if (segment.empty()) return bad(start == 0 ? "starts with '/'" : "has an empty segment");
    if (segment == "." || segment == "..") return bad(fmt::format("has a \"{}\" segment", segment));
    for (char c : segment) {
      if (!IsKeyChar(c)) return bad("segments may hold only A-Z a-z 0-9 . _ -");
    }
    if (end == std::string_view::npos) return {};
    start = end + 1;
  }
}

Status CheckObjectMetadata(const PutOptions& options) {
  size_t total = 0;
  for (const auto& pair : options.metadata) {
    // Named, not bound: clang 14 (the fuzz build) can't capture a binding.
    const std::string& name = pair.first;
    const std::string& value = pair.second;
    auto bad = [&name](std::string_view why) {
      return Error::Usage(fmt::format("bad object metadata {:?}: {}", name.substr(0, 100), why));
    };
    if (name.empty()) return bad("empty name");
    for (char c : name) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return bad("names may hold only a-z 0-9 -");
    }
    for (char c : value) {
      if (c < ' ' || c > '~') return bad("values may hold only printable ASCII");
    }
    total += name.size() + value.size();
  }
  if (total > kMaxMetadataBytes) {
    return Error::Usage(fmt::format("object metadata of {} bytes, more than {}", total, kMaxMetadataBytes));
  }
  return {};
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url) {
  std::string_view scheme = SchemeOf(url);
  if (scheme == "s3") {
    auto config = ParseS3Url(url, ProcessEnvironment());
    if (!config.ok()) return config.error();
    return std::unique_ptr<ObjectStore>(S3ObjectStore::Open(std::move(config.value())));
  }
  if (!scheme.empty() && scheme != "file") {
    return Error::Usage(fmt::format("object store {}: supported are a folder (a path or file://PATH) and "
                                    "s3://BUCKET[/PREFIX]",
                                    url));
  }
  std::string path = scheme.empty() ? url : url.substr(scheme.size() + 3);
  if (path.empty()) return Error::Usage(fmt::format("object store {:?}: no folder given", url));
  auto store = LocalFolderStore::Open(path);
  if (!store.ok()) return store.error();
  return std::unique_ptr<ObjectStore>(std::move(store.value()));
}

}  // namespace heapscope::store
