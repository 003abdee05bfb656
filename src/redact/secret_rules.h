// redact/secret_rules.h - what counts as a secret: named patterns, each with
// an optional check a regular expression can't do (Luhn, IBAN mod 97).
//
// A pattern may mark the part to mask with a group named `secret`
// (`password=(?P<secret>...)`): the key stays readable, the value goes. A
// pattern must be valid for both RE2 and Hyperscan (no back-references, no
// look-around): Hyperscan finds the arrays that hold a match, RE2 finds the
// spans in them.
#ifndef HEAPSCOPE_REDACT_SECRET_RULES_H_
#define HEAPSCOPE_REDACT_SECRET_RULES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hprof/error.h"

namespace heapscope::redact {

enum class SecretCheck : uint8_t { kNone, kLuhn, kIban };

struct SecretRule {
  std::string name;
  std::string pattern;
  SecretCheck check = SecretCheck::kNone;
  // Characters of a match that a masked example may show at each end, for
  // rules whose ends are structure rather than secret (AKIA, a card's last 4).
  uint8_t show_prefix = 0;
  uint8_t show_suffix = 0;
};

std::vector<SecretRule> BuiltInSecretRules();

// A rules file: one rule a line, `NAME = PATTERN`, optionally followed by
// ` ; check=luhn|iban`; blank lines and lines starting with # are skipped.
// Names are [a-z0-9-]+. A usage error names the file, line and the problem.
Result<std::vector<SecretRule>> ParseSecretRules(std::string_view text, std::string_view origin);
Result<std::vector<SecretRule>> LoadSecretRules(const std::string& path);

// Whether `digits` (separators allowed) pass the check.
bool PassesCheck(SecretCheck check, std::string_view match);

// "AKIA************WXYZ": the rule's shown ends, every other byte a '*'.
std::string MaskedExample(const SecretRule& rule, std::string_view secret);

}  // namespace heapscope::redact

#endif  // HEAPSCOPE_REDACT_SECRET_RULES_H_
