// Redaction and secret finding on small synthetic dumps: what each mode
// overwrites, what it must leave alone, and that the analyses can't tell the
// output from the input.
#include "redact/dump_redactor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "heap/heap_scan.h"
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

struct Redacted {
  std::vector<uint8_t> bytes;
  RedactStats stats;
};
Redacted Redact(const std::string& path, RedactMode mode, bool keep_threads = false) {
  auto matcher = Matcher();
  hprof::MemorySink sink;
  RedactOptions o;
  o.mode = mode;
  o.matcher = matcher.get();
  o.keep_thread_names = keep_threads;
  auto stats = RedactDump(path, sink, o);
  EXPECT_TRUE(stats.ok()) << (stats.ok() ? "" : stats.error().ToString());
  return {sink.data, stats.ok() ? stats.value() : RedactStats{}};
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

TEST_F(RedactDumpTest, GzipInputGivesTheSameOutputAsPlain) {
  hprof::MemorySink* gz = nullptr;
  auto owned = std::make_unique<hprof::MemorySink>();
  gz = owned.get();
  hprof::GzipWriterOptions go;
  go.block_size = 64;  // many members, and records across member edges
  auto sink = hprof::CreateGzipBlockSink(std::move(owned), go);
  ASSERT_TRUE(sink->Write(input_).ok());
  ASSERT_TRUE(sink->Finish().ok());
  std::string gz_path = WriteOut(gz->data);
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

}  // namespace
}  // namespace heapscope::redact
