// redact/secret_matcher.h - finds secrets in text: every rule at once.
//
// Two engines, each for what it does best. Hyperscan runs all rules in one
// pass over the text and says which rules match somewhere (compiled with
// HS_FLAG_PREFILTER, so it never misses what RE2 would find); only those
// rules then run in RE2, which gives exact spans and the `secret` group.
// Almost all text holds no secret, so almost all the work is the Hyperscan
// pass. Texts are bytes, one byte a character (see array_text.h).
#ifndef HEAPSCOPE_REDACT_SECRET_MATCHER_H_
#define HEAPSCOPE_REDACT_SECRET_MATCHER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "hprof/error.h"
#include "redact/secret_rules.h"

namespace re2 {
class RE2;
}
struct hs_database;
struct hs_scratch;

namespace heapscope::redact {

struct SecretSpan {
  uint32_t rule;
  uint64_t begin, end;  // the part to mask, in the text
};

class SecretMatcher {
 public:
  // A usage error names the rule whose pattern an engine rejects.
  static Result<std::shared_ptr<const SecretMatcher>> Compile(std::vector<SecretRule> rules);
  ~SecretMatcher();

  // Per-thread working memory for Find.
  class Scratch {
   public:
    Scratch() = default;
    Scratch(Scratch&& other) noexcept;
    Scratch& operator=(Scratch&& other) noexcept;
    ~Scratch();

   private:
    friend class SecretMatcher;
    hs_scratch* hs_ = nullptr;
    std::vector<uint8_t> hits_;
  };
  Scratch NewScratch() const;

  // Calls `found` for each secret in `text`, rule by rule, spans in order
  // within a rule (a rule's matches don't overlap; different rules' may).
  void Find(std::string_view text, Scratch& scratch, const std::function<void(const SecretSpan&)>& found) const;

  const std::vector<SecretRule>& rules() const { return rules_; }

 private:
  SecretMatcher() = default;
  std::vector<SecretRule> rules_;
  std::vector<std::unique_ptr<re2::RE2>> re2_;
  std::vector<int> secret_group_;  // 0 = the whole match
  hs_database* db_ = nullptr;
};

}  // namespace heapscope::redact

#endif  // HEAPSCOPE_REDACT_SECRET_MATCHER_H_
