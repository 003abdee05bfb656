// report/object_labels.h - how reports name an object's id and its GC roots,
// so paths, object details and referrer lists all spell them alike.
//
// A class mirror is named after the class it stands for ("class com.acme.Cache").
// Root labels name the thread of thread-bound roots, which a bare kind does not.
#ifndef HEAPSCOPE_REPORT_OBJECT_LABELS_H_
#define HEAPSCOPE_REPORT_OBJECT_LABELS_H_

#include <span>
#include <string>
#include <vector>

#include "heap/heap_model.h"

namespace heapscope::report {

// The dump's id of an object, "0x7f3a0010".
std::string HexId(const heap::HeapModel& model, heap::ObjectIdx o);

// The class a mirror stands for; kNoClass for any other object.
heap::ClassIdx MirroredClass(const heap::HeapModel& model, heap::ObjectIdx o);

// "java.util.HashMap", or "class com.acme.Cache" for a class object.
std::string ObjectClassName(const heap::HeapModel& model, heap::ObjectIdx o);

// One label per distinct root entry, in the given order:
// "java-frame (thread main)", "sticky-class".
std::vector<std::string> RootLabels(const heap::HeapModel& model, std::span<const heap::RootEntry> roots);

// The root entries of one object, in the model's order (a scan of all roots).
std::vector<heap::RootEntry> RootsOf(const heap::HeapModel& model, heap::ObjectIdx o);

}  // namespace heapscope::report

#endif  // HEAPSCOPE_REPORT_OBJECT_LABELS_H_
