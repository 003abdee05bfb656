// report/object_report.h - one object in full: class, shallow and retained
// size, immediate dominator, field values, referrers and GC roots, as JSON
// and as text.
//
// DescribeObject gathers the rows once so both formats show the same ones.
// Referrers are real references only (fields, array elements, statics,
// Reference.referent), in graph order, cut to kMaxReferrers with the total
// kept; the class/super/loader pseudo-edges are not referrers.
#ifndef HEAPSCOPE_REPORT_OBJECT_REPORT_H_
#define HEAPSCOPE_REPORT_OBJECT_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/dominator_tree.h"
#include "analysis/object_graph.h"
#include "heap/heap_model.h"
#include "report/field_values.h"

namespace heapscope::report {

// A class mirror's referrers include every class it is the super of, and a
// popular object's can run to millions: a hundred shows the pattern.
inline constexpr size_t kMaxReferrers = 100;
// Enough array elements to recognise the contents without flooding a terminal.
inline constexpr uint32_t kMaxArrayElements = 20;
// Strings are shown decoded up to this many characters (code points).
inline constexpr size_t kMaxStringChars = 200;

struct Referrer {
  heap::ObjectIdx object;
  std::string field;  // "next", "[3]", "static cache", "referent"
};

struct ObjectDetails {
  heap::ObjectIdx object = heap::kNoObject;
  std::string kind;  // "instance", "object array", "primitive array", "class"
  uint64_t shallow_size = 0;
  bool reachable = false;
  uint64_t retained_size = 0;
  // Immediate dominator; kNoObject with `dominated_by_roots` when no single
  // object keeps it alive (its idom is the super-root).
  heap::ObjectIdx dominator = heap::kNoObject;
  bool dominated_by_roots = false;
  std::optional<std::string> string_value;  // java.lang.String, cut to kMaxStringChars
  bool string_cut = false;
  uint32_t array_length = 0;
  std::vector<FieldValue> fields;  // instance fields, statics of a class, or first array elements
  std::vector<Referrer> referrers;
  uint64_t referrer_count = 0;     // before the cut
  std::vector<std::string> roots;  // RootLabels of the object, empty if it is no GC root
};

ObjectDetails DescribeObject(const heap::HeapModel& model, const analysis::ReverseGraph& reverse,
                             const analysis::DominatorTree& tree, heap::ObjectIdx o);

// {"id","class","kind","shallow_bytes","retained_bytes","reachable",
//  "dominator":{"id","class"} (id null: the GC roots; null: unreachable),
//  "gc_roots":[...], "string" and "string_truncated" for a String,
//  "array_length" for an array, then "fields" (instance), "static_fields"
//  (class) or "elements" (array): [{"name","type","value","class","string"}]
//  ("class" for references, "string" for references to Strings), and
//  "referrers":[{"id","class","field"}], "referrer_count".
nlohmann::ordered_json ObjectJson(const heap::HeapModel& model, const ObjectDetails& d);
std::string ObjectText(const heap::HeapModel& model, const ObjectDetails& d);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_OBJECT_REPORT_H_
