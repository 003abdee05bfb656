// capture/attach_client.h - speaks HotSpot's dynamic-attach protocol, so
// heapscope can run jcmd commands (GC.heap_dump above all) in a JVM without
// a JDK of its own.
//
// The JVM listens on a Unix socket, /tmp/.java_pid<pid> in its own mount
// namespace, once asked: a trigger file .attach_pid<pid> (owned by the JVM's
// user or root) and a SIGQUIT. Containers are reached through
// /proc/<pid>/root and the pid the JVM sees (the last NSpid). A SIGQUIT
// kills a process that doesn't handle it, so one is sent only when
// /proc/<pid>/status says SIGQUIT is caught: a JVM's signature.
//
// Requests use protocol 1 ("1\0cmd\0arg0\0arg1\0arg2\0"), which every JDK
// from 6 to 25 accepts. The reply is a decimal code and a line break, then
// text until the JVM closes the socket. A code of 0 does not mean the
// command worked ("File exists" comes back with 0, and JDK 25 streams 0
// before running the command): callers read the text.
#ifndef HEAPSCOPE_CAPTURE_ATTACH_CLIENT_H_
#define HEAPSCOPE_CAPTURE_ATTACH_CLIENT_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "hprof/error.h"

namespace heapscope::capture {

// What /proc says about a process, as the attach needs it.
struct ProcessFacts {
  int pid = 0;           // in our pid namespace
  int ns_pid = 0;        // as the process itself sees it
  uid_t euid = 0;
  gid_t egid = 0;
  bool catches_sigquit = false;
  std::string root;      // /proc/<pid>/root: its view of the file system
  std::string cwd;       // /proc/<pid>/cwd
};
Result<ProcessFacts> ReadProcessFacts(int pid);

struct AttachReply {
  int code = 0;
  std::string text;
};

struct AttachOptions {
  std::chrono::milliseconds timeout{10000};  // for the socket to appear, and for the reply code
  // For the whole reply, code included, replacing `timeout` once connected
  // (JDK 25 sends its code before running the command, older JDKs after);
  // 0: the code within `timeout`, the rest as long as the command runs.
  std::chrono::milliseconds reply_timeout{0};
};

// Runs `command` (an attach operation: "jcmd", "properties", ...) with up to
// three arguments. Errors: Io for a process that is gone, not a JVM,
// refuses us (permissions) or never opens its socket.
Result<AttachReply> Attach(int pid, const std::string& command, const std::vector<std::string>& args,
                           const AttachOptions& options = {});

// `jcmd` with its command line in one argument, as the jcmd tool sends it.
inline Result<AttachReply> Jcmd(int pid, const std::string& command_line, const AttachOptions& options = {}) {
  return Attach(pid, "jcmd", {command_line}, options);
}

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_ATTACH_CLIENT_H_
