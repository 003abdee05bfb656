#include "store/local_folder_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>

#include <fmt/format.h>

#include "hprof/mapped_file.h"

namespace heapscope::store {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kStagingFolder = ".partial~";
constexpr uint64_t kChunkSize = uint64_t{4} << 20;
// A live writer touches its temporary with every 4 MiB it writes; one
// untouched this long belongs to a process that was killed (SIGKILL, OOM,
// power loss) before its sink's destructor could remove it. Younger ones may
// be another process's upload in flight into the same store.
constexpr auto kStaleAge = std::chrono::hours(1);

Error IoError(std::string_view what, const std::string& path, int err) {
  return Error::Io(fmt::format("cannot {} {}: {}", what, path, std::strerror(err)));
}

// fsync through a fresh descriptor: Linux flushes the inode whichever
// descriptor asks, and a folder can only be synced this way.
Status Sync(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) return IoError("open for fsync", path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("fsync", path, err);
  return {};
}

// mkdir -p of the folders above `key`; a folder it creates is synced into
// its parent, or a crash could lose the folder and the object in it.
Status MakeParentFolders(const std::string& root, const std::string& key) {
  for (size_t slash = key.find('/'); slash != std::string::npos; slash = key.find('/', slash + 1)) {
    std::string folder = root + "/" + key.substr(0, slash);
    if (::mkdir(folder.c_str(), 0755) == 0) {
      if (Status s = Sync(folder.substr(0, folder.rfind('/')), O_DIRECTORY); !s.ok()) return s;
    } else if (errno != EEXIST) {
      return IoError("create folder", folder, errno);
    }
  }
  return {};
}

// Makes the finished temporary `staged` the object `key`.
Status Publish(const std::string& staged, const std::string& root, const std::string& key) {
  if (Status s = Sync(staged, 0); !s.ok()) return s;
  const std::string target = root + "/" + key;
  // A Delete of the folder's last other object may remove the folder between
  // our mkdir and rename, so ENOENT is worth another go.
  for (int attempt = 0;; ++attempt) {
    if (Status s = MakeParentFolders(root, key); !s.ok()) return s;
    if (::rename(staged.c_str(), target.c_str()) == 0) break;
    if (errno != ENOENT || attempt == 3) return IoError("rename into place", target, errno);
  }
  return Sync(target.substr(0, target.rfind('/')), O_DIRECTORY);
}

// hprof's file sink writes the temporary (its own temp + rename inside the
// staging folder); this adds the fsyncs and the move onto the key.
class ObjectSink final : public hprof::ByteSink {
 public:
  ObjectSink(std::unique_ptr<hprof::ByteSink> file, std::string staged, std::string root, std::string key)
      : file_(std::move(file)), staged_(std::move(staged)), root_(std::move(root)), key_(std::move(key)) {}
  ~ObjectSink() override {
    file_.reset();  // removes its temporary unless it finished
    if (file_finished_ && !published_) ::unlink(staged_.c_str());
  }
  Status Write(std::span<const uint8_t> bytes) override { return file_->Write(bytes); }
  Status Finish() override {
    if (Status s = file_->Finish(); !s.ok()) return s;
    file_finished_ = true;
    Status s = Publish(staged_, root_, key_);
    published_ = s.ok();
    return s;
  }
  uint64_t BytesIn() const override { return file_->BytesIn(); }

 private:
  std::unique_ptr<hprof::ByteSink> file_;
  std::string staged_;  // the whole object, once file_ has finished
  std::string root_;
  std::string key_;
  bool file_finished_ = false;
  bool published_ = false;
};

// The object's file mapped, handed out a piece at a time; pieces already
// read go back to the kernel so a large dump does not fill RSS.
class MappedChunks final : public hprof::ChunkSource {
 public:
  explicit MappedChunks(hprof::MappedFile file) : file_(std::move(file)) {}
  Result<std::span<const uint8_t>> Next() override {
    file_.Release(piece_start_, pos_ - piece_start_);  // the caller is done with it
    std::span<const uint8_t> piece = file_.bytes().subspan(pos_, std::min(kChunkSize, file_.size() - pos_));
    piece_start_ = pos_;
    pos_ += piece.size();
    return piece;
  }
  uint64_t InputBytesRead() const override { return pos_; }
  uint64_t InputSize() const override { return file_.size(); }

 private:
  hprof::MappedFile file_;
  uint64_t piece_start_ = 0;  // of the piece handed out last
  uint64_t pos_ = 0;          // bytes handed out
};

// Unique across processes and machines sharing the store: two agents in
// containers are both often pid 1.
std::string TemporaryName() {
  std::random_device random;
  return fmt::format("{}-{:08x}{:08x}", ::getpid(), random(), random());
}

void RemoveStaleTemporaries(const std::string& staging) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - kStaleAge;
  for (fs::directory_iterator it(staging, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (it->is_regular_file(entry_ec) && it->last_write_time(entry_ec) < cutoff && !entry_ec) {
      fs::remove(it->path(), entry_ec);  // best effort: the next open tries again
    }
  }
}

// Appends the keys in `folder` (whose own key is `folder_key`, "" for the
// root) that start with `prefix`. Names that are no key segment are
// temporaries, the staging folder or foreign files, and are skipped.
Status Walk(const std::string& folder, const std::string& folder_key, const std::string& prefix,
            std::vector<std::string>* keys) {
  std::error_code ec;
  fs::directory_iterator it(folder, ec), end;
  // A concurrent Delete may remove a folder while we walk.
  if (ec == std::errc::no_such_file_or_directory) return {};
  for (; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!CheckObjectKey(name).ok()) continue;
    std::string key = folder_key.empty() ? name : folder_key + "/" + name;
    fs::file_type type = it->symlink_status(ec).type();
    if (ec) break;
    if (type == fs::file_type::regular && key.starts_with(prefix)) keys->push_back(key);
    if (type != fs::file_type::directory) continue;
    const std::string below = key + "/";
    if (!below.starts_with(prefix) && !prefix.starts_with(below)) continue;
    if (Status s = Walk(folder + "/" + name, key, prefix, keys); !s.ok()) return s;
  }
  if (ec) return IoError("list", folder, ec.value());
  return {};
}

}  // namespace

Result<std::unique_ptr<LocalFolderStore>> LocalFolderStore::Open(const std::string& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return IoError("create folder", root, ec.value());
  if (!fs::is_directory(root, ec)) return Error::Io(fmt::format("{} is not a folder", root));
  std::string absolute = fs::absolute(root, ec).lexically_normal().string();
  if (ec) return IoError("resolve", root, ec.value());
  while (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
  RemoveStaleTemporaries(absolute + "/" + std::string(kStagingFolder));
  return std::unique_ptr<LocalFolderStore>(new LocalFolderStore(std::move(absolute)));
}

Result<std::unique_ptr<hprof::ByteSink>> LocalFolderStore::Put(const std::string& key, const PutOptions& options) {
  if (Status s = CheckObjectKey(key); !s.ok()) return s.error();
  if (Status s = CheckObjectMetadata(options); !s.ok()) return s.error();
  // Made here rather than at Open so a read-only store can still be opened.
  const std::string staging = root_ + "/" + std::string(kStagingFolder);
  if (::mkdir(staging.c_str(), 0755) != 0 && errno != EEXIST) return IoError("create folder", staging, errno);
  std::string staged = staging + "/" + TemporaryName();
  auto file = hprof::CreateFileSink(staged);
  if (!file.ok()) return file.error();
  return std::unique_ptr<hprof::ByteSink>(
      std::make_unique<ObjectSink>(std::move(file.value()), std::move(staged), root_, key));
}

Status LocalFolderStore::PutBytes(const std::string& key, std::span<const uint8_t> bytes,
                                  const PutOptions& options) {
  auto sink = Put(key, options);
  if (!sink.ok()) return sink.error();
  if (Status s = sink.value()->Write(bytes); !s.ok()) return s;
  return sink.value()->Finish();
}

Result<bool> LocalFolderStore::Exists(const std::string& key) {
  if (Status s = CheckObjectKey(key); !s.ok()) return s.error();
  const std::string path = root_ + "/" + key;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return static_cast<bool>(S_ISREG(st.st_mode));
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return IoError("stat", path, errno);
}

Result<std::vector<std::string>> LocalFolderStore::List(const std::string& prefix) {
  std::vector<std::string> keys;
  if (Status s = Walk(root_, "", prefix, &keys); !s.ok()) return s.error();
  std::sort(keys.begin(), keys.end());
  return keys;
}

Result<std::unique_ptr<hprof::ChunkSource>> LocalFolderStore::Get(const std::string& key) {
  if (Status s = CheckObjectKey(key); !s.ok()) return s.error();
  auto file = hprof::MappedFile::Open(root_ + "/" + key);
  if (!file.ok()) return file.error();
  return std::unique_ptr<hprof::ChunkSource>(std::make_unique<MappedChunks>(std::move(file.value())));
}

Status LocalFolderStore::Delete(const std::string& key) {
  if (Status s = CheckObjectKey(key); !s.ok()) return s;
  const std::string path = root_ + "/" + key;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return {};
    return IoError("delete", path, errno);
  }
  // Folders exist only to hold keys. rmdir fails on a folder that is not
  // empty, which is where we stop.
  for (size_t slash = key.rfind('/'); slash != std::string::npos && slash > 0; slash = key.rfind('/', slash - 1)) {
    if (::rmdir((root_ + "/" + key.substr(0, slash)).c_str()) != 0) break;
  }
  return {};
}

std::string LocalFolderStore::Location() const { return "file://" + root_; }

}  // namespace heapscope::store
