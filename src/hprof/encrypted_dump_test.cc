// Encrypted dumps: the container round-trips every size around chunk edges,
// and every kind of damage (a flipped byte anywhere, a cut at any length,
// chunks swapped, repeated or dropped, the wrong key) is an error that lets
// no byte of the damaged chunk out. Then the same dump read plain, encrypted
// and gzip-then-encrypted gives the same scan.
#include <libdeflate.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "heap/heap_scan.h"
#include "hprof/byte_sink.h"
#include "hprof/dump_input.h"
#include "hprof/dump_key.h"
#include "hprof/encrypted_format.h"
#include "hprof/encrypted_reader.h"
#include "hprof/encrypted_writer.h"
#include "hprof/test_dump.h"
#include "report/histogram_report.h"

namespace heapscope::hprof {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t kChunk = kMinChunkSize;  // small, so a few KB span many chunks

Bytes RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(size);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

DumpKey TestKey(uint8_t fill) {
  std::array<uint8_t, kDumpKeySize> k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(fill + i);
  return DumpKey::FromBytes(k);
}

Bytes Encrypt(const Bytes& plain, const DumpKey& key, uint32_t chunk = kChunk, int threads = 1,
              size_t piece = 1000) {
  auto memory = std::make_unique<MemorySink>();
  MemorySink* out = memory.get();
  auto sink = CreateEncryptingSink(std::move(memory), key, threads, chunk);
  // Written in uneven pieces, so chunks fill across Write calls.
  for (size_t at = 0; at < plain.size(); at += piece) {
    EXPECT_TRUE(sink->Write(std::span(plain).subspan(at, std::min(piece, plain.size() - at))).ok());
  }
  EXPECT_TRUE(sink->Finish().ok());
  EXPECT_EQ(sink->BytesIn(), plain.size());
  EXPECT_TRUE(out->finished);
  return out->data;
}

// A file holding `bytes`, removed when this dies.
class TempBytes {
 public:
  explicit TempBytes(const Bytes& bytes) : file_("hs_crypt") {
    std::ofstream f(file_.path(), std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  const std::string& path() const { return file_.path(); }

 private:
  TempDumpFile file_;
};

// What decrypting gave: the bytes handed out before the end or the error.
struct Decrypted {
  Bytes out;
  std::optional<Error> error;
};

Decrypted Decrypt(const Bytes& file, const DumpKey& key, int threads = 1) {
  TempBytes temp(file);
  Decrypted d;
  auto map = MappedFile::Open(temp.path());
  if (!map.ok()) {
    d.error = map.error();
    return d;
  }
  auto src = OpenEncryptedSource(std::move(map.value()), key, threads);
  if (!src.ok()) {
    d.error = src.error();
    return d;
  }
  while (true) {
    auto chunk = src.value()->Next();
    if (!chunk.ok()) {
      d.error = chunk.error();
      // Sticky: asking again gives the error again, never more data.
      auto again = src.value()->Next();
      EXPECT_FALSE(again.ok());
      return d;
    }
    if (chunk->empty()) return d;
    d.out.insert(d.out.end(), chunk->begin(), chunk->end());
  }
}

// Damage must fail, and what came out before must be whole chunks of the
// original that lie before `first_bad_chunk` (a chunk's bytes never leave
// before its tag verified).
void ExpectRejected(const Decrypted& d, const Bytes& plain, uint64_t first_bad_chunk, const std::string& what) {
  ASSERT_TRUE(d.error.has_value()) << what;
  EXPECT_FALSE(d.error->message.empty()) << what;
  EXPECT_LE(d.out.size(), first_bad_chunk * kChunk) << what;
  EXPECT_EQ(d.out.size() % kChunk, 0u) << what;
  ASSERT_LE(d.out.size(), plain.size()) << what;
  EXPECT_TRUE(std::equal(d.out.begin(), d.out.end(), plain.begin())) << what;
}

TEST(EncryptedDumpTest, RoundTripsAroundChunkEdges) {
  const DumpKey key = TestKey(1);
  for (size_t size : {size_t{0}, size_t{1}, size_t{kChunk - 1}, size_t{kChunk}, size_t{kChunk + 1},
                      size_t{kChunk} * 7 / 2, size_t{kChunk} * 3}) {
    for (int threads : {1, 2, 5}) {
      SCOPED_TRACE(testing::Message() << "size " << size << ", threads " << threads);
      const Bytes plain = RandomBytes(size, static_cast<uint32_t>(size));
      const Bytes sealed = Encrypt(plain, key, kChunk, threads);
      // Full chunks, then a final one that is always there and always
      // shorter than a chunk (empty when the plaintext fills its chunks).
      const uint64_t full = size / kChunk;
      EXPECT_EQ(sealed.size(), kEncryptedHeaderSize + full * (kChunk + kGcmTagSize) + size % kChunk + kGcmTagSize);
      EXPECT_TRUE(LooksEncrypted(sealed));
      for (int read_threads : {1, 3}) {
        Decrypted d = Decrypt(sealed, key, read_threads);
        ASSERT_FALSE(d.error.has_value()) << d.error->ToString();
        EXPECT_EQ(d.out, plain);
      }
    }
  }
}

TEST(EncryptedDumpTest, RoundTripsWithTheDefaultChunkSize) {
  const DumpKey key = TestKey(2);
  const Bytes plain = RandomBytes(2 * size_t{kDefaultChunkSize} + 12345, 7);
  for (int threads : {0, 1}) {
    const Bytes sealed = Encrypt(plain, key, kDefaultChunkSize, threads, 3 << 20);
    Decrypted d = Decrypt(sealed, key, threads);
    ASSERT_FALSE(d.error.has_value()) << d.error->ToString();
    EXPECT_EQ(d.out, plain);
  }
}

TEST(EncryptedDumpTest, SameInputGivesUnrelatedFiles) {
  const DumpKey key = TestKey(3);
  const Bytes plain = RandomBytes(100, 1);
  const Bytes a = Encrypt(plain, key), b = Encrypt(plain, key);
  ASSERT_EQ(a.size(), b.size());
  // Same magic, version, chunk size and key id; nonce, data key and
  // ciphertext differ.
  EXPECT_TRUE(std::equal(a.begin(), a.begin() + 24, b.begin()));
  EXPECT_FALSE(std::equal(a.begin() + 24, a.end(), b.begin() + 24));
}

TEST(EncryptedDumpTest, EveryFlippedByteIsAnError) {
  const DumpKey key = TestKey(4);
  const Bytes plain = RandomBytes(kChunk * 5 / 2, 11);
  const Bytes sealed = Encrypt(plain, key);
  for (size_t at = 0; at < sealed.size(); ++at) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}}) {
      Bytes bad = sealed;
      bad[at] ^= mask;
      const uint64_t chunk = at < kEncryptedHeaderSize ? 0 : (at - kEncryptedHeaderSize) / (kChunk + kGcmTagSize);
      ExpectRejected(Decrypt(bad, key), plain, chunk, "byte " + std::to_string(at));
    }
  }
}

TEST(EncryptedDumpTest, EveryCutIsAnError) {
  const DumpKey key = TestKey(5);
  const Bytes plain = RandomBytes(kChunk * 2, 12);  // a multiple: the final chunk is empty
  const Bytes sealed = Encrypt(plain, key);
  for (size_t length = 0; length < sealed.size(); ++length) {
    const Bytes cut(sealed.begin(), sealed.begin() + static_cast<ptrdiff_t>(length));
    const uint64_t chunk =
        length < kEncryptedHeaderSize ? 0 : (length - kEncryptedHeaderSize) / (kChunk + kGcmTagSize);
    Decrypted d = Decrypt(cut, key);
    ExpectRejected(d, plain, chunk, "length " + std::to_string(length));
    if (d.error && length >= kEncryptedHeaderSize && (length - kEncryptedHeaderSize) % (kChunk + kGcmTagSize) == 0) {
      // Cut at a chunk boundary: every chunk left is sound, the final one is missing.
      EXPECT_EQ(d.error->message, "the file ends without its final chunk: it was cut short");
      EXPECT_EQ(d.error->offset, length);
    }
  }
}

TEST(EncryptedDumpTest, WrongKeyIsNamed) {
  const DumpKey key = TestKey(6), other = TestKey(7);
  const Bytes sealed = Encrypt(RandomBytes(10, 1), key);
  Decrypted d = Decrypt(sealed, other);
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->kind, ErrorKind::kUsage);
  EXPECT_EQ(d.error->message, "the dump was encrypted with key " + key.IdHex() + ", but the key file holds key " +
                                  other.IdHex());
  EXPECT_TRUE(d.out.empty());
}

TEST(EncryptedDumpTest, MovedChunksFail) {
  const DumpKey key = TestKey(8);
  const Bytes plain = RandomBytes(kChunk * 3 + 100, 13);
  const Bytes sealed = Encrypt(plain, key);
  const size_t record = kChunk + kGcmTagSize;
  auto at = [&](size_t i) { return sealed.begin() + static_cast<ptrdiff_t>(kEncryptedHeaderSize + i * record); };
  {  // chunks 0 and 1 swapped
    Bytes bad(sealed.begin(), at(0));
    bad.insert(bad.end(), at(1), at(2));
    bad.insert(bad.end(), at(0), at(1));
    bad.insert(bad.end(), at(2), sealed.end());
    Decrypted d = Decrypt(bad, key);
    ExpectRejected(d, plain, 0, "swapped");
    EXPECT_EQ(d.error->offset, kEncryptedHeaderSize);
    EXPECT_EQ(d.error->record, "encrypted chunk 0");
    EXPECT_EQ(d.error->message, "chunk 0 (bytes 96..4207 of the encrypted file) fails authentication: the file is "
                                "damaged or was tampered with");
  }
  {  // chunk 0 repeated in place of chunk 1
    Bytes bad(sealed.begin(), at(1));
    bad.insert(bad.end(), at(0), at(1));
    bad.insert(bad.end(), at(2), sealed.end());
    ExpectRejected(Decrypt(bad, key), plain, 1, "repeated");
  }
  {  // chunk 1 dropped: chunk 2 arrives as chunk 1
    Bytes bad(sealed.begin(), at(1));
    bad.insert(bad.end(), at(2), sealed.end());
    ExpectRejected(Decrypt(bad, key), plain, 1, "dropped");
  }
  {  // a full chunk appended after the final one
    Bytes bad = sealed;
    bad.insert(bad.end(), at(0), at(1));
    ExpectRejected(Decrypt(bad, key), plain, 3, "appended");
  }
  {  // another file's chunks under this file's header (same key, other data key)
    const Bytes other = Encrypt(plain, key);
    Bytes bad(sealed.begin(), at(0));
    bad.insert(bad.end(), other.begin() + kEncryptedHeaderSize, other.end());
    ExpectRejected(Decrypt(bad, key), plain, 0, "spliced");
  }
}

TEST(EncryptedDumpTest, HeaderFieldsAreChecked) {
  const DumpKey key = TestKey(9);
  const Bytes sealed = Encrypt(RandomBytes(10, 1), key);
  auto with = [&](size_t at, uint8_t value) {
    Bytes b = sealed;
    b[at] = value;
    return Decrypt(b, key);
  };
  EXPECT_NE(with(11, 2).error->message.find("format version 2, expected 1"), std::string::npos);
  EXPECT_NE(with(12, 0x10).error->message.find("chunk size is"), std::string::npos);
  EXPECT_NE(with(90, 1).error->message.find("reserved header byte 90"), std::string::npos);
  Decrypted nonce = with(30, sealed[30] ^ 1);
  EXPECT_EQ(nonce.error->message, "the header is damaged (its data key does not authenticate)");
  EXPECT_EQ(nonce.error->kind, ErrorKind::kBadInput);
  EXPECT_EQ(Decrypt(Bytes(sealed.begin(), sealed.begin() + 50), key).error->message,
            "the file ends inside its 96-byte encryption header, after 50 bytes: it was cut short");
}

TEST(DumpKeyTest, LoadsHexAndRawKeys) {
  const DumpKey key = TestKey(10);
  TempDumpFile file("hs_key");
  auto load = [&](const std::string& contents) {
    std::ofstream(file.path(), std::ios::binary) << contents;
    return DumpKey::Load(file.path());
  };
  auto hex = load("  \n" + key.Hex() + "\r\n\t");
  ASSERT_TRUE(hex.ok()) << hex.error().ToString();
  EXPECT_EQ(hex->IdHex(), key.IdHex());
  std::string upper = key.Hex();
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  ASSERT_TRUE(load(upper).ok());
  auto raw = load(std::string(reinterpret_cast<const char*>(key.bytes().data()), kDumpKeySize));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->Hex(), key.Hex());

  auto short_hex = load(key.Hex().substr(2));
  ASSERT_FALSE(short_hex.ok());
  EXPECT_EQ(short_hex.error().kind, ErrorKind::kUsage);
  EXPECT_NE(short_hex.error().message.find("holds 62 bytes"), std::string::npos) << short_hex.error().message;
  EXPECT_NE(short_hex.error().message.find("expected 64 hex digits"), std::string::npos);
  std::string bad_digit = key.Hex();
  bad_digit[5] = 'g';
  auto not_hex = load(bad_digit);
  ASSERT_FALSE(not_hex.ok());
  EXPECT_NE(not_hex.error().message.find("non-hex character at byte 5"), std::string::npos);
  EXPECT_EQ(load("").error().kind, ErrorKind::kUsage);
  EXPECT_EQ(load(std::string(31, 'x')).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(load(std::string(100000, 'a')).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(DumpKey::Load("/nonexistent/key").error().kind, ErrorKind::kIo);
}

TEST(DumpKeyTest, IdIsAHashOfTheKey) {
  const DumpKey key = TestKey(11);
  const std::string label = "heapscope key id v1";
  uint8_t digest[32];
  unsigned int n = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, label.data(), label.size());
  EVP_DigestUpdate(ctx, key.bytes().data(), kDumpKeySize);
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  EXPECT_EQ(key.IdHex(), HexOf(std::span<const uint8_t>(digest, 8)));
  EXPECT_EQ(key.Hex().size(), 64u);
  EXPECT_NE(DumpKey::Generate().Hex(), DumpKey::Generate().Hex());
}

// A dump of a few hundred KB: classes, a long chain of instances, byte
// arrays, roots and a thread.
Bytes MakeDump() {
  WriterOptions opt;
  opt.id_size = 8;
  HprofWriter w(opt);
  w.Utf8(1, "java/lang/Object");
  w.Utf8(2, "com/acme/Node");
  w.Utf8(3, "next");
  w.Utf8(4, "val");
  LoadClasses(w, {{0x100, 1}, {0x200, 2}});
  WriteClassDump(w, 0x100, 0, {});
  WriteClassDump(w, 0x200, 0x100, {{3, BasicType::kObject}, {4, BasicType::kLong}});
  constexpr uint64_t kNodes = 6000;
  for (uint64_t i = 0; i < kNodes; ++i) {
    const uint64_t id = 0x10000 + i * 0x20;
    w.Instance(id, 0, 0x200, FieldBytes(8).Id(i + 1 < kNodes ? id + 0x20 : 0).U8(i).bytes());
  }
  w.Root({RootKind::kJniGlobal, 0x10000, 0, 0, 0});
  for (uint64_t i = 0; i < 300; ++i) {
    w.PrimitiveArray(0x900000 + i * 0x400, 0, BasicType::kByte, RandomBytes(100 + i, static_cast<uint32_t>(i)));
    w.Root({RootKind::kJniGlobal, 0x900000 + i * 0x400, 0, 0, 0});
  }
  w.HeapDumpEnd();
  return w.Finish();
}

Bytes Gzip(const Bytes& plain, size_t member) {
  Bytes out;
  libdeflate_compressor* c = libdeflate_alloc_compressor(6);
  // Several members, as HotSpot's -gz (and redact) write.
  for (size_t at = 0; at < plain.size(); at += member) {
    const size_t n = std::min(member, plain.size() - at);
    Bytes m(libdeflate_gzip_compress_bound(c, n));
    m.resize(libdeflate_gzip_compress(c, plain.data() + at, n, m.data(), m.size()));
    out.insert(out.end(), m.begin(), m.end());
  }
  libdeflate_free_compressor(c);
  return out;
}

struct ScanResult {
  nlohmann::ordered_json histogram, summary;
  DumpEncoding encoding = DumpEncoding::kPlain;
};

Result<ScanResult> ScanFile(const std::string& path, const DumpKey* key, int threads) {
  auto in = DumpInput::Open(path, threads, key);
  if (!in.ok()) return in.error();
  heap::ScanOptions opt;
  opt.read.threads = threads;
  auto scan = heap::ScanHeap(in.value(), opt);
  if (!scan.ok()) return scan.error();
  ScanResult r;
  r.encoding = scan->encoding;
  r.histogram = report::HistogramJson(scan.value(), report::HistogramRows(scan.value(), report::HistogramSort::kShallow, 0));
  r.summary = report::SummaryJson(scan.value());
  // The only fields that describe the file rather than the heap.
  r.summary.erase("encoding");
  r.summary.erase("file_bytes");
  return r;
}

TEST(EncryptedDumpTest, ScanOfAnEncryptedDumpMatchesThePlainOne) {
  const DumpKey key = TestKey(12);
  const Bytes dump = MakeDump();
  ASSERT_GT(dump.size(), 50 * size_t{kChunk});
  TempBytes plain(dump);
  auto expected = ScanFile(plain.path(), nullptr, 2);
  ASSERT_TRUE(expected.ok()) << expected.error().ToString();
  EXPECT_EQ(expected->summary["objects"], 6300);

  struct Case {
    const char* name;
    Bytes file;
  };
  const Case cases[] = {
      {"encrypted", Encrypt(dump, key, kChunk, 2)},
      {"encrypted, default chunks", Encrypt(dump, key, kDefaultChunkSize, 2)},
      {"gzip then encrypted", Encrypt(Gzip(dump, 64 << 10), key, kChunk, 2)},
      {"one gzip member then encrypted", Encrypt(Gzip(dump, dump.size()), key, kChunk, 1)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TempBytes file(c.file);
    for (int threads : {1, 2}) {
      auto got = ScanFile(file.path(), &key, threads);
      ASSERT_TRUE(got.ok()) << got.error().ToString();
      EXPECT_EQ(got->encoding, DumpEncoding::kEncrypted);
      EXPECT_EQ(got->histogram, expected->histogram);
      EXPECT_EQ(got->summary, expected->summary);
    }
  }
}

TEST(EncryptedDumpTest, OpeningWithoutAKeyIsAUsageError) {
  TempBytes file(Encrypt(MakeDump(), TestKey(13)));
  auto in = DumpInput::Open(file.path(), 1, nullptr);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(in.error().message, file.path() + " is encrypted: pass --key-file (or set HEAPSCOPE_KEY_FILE)");
}

TEST(EncryptedDumpTest, DamagedDumpFailsThroughTheReader) {
  const DumpKey key = TestKey(14);
  Bytes sealed = Encrypt(MakeDump(), key, kChunk, 2);
  sealed[sealed.size() / 2] ^= 4;
  TempBytes file(sealed);
  auto got = ScanFile(file.path(), &key, 2);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kBadInput);
  EXPECT_NE(got.error().message.find("fails authentication"), std::string::npos) << got.error().ToString();
  EXPECT_FALSE(got.error().truncated);  // --allow-truncated must not go on with it
}

TEST(EncryptedDumpTest, GzipCutBeforeEncryptionIsATruncation) {
  const DumpKey key = TestKey(15);
  Bytes gz = Gzip(MakeDump(), 1 << 20);
  gz.resize(gz.size() * 2 / 3);
  TempBytes file(Encrypt(gz, key));
  auto got = ScanFile(file.path(), &key, 1);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().truncated) << got.error().ToString();
}

}  // namespace
}  // namespace heapscope::hprof
