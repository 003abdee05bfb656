// analysis/path_signature.h - a name for a place in the heap that stays the
// same from one dump to the next, although object ids (addresses) move:
// the classes and fields of a path from a GC root, with array indices
// dropped ("[]") and the root named by kind (and thread name for
// thread-bound roots). The same leaking map in three dumps has one
// signature.
#ifndef HEAPSCOPE_ANALYSIS_PATH_SIGNATURE_H_
#define HEAPSCOPE_ANALYSIS_PATH_SIGNATURE_H_

#include <string>

#include "analysis/gc_root_paths.h"
#include "heap/heap_model.h"

namespace heapscope::analysis {

// "jni-global: jdk.internal.loader.ClassLoaders$AppClassLoader.classes ->
// java.util.ArrayList.elementData -> java.lang.Object[] [] -> class
// com.acme.Cache.static entries -> java.util.HashMap"
std::string PathSignature(const heap::HeapModel& model, const GcRootPath& path);

}  // namespace heapscope::analysis

#endif  // HEAPSCOPE_ANALYSIS_PATH_SIGNATURE_H_
