// capture/dump_folder_watcher_test.cc - DumpFolderWatcher on a real folder
// under the test temp dir: files closed there, in subfolders made later,
// hidden names, renames into place, files present before the start.
#include "capture/dump_folder_watcher.h"

#include <poll.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace heapscope::capture {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Paths = std::vector<std::string>;

// Long enough for an event on a loaded machine; only reached when one is missing.
constexpr milliseconds kEventWait{5000};
// How long a test waits to see that nothing is reported.
constexpr milliseconds kQuietWait{200};

class DumpFolderWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = ::testing::TempDir() + "dump_folder_watcher_XXXXXX";
    ASSERT_NE(mkdtemp(path.data()), nullptr);
    folder_ = path;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(folder_, ec);
  }

  // Writes and closes a file under the folder; returns its full path.
  std::string WriteFile(const std::string& relative) const {
    const std::string path = folder_ + "/" + relative;
    std::ofstream(path) << "JAVA PROFILE 1.0.2";
    return path;
  }

  std::string folder_;
};

// What the watcher reports within `timeout`; a failed wait fails the test.
Paths ClosedWithin(DumpFolderWatcher& watcher, milliseconds timeout) {
  auto closed = watcher.WaitForClosedFiles(timeout);
  EXPECT_TRUE(closed.ok()) << closed.error().ToString();
  return closed.ok() ? *closed : Paths{};
}

TEST_F(DumpFolderWatcherTest, ClosedFileIsReportedOnce) {
  auto watcher = DumpFolderWatcher::Create({folder_});
  ASSERT_TRUE(watcher.ok()) << watcher.error().ToString();
  const std::string dump = WriteFile("java_pid42.hprof");
  EXPECT_EQ(ClosedWithin(*watcher, kEventWait), Paths{dump});
  EXPECT_EQ(ClosedWithin(*watcher, kQuietWait), Paths{});
}

// The JVM writes its dump in place: a file being written, in a folder also
// watched for subfolders (a per-JVM folder added again by the agent), is
// not done until it is closed.
TEST_F(DumpFolderWatcherTest, OpenFileIsNotReportedUntilClosed) {
  fs::create_directory(folder_ + "/jvm-1");
  auto watcher = DumpFolderWatcher::Create({folder_});
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE(watcher->AddFolder(folder_ + "/jvm-1").ok());
  const std::string path = folder_ + "/jvm-1/java_pid7.hprof";
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("JAVA PROFILE 1.0.2", f);
  std::fflush(f);
  EXPECT_EQ(ClosedWithin(*watcher, kQuietWait), Paths{});
  std::fclose(f);
  EXPECT_EQ(ClosedWithin(*watcher, kEventWait), Paths{path});
}

TEST_F(DumpFolderWatcherTest, TimeoutReturnsEmpty) {
  auto watcher = DumpFolderWatcher::Create({folder_});
  ASSERT_TRUE(watcher.ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ClosedWithin(*watcher, kQuietWait), Paths{});
  EXPECT_GE(std::chrono::steady_clock::now() - start, kQuietWait - milliseconds(5));
}

TEST_F(DumpFolderWatcherTest, FileInSubfolderMadeLaterIsReported) {
  auto watcher = DumpFolderWatcher::Create({folder_});
  ASSERT_TRUE(watcher.ok());
  fs::create_directory(folder_ + "/jvm-1");
  EXPECT_EQ(ClosedWithin(*watcher, kQuietWait), Paths{});  // takes the folder's creation
  const std::string dump = WriteFile("jvm-1/java_pid7.hprof");
  EXPECT_EQ(ClosedWithin(*watcher, kEventWait), Paths{dump});
}

// The file is closed before the watcher has seen its folder: found when
// the folder is.
TEST_F(DumpFolderWatcherTest, FileWrittenBeforeItsSubfolderIsWatchedIsReported) {
  auto watcher = DumpFolderWatcher::Create({folder_});
  ASSERT_TRUE(watcher.ok());
  fs::create_directory(folder_ + "/jvm-2");
  const std::string dump = WriteFile("jvm-2/java_pid8.hprof");
  EXPECT_EQ(ClosedWithin(*watcher, kEventWait), Paths{dump});
}

TEST_F(DumpFolderWatcherTest, HiddenFilesAreIgnoredUntilRenamedIntoPlace) {
  auto watcher = DumpFolderWatcher::Create({folder_});
  ASSERT_TRUE(watcher.ok());
  const std::string partial = WriteFile(".java_pid9.hprof.partial");
  fs::create_directory(folder_ + "/.cache");
  WriteFile(".cache/java_pid9.hprof");
  EXPECT_EQ(ClosedWithin(*watcher, kQuietWait), Paths{});
  const std::string dump = folder_ + "/java_pid9.hprof";
  fs::rename(partial, dump);
  EXPECT_EQ(ClosedWithin(*watcher, kEventWait), Paths{dump});
}

TEST_F(DumpFolderWatcherTest, AddedFolderIsWatched) {
  auto watcher = DumpFolderWatcher::Create({});
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE(watcher->AddFolder(folder_).ok());
  const std::string dump = WriteFile("java_pid10.hprof");
  pollfd readable{watcher->fd(), POLLIN, 0};
  EXPECT_EQ(poll(&readable, 1, static_cast<int>(kEventWait.count())), 1);
  EXPECT_EQ(ClosedWithin(*watcher, milliseconds(0)), Paths{dump});
}

TEST_F(DumpFolderWatcherTest, ExistingFilesListsDumpsWrittenBeforeTheStart) {
  fs::create_directory(folder_ + "/jvm-3");
  const std::string top = WriteFile("java_pid11.hprof");
  const std::string nested = WriteFile("jvm-3/java_pid12.hprof.gz");
  WriteFile(".java_pid13.hprof.partial");
  auto watcher = DumpFolderWatcher::Create({folder_});
  ASSERT_TRUE(watcher.ok());
  EXPECT_EQ(watcher->ExistingFiles(), (Paths{top, nested}));
}

TEST_F(DumpFolderWatcherTest, MissingFolderIsAnError) {
  const std::string file = WriteFile("not_a_folder");
  for (const std::string& path : {folder_ + "/missing", file}) {
    auto watcher = DumpFolderWatcher::Create({folder_, path});
    ASSERT_FALSE(watcher.ok()) << path;
    EXPECT_EQ(watcher.error().kind, ErrorKind::kIo);
    EXPECT_NE(watcher.error().message.find(path), std::string::npos) << watcher.error().message;
  }
}

}  // namespace
}  // namespace heapscope::capture
