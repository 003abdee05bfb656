#include "redact/secret_rules.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace heapscope::redact {

std::vector<SecretRule> BuiltInSecretRules() {
  // Negated classes exclude \x00 and \x1a: the scanner turns characters it
  // can't show as one byte into \x1a, and no secret should run across one.
  return {
      {"aws-access-key-id", R"re(\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16}\b)re", SecretCheck::kNone, 4, 4},
      {"aws-secret-access-key",
       R"re((?i)aws_?secret_?(?:access_?)?key["']?\s{0,4}[:=]\s{0,4}["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$))re"},
      {"jwt", R"re(\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})re", SecretCheck::kNone, 3, 0},
      {"bearer-token", R"re((?i)\bbearer\s{1,4}(?P<secret>[A-Za-z0-9._~+/=-]{16,}))re"},
      {"pem-private-key",
       R"re(-----BEGIN [A-Z0-9 ]{0,32}PRIVATE KEY-----(?P<secret>[A-Za-z0-9+/=\s:,.-]{16,})-----END [A-Z0-9 ]{0,32}PRIVATE KEY-----)re"},
      {"password-assignment",
       R"re((?i)(?:password|passwd|passphrase|pwd)\s{0,4}[=:]\s{0,4}["']?(?P<secret>[^\s"'&;,<>*\x00\x1a]{4,}))re"},
      {"password-json", R"re((?i)"(?:password|passwd|passphrase|pwd)"\s{0,4}:\s{0,4}"(?P<secret>[^"*\x00\x1a]{4,})")re"},
      {"password-url",
       R"re(\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s:/@*\x00\x1a]{1,64}:(?P<secret>[^\s:/@*\x00\x1a]{3,128})@[A-Za-z0-9.-]+)re"},
      {"credit-card", R"re(\b[2-6]\d{3}(?:[ -]?\d{4}){2}[ -]?\d{1,7}\b)re", SecretCheck::kLuhn, 0, 4},
      {"iban", R"re(\b[A-Z]{2}\d{2} ?[A-Z0-9]{4}(?: ?[A-Z0-9]{4}){1,6}(?: ?[A-Z0-9]{1,3})?\b)re", SecretCheck::kIban, 2, 0},
      {"email", R"re(\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b)re"},
  };
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<SecretRule>> ParseSecretRules(std::string_view text, std::string_view origin) {
  std::vector<SecretRule> rules;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](std::string_view why) {
      return Error::Usage(fmt::format("{} line {}: {} (expected `name = pattern [; check=luhn|iban]`)", origin,
                                      line_no, why));
    };
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return bad("no `=`");
    SecretRule rule;
    rule.name = std::string(Trim(line.substr(0, eq)));
    if (rule.name.empty()) return bad("the rule has no name");
    for (char c : rule.name) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return bad(fmt::format("rule name `{}` may hold only a-z, 0-9 and -", rule.name));
      }
    }
    std::string_view pattern = Trim(line.substr(eq + 1));
    if (size_t semi = pattern.rfind(" ; check="); semi != std::string_view::npos) {
      std::string_view check = Trim(pattern.substr(semi + 9));
      if (check == "luhn") rule.check = SecretCheck::kLuhn;
      else if (check == "iban") rule.check = SecretCheck::kIban;
      else return bad(fmt::format("unknown check `{}`", check));
      pattern = Trim(pattern.substr(0, semi));
    }
    if (pattern.empty()) return bad("the pattern is empty");
    rule.pattern = std::string(pattern);
    for (const SecretRule& r : rules) {
      if (r.name == rule.name) return bad(fmt::format("rule `{}` is defined twice", rule.name));
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

Result<std::vector<SecretRule>> LoadSecretRules(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Io(fmt::format("cannot read rules file {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseSecretRules(ss.str(), path);
}

namespace {

bool Luhn(std::string_view s) {
  int sum = 0, n = 0;
  for (size_t i = s.size(); i-- > 0;) {
    char c = s[i];
    if (c == ' ' || c == '-') continue;
    if (c < '0' || c > '9') return false;
    int d = c - '0';
    if (n++ % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return n >= 13 && n <= 19 && sum % 10 == 0;
}

// ISO 13616: move the first four characters to the end, letters to 10..35,
// and the number is 1 mod 97.
bool Iban(std::string_view s) {
  std::string compact;
  for (char c : s) {
    if (c != ' ') compact.push_back(c);
  }
  if (compact.size() < 15 || compact.size() > 34) return false;
  std::string moved = compact.substr(4) + compact.substr(0, 4);
  int rem = 0;
  for (char c : moved) {
    if (c >= '0' && c <= '9') {
      rem = (rem * 10 + (c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return rem == 1;
}

}  // namespace

bool PassesCheck(SecretCheck check, std::string_view match) {
  switch (check) {
    case SecretCheck::kNone: return true;
    case SecretCheck::kLuhn: return Luhn(match);
    case SecretCheck::kIban: return Iban(match);
  }
  return false;
}

std::string MaskedExample(const SecretRule& rule, std::string_view secret) {
  size_t prefix = rule.show_prefix, suffix = rule.show_suffix;
  // Never show more than half of it.
  if ((prefix + suffix) * 2 > secret.size()) prefix = suffix = 0;
  std::string out(secret.size(), '*');
  for (size_t i = 0; i < prefix; ++i) out[i] = secret[i];
  for (size_t i = 0; i < suffix; ++i) out[out.size() - 1 - i] = secret[secret.size() - 1 - i];
  // Bytes that aren't printable ASCII stay masked, so the report is clean text.
  for (char& c : out) {
    if (c != '*' && (c < 0x20 || c > 0x7e)) c = '*';
  }
  return out;
}

}  // namespace heapscope::redact
