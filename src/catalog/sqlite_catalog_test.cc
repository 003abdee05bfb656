// What only the SQLite catalog has: a file it creates (with its folder,
// private to its owner) under any of its URL forms, and processes sharing
// that file: opening it together, and claiming from it together. A file of
// another schema version is refused.
#include "catalog/sqlite_catalog.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

namespace heapscope::catalog {
namespace {

namespace fs = std::filesystem;

class SqliteCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "heapscope-sqlite-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    temp_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(temp_, ec);
  }

  // Runs `work` in `count` child processes at once; how many failed.
  static int InChildren(int count, const std::function<bool(int)>& work) {
    std::vector<pid_t> children;
    for (int child = 0; child < count; ++child) {
      pid_t pid = ::fork();
      if (pid == 0) ::_exit(work(child) ? 0 : 1);
      children.push_back(pid);
    }
    int failed = 0;
    for (pid_t pid : children) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
    }
    return failed;
  }

  fs::path temp_;
};

TEST_F(SqliteCatalogTest, CreatesAPrivateFileInANewFolder) {
  fs::path file = temp_ / "new" / "folder" / "catalog.db";
  auto catalog = OpenDumpCatalog(file.string());
  ASSERT_TRUE(catalog.ok()) << catalog.error().ToString();
  EXPECT_EQ((*catalog)->Location(), "sqlite://" + file.string());
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(SqliteCatalogTest, AcceptsEveryUrlForm) {
  fs::path file = temp_ / "catalog.db";
  for (const std::string& url : {"sqlite://" + file.string(), "sqlite:" + file.string(), file.string()}) {
    auto catalog = OpenDumpCatalog(url);
    ASSERT_TRUE(catalog.ok()) << url << ": " << catalog.error().ToString();
    EXPECT_EQ((*catalog)->Location(), "sqlite://" + file.string()) << url;
  }
  auto not_a_file = OpenDumpCatalog(temp_.string());
  ASSERT_FALSE(not_a_file.ok());
  EXPECT_EQ(not_a_file.error().kind, ErrorKind::kIo);
}

TEST_F(SqliteCatalogTest, RefusesAnotherSchemaVersion) {
  std::string file = (temp_ / "catalog.db").string();
  ASSERT_TRUE(OpenDumpCatalog(file).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto newer = OpenDumpCatalog(file);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message.find("schema version 99"), std::string::npos) << newer.error().message;
}

TEST_F(SqliteCatalogTest, ProcessesShareOneFile) {
  std::string url = (temp_ / "catalog.db").string();
  // Several processes creating the schema of a new file at once.
  EXPECT_EQ(InChildren(3, [&](int) { return OpenDumpCatalog(url).ok(); }), 0);

  constexpr int kJobs = 60;
  auto catalog = OpenDumpCatalog(url);
  ASSERT_TRUE(catalog.ok()) << catalog.error().ToString();
  for (int job = 0; job < kJobs; ++job) {
    DumpRecord dump;
    dump.id = fmt::format("d{:02}", job);
    dump.service = "checkout";
    ASSERT_TRUE((*catalog)->AddDump(dump, 3).ok());
  }
  int failed = InChildren(3, [&](int child) {
    auto own = OpenDumpCatalog(url);
    if (!own.ok()) return false;
    std::string worker = fmt::format("process-{}", child);
    while (true) {
      auto lease = (*own)->Claim(worker, 60'000);
      if (!lease.ok()) return false;
      if (!lease->has_value()) return true;
      auto done = (*own)->Complete(**lease, AnalysisResult{});
      if (!done.ok() || !*done) return false;
    }
  });
  EXPECT_EQ(failed, 0);
  auto counts = (*catalog)->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->succeeded, uint64_t{kJobs});
  auto jobs = (*catalog)->ListJobs({JobState::kSucceeded, "", 1000});
  ASSERT_TRUE(jobs.ok());
  for (const JobRecord& job : *jobs) EXPECT_EQ(job.attempt, 1) << job.dump_id << " claimed twice";
}

}  // namespace
}  // namespace heapscope::catalog
