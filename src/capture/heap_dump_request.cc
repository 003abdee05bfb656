#include "capture/heap_dump_request.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "capture/dump_completeness.h"

namespace heapscope::capture {
namespace {

std::string FirstLine(const std::string& text) {
  const size_t start = text.find_first_not_of(" \n");
  if (start == std::string::npos) return "";
  return text.substr(start, text.find('\n', start) - start);
}

// The DCmd parser splits its line on spaces.
bool NeedsQuotes(const std::string& path) { return path.find(' ') != std::string::npos; }

// VM.set_flag answers nothing when it worked, and an explanation (with
// code 0) when it didn't.
Status JcmdSilently(int pid, const std::string& line) {
  auto reply = Jcmd(pid, line);
  if (!reply.ok()) return reply.error();
  if (reply->code != 0 || !FirstLine(reply->text).empty()) {
    return Error::Io(fmt::format("pid {}: `{}` answered {}: {}", pid, line, reply->code, FirstLine(reply->text)));
  }
  return {};
}

}  // namespace

Result<HeapDumpOutcome> RequestHeapDump(int pid, const std::string& jvm_path, const std::string& agent_path,
                                        std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  const std::string line = "GC.heap_dump " + (NeedsQuotes(jvm_path) ? "\"" + jvm_path + "\"" : jvm_path);
  auto reply = Jcmd(pid, line, {.timeout = std::chrono::milliseconds(10000), .reply_timeout = timeout});
  if (!reply.ok()) return reply.error();
  HeapDumpOutcome out;
  out.reply = reply->text;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  struct stat st {};
  out.file_written = ::stat(agent_path.c_str(), &st) == 0 && st.st_size > 0;
  const bool created = reply->code == 0 && reply->text.find("Heap dump file created") != std::string::npos;
  if (!out.file_written) {
    return Error::Io(fmt::format("pid {} wrote no dump at {}: {} (code {})", pid, jvm_path,
                                 FirstLine(reply->text), reply->code));
  }
  auto checked = CheckDumpComplete(agent_path);
  if (!checked.ok()) return checked.error();
  out.complete = created && checked->complete;
  if (!checked->complete) out.incomplete = checked->reason;
  else if (!created) out.incomplete = "the JVM did not report success: " + FirstLine(reply->text);
  return out;
}

Status ArmOomDumps(int pid, const std::string& jvm_folder) {
  const std::string path = NeedsQuotes(jvm_folder) ? "\"" + jvm_folder + "\"" : jvm_folder;
  // HeapDumpPath first: a JVM that runs out of memory in between would
  // otherwise dump into its working directory.
  if (Status s = JcmdSilently(pid, "VM.set_flag HeapDumpPath " + path); !s.ok()) return s;
  return JcmdSilently(pid, "VM.set_flag HeapDumpOnOutOfMemoryError true");
}

}  // namespace heapscope::capture
