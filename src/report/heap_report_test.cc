#include "report/heap_report.h"

#include <string>

#include <gtest/gtest.h>

namespace heapscope::report {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(HeapReportHtml, ValuesCannotCloseTheScriptElement) {
  nlohmann::ordered_json r = {{"schema", "heapscope-report"},
                              {"evil", "</script><script>alert(1)</script><!--"}};
  const std::string empty = HeapReportHtml(nlohmann::ordered_json::object());
  const std::string page = HeapReportHtml(r);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_EQ(Count(page, "</script"), Count(empty, "</script"));
  EXPECT_EQ(Count(page, "<!--"), Count(empty, "<!--"));
  // The JSON is still there, '<' written as its JSON escape.
  EXPECT_NE(page.find("\\u003c/script>\\u003cscript>alert(1)"), std::string::npos);
  EXPECT_EQ(page.find("/*HEAPSCOPE_REPORT_JSON*/"), std::string::npos);
}

TEST(HeapReportSummary, SaysWhenNothingIsAboveTheThreshold) {
  nlohmann::ordered_json r = {
      {"overview", {{"reachable_bytes", 2048}, {"reachable_objects", 3}, {"unreachable_objects", 0},
                    {"unreachable_bytes", 0}}},
      {"options", {{"threshold_percent", 10.0}}},
      {"suspects", nlohmann::ordered_json::array()}};
  const std::string text = HeapReportSummary(r, 5);
  EXPECT_NE(text.find("2.0 KiB reachable in 3 objects"), std::string::npos) << text;
  EXPECT_NE(text.find("none above 10% of the heap"), std::string::npos) << text;
}

}  // namespace
}  // namespace heapscope::report
