#include "capture/dump_shipper.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hprof/dump_input.h"
#include "redact/secret_test_dump.h"
#include "store/local_folder_store.h"

namespace heapscope::capture {
namespace {

namespace fs = std::filesystem;
namespace st = redact::secret_test;

class DumpShipperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("shipper-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto store = store::LocalFolderStore::Open((dir_ / "store").string());
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(store.value());
    auto c = LoadAgentConfig("", nullptr, {{"encrypt", "true"}, {"key_file", "unused"}, {"threads", "2"}});
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    config_ = c.value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  PendingDump Dump(std::span<const uint8_t> bytes, bool truncated) {
    PendingDump p;
    p.id = NewDumpId("host", 42);
    p.path = (dir_ / "java_pid42.hprof").string();
    std::ofstream(p.path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                  static_cast<std::streamsize>(bytes.size()));
    p.trigger = "oom";
    p.truncated = truncated;
    p.facts = {{"service", "svc"}};
    return p;
  }

  // The shipped dump, decrypted and inflated.
  std::string Shipped(const ShipReport& r) {
    auto input = hprof::DumpInput::Open((dir_ / "store" / r.data_key).string(), 1, &key_);
    EXPECT_TRUE(input.ok()) << input.error().ToString();
    std::string out;
    for (;;) {
      auto chunk = input->chunks->Next();
      EXPECT_TRUE(chunk.ok());
      if (!chunk.ok() || chunk->empty()) return out;
      out.append(reinterpret_cast<const char*>(chunk->data()), chunk->size());
    }
  }

  fs::path dir_;
  std::unique_ptr<store::ObjectStore> store_;
  AgentConfig config_;
  hprof::DumpKey key_ = hprof::DumpKey::Generate();
  std::atomic<bool> stop_{false};
};

TEST_F(DumpShipperTest, ShipsRedactedEncryptedWithMetadataLast) {
  const std::vector<uint8_t> dump = st::SecretDump();
  const PendingDump p = Dump(dump, false);
  EXPECT_FALSE(IsShipped(*store_, p.id).value());
  auto r = ShipDump(p, config_, &key_, *store_, stop_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(IsShipped(*store_, p.id).value());
  EXPECT_EQ(r->dump_bytes, dump.size());
  const std::string plain = Shipped(r.value());
  EXPECT_EQ(plain.size(), dump.size());
  for (const std::string& secret : {st::kPassword, st::kKey}) EXPECT_EQ(plain.find(secret), std::string::npos);
  const auto& m = r->metadata;
  EXPECT_EQ(m["id"], p.id);
  EXPECT_EQ(m["service"], "svc");
  EXPECT_EQ(m["complete"], true);
  EXPECT_EQ(m["redaction"]["mode"], "strings");
  EXPECT_EQ(m["dump"]["key_id"], key_.IdHex());
  // The key itself is never in the metadata.
  EXPECT_EQ(m.dump().find(key_.Hex()), std::string::npos);
  auto listed = store_->List("dumps/" + p.id + "/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 2u);
}

TEST_F(DumpShipperTest, ShipsATruncatedDumpMarkedAndRedacted) {
  std::vector<uint8_t> dump = st::SecretDump();
  dump.resize(dump.size() * 2 / 3);
  const PendingDump p = Dump(dump, true);
  auto r = ShipDump(p, config_, &key_, *store_, stop_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->metadata["complete"], false);
  const std::string plain = Shipped(r.value());
  EXPECT_LE(plain.size(), dump.size() + 9);
  for (const std::string& secret : {st::kPassword, st::kKey}) EXPECT_EQ(plain.find(secret), std::string::npos);
}

TEST_F(DumpShipperTest, StoppedShipLeavesNothing) {
  const PendingDump p = Dump(st::SecretDump(), false);
  std::atomic<bool> stopped{true};
  EXPECT_FALSE(ShipDump(p, config_, &key_, *store_, stopped).ok());
  EXPECT_FALSE(IsShipped(*store_, p.id).value());
  EXPECT_TRUE(store_->List("")->empty());
}

TEST(ShipQueue, SurvivesReopenAndKnowsShippedFiles) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("queue-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  PendingDump p;
  p.id = NewDumpId("h", 1);
  p.path = (dir / "file.hprof").string();
  p.trigger = "heap";
  p.attempts = 3;
  {
    auto q = ShipQueue::Open(dir.string());
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE(q.value()->Put(p).ok());
  }
  auto q = ShipQueue::Open(dir.string());
  ASSERT_TRUE(q.ok());
  auto all = q.value()->All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].attempts, 3);
  EXPECT_TRUE(q.value()->HasPath(p.path));
  std::ofstream(p.path) << "x";
  EXPECT_FALSE(q.value()->WasShipped(p.path));
  ASSERT_TRUE(q.value()->RememberShipped(p.path).ok());
  EXPECT_TRUE(q.value()->WasShipped(p.path));
  ASSERT_TRUE(q.value()->Remove(p.id).ok());
  EXPECT_TRUE(q.value()->All().empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace heapscope::capture
