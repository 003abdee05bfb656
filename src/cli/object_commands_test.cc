// End to end: runs the built heapscope binary's `paths` and `object`
// commands on a written dump (analysis/path_test_dump.h) and checks their
// JSON and exit codes. The binary is $HEAPSCOPE_BIN (set by ctest), else
// build/heapscope; without either the tests are skipped.
#include "cli/object_commands.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analysis/path_test_dump.h"
#include "cli/cli_test_run.h"

namespace heapscope::cli {
namespace {

using namespace analysis::path_test;  // NOLINT: the dump's ids read best unqualified

class ObjectCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = HeapscopeBinary();
    if (bin_.empty()) GTEST_SKIP() << "no heapscope binary ($HEAPSCOPE_BIN or build/heapscope)";
    dump_ = WritePathDump(8);
    ASSERT_FALSE(dump_.empty());
  }
  void TearDown() override {
    if (!dump_.empty()) std::remove(dump_.c_str());
  }

  CommandRun Heapscope(const std::string& args) { return RunHeapscope(bin_, args); }
  nlohmann::json Json(const std::string& args) {
    CommandRun r = Heapscope(args);
    EXPECT_EQ(r.exit_code, 0) << args;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }

  std::string bin_;
  std::string dump_;
};

TEST_F(ObjectCommandsTest, PathsJson) {
  nlohmann::json j = Json(fmt::format("paths {} 0x{:x} --max 2 --json", dump_, uint64_t{kCachedSession}));
  ASSERT_EQ(j["paths"].size(), 2u) << j.dump();
  const nlohmann::json& first = j["paths"][0];
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0], (nlohmann::json{{"id", "0x150"}, {"class", "class com.acme.Cache"}, {"field", "root: sticky-class"}}));
  EXPECT_EQ(first[1], (nlohmann::json{{"id", "0x3000"}, {"class", "java.lang.Object[]"}, {"field", "static entries"}}));
  EXPECT_EQ(first[2], (nlohmann::json{{"id", "0x3100"}, {"class", "com.acme.Session"}, {"field", "[2]"}}));
  EXPECT_EQ(j["paths"][1][0]["field"], "root: jni-global");
  EXPECT_EQ(j["paths"][1][1]["field"], "a");
  // Decimal ids work too.
  nlohmann::json frame = Json(fmt::format("paths {} {} --json", dump_, uint64_t{kFrameTarget}));
  ASSERT_EQ(frame["paths"].size(), 1u);
  EXPECT_EQ(frame["paths"][0][0]["field"], "root: java-frame (thread main)");
  // Unreachable: an empty list, exit 0.
  EXPECT_TRUE(Json(fmt::format("paths {} 0x{:x} --json", dump_, uint64_t{kOrphan}))["paths"].empty());
}

TEST_F(ObjectCommandsTest, ObjectJson) {
  nlohmann::json j = Json(fmt::format("object {} 0x{:x} --json", dump_, uint64_t{kLongNode1}));
  EXPECT_EQ(j["id"], "0x3210");
  EXPECT_EQ(j["class"], "com.acme.Node");
  EXPECT_EQ(j["kind"], "instance");
  EXPECT_EQ(j["reachable"], true);
  // It alone keeps the second node alive; the session has a second path.
  EXPECT_EQ(j["dominator"]["id"], "0x3200");
  nlohmann::json second = Json(fmt::format("object {} 0x{:x} --json", dump_, uint64_t{kLongNode2}));
  EXPECT_EQ(j["retained_bytes"], j["shallow_bytes"].get<uint64_t>() + second["shallow_bytes"].get<uint64_t>());
  ASSERT_EQ(j["fields"].size(), 2u);
  EXPECT_EQ(j["fields"][0], (nlohmann::json{{"name", "next"}, {"type", "object"}, {"value", "0x3220"}, {"class", "com.acme.Node"}}));
  EXPECT_EQ(j["fields"][1], (nlohmann::json{{"name", "val"}, {"type", "long"}, {"value", 11}}));
  ASSERT_EQ(j["referrers"].size(), 1u);
  EXPECT_EQ(j["referrers"][0], (nlohmann::json{{"id", "0x3200"}, {"class", "com.acme.Holder"}, {"field", "a"}}));
  EXPECT_TRUE(j["gc_roots"].empty());

  nlohmann::json name = Json(fmt::format("object {} 0x{:x} --json", dump_, uint64_t{kMainName}));
  EXPECT_EQ(name["string"], "main");
  nlohmann::json thread = Json(fmt::format("object {} 0x{:x} --json", dump_, uint64_t{kMainThread}));
  EXPECT_EQ(thread["gc_roots"], nlohmann::json::array({"thread-object (thread main)"}));
  ASSERT_EQ(thread["fields"].size(), 1u);
  EXPECT_EQ(thread["fields"][0]["string"], "main");
  nlohmann::json cache = Json(fmt::format("object {} 0x{:x} --json", dump_, uint64_t{kCacheClass}));
  EXPECT_EQ(cache["class"], "class com.acme.Cache");
  EXPECT_EQ(cache["gc_roots"], nlohmann::json::array({"sticky-class"}));
  ASSERT_EQ(cache["static_fields"].size(), 2u);
  EXPECT_EQ(cache["static_fields"][1]["value"], 7);
  nlohmann::json array = Json(fmt::format("object {} 0x{:x} --json", dump_, uint64_t{kCacheArray}));
  EXPECT_EQ(array["array_length"], 3);
  ASSERT_EQ(array["elements"].size(), 3u);
  EXPECT_TRUE(array["elements"][0]["value"].is_null());
  EXPECT_EQ(array["elements"][2]["value"], "0x3100");
}

TEST_F(ObjectCommandsTest, BadObjectIds) {
  EXPECT_EQ(Heapscope(fmt::format("paths {} zz9", dump_)).exit_code, 2);
  EXPECT_EQ(Heapscope(fmt::format("object {} 0xg1", dump_)).exit_code, 2);
  EXPECT_EQ(Heapscope(fmt::format("object {} 0xdeadbeef", dump_)).exit_code, 1);
  EXPECT_EQ(Heapscope(fmt::format("paths {} 0x3100 --max 0", dump_)).exit_code, 2);
}

}  // namespace
}  // namespace heapscope::cli
