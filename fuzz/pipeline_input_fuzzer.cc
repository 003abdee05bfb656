// fuzz/pipeline_input_fuzzer.cc - what the pipeline reads from outside: S3's
// XML answers (a server, or whatever answers in its place), store URLs
// (configuration), and a dump's metadata.json (written by an agent, read by
// every worker). The first byte picks which; nothing may crash, hang or
// allocate without bound.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/dump_metadata.h"
#include "store/s3_config.h"
#include "store/s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      for (std::string_view name : {"Upload", "Contents", "Part", "Error"}) {
        for (std::string_view element : heapscope::store::XmlElements(text, name)) {
          (void)heapscope::store::XmlText(element, "Key");
          (void)heapscope::store::XmlDecode(element);
        }
      }
      (void)heapscope::store::XmlText(text, "Code");
      (void)heapscope::store::XmlRootName(text);
      (void)heapscope::store::XmlEscape(text);
      break;
    }
    case 1: {
      auto no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
      auto config = heapscope::store::ParseS3Url(text, no_env);
      if (config.ok()) (void)heapscope::store::S3Location(config.value());
      break;
    }
    default: {
      auto record = heapscope::catalog::DumpRecordFromMetadata(std::string(text));
      (void)heapscope::catalog::ParseUtcText(std::string(text));
      (void)record;
    }
  }
  return 0;
}
