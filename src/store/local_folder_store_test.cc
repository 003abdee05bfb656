// The local folder store on a fresh temporary folder per test: objects
// appear whole or not at all, temporaries never show, keys cannot leave the
// root, and OpenObjectStore picks the store from its URL.
#include "store/local_folder_store.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace heapscope::store {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

// The whole object, checking the pieces stay bounded.
Bytes ReadAll(hprof::ChunkSource& source) {
  Bytes out;
  while (true) {
    auto piece = source.Next();
    EXPECT_TRUE(piece.ok()) << piece.error().ToString();
    if (!piece.ok() || piece->empty()) return out;
    EXPECT_LE(piece->size(), size_t{4} << 20);
    out.insert(out.end(), piece->begin(), piece->end());
  }
}

// Every file and folder below `root`, relative, for checking what is left.
std::vector<std::string> Tree(const fs::path& root) {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(root)) names.push_back(fs::relative(e.path(), root).string());
  std::sort(names.begin(), names.end());
  return names;
}

class LocalFolderStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "heapscope-store-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    temp_ = pattern;
    root_ = temp_ / "store";
    auto opened = LocalFolderStore::Open(root_.string());
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened.value());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    if (!temp_.empty()) fs::remove_all(temp_, ec);
  }
  Bytes Get(const std::string& key) {
    auto source = store_->Get(key);
    EXPECT_TRUE(source.ok()) << source.error().ToString();
    return source.ok() ? ReadAll(*source.value()) : Bytes();
  }
  std::vector<std::string> List(const std::string& prefix) {
    auto keys = store_->List(prefix);
    EXPECT_TRUE(keys.ok()) << keys.error().ToString();
    return keys.ok() ? keys.value() : std::vector<std::string>();
  }
  void Put(const std::string& key, std::string_view text) { ASSERT_TRUE(store_->PutBytes(key, Text(text)).ok()); }

  fs::path temp_;
  fs::path root_;
  std::unique_ptr<LocalFolderStore> store_;
};

TEST_F(LocalFolderStoreTest, RoundTripsThroughASinkInPieces) {
  // Larger than two read pieces, written in odd sizes.
  Bytes data(9 * 1024 * 1024 + 123);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31 + i / 4099);
  auto sink = store_->Put("dumps/1/heap.hprof");
  ASSERT_TRUE(sink.ok()) << sink.error().ToString();
  for (size_t at = 0; at < data.size(); at += 1000003) {
    size_t n = std::min<size_t>(1000003, data.size() - at);
    ASSERT_TRUE(sink.value()->Write(std::span(data).subspan(at, n)).ok());
  }
  EXPECT_FALSE(store_->Exists("dumps/1/heap.hprof").value());
  ASSERT_TRUE(sink.value()->Finish().ok());
  EXPECT_EQ(sink.value()->BytesIn(), data.size());
  EXPECT_TRUE(store_->Exists("dumps/1/heap.hprof").value());
  EXPECT_EQ(Get("dumps/1/heap.hprof"), data);
  EXPECT_TRUE(fs::is_regular_file(root_ / "dumps/1/heap.hprof"));
}

TEST_F(LocalFolderStoreTest, PutBytesReplacesAnExistingKey) {
  Put("dumps/1/metadata.json", "first, longer version");
  Put("dumps/1/metadata.json", "second");
  EXPECT_EQ(Get("dumps/1/metadata.json"), Text("second"));
  Put("empty", "");
  EXPECT_EQ(Get("empty"), Bytes());
  EXPECT_EQ(List(""), (std::vector<std::string>{"dumps/1/metadata.json", "empty"}));
}

TEST_F(LocalFolderStoreTest, SinkDestroyedWithoutFinishLeavesNothing) {
  {
    auto sink = store_->Put("dumps/2/heap.hprof");
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE(sink.value()->Write(Text("half a dump")).ok());
    EXPECT_TRUE(List("").empty()) << "a temporary is listed";
  }
  EXPECT_FALSE(store_->Exists("dumps/2/heap.hprof").value());
  EXPECT_TRUE(List("").empty());
  // Not even the key's folder: it is made only when the object lands.
  EXPECT_EQ(Tree(root_), std::vector<std::string>{".partial~"});
}

TEST_F(LocalFolderStoreTest, RejectsKeysThatAreNotPlainRelativePaths) {
  const std::vector<std::string> bad = {"../x", "/abs", "a//b", "a/./b", "", "a/",
                                        "a/..", "a:b", "a~b", "sp ace", "a/.", std::string(1025, 'k')};
  for (const std::string& key : bad) {
    Status s = CheckObjectKey(key);
    ASSERT_FALSE(s.ok()) << key;
    EXPECT_EQ(s.error().kind, ErrorKind::kUsage);
    EXPECT_NE(s.error().message.find(key.substr(0, 50)), std::string::npos) << s.error().message;
    EXPECT_FALSE(store_->PutBytes(key, Text("x")).ok());
    EXPECT_FALSE(store_->Exists(key).ok());
    EXPECT_FALSE(store_->Get(key).ok());
    EXPECT_FALSE(store_->Delete(key).ok());
  }
  const std::vector<std::string> good = {"a", "dumps/2024-01-01/x_y.json.gz", ".hidden/..a", std::string(1024, 'k')};
  for (const std::string& key : good) {
    EXPECT_TRUE(CheckObjectKey(key).ok()) << key;
  }
  EXPECT_FALSE(fs::exists(temp_ / "x"));
}

TEST_F(LocalFolderStoreTest, ListsByPrefixSorted) {
  for (const char* key : {"c", "b/2", "a/10", "ab", "a/1", "a/0/deep"}) Put(key, key);
  EXPECT_EQ(List(""), (std::vector<std::string>{"a/0/deep", "a/1", "a/10", "ab", "b/2", "c"}));
  EXPECT_EQ(List("a"), (std::vector<std::string>{"a/0/deep", "a/1", "a/10", "ab"}));
  EXPECT_EQ(List("a/"), (std::vector<std::string>{"a/0/deep", "a/1", "a/10"}));
  EXPECT_EQ(List("a/1"), (std::vector<std::string>{"a/1", "a/10"}));
  EXPECT_TRUE(List("zz").empty());
  EXPECT_TRUE(List("../").empty());
}

TEST_F(LocalFolderStoreTest, DeleteRemovesEmptyParentFolders) {
  Put("x/y/z", "1");
  Put("x/w", "2");
  ASSERT_TRUE(store_->Delete("x/y/z").ok());
  EXPECT_FALSE(fs::exists(root_ / "x/y"));
  EXPECT_TRUE(fs::exists(root_ / "x/w"));
  ASSERT_TRUE(store_->Delete("x/w").ok());
  EXPECT_FALSE(fs::exists(root_ / "x"));
  EXPECT_TRUE(fs::is_directory(root_));
  EXPECT_TRUE(store_->Delete("x/w").ok()) << "a missing key is no error";
  EXPECT_TRUE(List("").empty());
}

TEST_F(LocalFolderStoreTest, GetOfAMissingKeyIsAnIoError) {
  auto source = store_->Get("dumps/none");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().kind, ErrorKind::kIo);
  EXPECT_NE(source.error().message.find("dumps/none"), std::string::npos) << source.error().message;
}

TEST_F(LocalFolderStoreTest, OpenRemovesOnlyStaleTemporaries) {
  const fs::path staging = root_ / ".partial~";
  fs::create_directories(staging);
  for (const char* name : {"old", "new"}) std::ofstream(staging / name) << "left by a killed writer";
  fs::last_write_time(staging / "old", fs::file_time_type::clock::now() - std::chrono::hours(2));
  ASSERT_TRUE(LocalFolderStore::Open(root_.string()).ok());
  EXPECT_FALSE(fs::exists(staging / "old"));
  EXPECT_TRUE(fs::exists(staging / "new")) << "may be another process's upload in flight";
}

TEST_F(LocalFolderStoreTest, OpenObjectStoreTakesPathsAndFileUrls) {
  const fs::path plain = temp_ / "plain" / "nested";
  auto by_path = OpenObjectStore(plain.string());
  ASSERT_TRUE(by_path.ok()) << by_path.error().ToString();
  EXPECT_TRUE(fs::is_directory(plain));
  EXPECT_EQ(by_path.value()->Location(), "file://" + plain.string());

  auto by_url = OpenObjectStore("file://" + root_.string() + "/");
  ASSERT_TRUE(by_url.ok()) << by_url.error().ToString();
  EXPECT_EQ(by_url.value()->Location(), "file://" + root_.string());
  Put("k", "v");
  EXPECT_TRUE(by_url.value()->Exists("k").value());

  // s3:// is the S3 store's (s3_object_store_test.cc).
  for (const char* url : {"gs://bucket/dumps", "https://example.com/x", "file://"}) {
    auto other = OpenObjectStore(url);
    ASSERT_FALSE(other.ok()) << url;
    EXPECT_EQ(other.error().kind, ErrorKind::kUsage);
  }
  EXPECT_NE(OpenObjectStore("gs://b").error().message.find("s3://BUCKET"), std::string::npos);
}

}  // namespace
}  // namespace heapscope::store
