#include "redact/secret_matcher.h"

#include <hs/hs.h>
#include <re2/re2.h>

#include <fmt/format.h>

namespace heapscope::redact {
namespace {

// Hyperscan has no named groups; a plain group matches the same text.
std::string ForHyperscan(std::string pattern) {
  for (size_t at; (at = pattern.find("(?P<")) != std::string::npos;) {
    size_t close = pattern.find('>', at);
    if (close == std::string::npos) break;
    pattern.replace(at, close + 1 - at, "(");
  }
  return pattern;
}

int OnHit(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  static_cast<std::vector<uint8_t>*>(ctx)->at(id) = 1;
  return 0;
}

constexpr int kMaxGroups = 16;

bool AllMask(std::string_view s) { return s.find_first_not_of('*') == std::string_view::npos; }

}  // namespace

SecretMatcher::Scratch::Scratch(Scratch&& other) noexcept : hs_(other.hs_), hits_(std::move(other.hits_)) {
  other.hs_ = nullptr;
}
SecretMatcher::Scratch& SecretMatcher::Scratch::operator=(Scratch&& other) noexcept {
  std::swap(hs_, other.hs_);
  std::swap(hits_, other.hits_);
  return *this;
}
SecretMatcher::Scratch::~Scratch() {
  if (hs_) hs_free_scratch(hs_);
}

SecretMatcher::~SecretMatcher() {
  if (db_) hs_free_database(db_);
}

Result<std::shared_ptr<const SecretMatcher>> SecretMatcher::Compile(std::vector<SecretRule> rules) {
  if (rules.empty()) return Error::Usage("no secret rules to scan with");
  std::shared_ptr<SecretMatcher> m(new SecretMatcher());
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  std::vector<std::string> hs_patterns;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < rules.size(); ++i) {
    auto re = std::make_unique<RE2>(rules[i].pattern, options);
    if (!re->ok()) {
      return Error::Usage(fmt::format("secret rule `{}`: bad pattern: {}", rules[i].name, re->error()));
    }
    auto group = re->NamedCapturingGroups().find("secret");
    const int secret = group == re->NamedCapturingGroups().end() ? 0 : group->second;
    if (secret >= kMaxGroups) {
      return Error::Usage(fmt::format("secret rule `{}`: the `secret` group must be among the first {} groups",
                                      rules[i].name, kMaxGroups - 1));
    }
    m->secret_group_.push_back(secret);
    m->re2_.push_back(std::move(re));
    hs_patterns.push_back(ForHyperscan(rules[i].pattern));
    flags.push_back(HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY);
    ids.push_back(static_cast<unsigned>(i));
  }
  std::vector<const char*> expressions;
  for (const std::string& p : hs_patterns) expressions.push_back(p.c_str());
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(), static_cast<unsigned>(expressions.size()),
                       HS_MODE_BLOCK, nullptr, &m->db_, &err) != HS_SUCCESS) {
    std::string what = err && err->expression >= 0 ? rules[static_cast<size_t>(err->expression)].name : "?";
    std::string message = err ? err->message : "unknown error";
    hs_free_compile_error(err);
    return Error::Usage(fmt::format("secret rule `{}`: Hyperscan rejects the pattern: {}", what, message));
  }
  m->rules_ = std::move(rules);
  return std::shared_ptr<const SecretMatcher>(std::move(m));
}

SecretMatcher::Scratch SecretMatcher::NewScratch() const {
  Scratch s;
  hs_alloc_scratch(db_, &s.hs_);
  s.hits_.assign(rules_.size(), 0);
  return s;
}

void SecretMatcher::Find(std::string_view text, Scratch& scratch,
                         const std::function<void(const SecretSpan&)>& found) const {
  if (text.empty() || !scratch.hs_) return;
  std::fill(scratch.hits_.begin(), scratch.hits_.end(), 0);
  hs_scan(db_, text.data(), static_cast<unsigned>(std::min<size_t>(text.size(), UINT32_MAX)), 0, scratch.hs_,
          OnHit, &scratch.hits_);
  re2::StringPiece groups[kMaxGroups];
  for (uint32_t r = 0; r < rules_.size(); ++r) {
    if (!scratch.hits_[r]) continue;
    const RE2& re = *re2_[r];
    const int group = secret_group_[r];
    const int n = group + 1;
    size_t pos = 0;
    while (pos <= text.size() && re.Match(text, pos, text.size(), RE2::UNANCHORED, groups, n)) {
      const re2::StringPiece whole = groups[0];
      const re2::StringPiece secret = groups[group].data() ? groups[group] : whole;
      const size_t end = static_cast<size_t>(whole.data() - text.data()) + whole.size();
      pos = whole.empty() ? end + 1 : end;
      std::string_view s(secret.data(), secret.size());
      if (s.empty() || AllMask(s) || !PassesCheck(rules_[r].check, std::string_view(whole.data(), whole.size()))) continue;
      uint64_t begin = static_cast<uint64_t>(secret.data() - text.data());
      found({r, begin, begin + secret.size()});
    }
  }
}

}  // namespace heapscope::redact
