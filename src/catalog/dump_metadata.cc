#include "catalog/dump_metadata.h"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace heapscope::catalog {

int64_t ParseUtcText(const std::string& text) {
  std::tm tm{};
  char z = 0;
  int n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &z, &n) != 7 ||
      z != 'Z' || static_cast<size_t>(n) != text.size()) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

Result<DumpRecord> DumpRecordFromMetadata(const std::string& metadata_json) {
  const nlohmann::json m = nlohmann::json::parse(metadata_json, nullptr, false);
  if (m.is_discarded() || !m.is_object()) return Error::BadInput("the dump's metadata is not a JSON object");
  auto text = [&](const nlohmann::json& j, const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  DumpRecord d;
  d.id = text(m, "id");
  d.service = text(m, "service");
  d.pod = text(m, "pod");
  d.namespace_name = text(m, "namespace");
  if (d.id.empty()) return Error::BadInput("the dump's metadata has no \"id\"");
  // A node agent watches JVMs of many services and may not know theirs:
  // the JVM's main class (or jar) then stands for the service.
  auto jvm = m.find("jvm");
  if (d.service.empty() && jvm != m.end() && jvm->is_object()) d.service = text(*jvm, "main");
  if (d.service.empty()) return Error::BadInput("the metadata of dump " + d.id + " has no \"service\"");
  auto dump = m.find("dump");
  if (dump == m.end() || !dump->is_object() || text(*dump, "key").empty()) {
    return Error::BadInput("the metadata of dump " + d.id + " has no \"dump\".\"key\"");
  }
  d.location = text(*dump, "key");
  auto stored = dump->find("stored_bytes");
  d.size = stored != dump->end() && stored->is_number_unsigned() ? stored->get<uint64_t>() : 0;
  d.captured_ms = ParseUtcText(text(m, "dump_started_at"));
  if (d.captured_ms < 0) d.captured_ms = ParseUtcText(text(m, "shipped_at"));
  if (d.captured_ms < 0) d.captured_ms = 0;
  d.metadata_json = metadata_json;
  return d;
}

}  // namespace heapscope::catalog
