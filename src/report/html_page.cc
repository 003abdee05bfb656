#include "report/html_page.h"

namespace heapscope::report {

std::string PageWithJson(std::string_view page_template, const nlohmann::ordered_json& data) {
  constexpr std::string_view kPlaceholder = "/*HEAPSCOPE_REPORT_JSON*/";
  // Names come from the dump and need not be UTF-8: replaced, never thrown.
  std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Inside <script>, "</script" or "<!--" would end or confuse the element.
  // '<' appears in JSON only inside strings, where \u003c means the same.
  std::string safe;
  safe.reserve(text.size());
  for (char c : text) {
    if (c == '<') safe += "\\u003c";
    else safe += c;
  }
  std::string page(page_template);
  size_t at = page.find(kPlaceholder);
  if (at != std::string::npos) page.replace(at, kPlaceholder.size(), safe);
  return page;
}

}  // namespace heapscope::report
