// heap/java_names.h - class names as Java users write them.
//
// HotSpot and ART dump class names in internal form ("java/util/HashMap$Node",
// "[B", "[[Ljava/lang/String;"); reports use the source form
// ("java.util.HashMap$Node", "byte[]", "java.lang.String[][]").
#ifndef HEAPSCOPE_HEAP_JAVA_NAMES_H_
#define HEAPSCOPE_HEAP_JAVA_NAMES_H_

#include <string>
#include <string_view>

#include "hprof/tags.h"

namespace heapscope::heap {

std::string JavaClassName(std::string_view internal_name);

// "int[]" for a primitive array of `type`.
std::string PrimitiveArrayName(hprof::BasicType type);

}  // namespace heapscope::heap

#endif  // HEAPSCOPE_HEAP_JAVA_NAMES_H_
