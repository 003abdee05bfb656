// report/secret_report.h - `heapscope scan` output: per rule, how many
// secrets, where, one masked example and a path to it. Never a secret.
#ifndef HEAPSCOPE_REPORT_SECRET_REPORT_H_
#define HEAPSCOPE_REPORT_SECRET_REPORT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "redact/secret_finder.h"

namespace heapscope::report {

// Per rule (same order as findings.rules): the example's path from a GC
// root when the index was used, else "" (the holder chain is shown).
struct SecretPaths {
  std::vector<std::string> from_root;
};

// {"dump","rules":[{"rule","count","classes":[{"class","field","count"}],
//   "example","example_object","example_path","example_path_complete"}],
//  "arrays_scanned","text_bytes_scanned"}
nlohmann::ordered_json SecretsJson(const std::string& dump, const redact::SecretFindings& findings,
                                   const SecretPaths& paths);
std::string SecretsText(const std::string& dump, const redact::SecretFindings& findings, const SecretPaths& paths);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_SECRET_REPORT_H_
