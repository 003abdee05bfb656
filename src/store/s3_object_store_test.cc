// The S3 store against a real S3-compatible server: s3rver 3.7.1 through
// tests/s3/s3rver_with_uploads.js, which adds the multipart listing and
// abort s3rver lacks, and 503s on demand. Parts and ranges are made tiny so
// a few hundred KiB take the paths of a large dump. Skipped, saying why,
// when node or tests/s3/node_modules is missing (scripts/setup.sh installs
// both).
#include "store/s3_object_store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace heapscope::store {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

constexpr uint64_t kPart = 64 << 10;
constexpr uint64_t kGetChunk = 40000;  // no divisor of the part size

// CMake compiles with absolute paths: src/store/ is two folders down.
fs::path RepoRoot() {
  if (const char* root = std::getenv("HEAPSCOPE_SOURCE_DIR")) return root;
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

std::optional<fs::path> FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    fs::path candidate = fs::path(dirs.substr(0, colon)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
  }
  return std::nullopt;
}

// One s3rver in a temporary folder, on a port it picks and announces.
class S3rver {
 public:
  // Null, with `why` set, when it can't run here.
  static std::unique_ptr<S3rver> Start(bool plain, std::string* why) {
    const auto node = FindOnPath("node");
    const fs::path script = RepoRoot() / "tests/s3/s3rver_with_uploads.js";
    if (!node) return *why = "node is not installed (scripts/setup.sh installs it)", nullptr;
    if (!fs::exists(RepoRoot() / "tests/s3/node_modules/s3rver/package.json")) {
      return *why = "s3rver is not installed: npm ci --prefix tests/s3 (scripts/setup.sh does it)", nullptr;
    }
    std::string folder = (fs::temp_directory_path() / "heapscope-s3rver-XXXXXX").string();
    if (::mkdtemp(folder.data()) == nullptr) return *why = "mkdtemp failed", nullptr;
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return *why = "pipe failed", nullptr;
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives a crashed test
      ::dup2(out[1], STDOUT_FILENO);
      // s3rver makes ListObjectsV2 continuation tokens with DES, which
      // OpenSSL 3 keeps in its legacy provider.
      const char* argv[] = {"node", "--openssl-legacy-provider", script.c_str(), "-d", folder.c_str(), "-p", "0",
                            plain ? "--plain" : nullptr, nullptr};
      ::execv(node->c_str(), const_cast<char* const*>(argv));
      ::_exit(127);
    }
    ::close(out[1]);
    auto server = std::unique_ptr<S3rver>(new S3rver(pid, folder));
    server->port_ = ReadPort(out[0]);
    ::close(out[0]);
    if (server->port_ == 0) return *why = "s3rver did not start (run tests/s3/s3rver_with_uploads.js by hand)", nullptr;
    return server;
  }
  ~S3rver() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    std::error_code ec;
    fs::remove_all(folder_, ec);
  }
  int port() const { return port_; }

 private:
  S3rver(pid_t pid, std::string folder) : pid_(pid), folder_(std::move(folder)) {}

  // "listening on PORT", within 20 s; 0 when it never comes.
  static int ReadPort(int fd) {
    std::string text;
    char buffer[256];
    while (text.find('\n') == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20000) <= 0) return 0;
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) return 0;
      text.append(buffer, static_cast<size_t>(n));
    }
    return text.starts_with("listening on ") ? std::atoi(text.c_str() + 13) : 0;
  }

  pid_t pid_;
  std::string folder_;
  int port_ = 0;
};

// A port nothing listens on (one the kernel just handed out and took back).
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return 9;  // discard: nothing listens there either
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

EnvLookup LookupIn(std::map<std::string, std::string> env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional(it->second);
  };
}

Bytes Pattern(size_t size, uint32_t seed) {
  Bytes data(size);
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>((i * 2654435761u + seed) >> 13);
  return data;
}

Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

class S3StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = S3rver::Start(false, &why_).release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (server_ == nullptr) GTEST_SKIP() << why_;
    prefix_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    store_ = Open(server_->port(), "dumps", prefix_);
  }

  static S3Config Config(int port, const std::string& bucket, const std::string& prefix,
                         const std::string& access_key = "S3RVER", const std::string& options = "") {
    auto config = ParseS3Url(fmt::format("s3://{}/{}?endpoint=http://127.0.0.1:{}&part_size={}&parallel=3{}", bucket,
                                         prefix, port, kPart, options),
                             LookupIn({{"AWS_ACCESS_KEY_ID", access_key},
                                       {"AWS_SECRET_ACCESS_KEY", "TOPSECRET"},
                                       {"HEAPSCOPE_S3_ALLOW_SMALL_PARTS", "1"}}));
    EXPECT_TRUE(config.ok()) << config.error().message;
    S3Config c = config.ok() ? config.value() : S3Config();
    c.get_chunk = kGetChunk;
    c.list_page = 7;
    c.retry_delay = std::chrono::milliseconds(1);
    return c;
  }
  static std::unique_ptr<S3ObjectStore> Open(int port, const std::string& bucket, const std::string& prefix) {
    return S3ObjectStore::Open(Config(port, bucket, prefix));
  }

  // Writes `data` through a sink in pieces of odd sizes.
  static void WriteAll(hprof::ByteSink& sink, const Bytes& data) {
    for (size_t at = 0; at < data.size(); at += 7919) {
      ASSERT_TRUE(sink.Write(std::span(data).subspan(at, std::min<size_t>(7919, data.size() - at))).ok());
    }
  }
  void PutStreamed(const std::string& key, const Bytes& data) {
    auto sink = store_->Put(key);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    WriteAll(*sink.value(), data);
    Status s = sink.value()->Finish();
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(sink.value()->BytesIn(), data.size());
  }
  // The whole object, checking each range against the chunk size.
  Bytes Get(const std::string& key) { return Get(*store_, key); }
  static Bytes Get(ObjectStore& store, const std::string& key) {
    auto source = store.Get(key);
    EXPECT_TRUE(source.ok()) << source.error().message;
    if (!source.ok()) return {};
    Bytes out;
    for (auto piece = source.value()->Next(); piece.ok() && !piece->empty(); piece = source.value()->Next()) {
      EXPECT_LE(piece->size(), kGetChunk);
      out.insert(out.end(), piece->begin(), piece->end());
    }
    EXPECT_EQ(source.value()->InputSize(), out.size());
    EXPECT_EQ(source.value()->InputBytesRead(), out.size());
    return out;
  }
  std::vector<std::string> List(const std::string& prefix) {
    auto keys = store_->List(prefix);
    EXPECT_TRUE(keys.ok()) << keys.error().message;
    return keys.ok() ? keys.value() : std::vector<std::string>();
  }
  std::vector<std::string> UploadsOf(S3ObjectStore& store, const std::string& prefix) {
    auto uploads = store.ListUploads(prefix);
    EXPECT_TRUE(uploads.ok()) << uploads.error().message;
    std::vector<std::string> keys;
    for (const S3Upload& u : uploads.value()) keys.push_back(u.key);
    return keys;
  }

  static inline S3rver* server_ = nullptr;
  static inline std::string why_;
  std::string prefix_;
  std::unique_ptr<S3ObjectStore> store_;
};

TEST_F(S3StoreTest, SmallObjectsRoundTrip) {
  EXPECT_EQ(store_->Location(), "s3://dumps/" + prefix_);
  ASSERT_TRUE(store_->PutBytes("dumps/1/metadata.json", Text("{\"id\": 1}")).ok());
  ASSERT_TRUE(store_->PutBytes("dumps/1/metadata.json", Text("{\"id\": 2}")).ok());
  ASSERT_TRUE(store_->PutBytes("empty", {}).ok());
  PutStreamed("dumps/1/small.hprof", Text("smaller than a part"));
  EXPECT_TRUE(store_->Exists("dumps/1/metadata.json").value());
  EXPECT_FALSE(store_->Exists("dumps/2/metadata.json").value());
  EXPECT_EQ(Get("dumps/1/metadata.json"), Text("{\"id\": 2}"));
  EXPECT_EQ(Get("empty"), Bytes());
  EXPECT_EQ(Get("dumps/1/small.hprof"), Text("smaller than a part"));
  EXPECT_EQ(List(""), (std::vector<std::string>{"dumps/1/metadata.json", "dumps/1/small.hprof", "empty"}));
  EXPECT_EQ(List("dumps/1/m"), (std::vector<std::string>{"dumps/1/metadata.json"}));
  ASSERT_TRUE(store_->Delete("dumps/1/metadata.json").ok());
  EXPECT_FALSE(store_->Exists("dumps/1/metadata.json").value());
  EXPECT_TRUE(store_->Delete("dumps/1/metadata.json").ok()) << "a missing key is no error";
  EXPECT_EQ(store_->counters().parts_uploaded, 0u);
  EXPECT_FALSE(store_->PutBytes("../escape", Text("x")).ok());
}

TEST_F(S3StoreTest, MultipartPutReadsBackThroughRanges) {
  const Bytes data = Pattern(kPart * 7 / 2, 1);
  auto sink = store_->Put("dumps/2/heap.hprof");
  ASSERT_TRUE(sink.ok());
  WriteAll(*sink.value(), data);
  EXPECT_FALSE(store_->Exists("dumps/2/heap.hprof").value()) << "visible before Finish";
  ASSERT_TRUE(sink.value()->Finish().ok());
  EXPECT_EQ(store_->counters().parts_uploaded, 4u);
  const uint64_t requests_before = store_->counters().requests;
  EXPECT_EQ(Get("dumps/2/heap.hprof"), data);
  EXPECT_EQ(store_->counters().requests - requests_before, 1 + (data.size() + kGetChunk - 1) / kGetChunk)
      << "a HEAD, then one GET a range";

  {
    auto abandoned = store_->Get("dumps/2/heap.hprof");  // dropped with a range in flight
    ASSERT_TRUE(abandoned.ok());
    ASSERT_TRUE(abandoned.value()->Next().ok());
  }

  // Exactly one part is one PutObject: multipart only with bytes behind a full part.
  PutStreamed("dumps/2/one-part", Pattern(kPart, 2));
  EXPECT_EQ(store_->counters().parts_uploaded, 4u);
  EXPECT_EQ(Get("dumps/2/one-part"), Pattern(kPart, 2));
  ASSERT_TRUE(store_->PutBytes("dumps/2/big-bytes", Pattern(kPart * 2, 3)).ok());
  EXPECT_EQ(store_->counters().parts_uploaded, 6u) << "PutBytes beyond a part goes multipart";
  EXPECT_EQ(Get("dumps/2/big-bytes"), Pattern(kPart * 2, 3));
}

TEST_F(S3StoreTest, ListFollowsContinuationTokensAndShowsOnlyKeys) {
  std::vector<std::string> keys;
  for (int i = 0; i < 23; ++i) keys.push_back(fmt::format("{}/k{:02}", i % 3 == 0 ? "a" : "b", i));
  for (const std::string& key : keys) ASSERT_TRUE(store_->PutBytes(key, Text(key)).ok());
  // Outside the store's prefix, and a name no key has: neither is listed.
  auto other = Open(server_->port(), "dumps", prefix_ + "x");
  ASSERT_TRUE(other->PutBytes("a/k00", Text("x")).ok());
  const S3Client raw(Config(server_->port(), "dumps", ""));
  ASSERT_TRUE(PutObject(raw, prefix_ + "/b/not a key", Text("x"), {}).ok());

  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(List(""), keys);
  std::vector<std::string> a(keys.begin(), keys.begin() + 8);
  EXPECT_EQ(List("a/"), a);
  EXPECT_TRUE(List("c").empty());
  EXPECT_GE(store_->counters().requests, 23u + 4u) << "23 keys at 7 a page take 4 pages";
}

TEST_F(S3StoreTest, SinkDestroyedUnfinishedLeavesNoObjectAndNoUpload) {
  {
    auto sink = store_->Put("dumps/3/heap.hprof");
    ASSERT_TRUE(sink.ok());
    WriteAll(*sink.value(), Pattern(kPart * 5 / 2, 4));
    EXPECT_EQ(UploadsOf(*store_, "dumps/3/"), std::vector<std::string>{"dumps/3/heap.hprof"});
  }
  EXPECT_FALSE(store_->Exists("dumps/3/heap.hprof").value());
  EXPECT_TRUE(UploadsOf(*store_, "").empty());
  EXPECT_TRUE(List("").empty());
}

TEST_F(S3StoreTest, ResumesAnInterruptedUploadOfTheSameKeyOnly) {
  S3Config interrupted = Config(server_->port(), "dumps", prefix_);
  interrupted.abort_unfinished = false;  // as if the process were killed
  auto killed = S3ObjectStore::Open(interrupted);
  const Bytes data = Pattern(kPart * 7 / 2, 5);
  for (const char* key : {"x/dump", "x/dump2"}) {
    auto sink = killed->Put(key);
    ASSERT_TRUE(sink.ok());
    WriteAll(*sink.value(), data);  // parts 1-3 go; part 4 is still buffered
  }
  EXPECT_EQ(killed->counters().parts_uploaded, 6u);
  EXPECT_EQ(UploadsOf(*store_, "x/"), (std::vector<std::string>{"x/dump", "x/dump2"}));

  Bytes changed = data;
  changed[kPart + 100] ^= 0xff;  // part 2 differs now: its MD5 no longer matches
  PutStreamed("x/dump", changed);
  EXPECT_EQ(store_->counters().uploads_resumed, 1u);
  EXPECT_EQ(store_->counters().parts_reused, 2u) << "parts 1 and 3";
  EXPECT_EQ(store_->counters().parts_uploaded, 2u) << "part 2 again and part 4";
  EXPECT_EQ(Get("x/dump"), changed);
  EXPECT_EQ(UploadsOf(*store_, "x/"), std::vector<std::string>{"x/dump2"}) << "another key's upload is left alone";
}

TEST_F(S3StoreTest, RetriesTransientFailures) {
  // The harness answers 503 SlowDown to the first try of every part and range under "flaky".
  const Bytes data = Pattern(kPart * 5 / 2, 6);
  PutStreamed("flaky/heap.hprof", data);
  EXPECT_EQ(store_->counters().retries, 3u);
  EXPECT_EQ(Get("flaky/heap.hprof"), data);
  EXPECT_EQ(store_->counters().retries, 3u + (data.size() + kGetChunk - 1) / kGetChunk);
}

TEST_F(S3StoreTest, ErrorsSayWhatS3Said) {
  auto expect_error = [](const Status& s, std::initializer_list<std::string_view> needles) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::kIo);
    for (std::string_view needle : needles) EXPECT_NE(s.error().message.find(needle), std::string::npos)
        << "no " << needle << " in: " << s.error().message;
    for (std::string_view secret : {"TOPSECRET", "Signature=", "Authorization"}) {
      EXPECT_EQ(s.error().message.find(secret), std::string::npos) << s.error().message;
    }
  };
  auto status_of = [](const auto& result) { return result.ok() ? Status() : Status(result.error()); };

  auto missing = store_->Get("dumps/none");
  expect_error(status_of(missing), {"s3 GET s3://dumps/" + prefix_ + "/dumps/none", "404", "NoSuchKey"});

  auto no_bucket = Open(server_->port(), "no-such-bucket", "p");
  expect_error(no_bucket->PutBytes("k", Text("x")), {"no-such-bucket", "NoSuchBucket"});
  expect_error(status_of(no_bucket->Exists("k")), {"no-such-bucket", "NoSuchBucket"});
  expect_error(status_of(no_bucket->List("")), {"NoSuchBucket"});

  auto bad_key = S3ObjectStore::Open(Config(server_->port(), "dumps", "p", "WRONGKEY"));
  expect_error(bad_key->PutBytes("k", Text("x")), {"HTTP 403", "InvalidAccessKeyId"});
  expect_error(status_of(bad_key->Exists("k")), {"s3 HEAD", "HTTP 403"});

  // Nothing listens there: the network error, after every try.
  auto nowhere = Open(ClosedPort(), "dumps", "p");
  expect_error(nowhere->PutBytes("k", Text("x")), {"s3 PUT s3://dumps/p/k", "4 tries"});
}

TEST_F(S3StoreTest, MetadataAndEncryptionHeadersGoWithTheObject) {
  auto encrypted = S3ObjectStore::Open(
      Config(server_->port(), "dumps", prefix_, "S3RVER", "&sse=aws:kms&kms_key_id=alias%2Fdumps"));
  const PutOptions options{{{"pod-name", "api-7d9f"}, {"namespace", "prod"}}};
  ASSERT_TRUE(encrypted->PutBytes("small", Text("x"), options).ok());
  auto sink = encrypted->Put("large", options);
  ASSERT_TRUE(sink.ok());
  WriteAll(*sink.value(), Pattern(kPart * 3 / 2, 7));
  ASSERT_TRUE(sink.value()->Finish().ok());
  for (const char* key : {"small", "large"}) {
    auto metadata = store_->Metadata(key);
    ASSERT_TRUE(metadata.ok()) << metadata.error().message;
    EXPECT_EQ(metadata.value(), (HttpHeaders{{"namespace", "prod"}, {"pod-name", "api-7d9f"}})) << key;
  }

  const PutOptions too_big{{{"blob", std::string(2100, 'x')}}};
  const PutOptions bad_name{{{"Pod_Name", "x"}}};
  const PutOptions bad_value{{{"note", "line\nbreak"}}};
  for (const PutOptions* bad : {&too_big, &bad_name, &bad_value}) {
    Status s = store_->PutBytes("k", Text("x"), *bad);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::kUsage) << s.error().message;
    EXPECT_FALSE(store_->Put("k", *bad).ok());
  }
}

TEST_F(S3StoreTest, PlainS3rverWithoutUploadListingGetsFreshUploads) {
  std::string why;
  auto plain_server = S3rver::Start(true, &why);
  ASSERT_NE(plain_server, nullptr) << why;
  auto plain = Open(plain_server->port(), "dumps", "p");
  const Bytes data = Pattern(kPart * 5 / 2, 8);
  {
    auto dropped = plain->Put("dump");
    ASSERT_TRUE(dropped.ok());
    WriteAll(*dropped.value(), data);  // its abort gets 405 there, and is let go
  }
  const uint64_t parts_before = plain->counters().parts_uploaded;
  auto sink = plain->Put("dump");
  ASSERT_TRUE(sink.ok());
  WriteAll(*sink.value(), data);
  ASSERT_TRUE(sink.value()->Finish().ok());
  EXPECT_EQ(plain->counters().uploads_resumed, 0u);
  EXPECT_EQ(plain->counters().parts_uploaded - parts_before, 3u);
  EXPECT_EQ(Get(*plain, "dump"), data);
  EXPECT_FALSE(plain->ListUploads("").ok()) << "s3rver answers 501";
}

TEST_F(S3StoreTest, OpenObjectStoreReadsTheEnvironment) {
  struct SavedEnv {
    std::map<std::string, std::optional<std::string>> saved;
    void Set(const std::string& name, const char* value) {
      if (!saved.count(name)) {
        const char* old = std::getenv(name.c_str());
        saved[name] = old ? std::optional<std::string>(old) : std::nullopt;
      }
      value ? ::setenv(name.c_str(), value, 1) : ::unsetenv(name.c_str());
    }
    ~SavedEnv() {
      for (auto& [name, value] : saved) value ? ::setenv(name.c_str(), value->c_str(), 1) : ::unsetenv(name.c_str());
    }
  } env;
  env.Set("AWS_ACCESS_KEY_ID", "S3RVER");
  env.Set("AWS_SECRET_ACCESS_KEY", "S3RVER");
  env.Set("HEAPSCOPE_S3_ENDPOINT", fmt::format("http://127.0.0.1:{}", server_->port()).c_str());
  auto opened = OpenObjectStore("s3://dumps/" + prefix_ + "/");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened.value()->Location(), "s3://dumps/" + prefix_);
  ASSERT_TRUE(opened.value()->PutBytes("k", Text("v")).ok());
  EXPECT_TRUE(store_->Exists("k").value());

  env.Set("AWS_SECRET_ACCESS_KEY", nullptr);
  auto refused = OpenObjectStore("s3://dumps");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kUsage);
  EXPECT_NE(refused.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace heapscope::store
