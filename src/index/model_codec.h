// index/model_codec.h - the parts of a HeapModel that are not columns (scan
// with class table, names and histogram; roots, threads, counters) as one
// blob for the index. Every field is written: static_asserts on struct sizes
// in the .cc stop the build when a field is added, since a field the index
// dropped would reopen as zero, a silently wrong answer.
#ifndef HEAPSCOPE_INDEX_MODEL_CODEC_H_
#define HEAPSCOPE_INDEX_MODEL_CODEC_H_

#include <cstdint>
#include <span>
#include <vector>

#include "heap/heap_model.h"
#include "hprof/error.h"

namespace heapscope::index {

std::vector<uint8_t> EncodeModelExtras(const heap::HeapModel& model);

// Fills the non-column members of `model` (all but columns, input and
// arena). Fails on a blob that doesn't decode exactly.
Status DecodeModelExtras(std::span<const uint8_t> blob, heap::HeapModel* model);

}  // namespace heapscope::index

#endif  // HEAPSCOPE_INDEX_MODEL_CODEC_H_
