// Redaction and secret finding on small synthetic dumps: what each mode
// overwrites, what it must leave alone, and that the analyses can't tell the
// output from the input.
#include "redact/dump_redactor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <string>

#include "heap/heap_scan.h"
#include "hprof/big_endian.h"
#include "hprof/encrypted_writer.h"
#include "hprof/gzip_writer.h"
#include "hprof/test_dump.h"
#include "redact/array_text.h"
#include "redact/secret_finder.h"
#include "redact/secret_test_dump.h"

namespace heapscope::redact {
namespace {

using namespace secret_test;  // NOLINT: the dump's names read best unqualified

bool Contains(const std::vector<uint8_t>& hay, const std::vector<uint8_t>& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}
bool ContainsAnyEncoding(const std::vector<uint8_t>& hay, std::string_view s) {
  return Contains(hay, Bytes(s)) || Contains(hay, Utf16(s, true)) || Contains(hay, Utf16(s, false));
}

std::shared_ptr<const SecretMatcher> Matcher() {
  auto m = SecretMatcher::Compile(BuiltInSecretRules());
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().ToString());
  return m.value();
}

// Compiling the rules takes most of a small redaction's time.
const SecretMatcher& SharedMatcher() {
  static const std::shared_ptr<const SecretMatcher> m = Matcher();
  return *m;
}

struct Redacted {
  std::vector<uint8_t> bytes;
  RedactStats stats;
};
Result<Redacted> TryRedact(const std::string& path, RedactMode mode, hprof::ReadOptions read = {},
                           bool keep_threads = false) {
  hprof::MemorySink sink;
  RedactOptions o;
  o.mode = mode;
  o.matcher = &SharedMatcher();
  o.keep_thread_names = keep_threads;
  o.read = std::move(read);
  auto stats = RedactDump(path, sink, o);
  if (!stats.ok()) return stats.error();
  return Redacted{std::move(sink.data), std::move(stats.value())};
}
Redacted Redact(const std::string& path, RedactMode mode, bool keep_threads = false) {
  auto r = TryRedact(path, mode, {}, keep_threads);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? std::move(r.value()) : Redacted{};
}

std::vector<std::pair<uint64_t, uint64_t>> Histogram(const std::string& path) {
  auto in = hprof::DumpInput::Open(path);
  EXPECT_TRUE(in.ok());
  auto scan = heap::ScanHeap(in.value(), {});
  EXPECT_TRUE(scan.ok()) << (scan.ok() ? "" : scan.error().ToString());
  std::vector<std::pair<uint64_t, uint64_t>> h;
  for (const auto& c : scan->per_class) h.push_back({c.instances, c.shallow_bytes});
  return h;
}

TEST(SecretMatcher, EveryBuiltInRuleFindsItsSecretAndNotTheMask) {
  auto m = Matcher();
  const std::pair<std::string, std::string> cases[] = {
      {"aws-access-key-id", "id=" + kKey + ";"},
      {"aws-secret-access-key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"},
      {"jwt", "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
      {"bearer-token", "Authorization: Bearer abcdef0123456789abcdef"},
      {"pem-private-key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq98\n-----END RSA PRIVATE KEY-----"},
      {"password-assignment", "password=" + kPassword},
      {"password-json", R"({"user":"a","password": "s3cr3t-pass"})"},
      {"password-url", "postgres://app:S3cretPw@db.internal:5432/x"},
      {"credit-card", "card " + kCard + " exp"},
      {"iban", "iban DE89 3704 0044 0532 0130 00."},
      {"email", "mail jane.doe@example.com now"},
  };
  auto scratch = m->NewScratch();
  for (const auto& [rule, text] : cases) {
    std::string masked = text;
    int found = 0;
    m->Find(text, scratch, [&](const SecretSpan& s) {
      if (m->rules()[s.rule].name != rule) return;
      ++found;
      std::fill(masked.begin() + static_cast<ptrdiff_t>(s.begin), masked.begin() + static_cast<ptrdiff_t>(s.end), '*');
    });
    EXPECT_EQ(found, 1) << rule << " in " << text;
    int again = 0;
    m->Find(masked, scratch, [&](const SecretSpan&) { ++again; });
    EXPECT_EQ(again, 0) << rule << " still matches after masking: " << masked;
  }
}

TEST(SecretMatcher, ChecksRejectNearMisses) {
  auto m = Matcher();
  auto scratch = m->NewScratch();
  int found = 0;
  m->Find("card 4539 1488 0343 6468 iban DE89 3704 0044 0532 0130 01", scratch, [&](const SecretSpan&) { ++found; });
  EXPECT_EQ(found, 0);
  EXPECT_TRUE(PassesCheck(SecretCheck::kLuhn, "4111-1111-1111-1111"));
  EXPECT_FALSE(PassesCheck(SecretCheck::kLuhn, "4111-1111-1111-1112"));
  EXPECT_TRUE(PassesCheck(SecretCheck::kIban, "GB82 WEST 1234 5698 7654 32"));
}

TEST(SecretRules, UserRulesParseAndBadOnesSayWhere) {
  auto ok = ParseSecretRules("# ours\n\nticket = TCK-[0-9]{6}\ncard2 = \\d{16} ; check=luhn\n", "rules.txt");
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1].check, SecretCheck::kLuhn);
  auto bad = ParseSecretRules("good = a+\nBad Name = x\n", "rules.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("rules.txt line 2"), std::string::npos) << bad.error().message;
  auto pattern = SecretMatcher::Compile({{"broken", "(unclosed"}});
  ASSERT_FALSE(pattern.ok());
  EXPECT_NE(pattern.error().message.find("broken"), std::string::npos);
  EXPECT_EQ(MaskedExample(BuiltInSecretRules()[0], kKey), "AKIA************DFGH");
}

TEST(ArrayText, ReadsUtf16BytesBothWaysAndMasksInPlace) {
  ArrayText t[3];
  auto le = Utf16("pw=abcdefgh", true);
  ASSERT_EQ(ReadArrayText(BasicType::kByte, le, t), 2);
  EXPECT_EQ(t[1].encoding, TextEncoding::kUtf16Le);
  EXPECT_EQ(t[1].text, "pw=abcdefgh");
  MaskCharacters(TextEncoding::kUtf16Le, le, 3, 11);
  EXPECT_EQ(le, Utf16("pw=********", true));
  EXPECT_EQ(ReadArrayText(BasicType::kByte, Utf16("ab", true), t), 1) << "too few zeros to hide a secret";
  // Mostly non-Latin-1 text (CJK) with an address in it: still read.
  std::vector<uint8_t> cjk;
  for (int i = 0; i < 60; ++i) cjk.insert(cjk.end(), {0x2d, 0x4e});
  auto mail = Utf16(" jane.doe@example.com", true);
  cjk.insert(cjk.end(), mail.begin(), mail.end());
  ASSERT_EQ(ReadArrayText(BasicType::kByte, cjk, t), 2);
  EXPECT_NE(t[1].text.find("jane.doe@example.com"), std::string::npos);
  auto be = Utf16("x\xe9y", false);
  ASSERT_EQ(ReadArrayText(BasicType::kChar, be, t), 1);
  EXPECT_EQ(t[0].text, "x\xe9y");
}

class RedactDumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = SecretDump();
    path_ = WriteOut(input_);
  }
  std::string WriteOut(const std::vector<uint8_t>& b) {
    std::string p = hprof::CreateTempFile("redact_out");
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    outs_.push_back(p);
    return p;
  }
  ~RedactDumpTest() override {
    for (auto& p : outs_) std::remove(p.c_str());
  }
  std::string path_;
  std::vector<uint8_t> input_;
  std::vector<std::string> outs_;
};

TEST_F(RedactDumpTest, TheInputHoldsWhatTheTestsLookFor) {
  EXPECT_TRUE(ContainsAnyEncoding(input_, kPassword));
  EXPECT_TRUE(ContainsAnyEncoding(input_, kKey));
  EXPECT_TRUE(ContainsAnyEncoding(input_, kCard));
}

TEST_F(RedactDumpTest, SecretsModeMasksOnlyTheSecrets) {
  Redacted r = Redact(path_, RedactMode::kSecrets);
  ASSERT_EQ(r.bytes.size(), input_.size());
  for (const std::string& s : {kPassword, kKey, kCard}) EXPECT_FALSE(ContainsAnyEncoding(r.bytes, s)) << s;
  EXPECT_TRUE(Contains(r.bytes, Bytes("db.url=jdbc:x\npassword=***************\nuser=app")));
  EXPECT_TRUE(Contains(r.bytes, Bytes(kThreadName)));
  EXPECT_EQ(r.stats.arrays_masked, 3u);
  EXPECT_FALSE(Contains(r.bytes, FieldBytes(8).U4(0x1234567).bytes())) << "String.hash survives";
  EXPECT_EQ(Histogram(WriteOut(r.bytes)), Histogram(path_));
}

TEST_F(RedactDumpTest, StringsModeBlanksEveryTextArrayAndKeepsOtherValues) {
  Redacted r = Redact(path_, RedactMode::kStrings);
  ASSERT_EQ(r.bytes.size(), input_.size());
  for (const std::string& s : {kPassword, kKey, kCard, kThreadName, std::string("db.url")}) {
    EXPECT_FALSE(ContainsAnyEncoding(r.bytes, s)) << s;
  }
  EXPECT_EQ(r.stats.arrays_blanked, 4u);
  EXPECT_TRUE(Contains(r.bytes, FieldBytes(8).U4(31337).U4(31338).bytes()));  // int[] kept
  EXPECT_EQ(Histogram(WriteOut(r.bytes)), Histogram(path_));
}

TEST_F(RedactDumpTest, AllModeZeroesPrimitivesButKeepsCountsAndThreadNamesOnRequest) {
  Redacted r = Redact(path_, RedactMode::kAll, /*keep_threads=*/true);
  ASSERT_EQ(r.bytes.size(), input_.size());
  EXPECT_FALSE(Contains(r.bytes, FieldBytes(8).U4(31337).bytes()));
  EXPECT_FALSE(Contains(r.bytes, FieldBytes(8).U4(424242).bytes())) << "Holder.pin survives";
  EXPECT_FALSE(Contains(r.bytes, FieldBytes(8).U8(987654321).bytes())) << "a static long survives";
  EXPECT_TRUE(Contains(r.bytes, FieldBytes(8).Id(0x2001).U4(0).U4(0).bytes()))
      << "a user class's `size` is data, not a JDK count, so it is zeroed too";
  EXPECT_TRUE(Contains(r.bytes, Bytes(kThreadName)));
  EXPECT_EQ(r.stats.thread_names_kept, 1u);
  EXPECT_EQ(r.stats.statics_zeroed, 1u);
  EXPECT_FALSE(ContainsAnyEncoding(r.bytes, kPassword));
  EXPECT_EQ(Histogram(WriteOut(r.bytes)), Histogram(path_));
}

// `plain` gzip-compressed, in many members so that records cross member
// edges.
std::vector<uint8_t> Gzip(const std::vector<uint8_t>& plain) {
  auto owned = std::make_unique<hprof::MemorySink>();
  hprof::MemorySink* gz = owned.get();
  hprof::GzipWriterOptions go;
  go.block_size = 64;
  go.threads = 1;
  auto sink = hprof::CreateGzipBlockSink(std::move(owned), go);
  EXPECT_TRUE(sink->Write(plain).ok());
  EXPECT_TRUE(sink->Finish().ok());
  return gz->data;
}

TEST_F(RedactDumpTest, GzipInputGivesTheSameOutputAsPlain) {
  std::string gz_path = WriteOut(Gzip(input_));
  for (RedactMode mode : {RedactMode::kSecrets, RedactMode::kStrings, RedactMode::kAll}) {
    EXPECT_EQ(Redact(gz_path, mode).bytes, Redact(path_, mode).bytes);
  }
}

TEST_F(RedactDumpTest, FinderNamesHoldersAndMasksExamples) {
  auto m = Matcher();
  auto f = FindSecrets(path_, *m, {});
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  auto rule = [&](std::string_view name) -> const RuleFindings& {
    for (const auto& r : f->rules) {
      if (r.rule == name) return r;
    }
    static RuleFindings none;
    return none;
  };
  const RuleFindings& pw = rule("password-assignment");
  ASSERT_EQ(pw.count, 1u);
  ASSERT_EQ(pw.places.size(), 1u);
  EXPECT_EQ(pw.places[0].holder_class, "java.lang.String");
  EXPECT_EQ(pw.places[0].field, "com.acme.Holder.secret");
  EXPECT_EQ(pw.example_object, 0x2001u);
  EXPECT_EQ(pw.example_masked, std::string(kPassword.size(), '*'));
  const RuleFindings& key = rule("aws-access-key-id");
  ASSERT_EQ(key.places.size(), 1u);
  EXPECT_EQ(key.places[0].field, "static com.acme.Holder.TOKEN");
  EXPECT_EQ(key.example_masked, "AKIA************DFGH");
  const RuleFindings& card = rule("credit-card");
  ASSERT_EQ(card.places.size(), 1u);
  EXPECT_EQ(card.places[0].holder_class, "char[]");
  EXPECT_EQ(card.places[0].field, "(unreferenced)");
  EXPECT_EQ(rule("email").count, 0u);
}

// ---------------------------------------------------------------------------
// Truncated dumps. With read.allow_truncated the copy is the whole records
// before the cut, redacted as in the whole dump's copy, and not one byte of
// the cut record; without it the refusal is the scan's, as before.

constexpr size_t kHeaderSize = 31;  // "JAVA PROFILE 1.0.x\0", u4 id size, u8 time

// Secrets in byte[] and char[], in segments of a sub-record or two with roots
// between, so that cuts fall in later segments and among roots; or, with
// kHeapDump, all in the one record of a 1.0.1 dump.
std::vector<uint8_t> ManySegmentsDump(hprof::RecordTag heap_record) {
  hprof::WriterOptions opts;
  opts.heap_record = heap_record;
  if (heap_record == hprof::RecordTag::kHeapDump) opts.format = "JAVA PROFILE 1.0.1";
  else opts.segment_limit = 40;
  HprofWriter w(opts);
  w.Utf8(1, "x");
  uint64_t id = 0x10;
  for (int i = 0; i < 2; ++i) {
    w.PrimitiveArray(++id, 0, BasicType::kByte, Bytes("password=" + kPassword));
    w.Root({hprof::RootKind::kJniGlobal, id, 0, 0, 0x99});
    w.Root({hprof::RootKind::kStickyClass, id, 0, 0, 0});
    w.PrimitiveArray(++id, 0, BasicType::kChar, Utf16("card " + kCard, false));
    w.Root({hprof::RootKind::kJavaFrame, id, 1, 2, 0});
    w.PrimitiveArray(++id, 0, BasicType::kByte, Utf16("key " + kKey, true));
  }
  if (heap_record == hprof::RecordTag::kHeapDumpSegment) w.HeapDumpEnd();
  return w.Finish();
}

// What the analyses see: classes, the histogram, objects and roots.
using Shape = std::tuple<size_t, std::vector<std::pair<uint64_t, uint64_t>>, uint64_t, uint64_t>;
Shape ShapeOf(const heap::HeapScan& s) {
  std::vector<std::pair<uint64_t, uint64_t>> h;
  for (const auto& c : s.per_class) h.push_back({c.instances, c.shallow_bytes});
  return {s.classes.size(), h, s.objects(), s.gc_roots};
}

enum class Container { kPlain, kGzip, kEncrypted };

class RedactCutTest : public RedactDumpTest {
 protected:
  std::vector<uint8_t> Wrap(const std::vector<uint8_t>& dump, Container c) {
    if (c == Container::kPlain) return dump;
    if (c == Container::kGzip) return Gzip(dump);
    auto owned = std::make_unique<hprof::MemorySink>();
    hprof::MemorySink* memory = owned.get();
    auto sink = hprof::CreateEncryptingSink(std::move(owned), *key_, 1);
    EXPECT_TRUE(sink->Write(dump).ok());
    EXPECT_TRUE(sink->Finish().ok());
    return memory->data;
  }
  hprof::ReadOptions Read(bool allow_truncated) const {
    hprof::ReadOptions r;
    r.allow_truncated = allow_truncated;
    r.threads = threads_;
    r.key = key_;
    return r;
  }
  // `path` rewritten with `bytes`; the first call makes the file.
  std::string Put(std::string& path, const std::vector<uint8_t>& bytes) {
    if (path.empty()) return path = WriteOut(bytes);
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // Redacts `path`, a dump cut short whose whole copy in `mode` is `whole`,
  // and checks the copy. `decoded`: the cut's length as HPROF, 0 when
  // unknown (a cut compressed file). A cut container may be refused, for a
  // clean reason.
  void ExpectCutCopy(const std::string& path, RedactMode mode, const std::vector<uint8_t>& whole, uint64_t decoded) {
    auto refused = TryRedact(path, mode, Read(false));
    auto scanned = heap::ScanHeapFile(path, heap::ScanOptions{Read(false)});
    ASSERT_EQ(refused.ok(), scanned.ok()) << (refused.ok() ? scanned.error() : refused.error()).ToString();
    if (!refused.ok()) {
      EXPECT_EQ(refused.error().ToString(), scanned.error().ToString());
    }

    auto r = TryRedact(path, mode, Read(true));
    if (!r.ok()) {
      EXPECT_EQ(decoded, 0u) << r.error().ToString();
      EXPECT_EQ(r.error().kind, ErrorKind::kBadInput) << r.error().ToString();
      return;
    }
    ++copies_;
    const std::vector<uint8_t>& copy = r->bytes;
    const RedactStats& st = r->stats;
    EXPECT_EQ(st.bytes, copy.size());
    ExpectNoSecret(copy, mode);
    ExpectPrefixOf(whole, copy);
    ExpectWholeRecords(copy);
    if (refused.ok()) {
      // A reader that takes a cut gzip stream for a whole dump (it ends
      // between records) copies the same, without the mark of the cut.
      std::vector<uint8_t> marked = refused->bytes;
      marked.insert(marked.end(), kMark.begin(), kMark.end());
      EXPECT_TRUE(copy == refused->bytes || (st.truncated && copy == marked));
    }
    if (!st.truncated) {
      // Only a cut no reader can see: between records, before any segment.
      EXPECT_TRUE(scanned.ok()) << "a cut input whose copy is not said to be cut";
      if (decoded) {
        EXPECT_EQ(copy.size(), decoded);
      }
      return;
    }
    EXPECT_FALSE(st.truncation.empty());
    if (decoded) {
      EXPECT_TRUE(copy.size() + st.dropped_bytes == decoded ||
                  (copy.size() + st.dropped_bytes == decoded + kMark.size() && EndsWithMark(copy)))
          << copy.size() << " + " << st.dropped_bytes << " != " << decoded << ": " << st.truncation;
    }

    auto back = heap::ScanHeapFile(Put(copy_path_, copy), heap::ScanOptions{Read(true)});
    ASSERT_TRUE(back.ok()) << back.error().ToString() << "\n" << st.truncation;
    EXPECT_EQ(back->read.stats.bytes_lost_to_truncation, 0u) << "the copy ends inside a record: " << st.truncation;
    if (copy != whole) {
      EXPECT_TRUE(back->read.truncated) << "the copy reads as whole: " << st.truncation;
    }
    // Every whole record is kept: the copy holds what a read of the cut
    // input finds.
    auto cut_scan = heap::ScanHeapFile(path, heap::ScanOptions{Read(true)});
    if (cut_scan.ok()) {
      EXPECT_EQ(ShapeOf(back.value()), ShapeOf(cut_scan.value())) << st.truncation;
    }
  }

  // No 6 characters running of any planted secret, in any encoding: more
  // than chance puts in a dump's ids and lengths.
  static void ExpectNoSecret(const std::vector<uint8_t>& copy, RedactMode mode) {
    std::vector<std::string> secrets = {kPassword, kKey, kCard};
    if (mode != RedactMode::kSecrets) secrets.push_back(kThreadName);
    for (const std::string& s : secrets) {
      for (size_t i = 0; i + 6 <= s.size(); ++i) {
        ASSERT_FALSE(ContainsAnyEncoding(copy, s.substr(i, 6))) << "\"" << s.substr(i, 6) << "\" of " << s;
      }
    }
  }

  // The copy is the whole copy's first bytes but for the length of the heap
  // dump record it ends with, which must then be that of what follows, and
  // an empty segment after it when the cut came before any segment.
  static void ExpectPrefixOf(const std::vector<uint8_t>& whole, std::vector<uint8_t> copy) {
    ASSERT_LE(copy.size(), whole.size() + kMark.size());
    if (copy.size() >= kMark.size() && std::equal(kMark.begin(), kMark.end(), copy.end() - kMark.size())) {
      copy.resize(copy.size() - kMark.size());
    }
    ASSERT_LE(copy.size(), whole.size());
    size_t first = 0;
    while (first < copy.size() && copy[first] == whole[first]) ++first;
    if (first == copy.size()) return;
    bool length = false;
    for (size_t at = first < 3 ? 0 : first - 3; at <= first && !length; ++at) {
      length = at >= 5 && at + 4 <= copy.size() && (copy[at - 5] == 0x1C || copy[at - 5] == 0x0C) &&
               hprof::LoadU4(&copy[at]) == copy.size() - at - 4 &&
               std::equal(copy.begin() + static_cast<ptrdiff_t>(at + 4), copy.end(),
                          whole.begin() + static_cast<ptrdiff_t>(at + 4));
    }
    EXPECT_TRUE(length) << "the copy differs from the whole one at byte " << first
                        << ", and not in the length of the heap dump record it ends with";
  }
  // Every record's length says what the copy holds of it.
  static void ExpectWholeRecords(const std::vector<uint8_t>& copy) {
    uint64_t at = kHeaderSize;
    while (at + 9 <= copy.size()) at += 9 + uint64_t{hprof::LoadU4(&copy[at + 5])};
    EXPECT_EQ(at, copy.size()) << "the last record runs past the end of the copy";
  }
  static bool EndsWithMark(const std::vector<uint8_t>& copy) {
    return copy.size() >= kMark.size() && std::equal(kMark.begin(), kMark.end(), copy.end() - kMark.size());
  }
  // An empty HEAP_DUMP_SEGMENT: the end of a truncated copy.
  static constexpr std::array<uint8_t, 9> kMark = {0x1C, 0, 0, 0, 0, 0, 0, 0, 0};

  // Every cut of `dump` past the header, in `c`.
  void EveryCut(const std::vector<uint8_t>& dump, Container c, std::initializer_list<RedactMode> modes) {
    const std::string whole_path = WriteOut(dump);
    std::string cut_path;
    for (RedactMode mode : modes) {
      const std::vector<uint8_t> whole = Redact(whole_path, mode).bytes;
      ASSERT_FALSE(whole.empty());
      ExpectNoSecret(whole, mode);
      for (size_t n = kHeaderSize + 1; n < dump.size(); ++n) {
        SCOPED_TRACE(testing::Message() << "mode " << static_cast<int>(mode) << ", cut after " << n << " of "
                                        << dump.size() << " bytes");
        std::vector<uint8_t> cut(dump.begin(), dump.begin() + static_cast<ptrdiff_t>(n));
        ExpectCutCopy(Put(cut_path, Wrap(cut, c)), mode, whole, n);
        if (HasFailure()) return;
      }
    }
  }

  std::shared_ptr<const hprof::DumpKey> key_ = std::make_shared<const hprof::DumpKey>(hprof::DumpKey::Generate());
  std::string copy_path_;
  int threads_ = 1;  // for the scans; the copy is written by one
  size_t copies_ = 0;  // cuts ExpectCutCopy got a copy of
};

TEST_F(RedactCutTest, EveryCutOfAPlainDump) {
  EveryCut(input_, Container::kPlain, {RedactMode::kSecrets, RedactMode::kStrings, RedactMode::kAll});
}

TEST_F(RedactCutTest, EveryCutOfAGzipDump) {
  EveryCut(input_, Container::kGzip, {RedactMode::kSecrets, RedactMode::kStrings});
}

TEST_F(RedactCutTest, EveryCutOfAnEncryptedDump) { EveryCut(input_, Container::kEncrypted, {RedactMode::kStrings}); }

TEST_F(RedactCutTest, EveryCutAmongManySegmentsAndInA101HeapDump) {
  for (auto record : {hprof::RecordTag::kHeapDumpSegment, hprof::RecordTag::kHeapDump}) {
    SCOPED_TRACE(hprof::RecordTagName(static_cast<uint8_t>(record)));
    const std::vector<uint8_t> dump = ManySegmentsDump(record);
    for (Container c : {Container::kPlain, Container::kGzip}) {
      // Several threads parse a mapped dump's segments, the cut one too.
      threads_ = c == Container::kPlain ? 3 : 1;
      EveryCut(dump, c, {RedactMode::kSecrets, RedactMode::kStrings});
      if (HasFailure()) return;
    }
  }
}

// A gzip file cut anywhere, as a JVM out of disk leaves one with -gz: the
// gzip stream fails where it stops, and its decoded stream may stop inside
// any record.
TEST_F(RedactCutTest, EveryCutOfAGzipFile) {
  const std::vector<uint8_t> gz = Gzip(input_);
  std::string cut_path;
  for (RedactMode mode : {RedactMode::kSecrets, RedactMode::kStrings}) {
    const std::vector<uint8_t> whole = Redact(path_, mode).bytes;
    for (size_t n = 1; n < gz.size(); ++n) {
      SCOPED_TRACE(testing::Message() << "mode " << static_cast<int>(mode) << ", cut after " << n << " of "
                                      << gz.size() << " bytes");
      std::vector<uint8_t> cut(gz.begin(), gz.begin() + static_cast<ptrdiff_t>(n));
      ExpectCutCopy(Put(cut_path, cut), mode, whole, 0);
      if (HasFailure()) return;
    }
  }
  EXPECT_GT(copies_, gz.size()) << "most cuts of a gzip file give a copy";
}

// An encrypted file cut short is refused either way: its end can't be told
// from an attack.
TEST_F(RedactCutTest, ACutEncryptedFileIsRefused) {
  const std::vector<uint8_t> file = Wrap(input_, Container::kEncrypted);
  std::string cut_path;
  for (size_t n : {file.size() / 3, file.size() / 2, file.size() - 1}) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<ptrdiff_t>(n));
    auto r = TryRedact(Put(cut_path, cut), RedactMode::kStrings, Read(true));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().kind, ErrorKind::kBadInput) << r.error().ToString();
  }
}

// What the stats say about a cut inside the Latin-1 password's array: the
// segment keeps the sub-records before it and its length says so.
TEST_F(RedactCutTest, StatsSayWhereTheCopyEnds) {
  const auto at = std::search(input_.begin(), input_.end(), kLatin1.begin(), kLatin1.end()) - input_.begin();
  const size_t n = static_cast<size_t>(at) + 30;  // "db.url=jdbc:x\npassword=Xq7-hun"
  std::vector<uint8_t> cut(input_.begin(), input_.begin() + static_cast<ptrdiff_t>(n));
  std::string cut_path;
  auto r = TryRedact(Put(cut_path, cut), RedactMode::kSecrets, Read(true));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->stats.truncated);
  const uint64_t array_start = static_cast<uint64_t>(at) - (1 + 8 + 4 + 4 + 1);
  EXPECT_EQ(r->stats.bytes, array_start);
  EXPECT_EQ(r->stats.dropped_bytes, n - array_start);
  EXPECT_FALSE(Contains(r->bytes, Bytes("password=Xq7")));
  EXPECT_NE(r->stats.truncation.find("file ends after"), std::string::npos) << r->stats.truncation;
  EXPECT_NE(r->stats.truncation.find("is cut to its whole sub-records"), std::string::npos) << r->stats.truncation;

  // A whole dump is no different with allow_truncated.
  auto whole = TryRedact(path_, RedactMode::kSecrets, Read(true));
  ASSERT_TRUE(whole.ok());
  EXPECT_FALSE(whole->stats.truncated);
  EXPECT_EQ(whole->stats.dropped_bytes, 0u);
  EXPECT_EQ(whole->bytes, Redact(path_, RedactMode::kSecrets).bytes);
}

}  // namespace
}  // namespace heapscope::redact
