#include "index/model_part.h"

#include <xxhash.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "index/model_codec.h"

namespace heapscope::index {

namespace {

constexpr std::string_view kPartName = "model";
constexpr std::string_view kExtrasFile = "model.bin";
constexpr std::string_view kArenaFile = "arena.bin";

// Every column of the model, by its file name. `Model` is HeapModel or
// const HeapModel, so writing and loading share one list.
template <typename Model, typename F>
void ForEachModelColumn(Model& m, F&& f) {
  f("object_id", m.object_id);
  f("object_class", m.object_class);
  f("shallow_size", m.shallow_size);
  f("object_kind", m.object_kind);
  f("data_offset", m.data_offset);
  f("array_length", m.array_length);
  f("ref_begin", m.ref_begin);
  f("ref_target", m.ref_target);
  f("ref_slot", m.ref_slot);
  f("data_length", m.data_length);
  f("id_sorted_objects", m.id_index.sorted_objects);
  f("id_bucket_begin", m.id_index.bucket_begin);
}

nlohmann::ordered_json IdentityJson(const std::string& dump_path, const DumpIdentity& id) {
  return {{"path", dump_path},
          {"size", id.size},
          {"mtime_ns", id.mtime_ns},
          {"head_xxh3", HexU64(id.head_xxh3)},
          {"tail_xxh3", HexU64(id.tail_xxh3)}};
}

// Cheap consistency of the reopened columns: checksums say the files are
// what was written, this says what was written hangs together.
bool ColumnsAgree(const heap::HeapModel& m) {
  uint64_t n = m.object_count();
  for (uint64_t size : {m.object_class.size(), m.shallow_size.size(), m.object_kind.size(), m.data_offset.size(),
                        m.array_length.size(), m.data_length.size(), m.id_index.sorted_objects.size()}) {
    if (size != n) return false;
  }
  const heap::ObjectIndex& idx = m.id_index;
  return m.ref_begin.size() == n + 1 && m.ref_target.size() == m.ref_slot.size() &&
         m.ref_begin[n] == m.ref_target.size() && n <= heap::ObjectIndex::kMaxObjects &&
         idx.bucket_begin.size() >= 2 && idx.bucket_begin[idx.bucket_begin.size() - 1] == n && idx.shift < 64;
}

}  // namespace

Result<uint64_t> WriteModelPart(const std::string& dir, const heap::HeapModel& model,
                                const std::string& dump_path, const DumpIdentity& identity,
                                bool allow_truncated, uint64_t build_id) {
  auto writer = PartWriter::Create(dir);
  if (!writer.ok()) return writer.error();
  PartWriter& w = writer.value();
  Status s;
  ForEachModelColumn(model, [&](const char* name, const auto& column) {
    if (s.ok()) s = w.AddColumn(name, column);
  });
  if (!s.ok()) return s.error();
  std::vector<uint8_t> extras = EncodeModelExtras(model);
  s = w.Add(std::string(kExtrasFile), 1, extras);
  if (!s.ok()) return s.error();
  s = w.Add(std::string(kArenaFile), 1, model.arena);
  if (!s.ok()) return s.error();
  nlohmann::ordered_json header = {
      {"part", kPartName},
      {"build_id", HexU64(build_id)},
      {"dump", IdentityJson(dump_path, identity)},
      {"allow_truncated", allow_truncated},
      {"truncated", model.scan.read.truncated},
      {"objects", model.object_count()},
  };
  s = w.Commit(std::move(header));
  if (!s.ok()) return s.error();
  return w.bytes_written();
}

std::string ModelPartStaleness(const nlohmann::json& m, const DumpIdentity& identity, bool allow_truncated) {
  if (m.at("part").get<std::string>() != kPartName) return "not a model part";
  const nlohmann::json& d = m.at("dump");
  DumpIdentity recorded;
  recorded.size = d.at("size").get<uint64_t>();
  recorded.mtime_ns = d.at("mtime_ns").get<int64_t>();
  if (!ParseHexU64(d.at("head_xxh3"), &recorded.head_xxh3) || !ParseHexU64(d.at("tail_xxh3"), &recorded.tail_xxh3)) {
    return "dump identity unreadable";
  }
  if (!(recorded == identity)) return "dump changed";
  // A model read past a truncation answers only for --allow-truncated runs;
  // without it the command must fail as a fresh read would.
  if (m.at("truncated").get<bool>() && !allow_truncated) return "the dump is truncated";
  if (ModelBuildId(m) == 0) return "no build id";
  return "";
}

uint64_t ModelBuildId(const nlohmann::json& manifest) {
  uint64_t id = 0;
  auto it = manifest.find("build_id");
  if (it == manifest.end() || !ParseHexU64(*it, &id)) return 0;
  return id;
}

Result<heap::HeapModel> LoadModelPart(const OpenedPart& part, const std::string& dump_path,
                                      const DumpIdentity& identity) {
  heap::HeapModel m;
  Status s;
  ForEachModelColumn(m, [&](const char* name, auto& column) {
    using T = std::remove_cvref_t<decltype(column[0])>;
    if (!s.ok()) return;
    auto view = part.Column<T>(name);
    if (!view.ok()) s = view.error();
    else column = std::move(view.value());
  });
  if (!s.ok()) return s.error();
  auto extras = part.Bytes(std::string(kExtrasFile), 1);
  if (!extras.ok()) return extras.error();
  s = DecodeModelExtras(extras.value(), &m);
  if (!s.ok()) return s.error();
  if (!ColumnsAgree(m)) return Error::BadInput("the index's model columns disagree in length");
  // Only compressed dumps have an arena, and it is small next to the
  // columns: copied rather than mapped, as HeapModel keeps it in a vector.
  auto arena = part.Bytes(std::string(kArenaFile), 1);
  if (!arena.ok()) return arena.error();
  m.arena.assign(arena->begin(), arena->end());

  auto input = std::make_shared<hprof::DumpInput>();
  input->encoding = m.scan.encoding;
  input->file_size = m.scan.file_size;
  if (m.scan.encoding == hprof::DumpEncoding::kPlain) {
    // Field values of a plain dump are read lazily from its map. A
    // compressed dump's values the model needs are in the arena, so its
    // input stays closed: nothing may read it again.
    auto map = hprof::MappedFile::Open(dump_path);
    if (!map.ok()) return map.error();
    // The identity was read through another descriptor: make sure this map
    // is that file, not one swapped in since.
    std::span<const uint8_t> b = map->bytes();
    uint64_t head = std::min<uint64_t>(b.size(), kIdentityHeadBytes);
    uint64_t tail = std::min<uint64_t>(b.size(), kIdentityTailBytes);
    if (b.size() != identity.size || XXH3_64bits(b.data(), head) != identity.head_xxh3 ||
        XXH3_64bits(b.data() + b.size() - tail, tail) != identity.tail_xxh3) {
      return Error::Io(fmt::format("{} changed while it was opened", dump_path));
    }
    input->mapped = std::move(map.value());
  }
  m.input = std::move(input);
  return m;
}

}  // namespace heapscope::index
