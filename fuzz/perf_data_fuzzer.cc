// fuzz/perf_data_fuzzer.cc - the hsperfdata parser on any bytes: the file
// comes from another process's /tmp, so it is hostile input.
#include <cstdint>
#include <span>

#include "capture/perf_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto counters = heapscope::capture::ParsePerfData(std::span(data, size));
  if (counters.ok()) (void)heapscope::capture::HeapFiguresOf(counters.value());
  return 0;
}
