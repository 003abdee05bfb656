// capture/heap_dump_request.h - asks a JVM for a heap dump through the
// attach protocol and judges the result the way a careful human would:
// by the reply text and by the file itself.
//
// The code in the reply is not enough: "File exists", "No such file or
// directory" and a disk-full "Dump file is incomplete" all come back with
// code 0, and JDK 25 streams its 0 before the dump even starts. A dump
// counts as taken only when the JVM says "Heap dump file created" and the
// file ends in HEAP_DUMP_END; a file that is there but cut is still worth
// shipping, marked truncated.
#ifndef HEAPSCOPE_CAPTURE_HEAP_DUMP_REQUEST_H_
#define HEAPSCOPE_CAPTURE_HEAP_DUMP_REQUEST_H_

#include <chrono>
#include <string>

#include "capture/attach_client.h"
#include "hprof/error.h"

namespace heapscope::capture {

struct HeapDumpOutcome {
  std::string reply;        // the JVM's text
  bool file_written = false;  // a file is there (maybe cut)
  bool complete = false;
  std::string incomplete;   // why not, when !complete
  double seconds = 0;
};

// `jvm_path`: where the JVM writes (its own mount namespace); `agent_path`:
// the same file as we see it. An Error when nothing usable was written (the
// reply says why).
Result<HeapDumpOutcome> RequestHeapDump(int pid, const std::string& jvm_path, const std::string& agent_path,
                                        std::chrono::milliseconds timeout);

// Makes the JVM write a dump into `jvm_folder` (ending in '/') should it run
// out of memory: sets the manageable flags HeapDumpPath and
// HeapDumpOnOutOfMemoryError.
Status ArmOomDumps(int pid, const std::string& jvm_folder);

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_HEAP_DUMP_REQUEST_H_
