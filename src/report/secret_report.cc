#include "report/secret_report.h"

#include <fmt/format.h>

#include "report/histogram_report.h"

namespace heapscope::report {
namespace {

std::string ExamplePath(const redact::RuleFindings& r, const SecretPaths& paths, size_t i, bool* complete) {
  if (i < paths.from_root.size() && !paths.from_root[i].empty()) {
    *complete = true;
    return paths.from_root[i];
  }
  *complete = false;
  std::string out;
  for (const std::string& step : r.example_holders) out += (out.empty() ? "" : " -> ") + step;
  return out;
}

}  // namespace

nlohmann::ordered_json SecretsJson(const std::string& dump, const redact::SecretFindings& f, const SecretPaths& paths) {
  using Json = nlohmann::ordered_json;
  Json rules = Json::array();
  for (size_t i = 0; i < f.rules.size(); ++i) {
    const redact::RuleFindings& r = f.rules[i];
    Json classes = Json::array();
    for (const redact::SecretPlace& p : r.places) classes.push_back({{"class", p.holder_class}, {"field", p.field}, {"count", p.count}});
    bool complete = false;
    std::string path = ExamplePath(r, paths, i, &complete);
    Json rule = {{"rule", r.rule}, {"count", r.count}, {"classes", classes}};
    rule["example"] = r.count ? Json(r.example_masked) : Json(nullptr);
    rule["example_object"] = r.count ? Json(fmt::format("0x{:x}", r.example_object)) : Json(nullptr);
    rule["example_path"] = r.count ? Json(path) : Json(nullptr);
    rule["example_path_complete"] = complete;
    rules.push_back(std::move(rule));
  }
  return {{"dump", dump},
          {"rules", rules},
          {"arrays_scanned", f.arrays_scanned},
          {"text_bytes_scanned", f.text_bytes_scanned}};
}

std::string SecretsText(const std::string& dump, const redact::SecretFindings& f, const SecretPaths& paths) {
  uint64_t total = 0, matched = 0;
  for (const auto& r : f.rules) {
    total += r.count;
    matched += r.count > 0;
  }
  std::string out = fmt::format("{}: {} secrets of {} kinds in {} char[]/byte[] arrays ({} of text)\n", dump, total,
                                matched, f.arrays_scanned, HumanBytes(f.text_bytes_scanned));
  for (size_t i = 0; i < f.rules.size(); ++i) {
    const redact::RuleFindings& r = f.rules[i];
    if (!r.count) continue;
    out += fmt::format("\n{:<24} {:>8}  e.g. {}\n", r.rule, r.count, r.example_masked);
    for (size_t k = 0; k < r.places.size() && k < 5; ++k) {
      const auto& p = r.places[k];
      out += fmt::format("  {:>8}  {} in {}\n", p.count, p.holder_class, p.field);
    }
    if (r.places.size() > 5) out += fmt::format("  ... {} more places (--json lists all)\n", r.places.size() - 5);
    bool complete = false;
    std::string path = ExamplePath(r, paths, i, &complete);
    out += fmt::format("  example 0x{:x}: {}{}\n", r.example_object, path,
                       complete ? "" : "  (holders only; --paths gives the path from a GC root)");
  }
  if (!total) out += "no secrets found\n";
  return out;
}

}  // namespace heapscope::report
