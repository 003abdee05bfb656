// End to end through the built binary: `scan` output never holds a secret
// and has the documented shape; `redact` refuses what it should, leaves
// nothing behind when it fails, and its outputs read back like the input.
#include "cli/secret_commands.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_test_run.h"
#include "redact/secret_test_dump.h"

namespace heapscope::cli {
namespace {

namespace fs = std::filesystem;
using namespace redact::secret_test;  // NOLINT

class SecretCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = HeapscopeBinary();
    if (bin_.empty()) GTEST_SKIP() << "no heapscope binary ($HEAPSCOPE_BIN or build/heapscope)";
    char tmpl[] = "/tmp/hs_secret_cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    auto bytes = SecretDump();
    std::ofstream(In(), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    size_ = bytes.size();
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }
  fs::path In() const { return root_ / "in.hprof"; }
  CommandRun Run(const std::string& args) { return RunHeapscope(bin_, args); }

  std::string bin_;
  fs::path root_;
  size_t size_ = 0;
};

TEST_F(SecretCommandsTest, ScanJsonListsEveryRuleAndNoSecret) {
  CommandRun r = Run(fmt::format("scan '{}' --json", In().string()));
  ASSERT_EQ(r.exit_code, 0);
  for (const std::string& s : {kPassword, kKey, kCard}) EXPECT_EQ(r.out.find(s), std::string::npos) << s;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["rules"].size(), 11u);
  for (const auto& rule : j["rules"]) {
    if (rule["rule"] != "password-assignment") continue;
    EXPECT_EQ(rule["count"], 1);
    EXPECT_EQ(rule["classes"][0]["field"], "com.acme.Holder.secret");
    EXPECT_EQ(rule["example_path"], "com.acme.Holder.secret -> java.lang.String.value -> byte[]");
    EXPECT_EQ(rule["example_path_complete"], false);
  }
}

TEST_F(SecretCommandsTest, UserRulesAddToTheBuiltInOnesAndBadOnesAreUsageErrors) {
  fs::path rules = root_ / "rules.txt";
  std::ofstream(rules) << "# ours\njdbc-url = jdbc:(?P<secret>[a-z]+)\n";
  auto j = nlohmann::json::parse(Run(fmt::format("scan '{}' --json --rules '{}'", In().string(), rules.string())).out);
  ASSERT_EQ(j["rules"].size(), 12u);
  EXPECT_EQ(j["rules"][11]["rule"], "jdbc-url");
  EXPECT_EQ(j["rules"][11]["count"], 1);
  std::ofstream(rules) << "broken = (unclosed\n";
  EXPECT_EQ(Run(fmt::format("scan '{}' --rules '{}'", In().string(), rules.string())).exit_code, 2);
  std::ofstream(rules) << "email = x+\n";
  EXPECT_EQ(Run(fmt::format("scan '{}' --rules '{}'", In().string(), rules.string())).exit_code, 2)
      << "a user rule may not take a built-in rule's name";
}

TEST_F(SecretCommandsTest, RedactRefusesToOverwriteAndNeedsAKeyToEncrypt) {
  fs::path out = root_ / "out.hprof";
  std::ofstream(out) << "precious";
  EXPECT_EQ(Run(fmt::format("redact '{}' '{}'", In().string(), out.string())).exit_code, 2);
  std::ifstream f(out);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(f), {}), "precious");
  EXPECT_EQ(Run(fmt::format("redact '{}' '{}' --force", In().string(), out.string())).exit_code, 0);
  EXPECT_EQ(fs::file_size(out), size_);
  EXPECT_EQ(Run(fmt::format("redact '{}' '{}' --force --encrypt", In().string(), out.string())).exit_code, 2);
}

TEST_F(SecretCommandsTest, AFailedRedactLeavesNoFile) {
  fs::path cut = root_ / "cut.hprof";
  fs::copy_file(In(), cut);
  fs::resize_file(cut, size_ - 20);
  fs::create_directory(root_ / "out");
  EXPECT_EQ(Run(fmt::format("redact '{}' '{}'", cut.string(), (root_ / "out" / "x.hprof").string())).exit_code, 1);
  EXPECT_TRUE(fs::is_empty(root_ / "out"));
}

TEST_F(SecretCommandsTest, GzipOutputReadsBackAsTheSameHeap) {
  fs::path out = root_ / "out.hprof.gz";
  ASSERT_EQ(Run(fmt::format("redact '{}' '{}' --mode all", In().string(), out.string())).exit_code, 0);
  CommandRun a = Run(fmt::format("histogram '{}' --json", In().string()));
  CommandRun b = Run(fmt::format("histogram '{}' --json", out.string()));
  ASSERT_EQ(a.exit_code, 0);
  ASSERT_EQ(b.exit_code, 0);
  const auto classes = nlohmann::json::parse(a.out).at("classes");
  EXPECT_GE(classes.size(), 4u);
  EXPECT_EQ(classes, nlohmann::json::parse(b.out).at("classes"));
}

}  // namespace
}  // namespace heapscope::cli
