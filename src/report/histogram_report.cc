#include "report/histogram_report.h"

#include <algorithm>

#include <fmt/format.h>

namespace heapscope::report {

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, kUnits[u]);
}

std::vector<HistogramRow> HistogramRows(const heap::HeapScan& scan, HistogramSort sort, size_t top,
                                        std::span<const uint64_t> retained) {
  std::vector<HistogramRow> rows;
  for (heap::ClassIdx c = 0; c < scan.classes.size(); ++c) {
    const heap::ClassCount& cc = scan.per_class[c];
    if (cc.instances == 0) continue;
    rows.push_back({scan.classes.name[c], cc.instances, cc.shallow_bytes,
                    c < retained.size() ? retained[c] : kNoRetained});
  }
  auto key = [sort](const HistogramRow& r) {
    return sort == HistogramSort::kCount      ? r.instances
           : sort == HistogramSort::kRetained ? r.retained_bytes
                                              : r.shallow_bytes;
  };
  std::sort(rows.begin(), rows.end(), [&](const HistogramRow& a, const HistogramRow& b) {
    if (sort != HistogramSort::kName && key(a) != key(b)) return key(a) > key(b);
    return a.name < b.name;
  });
  if (top > 0 && rows.size() > top) rows.resize(top);
  return rows;
}

std::vector<std::string> ReadWarnings(const heap::HeapScan& scan) {
  std::vector<std::string> out;
  for (const auto& info : hprof::kReadStatInfo) {
    uint64_t n = scan.read.stats.*info.counter;
    if (n) out.push_back(fmt::format("{} = {}: {}", info.name, n, info.description));
  }
  if (scan.read.truncated) out.push_back("truncated: " + scan.read.truncation);
  if (scan.instances_of_unknown_class) {
    out.push_back(fmt::format("{} objects name a class with no CLASS_DUMP; they are not in the histogram",
                              scan.instances_of_unknown_class));
  }
  return out;
}

nlohmann::ordered_json HistogramJson(const heap::HeapScan& scan, const std::vector<HistogramRow>& rows) {
  nlohmann::ordered_json j;
  j["classes"] = nlohmann::ordered_json::array();
  for (const HistogramRow& r : rows) {
    nlohmann::ordered_json row{{"name", r.name}, {"instances", r.instances}, {"shallow_bytes", r.shallow_bytes}};
    if (r.retained_bytes != kNoRetained) row["retained_bytes"] = r.retained_bytes;
    j["classes"].push_back(std::move(row));
  }
  j["total_instances"] = scan.objects() + scan.class_mirrors;
  j["total_shallow_bytes"] = scan.shallow_bytes;
  j["excluded"] = nlohmann::ordered_json::array();
  for (const auto& e : scan.excluded) j["excluded"].push_back({{"name", e.name}, {"reason", e.reason}});
  j["warnings"] = ReadWarnings(scan);
  return j;
}

std::string HistogramText(const heap::HeapScan& scan, const std::vector<HistogramRow>& rows) {
  bool retained = !rows.empty() && rows[0].retained_bytes != kNoRetained;
  std::string out = fmt::format("{:>5}  {:>14}  {:>16}  {}{}\n", "#", "instances", "shallow bytes",
                                retained ? fmt::format("{:>16}  ", "retained bytes") : "", "class");
  size_t i = 0;
  for (const HistogramRow& r : rows) {
    out += fmt::format("{:>5}  {:>14}  {:>16}  {}{}\n", ++i, r.instances, r.shallow_bytes,
                       retained ? fmt::format("{:>16}  ", r.retained_bytes) : "", r.name);
  }
  out += fmt::format("total: {} objects, {} ({} bytes) shallow\n", scan.objects(),
                     HumanBytes(scan.shallow_bytes), scan.shallow_bytes);
  for (const auto& w : ReadWarnings(scan)) out += "warning: " + w + "\n";
  return out;
}

nlohmann::ordered_json SummaryJson(const heap::HeapScan& scan) {
  nlohmann::ordered_json j;
  j["format"] = scan.read.header.format;
  j["id_size"] = scan.read.header.id_size;
  j["timestamp_ms"] = scan.read.header.timestamp_ms;
  j["encoding"] = std::string(hprof::DumpEncodingName(scan.encoding));
  j["file_bytes"] = scan.file_size;
  j["hprof_bytes"] = scan.read.decoded_bytes;
  j["layout"] = {{"name", scan.layout.name},
                 {"object_header_bytes", scan.layout.header_bytes},
                 {"reference_bytes", scan.layout.ref_size},
                 {"compressed_oops", scan.layout.compressed_oops()},
                 {"compact_headers", scan.layout.compact_headers},
                 {"array_base_bytes", scan.layout.ArrayBase(4)},
                 {"object_alignment", scan.layout.alignment}};
  j["objects"] = scan.objects();
  j["instances"] = scan.instances;
  j["object_arrays"] = scan.object_arrays;
  j["primitive_arrays"] = scan.primitive_arrays;
  j["classes"] = scan.classes.size();
  j["gc_roots"] = scan.gc_roots;
  nlohmann::ordered_json kinds = nlohmann::ordered_json::object();
  for (int k = 0; k < hprof::kRootKindCount; ++k) {
    if (scan.roots_by_kind[static_cast<size_t>(k)]) {
      kinds[std::string(hprof::RootKindName(static_cast<hprof::RootKind>(k)))] =
          scan.roots_by_kind[static_cast<size_t>(k)];
    }
  }
  j["gc_roots_by_kind"] = kinds;
  j["threads"] = scan.threads;
  j["shallow_bytes"] = scan.shallow_bytes;
  j["records"] = scan.read.records;
  j["heap_dump_segments"] = scan.read.heap_dump_bodies;
  j["class_sizes"] = {{"from_address_spacing", scan.sizes_from_spacing},
                      {"from_field_layout", scan.sizes_from_model}};
  j["truncated"] = scan.read.truncated;
  j["warnings"] = ReadWarnings(scan);
  return j;
}

std::string SummaryText(const heap::HeapScan& scan) {
  std::string out;
  out += fmt::format("format        {} ({}-byte ids), {}\n", scan.read.header.format,
                     scan.read.header.id_size, hprof::DumpEncodingName(scan.encoding));
  out += fmt::format("file          {} ({} of HPROF)\n", HumanBytes(scan.file_size),
                     HumanBytes(scan.read.decoded_bytes));
  out += fmt::format("JVM layout    {}, {}-byte alignment\n", scan.layout.name, scan.layout.alignment);
  out += fmt::format("objects       {} ({} instances, {} object arrays, {} primitive arrays)\n",
                     scan.objects(), scan.instances, scan.object_arrays, scan.primitive_arrays);
  out += fmt::format("classes       {}\n", scan.classes.size());
  out += fmt::format("GC roots      {}\n", scan.gc_roots);
  out += fmt::format("threads       {}\n", scan.threads);
  out += fmt::format("shallow size  {} ({} bytes)\n", HumanBytes(scan.shallow_bytes), scan.shallow_bytes);
  for (const auto& w : ReadWarnings(scan)) out += "warning: " + w + "\n";
  return out;
}

}  // namespace heapscope::report
