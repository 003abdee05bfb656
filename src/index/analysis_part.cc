#include "index/analysis_part.h"

#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "index/blob_codec.h"

namespace heapscope::index {

namespace {

constexpr std::string_view kPartName = "analysis";
constexpr std::string_view kScalarsFile = "analysis.bin";

// If one of these fires, a member was added to a result struct: give it a
// file or a scalar below, then update the size (see model_codec.h).
static_assert(sizeof(analysis::ReverseGraph) == 168);
static_assert(sizeof(analysis::DominatorTree) == 248);

template <typename Heap, typename F>
void ForEachAnalysisColumn(Heap& h, F&& f) {
  f("in_begin", h.reverse.in_begin);
  f("in_source", h.reverse.in_source);
  f("in_kind", h.reverse.in_kind);
  f("idom", h.dominators.idom);
  f("retained", h.dominators.retained);
  f("child_begin", h.dominators.child_begin);
  f("child", h.dominators.child);
  f("retained_by_class", h.retained_by_class);
}

std::string_view WeakRefsName(analysis::WeakRefs w) {
  return w == analysis::WeakRefs::kExclude ? "exclude" : "as-mat";
}

bool ColumnsAgree(const AnalyzedHeap& h) {
  const uint64_t nodes = h.model.object_count() + 1;
  const uint64_t edges = h.reverse.in_source.size();
  return h.reverse.in_begin.size() == nodes + 1 && h.reverse.in_begin[nodes] == edges &&
         h.reverse.in_kind.size() == edges && h.dominators.idom.size() == nodes &&
         h.dominators.retained.size() == nodes && h.dominators.child_begin.size() == nodes + 1 &&
         h.dominators.child_begin[nodes] == h.dominators.child.size() &&
         h.retained_by_class.size() == h.model.scan.classes.size();
}

}  // namespace

std::string AnalysisPartName(analysis::WeakRefs weak_refs, bool keep_unreachable) {
  return fmt::format("{}-{}{}", kPartName, WeakRefsName(weak_refs), keep_unreachable ? "-keep-unreachable" : "");
}

Result<uint64_t> WriteAnalysisPart(const std::string& dir, const AnalyzedHeap& heap, analysis::WeakRefs weak_refs,
                                   bool keep_unreachable, uint64_t model_build_id) {
  auto writer = PartWriter::Create(dir);
  if (!writer.ok()) return writer.error();
  PartWriter& w = writer.value();
  Status s;
  ForEachAnalysisColumn(heap, [&](const char* name, const auto& column) {
    if (s.ok()) s = w.AddColumn(name, column);
  });
  if (!s.ok()) return s.error();
  BlobWriter scalars;
  scalars.U64(heap.dominators.reachable_objects);
  scalars.U64(heap.dominators.unreachable_objects);
  scalars.U64(heap.dominators.unreachable_bytes);
  s = w.Add(std::string(kScalarsFile), 1, scalars.bytes());
  if (!s.ok()) return s.error();
  nlohmann::ordered_json header = {
      {"part", kPartName},
      {"model_build_id", HexU64(model_build_id)},
      {"weak_refs", WeakRefsName(weak_refs)},
      {"keep_unreachable", keep_unreachable},
  };
  s = w.Commit(std::move(header));
  if (!s.ok()) return s.error();
  return w.bytes_written();
}

std::string AnalysisPartStaleness(const nlohmann::json& m, analysis::WeakRefs weak_refs, bool keep_unreachable,
                                  uint64_t model_build_id) {
  if (m.at("part").get<std::string>() != kPartName) return "not an analysis part";
  uint64_t built_from = 0;
  if (!ParseHexU64(m.at("model_build_id"), &built_from) || built_from != model_build_id) {
    return "computed from another model build";
  }
  if (m.at("weak_refs").get<std::string>() != WeakRefsName(weak_refs) ||
      m.at("keep_unreachable").get<bool>() != keep_unreachable) {
    return "analysis options differ";
  }
  return "";
}

Status LoadAnalysisPart(const OpenedPart& part, AnalyzedHeap* heap) {
  Status s;
  ForEachAnalysisColumn(*heap, [&](const char* name, auto& column) {
    using T = std::remove_cvref_t<decltype(column[0])>;
    if (!s.ok()) return;
    auto view = part.Column<T>(name);
    if (!view.ok()) s = view.error();
    else column = std::move(view.value());
  });
  if (!s.ok()) return s;
  auto bytes = part.Bytes(std::string(kScalarsFile), 1);
  if (!bytes.ok()) return bytes.error();
  BlobReader r(bytes.value());
  heap->dominators.reachable_objects = r.U64();
  heap->dominators.unreachable_objects = r.U64();
  heap->dominators.unreachable_bytes = r.U64();
  if (!r.ok() || !r.AtEnd()) return Error::BadInput("the index's analysis scalars do not decode");
  if (!ColumnsAgree(*heap)) return Error::BadInput("the index's analysis columns don't fit the model");
  return {};
}

}  // namespace heapscope::index
