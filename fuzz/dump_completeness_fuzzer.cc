// fuzz/dump_completeness_fuzzer.cc - CheckDumpComplete on any bytes: the
// capture agent judges files that JVMs (maybe in a hostile container) left
// in a dump folder.
//
// Besides crashes and sanitizer reports, a finding is a verdict that
// contradicts itself: a plain file passed as complete without ending in
// HEAP_DUMP_END, a reason missing or present against the verdict, a wrong
// size, or a refusal of bad input that names no offset.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "capture/dump_completeness.h"
#include "hprof/gzip_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace heapscope;
  // One memfd for the process, rewritten per input: /proc/self/fd/N names
  // it as a path without touching the disk.
  static const int fd = ::memfd_create("completeness-fuzz", MFD_CLOEXEC);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) std::abort();
  if (size > 0 && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  auto verdict = capture::CheckDumpComplete(path);
  if (!verdict.ok()) {
    if (verdict.error().kind == ErrorKind::kBadInput && verdict.error().offset == kNoOffset) std::abort();
    return 0;
  }
  const std::span<const uint8_t> bytes(data, size);
  if (verdict->file_bytes != size || verdict->gzip != hprof::LooksLikeGzip(bytes)) std::abort();
  if (verdict->complete == !verdict->reason.empty()) std::abort();
  if (verdict->complete && !verdict->gzip && !capture::EndsWithHeapDumpEnd(bytes)) std::abort();
  return 0;
}
