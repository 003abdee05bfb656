// capture/jvm_discovery.h - the JVMs running on this machine, found the way
// jps finds them: by their performance-data files, looked up in each
// process's own /tmp (through /proc/<pid>/root, so containers are found
// from the host) under the pid the process sees itself as.
#ifndef HEAPSCOPE_CAPTURE_JVM_DISCOVERY_H_
#define HEAPSCOPE_CAPTURE_JVM_DISCOVERY_H_

#include <string>
#include <vector>

#include "capture/attach_client.h"

namespace heapscope::capture {

struct JvmProcess {
  ProcessFacts process;
  std::string perf_data;  // path of its hsperfdata file
};

// Every process with a performance-data file; processes we may not look
// into (another user's, without privileges) are skipped.
std::vector<JvmProcess> DiscoverJvms();

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_JVM_DISCOVERY_H_
