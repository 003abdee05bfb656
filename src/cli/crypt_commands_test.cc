// End to end: `keygen`, `encrypt` and `decrypt` through the built binary
// ($HEAPSCOPE_BIN, else build/heapscope; skipped without either), and the
// dump commands on an encrypted dump: same JSON as on the plain dump, and
// nothing written beside it (its index stays in memory).
#include "cli/crypt_commands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analysis/path_test_dump.h"
#include "cli/cli_test_run.h"

namespace heapscope::cli {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

std::set<std::string> Listing(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

class CryptCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = HeapscopeBinary();
    if (bin_.empty()) GTEST_SKIP() << "no heapscope binary ($HEAPSCOPE_BIN or build/heapscope)";
    char tmpl[] = "/tmp/hs_crypt_cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    for (const char* d : {"plain", "enc", "keys", "out"}) fs::create_directory(root_ / d);
    std::string dump = analysis::path_test::WritePathDump(8);
    ASSERT_FALSE(dump.empty());
    fs::copy_file(dump, Plain());
    std::remove(dump.c_str());
    key_ = root_ / "keys" / "key";
    ASSERT_EQ(Heapscope(fmt::format("keygen '{}'", key_.string())).exit_code, 0);
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }

  fs::path Plain() const { return root_ / "plain" / "dump.hprof"; }
  fs::path Encrypted() const { return root_ / "enc" / "dump.hprof.enc"; }

  CommandRun Heapscope(const std::string& args, const std::string& env = "") { return RunHeapscope(bin_, args, env); }
  nlohmann::json Json(const std::string& args, const std::string& env = "") {
    CommandRun r = Heapscope(args, env);
    EXPECT_EQ(r.exit_code, 0) << args;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }
  void EncryptDump() {
    ASSERT_EQ(Heapscope(fmt::format("encrypt '{}' '{}' --key-file '{}'", Plain().string(), Encrypted().string(),
                                    key_.string()))
                  .exit_code,
              0);
  }

  std::string bin_;
  fs::path root_;
  fs::path key_;
};

TEST_F(CryptCommandsTest, KeygenWritesAPrivateKeyOnce) {
  const std::string text = ReadAll(key_);
  ASSERT_EQ(text.size(), 65u);
  EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), 64u);
  EXPECT_EQ(text.back(), '\n');
  struct stat st {};
  ASSERT_EQ(stat(key_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  CommandRun again = Heapscope(fmt::format("keygen '{}'", key_.string()));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(ReadAll(key_), text);  // untouched
  CommandRun other = Heapscope(fmt::format("keygen '{}'", (root_ / "keys" / "other").string()));
  EXPECT_EQ(other.exit_code, 0);
  EXPECT_EQ(other.out.rfind("key id ", 0), 0u) << other.out;
  EXPECT_NE(ReadAll(root_ / "keys" / "other"), text);
}

TEST_F(CryptCommandsTest, DecryptRestoresTheFile) {
  EncryptDump();
  const fs::path out = root_ / "out" / "dump.hprof";
  ASSERT_EQ(Heapscope(fmt::format("decrypt '{}' '{}' --key-file '{}'", Encrypted().string(), out.string(),
                                  key_.string()))
                .exit_code,
            0);
  EXPECT_EQ(ReadAll(out), ReadAll(Plain()));
  // To stdout, with the key from the environment.
  CommandRun piped = Heapscope(fmt::format("decrypt '{}' -", Encrypted().string()),
                               fmt::format("HEAPSCOPE_KEY_FILE='{}'", key_.string()));
  EXPECT_EQ(piped.exit_code, 0);
  EXPECT_EQ(piped.out, ReadAll(Plain()));
}

TEST_F(CryptCommandsTest, FailedDecryptLeavesNoOutput) {
  EncryptDump();
  const std::string sealed = ReadAll(Encrypted());
  const fs::path bad = root_ / "enc" / "bad.enc";
  const fs::path out = root_ / "out" / "bad.hprof";
  // A byte in the header, in the first chunk, in the last chunk's tag.
  for (size_t at : {size_t{40}, size_t{200}, sealed.size() - 1}) {
    std::string damaged = sealed;
    damaged[at] ^= 1;
    std::ofstream(bad, std::ios::binary) << damaged;
    CommandRun r = Heapscope(fmt::format("decrypt '{}' '{}' --key-file '{}'", bad.string(), out.string(),
                                         key_.string()));
    EXPECT_EQ(r.exit_code, 1) << "byte " << at;
    EXPECT_TRUE(Listing(root_ / "out").empty()) << "byte " << at;
  }
  // The wrong key is a usage error, and no output either.
  const fs::path other = root_ / "keys" / "other";
  ASSERT_EQ(Heapscope(fmt::format("keygen '{}'", other.string())).exit_code, 0);
  EXPECT_EQ(Heapscope(fmt::format("decrypt '{}' '{}' --key-file '{}'", Encrypted().string(), out.string(),
                                  other.string()))
                .exit_code,
            2);
  EXPECT_TRUE(Listing(root_ / "out").empty());
}

TEST_F(CryptCommandsTest, CommandsReadEncryptedDumpsAndWriteNothingBesideThem) {
  EncryptDump();
  const std::string key = fmt::format("--key-file '{}'", key_.string());
  const std::string plain = Plain().string(), enc = Encrypted().string();
  EXPECT_EQ(Json(fmt::format("histogram '{}' --json {}", enc, key)), Json(fmt::format("histogram '{}' --json", plain)));
  EXPECT_EQ(Json(fmt::format("dominators '{}' --json {}", enc, key)),
            Json(fmt::format("dominators '{}' --json", plain)));
  // Twice, as an index would be reused the second time.
  EXPECT_EQ(Json(fmt::format("histogram '{}' --retained --json", enc), "HEAPSCOPE_KEY_FILE=" + key_.string()),
            Json(fmt::format("histogram '{}' --retained --json", plain)));
  EXPECT_EQ(Listing(root_ / "enc"), std::set<std::string>{"dump.hprof.enc"});
  EXPECT_EQ(Listing(root_ / "plain").count("dump.hprof.hsidx"), 1u);  // the plain dump's index, for contrast
  // Without a key, a usage error; `index` refuses outright.
  EXPECT_EQ(Heapscope(fmt::format("histogram '{}'", enc)).exit_code, 2);
  EXPECT_EQ(Heapscope(fmt::format("index '{}' {}", enc, key)).exit_code, 2);
  EXPECT_EQ(Listing(root_ / "enc"), std::set<std::string>{"dump.hprof.enc"});
}

TEST_F(CryptCommandsTest, BadKeyFilesAreUsageErrors) {
  EncryptDump();
  const fs::path bad = root_ / "keys" / "bad";
  std::ofstream(bad) << "not a key\n";
  EXPECT_EQ(Heapscope(fmt::format("histogram '{}' --key-file '{}'", Encrypted().string(), bad.string())).exit_code, 2);
  EXPECT_EQ(Heapscope(fmt::format("histogram '{}' --key-file '{}'", Encrypted().string(),
                                  (root_ / "keys" / "missing").string()))
                .exit_code,
            3);
  EXPECT_EQ(Heapscope(fmt::format("encrypt '{}' '{}'", Plain().string(), (root_ / "out" / "x").string())).exit_code,
            2);  // no key at all
  EXPECT_EQ(Heapscope(fmt::format("encrypt '{}' '{}' --key-file '{}'", Encrypted().string(),
                                  (root_ / "out" / "x").string(), key_.string()))
                .exit_code,
            2);  // already encrypted
  EXPECT_TRUE(Listing(root_ / "out").empty());
}

}  // namespace
}  // namespace heapscope::cli
