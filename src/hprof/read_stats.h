// hprof/read_stats.h - counters for damage the reader recovered from.
//
// Oddities that don't stop a read are counted here, never silently dropped.
// Every counter is declared once in kReadStatInfo with a severity and a
// one-line description, and every report prints the non-zero ones.
#ifndef HEAPSCOPE_HPROF_READ_STATS_H_
#define HEAPSCOPE_HPROF_READ_STATS_H_

#include <cstdint>
#include <string_view>

namespace heapscope::hprof {

enum class Severity { kInfo, kWarning, kDataLoss };

struct ReadStats {
  uint64_t heap_dump_length_wrapped = 0;
  uint64_t empty_heap_segments = 0;
  uint64_t records_after_truncation_lost = 0;  // 1 when --allow-truncated cut the read short
  uint64_t bytes_lost_to_truncation = 0;
  uint64_t missing_heap_dump_end = 0;

  void Add(const ReadStats& o) {
    heap_dump_length_wrapped += o.heap_dump_length_wrapped;
    empty_heap_segments += o.empty_heap_segments;
    records_after_truncation_lost += o.records_after_truncation_lost;
    bytes_lost_to_truncation += o.bytes_lost_to_truncation;
    missing_heap_dump_end += o.missing_heap_dump_end;
  }
};

struct ReadStatInfo {
  std::string_view name;
  Severity severity;
  std::string_view description;
  uint64_t ReadStats::*counter;
};

inline constexpr ReadStatInfo kReadStatInfo[] = {
    {"heap_dump_length_wrapped", Severity::kWarning,
     "a HEAP_DUMP over 4 GiB whose u4 length wrapped; its real end was found by parsing",
     &ReadStats::heap_dump_length_wrapped},
    {"empty_heap_segments", Severity::kInfo, "HEAP_DUMP_SEGMENT records with no sub-records",
     &ReadStats::empty_heap_segments},
    {"truncated_read", Severity::kDataLoss,
     "the dump ended inside a record; what came before it was analyzed (--allow-truncated)",
     &ReadStats::records_after_truncation_lost},
    {"bytes_lost_to_truncation", Severity::kDataLoss,
     "bytes of the last, incomplete record that could not be used",
     &ReadStats::bytes_lost_to_truncation},
    {"missing_heap_dump_end", Severity::kDataLoss,
     "the file ends on a record boundary but without HEAP_DUMP_END: the dump was cut short",
     &ReadStats::missing_heap_dump_end},
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_READ_STATS_H_
