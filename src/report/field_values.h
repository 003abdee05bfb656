// report/field_values.h - the values inside one object, decoded for display:
// instance fields, a class's statics, the first elements of an array.
//
// Values are read from the model lazily. A compressed dump keeps the bytes
// of few objects (Strings, threads, short char arrays), so elsewhere
// references come from the model's reference lists and primitive values are
// marked unknown rather than guessed.
#ifndef HEAPSCOPE_REPORT_FIELD_VALUES_H_
#define HEAPSCOPE_REPORT_FIELD_VALUES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "heap/heap_model.h"
#include "hprof/tags.h"

namespace heapscope::report {

struct FieldValue {
  std::string name;  // "next", "cache" (a static), "[3]" (an array element)
  hprof::BasicType type = hprof::BasicType::kObject;
  bool known = true;  // false when the dump's bytes for it were not kept
  uint64_t bits = 0;  // raw value of a primitive; the referenced id (0 = null)
  heap::ObjectIdx object = heap::kNoObject;  // the referenced object when it is in the dump
  // The text of a referenced java.lang.String, when the caller decoded it
  // (DescribeObject does, cut to its limit); shown after the reference.
  std::optional<std::string> string;
};

// Fields of an instance, its own class's first, then each superclass's
// (HPROF's order).
std::vector<FieldValue> InstanceFields(const heap::HeapModel& model, heap::ObjectIdx o);
// Static fields of the class a mirror stands for.
std::vector<FieldValue> StaticFields(const heap::HeapModel& model, heap::ObjectIdx mirror);
// The first `limit` elements of an object or primitive array.
std::vector<FieldValue> ArrayElements(const heap::HeapModel& model, heap::ObjectIdx array, uint32_t limit);

// "int", "boolean", ..., "object".
std::string TypeName(hprof::BasicType type);
// 42, true, 'x', null, "0x7f3a0010 (com.acme.Node)", "? (not kept)",
// 0x7f3a0020 (java.lang.String) "text".
std::string ValueText(const heap::HeapModel& model, const FieldValue& v);
// Text in double quotes with control characters escaped (\n, \u001b), so a
// String cannot break the layout of a terminal report.
std::string QuotedText(std::string_view text);
// A JSON number, bool or string for a primitive; for a reference the id
// string, or null.
nlohmann::ordered_json ValueJson(const FieldValue& v);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_FIELD_VALUES_H_
