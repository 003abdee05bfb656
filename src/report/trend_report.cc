#include "report/trend_report.h"

#include <cmath>

#include <fmt/format.h>

#include "report/histogram_report.h"
#include "report/html_page.h"

namespace heapscope::report {

namespace {

using Json = nlohmann::ordered_json;

// The template's text (src/report/assets/trend_template.html), compiled in.
constexpr const char kTemplate[] =
#include "report/trend_template.inc"
    ;

Json SeriesJson(const analysis::TrendItem& item) {
  Json series = Json::array();
  for (const analysis::TrendPoint& p : item.series) {
    series.push_back(p.present ? Json{{"instances", p.instances}, {"retained_bytes", p.retained_bytes}}
                               : Json(nullptr));
  }
  return series;
}

Json ItemJson(const analysis::TrendItem& item) {
  Json j;
  j["signature"] = item.signature;  // a class's signature is its name
  if (item.kind == "class") j["name"] = item.signature;
  j["kind"] = item.kind;
  if (item.kind != "class") j["category"] = item.category;
  j["growing"] = item.growing;
  j["series"] = SeriesJson(item);
  j["rate_bytes_per_hour"] = std::round(item.rate_bytes_per_hour);
  return j;
}

bool Shown(const analysis::TrendItem& item, size_t index, size_t top) { return item.growing || top == 0 || index < top; }

std::string Series(const analysis::TrendItem& item) {
  std::string out;
  for (const analysis::TrendPoint& p : item.series) {
    out += (out.empty() ? "" : " -> ") + (p.present ? HumanBytes(p.retained_bytes) : std::string("-"));
  }
  return out;
}

}  // namespace

Json TrendJson(const analysis::HeapTrend& trend, size_t top) {
  Json j;
  Json dumps = Json::array();
  for (const analysis::TrendDump& d : trend.dumps) {
    dumps.push_back({{"path", d.path}, {"timestamp_ms", d.timestamp_ms}, {"reachable_bytes", d.reachable_bytes}});
  }
  j["dumps"] = dumps;
  j["hours"] = trend.hours;
  Json growing = Json::array(), points = Json::array(), classes = Json::array();
  for (const analysis::TrendItem& p : trend.points) {
    if (p.growing) growing.push_back(ItemJson(p));
    points.push_back(ItemJson(p));
  }
  for (size_t i = 0; i < trend.classes.size(); ++i) {
    if (trend.classes[i].growing) growing.push_back(ItemJson(trend.classes[i]));
    if (Shown(trend.classes[i], i, top)) classes.push_back(ItemJson(trend.classes[i]));
  }
  j["growing"] = growing;
  j["points"] = points;
  j["classes"] = classes;
  return j;
}

std::string TrendText(const analysis::HeapTrend& trend, size_t top) {
  std::string out = fmt::format("{} dumps over {:.2f} hours (ordered by their timestamps)\n", trend.dumps.size(),
                                trend.hours);
  for (const analysis::TrendDump& d : trend.dumps) {
    out += fmt::format("  {}  {} reachable\n", d.path, HumanBytes(d.reachable_bytes));
  }
  out += "\naccumulation points (retained size per dump):\n";
  for (const analysis::TrendItem& p : trend.points) {
    out += fmt::format("  {:8} {}  {}/h\n    {}\n", p.growing ? "GROWING" : "", Series(p),
                       p.rate_bytes_per_hour >= 0 ? "+" + HumanBytes(static_cast<uint64_t>(p.rate_bytes_per_hour))
                                                  : "-" + HumanBytes(static_cast<uint64_t>(-p.rate_bytes_per_hour)),
                       p.signature);
  }
  if (trend.points.empty()) out += "  none\n";
  out += "\nclasses (retained size per dump):\n";
  for (size_t i = 0; i < trend.classes.size(); ++i) {
    const analysis::TrendItem& c = trend.classes[i];
    if (!Shown(c, i, top)) continue;
    out += fmt::format("  {:8} {}  {}\n", c.growing ? "GROWING" : "", Series(c), c.signature);
  }
  return out;
}

std::string TrendHtml(const Json& trend_json) { return PageWithJson(kTemplate, trend_json); }

}  // namespace heapscope::report
