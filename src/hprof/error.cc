#include "hprof/error.h"

#include <fmt/format.h>

namespace heapscope {

std::string Error::ToString() const {
  std::string where;
  if (offset != kNoOffset) where = fmt::format("at byte {} (0x{:x})", offset, offset);
  if (!record.empty()) where += (where.empty() ? "in " : " in ") + record;
  return where.empty() ? message : where + ": " + message;
}

int Error::ExitCode() const {
  switch (kind) {
    case ErrorKind::kBadInput: return 1;
    case ErrorKind::kUsage: return 2;
    case ErrorKind::kIo: return 3;
    case ErrorKind::kInternal: return 4;
  }
  return 4;
}

}  // namespace heapscope
