// index/model_part.h - the "model" part of an index: every HeapModel column
// as a file, the rest (scan, roots, threads) as one blob, tied to the dump by
// its identity. It doesn't depend on analysis options, so one model serves
// every --weak-refs / --keep-unreachable variant. Reopened columns are views
// of the mapped files; a plain dump is mapped again for lazy field reads.
#ifndef HEAPSCOPE_INDEX_MODEL_PART_H_
#define HEAPSCOPE_INDEX_MODEL_PART_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "heap/heap_model.h"
#include "hprof/error.h"
#include "index/dump_identity.h"
#include "index/index_part.h"

namespace heapscope::index {

// Writes `model` as the part in `dir`; `build_id` names this build of it,
// which analysis parts record to know which model they were computed from.
Result<uint64_t> WriteModelPart(const std::string& dir, const heap::HeapModel& model,
                                const std::string& dump_path, const DumpIdentity& identity,
                                bool allow_truncated, uint64_t build_id);

// Why a model part's manifest doesn't fit this dump and these options, or "".
std::string ModelPartStaleness(const nlohmann::json& manifest, const DumpIdentity& identity,
                               bool allow_truncated);

// The model in a verified part. Fails on a part whose files don't decode
// (kBadInput: the caller rebuilds) or when the dump can't be mapped again
// as the identity describes it (kIo).
Result<heap::HeapModel> LoadModelPart(const OpenedPart& part, const std::string& dump_path,
                                      const DumpIdentity& identity);

// The build id a model part's manifest records; 0 when unreadable.
uint64_t ModelBuildId(const nlohmann::json& manifest);

}  // namespace heapscope::index

#endif  // HEAPSCOPE_INDEX_MODEL_PART_H_
