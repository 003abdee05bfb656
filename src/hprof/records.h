// hprof/records.h - plain views of parsed records, as handed to visitors.
//
// Spans and string_views point into the parser's window and are valid only
// during the visitor call that receives them: copy what you keep.
#ifndef HEAPSCOPE_HPROF_RECORDS_H_
#define HEAPSCOPE_HPROF_RECORDS_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "hprof/tags.h"

namespace heapscope::hprof {

struct LoadClassRecord {
  uint32_t class_serial;
  uint64_t class_id;
  uint32_t trace_serial;
  uint64_t name_id;
};

struct FrameRecord {
  uint64_t frame_id;
  uint64_t method_name_id;
  uint64_t signature_id;
  uint64_t source_file_id;
  uint32_t class_serial;
  int32_t line;  // > 0 line number; 0 none; -1 unknown; -2 compiled; -3 native
};

struct TraceRecord {
  uint32_t trace_serial;
  uint32_t thread_serial;
  std::span<const uint8_t> frame_ids;  // frame_count ids of the dump's id size
  uint32_t frame_count;
};

struct StartThreadRecord {
  uint32_t thread_serial;
  uint64_t thread_id;
  uint32_t trace_serial;
  uint64_t name_id;
  uint64_t group_name_id;
  uint64_t parent_group_name_id;
};

// A GC root of any kind. Fields a kind doesn't carry are 0.
struct RootRecord {
  RootKind kind;
  uint64_t object_id;
  uint32_t thread_serial;  // JNI local, Java frame, native stack, thread block, thread object, JNI monitor
  uint32_t frame;          // frame number (JNI local, Java frame), stack depth (JNI monitor),
                           // stack trace serial (thread object)
  uint64_t jni_ref_id;     // JNI global
};

struct FieldDecl {
  uint64_t name_id;
  BasicType type;
};

struct StaticField {
  uint64_t name_id;
  BasicType type;
  uint64_t value;  // raw bits; an object id for kObject
};

struct ClassDumpRecord {
  uint64_t class_id;
  uint32_t stack_serial;
  uint64_t super_id;
  uint64_t loader_id;
  uint64_t signers_id;
  uint64_t protection_domain_id;
  uint32_t instance_size;  // as the dump states it: not the JVM's layout
  std::span<const StaticField> statics;
  std::span<const FieldDecl> fields;  // declared by this class only, in dump order
  uint64_t statics_offset = 0;  // stream offset of the first static field entry, for rewriting values
};

// Android HEAP_DUMP_INFO: the heap (zygote, image, app) the next objects live in.
struct HeapDumpInfoRecord {
  uint32_t heap_type;
  uint64_t name_id;
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_RECORDS_H_
