// hprof/byte_sink.h - where a rewritten dump goes: a file, or a stage
// (compression, encryption) in front of another sink.
//
// Outputs appear whole or not at all: a file sink writes to a temporary name
// beside the target and renames it into place in Finish(), and a sink
// destroyed without a successful Finish() removes its temporary. So a run
// that fails half way (bad input, full disk, wrong key) leaves nothing that
// could pass for a dump.
#ifndef HEAPSCOPE_HPROF_BYTE_SINK_H_
#define HEAPSCOPE_HPROF_BYTE_SINK_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hprof/error.h"

namespace heapscope::hprof {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Appends bytes. The first failure is sticky: later calls return it again.
  virtual Status Write(std::span<const uint8_t> bytes) = 0;
  // Writes what is buffered and completes the output (a stage finishes the
  // sink behind it). Call once, only if every Write succeeded.
  virtual Status Finish() = 0;
  // Bytes handed to Write so far.
  virtual uint64_t BytesIn() const = 0;
};

// `path`, written through `path` + ".partial-<pid>" and renamed on Finish.
// "-" is standard output (no rename; a failed run may leave a partial stream).
Result<std::unique_ptr<ByteSink>> CreateFileSink(const std::string& path);

// Collects everything in memory, for tests.
class MemorySink final : public ByteSink {
 public:
  Status Write(std::span<const uint8_t> bytes) override {
    data.insert(data.end(), bytes.begin(), bytes.end());
    return {};
  }
  Status Finish() override { finished = true; return {}; }
  uint64_t BytesIn() const override { return data.size(); }
  std::vector<uint8_t> data;
  bool finished = false;
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_BYTE_SINK_H_
