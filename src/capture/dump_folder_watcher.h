// capture/dump_folder_watcher.h - tells the agent when a file in a dump
// folder has been written: the folders JVMs write OutOfMemoryError dumps to
// (-XX:HeapDumpPath), and the per-JVM folders made inside them.
//
// HotSpot writes a dump in place under its final name and closes it when
// done, or when writing failed, so IN_CLOSE_WRITE means "the JVM is finished
// with this file"; whether the dump is whole is CheckDumpComplete's
// question. IN_MOVED_TO covers writers that rename a finished file into
// place. inotify watches one folder, not a tree: each folder given is
// watched, and so are its subfolders one level down, those made later too.
// Names starting with '.' (temporary files, hidden folders) are ignored.
//
// Files can be reported more than once, so callers keep track of what they
// have handled: after the kernel's event queue overflowed (events were lost,
// so every file present is reported again), and for a file being written
// when its subfolder appeared (reported on discovery, and again when closed).
#ifndef HEAPSCOPE_CAPTURE_DUMP_FOLDER_WATCHER_H_
#define HEAPSCOPE_CAPTURE_DUMP_FOLDER_WATCHER_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "hprof/error.h"

namespace heapscope::capture {

class DumpFolderWatcher {
 public:
  // Watches each folder and its present subfolders. Every folder must exist.
  static Result<DumpFolderWatcher> Create(const std::vector<std::string>& folders);
  DumpFolderWatcher(DumpFolderWatcher&& other) noexcept;
  DumpFolderWatcher& operator=(DumpFolderWatcher&& other) noexcept;
  DumpFolderWatcher(const DumpFolderWatcher&) = delete;
  DumpFolderWatcher& operator=(const DumpFolderWatcher&) = delete;
  ~DumpFolderWatcher();

  // One more folder, with its subfolders, e.g. a JVM's own dump folder.
  Status AddFolder(const std::string& path);

  // Full paths of regular files closed after writing or moved in since the
  // last call, in the order the kernel reported them, each once per call.
  // Waits up to `timeout` for the first; empty when none came (or a signal
  // interrupted the wait), so the caller's loop can check whether to stop.
  // An error watching a new subfolder is returned by the next call, after
  // the files found with it.
  Result<std::vector<std::string>> WaitForClosedFiles(std::chrono::milliseconds timeout);

  // The regular files now in the watched folders, sorted: dumps written
  // while the agent was not running.
  std::vector<std::string> ExistingFiles() const;

  // The inotify descriptor, readable when events wait, for callers that
  // poll it with other descriptors before calling WaitForClosedFiles.
  int fd() const { return fd_; }

 private:
  struct Folder {
    std::string path;
    bool watches_subfolders = false;
  };

  explicit DumpFolderWatcher(int fd) : fd_(fd) {}
  Status Watch(const std::string& path, bool with_subfolders);
  Status WatchSubfolders(const std::string& path);
  // Reads the waiting events into `closed`; true when the queue overflowed.
  Result<bool> ReadEvents(std::vector<std::string>& closed);

  int fd_ = -1;
  absl::flat_hash_map<int, Folder> folders_;  // by watch descriptor
  std::optional<Error> deferred_error_;
};

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_DUMP_FOLDER_WATCHER_H_
