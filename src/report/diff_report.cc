#include "report/diff_report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/histogram_report.h"

namespace heapscope::report {

namespace {

using analysis::ClassChange;

std::string Signed(int64_t v) { return v > 0 ? fmt::format("+{}", v) : fmt::format("{}", v); }
std::string SignedBytes(int64_t v) {
  std::string size = HumanBytes(static_cast<uint64_t>(v < 0 ? -v : v));
  return v > 0 ? "+" + size : v < 0 ? "-" + size : "0 B";
}

}  // namespace

std::vector<const ClassChange*> DiffRows(const analysis::HeapDiff& diff, DiffSort sort, size_t top, bool unchanged) {
  std::vector<const ClassChange*> rows;
  for (const ClassChange& c : diff.classes) {
    const bool changed = c.instances_delta() != 0 || c.shallow_delta() != 0 || c.retained_delta() != 0;
    if (changed || unchanged) rows.push_back(&c);
  }
  auto key = [&](const ClassChange* c) -> int64_t {
    switch (sort) {
      case DiffSort::kRetained: return c->retained_delta();
      case DiffSort::kShallow: return c->shallow_delta();
      case DiffSort::kInstances: return c->instances_delta();
      case DiffSort::kName: return 0;
    }
    return 0;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const ClassChange* a, const ClassChange* b) {
    if (key(a) != key(b)) return key(a) > key(b);
    return a->name < b->name;
  });
  if (top > 0 && rows.size() > top) rows.resize(top);
  return rows;
}

nlohmann::ordered_json DiffJson(const analysis::HeapDiff& diff, const std::vector<const ClassChange*>& rows,
                                const std::string& base_path, const std::string& target_path) {
  using Json = nlohmann::ordered_json;
  Json j;
  j["base"] = base_path;
  j["target"] = target_path;
  j["hours"] = diff.hours;
  Json classes = Json::array();
  for (const ClassChange* c : rows) {
    classes.push_back({{"name", c->name},
                       {"instances_before", c->before.instances},
                       {"instances_after", c->after.instances},
                       {"shallow_before", c->before.shallow_bytes},
                       {"shallow_after", c->after.shallow_bytes},
                       {"retained_before", c->before.retained_bytes},
                       {"retained_after", c->after.retained_bytes},
                       {"retained_bytes_per_hour", std::round(diff.Rate(c->retained_delta()))},
                       {"instances_per_hour", std::round(diff.Rate(c->instances_delta()))},
                       {"appeared", c->appeared},
                       {"vanished", c->vanished}});
  }
  j["classes"] = classes;
  Json appeared = Json::array(), vanished = Json::array();
  for (const ClassChange& c : diff.classes) {
    if (c.appeared) appeared.push_back(c.name);
    if (c.vanished) vanished.push_back(c.name);
  }
  j["appeared_classes"] = appeared;
  j["vanished_classes"] = vanished;
  Json loaders = Json::array();
  for (const analysis::LoaderChange& l : diff.loaders) {
    loaders.push_back({{"loader_class", l.loader_class}, {"before", l.before}, {"after", l.after}});
  }
  j["class_loaders"] = loaders;
  return j;
}

std::string DiffText(const analysis::HeapDiff& diff, const std::vector<const ClassChange*>& rows) {
  std::string out;
  if (diff.hours > 0) out += fmt::format("{:.2f} hours between the dumps\n", diff.hours);
  out += fmt::format("{:>14} {:>12} {:>14} {:>14}  {}\n", "retained", "instances", "shallow", "retained/hour",
                     "class");
  for (const ClassChange* c : rows) {
    out += fmt::format("{:>14} {:>12} {:>14} {:>14}  {}{}\n", SignedBytes(c->retained_delta()),
                       Signed(c->instances_delta()), SignedBytes(c->shallow_delta()),
                       diff.hours > 0 ? SignedBytes(static_cast<int64_t>(diff.Rate(c->retained_delta()))) : "-",
                       c->name, c->appeared ? "  (new)" : c->vanished ? "  (gone)" : "");
  }
  if (rows.empty()) out += "no class changed\n";
  for (const analysis::LoaderChange& l : diff.loaders) {
    out += fmt::format("class loaders {}: {} -> {}\n", l.loader_class, l.before, l.after);
  }
  return out;
}

}  // namespace heapscope::report
