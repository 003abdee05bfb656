// report/html_page.h - a self-contained HTML page: a compiled-in template
// (src/report/assets/) with a JSON document put into its one
// /*HEAPSCOPE_REPORT_JSON*/ placeholder, inside a <script> element.
#ifndef HEAPSCOPE_REPORT_HTML_PAGE_H_
#define HEAPSCOPE_REPORT_HTML_PAGE_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace heapscope::report {

std::string PageWithJson(std::string_view page_template, const nlohmann::ordered_json& data);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_HTML_PAGE_H_
