#include "capture/dump_folder_watcher.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

namespace heapscope::capture {
namespace {

namespace fs = std::filesystem;

// IN_MASK_ADD: watching a folder a second time (a JVM's folder named by
// itself and found again as a subfolder) never takes events away.
constexpr uint32_t kFileEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR | IN_MASK_ADD;
// IN_CREATE is for subfolders; a file counts only once it is closed.
constexpr uint32_t kFolderEvents = kFileEvents | IN_CREATE;

bool Hidden(std::string_view name) { return name.empty() || name.front() == '.'; }

std::string Join(const std::string& folder, std::string_view name) { return (fs::path(folder) / name).string(); }

bool IsRegularFile(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The paths of a folder's entries of one type, links not followed, hidden
// names left out. A folder that is gone or unreadable has none.
std::vector<std::string> Entries(const std::string& folder, fs::file_type type) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!Hidden(name) && it->symlink_status(ec).type() == type) paths.push_back(Join(folder, name));
  }
  return paths;
}

Error WatchError(const std::string& path, int err) {
  return Error::Io(fmt::format("cannot watch folder {}: {}{}", path, std::strerror(err),
                               err == ENOSPC ? " (fs.inotify.max_user_watches reached)" : ""));
}

}  // namespace

Result<DumpFolderWatcher> DumpFolderWatcher::Create(const std::vector<std::string>& folders) {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Error::Io(fmt::format("inotify_init1: {}", std::strerror(errno)));
  DumpFolderWatcher watcher(fd);
  for (const std::string& folder : folders) {
    if (Status s = watcher.AddFolder(folder); !s.ok()) return s.error();
  }
  return watcher;
}

DumpFolderWatcher::DumpFolderWatcher(DumpFolderWatcher&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), folders_(std::move(other.folders_)),
      deferred_error_(std::move(other.deferred_error_)) {}

DumpFolderWatcher& DumpFolderWatcher::operator=(DumpFolderWatcher&& other) noexcept {
  if (this == &other) return *this;
  if (fd_ >= 0) close(fd_);
  fd_ = std::exchange(other.fd_, -1);
  folders_ = std::move(other.folders_);
  deferred_error_ = std::move(other.deferred_error_);
  return *this;
}

DumpFolderWatcher::~DumpFolderWatcher() {
  if (fd_ >= 0) close(fd_);
}

Status DumpFolderWatcher::AddFolder(const std::string& path) {
  if (Status s = Watch(path, /*with_subfolders=*/true); !s.ok()) return s;
  return WatchSubfolders(path);
}

Status DumpFolderWatcher::Watch(const std::string& path, bool with_subfolders) {
  const int wd = inotify_add_watch(fd_, path.c_str(), with_subfolders ? kFolderEvents : kFileEvents);
  if (wd < 0) return WatchError(path, errno);
  Folder& folder = folders_[wd];
  folder.path = path;
  folder.watches_subfolders |= with_subfolders;
  return {};
}

Status DumpFolderWatcher::WatchSubfolders(const std::string& path) {
  for (const std::string& subfolder : Entries(path, fs::file_type::directory)) {
    if (Status s = Watch(subfolder, /*with_subfolders=*/false); !s.ok()) return s;
  }
  return {};
}

Result<bool> DumpFolderWatcher::ReadEvents(std::vector<std::string>& closed) {
  alignas(inotify_event) char buffer[64 << 10];
  bool overflowed = false;
  while (true) {
    const ssize_t n = read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return overflowed;
    if (n <= 0) return Error::Io(fmt::format("cannot read inotify events: {}", n < 0 ? std::strerror(errno) : "EOF"));
    for (ssize_t at = 0; at < n;) {
      const auto& event = *reinterpret_cast<const inotify_event*>(buffer + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
      overflowed |= (event.mask & IN_Q_OVERFLOW) != 0;
      if (event.mask & IN_IGNORED) folders_.erase(event.wd);  // the folder is gone
      auto folder = folders_.find(event.wd);
      if (folder == folders_.end() || event.len == 0 || Hidden(event.name)) continue;
      const std::string path = Join(folder->second.path, event.name);
      if (!(event.mask & IN_ISDIR)) {
        // A folder watched for subfolders also hears files being created:
        // only a close after writing (or a move into place) means done.
        if ((event.mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) && IsRegularFile(path)) closed.push_back(path);
        continue;
      }
      if (!(event.mask & (IN_CREATE | IN_MOVED_TO))) continue;
      if (!folder->second.watches_subfolders) continue;
      if (Status s = Watch(path, /*with_subfolders=*/false); !s.ok()) {
        // A subfolder removed right after it was made is no loss.
        if (!deferred_error_ && fs::exists(path)) deferred_error_ = s.error();
        continue;
      }
      // Files written before the watch was in place raise no event of their own.
      for (std::string& file : Entries(path, fs::file_type::regular)) closed.push_back(std::move(file));
    }
  }
}

Result<std::vector<std::string>> DumpFolderWatcher::WaitForClosedFiles(std::chrono::milliseconds timeout) {
  if (deferred_error_) return *std::exchange(deferred_error_, std::nullopt);
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + timeout;
  std::vector<std::string> closed;
  while (closed.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd ready{fd_, POLLIN, 0};
    const int n = poll(&ready, 1, static_cast<int>(std::clamp<int64_t>(left, 0, INT_MAX)));
    if (n == 0 || (n < 0 && errno == EINTR)) break;
    if (n < 0) return Error::Io(fmt::format("cannot poll inotify: {}", std::strerror(errno)));
    auto overflowed = ReadEvents(closed);
    if (!overflowed.ok()) return overflowed.error();
    if (*overflowed) {
      // Events were lost, subfolder creations among them: look again at
      // everything and report every file there is.
      std::vector<std::string> parents;
      for (const auto& [wd, folder] : folders_) {
        if (folder.watches_subfolders) parents.push_back(folder.path);
      }
      for (const std::string& parent : parents) {
        if (Status s = WatchSubfolders(parent); !s.ok() && !deferred_error_) deferred_error_ = s.error();
      }
      closed = ExistingFiles();
    }
  }
  absl::flat_hash_set<std::string> seen;
  std::erase_if(closed, [&seen](const std::string& path) { return !seen.insert(path).second; });
  return closed;
}

std::vector<std::string> DumpFolderWatcher::ExistingFiles() const {
  std::vector<std::string> files;
  for (const auto& [wd, folder] : folders_) {
    std::vector<std::string> in_folder = Entries(folder.path, fs::file_type::regular);
    files.insert(files.end(), std::make_move_iterator(in_folder.begin()), std::make_move_iterator(in_folder.end()));
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

}  // namespace heapscope::capture
