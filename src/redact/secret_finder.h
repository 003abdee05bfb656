// redact/secret_finder.h - which secrets a dump holds, where, and in what.
//
// Streaming passes with memory bounded by the classes and the findings,
// never by the heap:
//   1. the class table (heap_scan);
//   2. every char[] and byte[] through the matcher, on all cores;
//   3. who references the arrays that matched (instance fields, array
//      elements; statics come from the class table);
//   4. who references the Strings among those referrers.
// So a secret in a String is reported as held by the field holding the
// String, which is what a developer greps for.
#ifndef HEAPSCOPE_REDACT_SECRET_FINDER_H_
#define HEAPSCOPE_REDACT_SECRET_FINDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "heap/heap_scan.h"
#include "hprof/dump_reader.h"
#include "redact/secret_matcher.h"

namespace heapscope::redact {

// Where matches of one rule were found: the object holding the text
// ("java.lang.String", "char[]", "byte[]") and what holds that object
// ("com.acme.Account.password", "static com.acme.Config.TOKEN",
// "java.lang.Object[] element", "(unreferenced)").
struct SecretPlace {
  std::string holder_class;
  std::string field;
  uint64_t count = 0;
};

struct RuleFindings {
  std::string rule;
  uint64_t count = 0;                // matches (one array may hold several)
  std::vector<SecretPlace> places;   // most matches first
  uint64_t example_object = 0;       // id of the String (or array) of one match; 0 = none
  std::string example_masked;
  // The example's holders walked back from it, nearest last (at most two
  // steps: holder of the String, then the String): a start for `paths`.
  std::vector<std::string> example_holders;
};

struct SecretFindings {
  std::vector<RuleFindings> rules;   // every rule, in rule order
  uint64_t arrays_scanned = 0;
  uint64_t text_bytes_scanned = 0;   // array bytes read as text
  uint64_t dump_bytes = 0;           // decoded HPROF bytes per pass
  int passes = 0;
  uint32_t id_size = 8;
};

Result<SecretFindings> FindSecrets(const std::string& path, const SecretMatcher& matcher,
                                   const hprof::ReadOptions& read);

}  // namespace heapscope::redact

#endif  // HEAPSCOPE_REDACT_SECRET_FINDER_H_
