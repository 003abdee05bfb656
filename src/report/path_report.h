// report/path_report.h - paths from GC roots to an object, as JSON and as
// text, each path from its root down.
//
// A path reads like the Java that built it:
//   static com.acme.Cache.entries -> java.util.HashMap.table ->
//   java.util.HashMap$Node[] [482] -> java.util.HashMap$Node.value -> com.acme.Session
// and is introduced by the GC root kinds of its first object.
#ifndef HEAPSCOPE_REPORT_PATH_REPORT_H_
#define HEAPSCOPE_REPORT_PATH_REPORT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "analysis/gc_root_paths.h"
#include "heap/heap_model.h"

namespace heapscope::report {

// {"target", "paths":[[{"id","class","field"}...]...], "complete"}; `field`
// is how the previous step references this object ("table", "[482]",
// "static entries"), for the first step the root ("root: sticky-class").
nlohmann::ordered_json PathsJson(const heap::HeapModel& model, heap::ObjectIdx target,
                                 const analysis::GcRootPaths& paths);

// One block per path: the root kinds, the rendered path, then each object
// with its id.
std::string PathsText(const heap::HeapModel& model, heap::ObjectIdx target,
                      const analysis::GcRootPaths& paths);

// The one-line form shown above.
std::string RenderPath(const heap::HeapModel& model, const analysis::GcRootPath& path);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_PATH_REPORT_H_
