// redact/secret_test_dump.h - (tests only) a small dump holding secrets in
// every place the scanner and the redactor look: a Latin-1 String held by an
// instance field, a UTF-16 String held by a static, an unreferenced char[],
// a Thread's name, primitive fields and statics, an int[].
#ifndef HEAPSCOPE_REDACT_SECRET_TEST_DUMP_H_
#define HEAPSCOPE_REDACT_SECRET_TEST_DUMP_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hprof/test_dump.h"

namespace heapscope::redact::secret_test {

using hprof::BasicType;
using hprof::FieldBytes;
using hprof::HprofWriter;

constexpr uint64_t kObject = 0x100, kString = 0x200, kHolder = 0x300, kThread = 0x400;
constexpr uint64_t kNObject = 1, kNString = 2, kNHolder = 3, kNValue = 4, kNCoder = 5, kNHash = 6, kNPin = 7,
                   kNSecret = 8, kNToken = 9, kNThread = 10, kNName = 11, kNSize = 12;

inline const std::string kPassword = "Xq7-hunter2-Zr9";
inline const std::string kLatin1 = "db.url=jdbc:x\npassword=" + kPassword + "\nuser=app";
inline const std::string kKey = "AKIAQWERTYUIOPASDFGH";
inline const std::string kCard = "4539 1488 0343 6467";
inline const std::string kThreadName = "worker-thread-name";

inline std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }
inline std::vector<uint8_t> Utf16(std::string_view s, bool little_endian) {
  std::vector<uint8_t> b;
  for (char c : s) {
    if (little_endian) b.insert(b.end(), {static_cast<uint8_t>(c), 0});
    else b.insert(b.end(), {0, static_cast<uint8_t>(c)});
  }
  return b;
}

// A dump with Strings (Latin-1 and UTF-16 values), a char[], a holder with a
// static String, a secret int field and a `size` field, and a Thread.
inline std::vector<uint8_t> SecretDump() {
  HprofWriter w;
  const std::pair<uint64_t, const char*> names[] = {
      {kNObject, "java/lang/Object"}, {kNString, "java/lang/String"}, {kNHolder, "com/acme/Holder"},
      {kNValue, "value"}, {kNCoder, "coder"}, {kNHash, "hash"}, {kNPin, "pin"}, {kNSecret, "secret"},
      {kNToken, "TOKEN"}, {kNThread, "java/lang/Thread"}, {kNName, "name"}, {kNSize, "size"}};
  for (auto [id, text] : names) w.Utf8(id, text);
  hprof::LoadClasses(w, {{kObject, kNObject}, {kString, kNString}, {kHolder, kNHolder}, {kThread, kNThread}});
  hprof::WriteClassDump(w, kObject, 0, {});
  hprof::WriteClassDump(w, kString, kObject,
                        {{kNValue, BasicType::kObject}, {kNHash, BasicType::kInt}, {kNCoder, BasicType::kByte}});
  hprof::WriteClassDump(w, kHolder, kObject,
                        {{kNSecret, BasicType::kObject}, {kNPin, BasicType::kInt}, {kNSize, BasicType::kInt}},
                        {{kNToken, BasicType::kObject, 0x5000}, {kNPin, BasicType::kLong, 987654321}});
  hprof::WriteClassDump(w, kThread, kObject, {{kNName, BasicType::kObject}});
  auto string = [&](uint64_t id, uint64_t value, uint8_t coder) {
    w.Instance(id, 0, kString, FieldBytes(8).Id(value).U4(0x1234567).U1(coder).bytes());
  };
  // Latin-1 String held by Holder.secret
  w.PrimitiveArray(0x1001, 0, BasicType::kByte, Bytes(kLatin1));
  string(0x2001, 0x1001, 0);
  // UTF-16 String held by the static TOKEN
  w.PrimitiveArray(0x1002, 0, BasicType::kByte, Utf16("key \x1a id " + kKey, true));
  string(0x5000, 0x1002, 1);
  // A char[] holding a card number, unreferenced
  w.PrimitiveArray(0x1003, 0, BasicType::kChar, Utf16("card: " + kCard, false));
  // The thread and its name
  w.PrimitiveArray(0x1004, 0, BasicType::kByte, Bytes(kThreadName));
  string(0x2004, 0x1004, 0);
  w.Instance(0x3004, 0, kThread, FieldBytes(8).Id(0x2004).bytes());
  w.Instance(0x3001, 0, kHolder, FieldBytes(8).Id(0x2001).U4(424242).U4(17).bytes());
  w.PrimitiveArray(0x1005, 0, BasicType::kInt, FieldBytes(8).U4(31337).U4(31338).bytes());
  w.Root({hprof::RootKind::kStickyClass, kHolder, 0, 0, 0});
  w.Root({hprof::RootKind::kThreadObject, 0x3004, 1, 0, 0});
  w.HeapDumpEnd();
  return w.Finish();
}

}  // namespace heapscope::redact::secret_test

#endif  // HEAPSCOPE_REDACT_SECRET_TEST_DUMP_H_
