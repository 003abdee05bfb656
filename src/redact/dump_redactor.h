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
  hprof::ReadOptions read;
};

struct RedactStats {
  uint64_t bytes = 0;              // written, equal to the decoded input
  uint64_t arrays_blanked = 0;     // zeroed whole
  uint64_t arrays_masked = 0;      // holding at least one masked span
  uint64_t fields_zeroed = 0;      // instance fields, String hashes included
  uint64_t statics_zeroed = 0;
  uint64_t thread_names_kept = 0;
  std::vector<uint64_t> masked_by_rule;  // kSecrets: spans per rule
};

Result<RedactStats> RedactDump(const std::string& in_path, hprof::ByteSink& out, const RedactOptions& options);

}  // namespace heapscope::redact

#endif  // HEAPSCOPE_REDACT_DUMP_REDACTOR_H_
