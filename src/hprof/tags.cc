#include "hprof/tags.h"

namespace heapscope::hprof {

std::string_view BasicTypeName(BasicType type) {
  switch (type) {
    case BasicType::kBoolean: return "boolean";
    case BasicType::kChar: return "char";
    case BasicType::kFloat: return "float";
    case BasicType::kDouble: return "double";
    case BasicType::kByte: return "byte";
    case BasicType::kShort: return "short";
    case BasicType::kInt: return "int";
    case BasicType::kLong: return "long";
    case BasicType::kObject: break;
  }
  return "";
}

std::string_view RecordTagName(uint8_t tag) {
  switch (static_cast<RecordTag>(tag)) {
    case RecordTag::kUtf8: return "UTF8";
    case RecordTag::kLoadClass: return "LOAD_CLASS";
    case RecordTag::kUnloadClass: return "UNLOAD_CLASS";
    case RecordTag::kFrame: return "FRAME";
    case RecordTag::kTrace: return "TRACE";
    case RecordTag::kAllocSites: return "ALLOC_SITES";
    case RecordTag::kHeapSummary: return "HEAP_SUMMARY";
    case RecordTag::kStartThread: return "START_THREAD";
    case RecordTag::kEndThread: return "END_THREAD";
    case RecordTag::kHeapDump: return "HEAP_DUMP";
    case RecordTag::kCpuSamples: return "CPU_SAMPLES";
    case RecordTag::kControlSettings: return "CONTROL_SETTINGS";
    case RecordTag::kHeapDumpSegment: return "HEAP_DUMP_SEGMENT";
    case RecordTag::kHeapDumpEnd: return "HEAP_DUMP_END";
  }
  return "unknown";
}

std::string_view SubTagName(uint8_t tag) {
  switch (static_cast<SubTag>(tag)) {
    case SubTag::kRootUnknown: return "ROOT_UNKNOWN";
    case SubTag::kRootJniGlobal: return "ROOT_JNI_GLOBAL";
    case SubTag::kRootJniLocal: return "ROOT_JNI_LOCAL";
    case SubTag::kRootJavaFrame: return "ROOT_JAVA_FRAME";
    case SubTag::kRootNativeStack: return "ROOT_NATIVE_STACK";
    case SubTag::kRootStickyClass: return "ROOT_STICKY_CLASS";
    case SubTag::kRootThreadBlock: return "ROOT_THREAD_BLOCK";
    case SubTag::kRootMonitorUsed: return "ROOT_MONITOR_USED";
    case SubTag::kRootThreadObject: return "ROOT_THREAD_OBJECT";
    case SubTag::kClassDump: return "CLASS_DUMP";
    case SubTag::kInstanceDump: return "INSTANCE_DUMP";
    case SubTag::kObjectArrayDump: return "OBJ_ARRAY_DUMP";
    case SubTag::kPrimitiveArrayDump: return "PRIM_ARRAY_DUMP";
    case SubTag::kRootInternedString: return "ROOT_INTERNED_STRING";
    case SubTag::kRootFinalizing: return "ROOT_FINALIZING";
    case SubTag::kRootDebugger: return "ROOT_DEBUGGER";
    case SubTag::kRootReferenceCleanup: return "ROOT_REFERENCE_CLEANUP";
    case SubTag::kRootVmInternal: return "ROOT_VM_INTERNAL";
    case SubTag::kRootJniMonitor: return "ROOT_JNI_MONITOR";
    case SubTag::kRootUnreachable: return "ROOT_UNREACHABLE";
    case SubTag::kPrimitiveArrayNoData: return "PRIMITIVE_ARRAY_NODATA";
    case SubTag::kHeapDumpInfo: return "HEAP_DUMP_INFO";
  }
  return "unknown";
}

std::string_view RootKindName(RootKind kind) {
  static constexpr std::string_view kNames[kRootKindCount] = {
      "unknown",      "jni-global",     "jni-local",         "java-frame",
      "native-stack", "sticky-class",   "thread-block",      "monitor-used",
      "thread-object", "interned-string", "finalizing",      "debugger",
      "reference-cleanup", "vm-internal", "jni-monitor",     "unreachable"};
  auto idx = static_cast<int>(kind);
  return idx < kRootKindCount ? kNames[idx] : "unknown";
}

}  // namespace heapscope::hprof
