// redact/dump_redactor.h - writes a dump without its sensitive contents.
//
// The output is the input byte for byte except inside values: every record,
// id, class, reference, length and String coder stays, so every analysis
// gives the same answer on both (sizes come from lengths and layouts, never
// from values). What is overwritten, by mode:
//   secrets  each secret span in char[]/byte[] becomes '*' in the array's
//            encoding, the rest of the text stays;
//   strings  every char[] and byte[] (String values and all others) is
//            zeroed;
//   all      strings, and every other primitive array and every primitive
//            field and static is zeroed, except the counts analyses read
//            (collection sizes, capacities, String coder, thread state).
// In every mode String.hash (and hashIsZero) is zeroed: a cached hash of a
// short password is as good as the password, and 0 means "not computed", so
// the String stays valid.
//
// One streaming pass in dump order after the class-table pass (two more to
// find thread names when they are kept), with memory bounded by the classes
// and the largest record, whatever the dump size.
//
// A truncated dump (a JVM out of disk while dumping) is refused unless
// read.allow_truncated. Then the copy is every whole record before the cut,
// redacted as usual, and nothing after it: not one byte of the cut record or
// sub-record, which no visitor saw and so nothing redacted. The heap dump
// record the cut falls in keeps its whole sub-records, and its length is set
// to them. Readers take the copy as truncated (it reads with
// --allow-truncated) because it holds a HEAP_DUMP_SEGMENT and no
// HEAP_DUMP_END, the last record; a copy that would not (cut before the
// first segment, or of a 1.0.1 dump, which has none) gets an empty
// HEAP_DUMP_SEGMENT at its end. RedactStats says what was lost. (A gzip file
// cut in its trailer, after HEAP_DUMP_END, is flagged there but copied whole.)
#ifndef HEAPSCOPE_REDACT_DUMP_REDACTOR_H_
#define HEAPSCOPE_REDACT_DUMP_REDACTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "hprof/byte_sink.h"
#include "hprof/dump_reader.h"
#include "redact/secret_matcher.h"

namespace heapscope::redact {

enum class RedactMode { kSecrets, kStrings, kAll };

struct RedactOptions {
  RedactMode mode = RedactMode::kStrings;
  bool keep_thread_names = false;
  const SecretMatcher* matcher = nullptr;  // needed for kSecrets
  // read.allow_truncated: copy what precedes a truncation (see above).
  hprof::ReadOptions read;
};

struct RedactStats {
  uint64_t bytes = 0;              // written: the decoded input, up to a cut and its mark
  uint64_t arrays_blanked = 0;     // zeroed whole
  uint64_t arrays_masked = 0;      // holding at least one masked span
  uint64_t fields_zeroed = 0;      // instance fields, String hashes included
  uint64_t statics_zeroed = 0;
  uint64_t thread_names_kept = 0;
  std::vector<uint64_t> masked_by_rule;  // kSecrets: spans per rule
  // The input was cut short (read.allow_truncated): where and how, and what
  // a cut heap dump record became.
  bool truncated = false;
  std::string truncation;
  uint64_t dropped_bytes = 0;  // decoded input bytes after the last whole record, not written
};

Result<RedactStats> RedactDump(const std::string& in_path, hprof::ByteSink& out, const RedactOptions& options);

}  // namespace heapscope::redact

#endif  // HEAPSCOPE_REDACT_DUMP_REDACTOR_H_
