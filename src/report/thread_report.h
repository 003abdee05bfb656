// report/thread_report.h - threads with their states, stack traces and the
// objects their frames hold, as JSON and as text in the style of a jstack
// thread dump.
#ifndef HEAPSCOPE_REPORT_THREAD_REPORT_H_
#define HEAPSCOPE_REPORT_THREAD_REPORT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "heap/heap_model.h"

namespace heapscope::report {

nlohmann::ordered_json ThreadsJson(const heap::HeapModel& model);
std::string ThreadsText(const heap::HeapModel& model);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_THREAD_REPORT_H_
