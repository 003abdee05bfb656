// s3_sign_tool - what the S3 client would send for one request, for
// check_sigv4_botocore.py to sign again with botocore and compare. Test-only;
// not installed.
//
// Reads one JSON object on stdin:
//   {"url": "s3://bucket/prefix?region=...&sse=aws:kms&kms_key_id=...",
//    "env": {"AWS_ACCESS_KEY_ID": "...", ...}, "amz_date": "20240101T000000Z",
//    "method": "PUT", "key": "prefix/whole key", "query": [["uploads", ""]],
//    "headers": [["Range", "bytes=0-9"]], "metadata": [["pod-name", "x"]],
//    "body": "text"}
// "metadata", when present, adds the headers the store sends when it
// creates an object (ObjectCreationHeaders: content type, encryption,
// x-amz-meta-*). Prints {"url": ..., "headers": [[name, value], ...]},
// Authorization last; exit 2 with a message on bad input.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "store/s3_client.h"
#include "store/s3_config.h"
#include "store/s3_multipart_upload.h"

namespace {

using heapscope::store::HttpHeaders;
using nlohmann::json;

HttpHeaders PairsOf(const json& j) {
  HttpHeaders pairs;
  for (const auto& p : j) pairs.emplace_back(p.at(0).get<std::string>(), p.at(1).get<std::string>());
  return pairs;
}

int Run(const json& in) {
  using namespace heapscope::store;
  const json env = in.value("env", json::object());
  auto lookup = [&env](const std::string& name) -> std::optional<std::string> {
    if (!env.contains(name)) return std::nullopt;
    return env.at(name).get<std::string>();
  };
  auto config = ParseS3Url(in.at("url").get<std::string>(), lookup);
  if (!config.ok()) {
    std::cerr << "s3_sign_tool: " << config.error().message << "\n";
    return 2;
  }
  const std::string body = in.value("body", "");
  S3Call call{.method = in.at("method").get<std::string>(),
              .key = in.value("key", ""),
              .query = PairsOf(in.value("query", json::array())),
              .body = {reinterpret_cast<const uint8_t*>(body.data()), body.size()}};
  if (in.contains("metadata")) {
    call.headers = ObjectCreationHeaders(config.value(), PutOptions{PairsOf(in.at("metadata"))});
  }
  for (auto& header : PairsOf(in.value("headers", json::array()))) call.headers.push_back(std::move(header));
  const S3Client client(config.value());
  const PreparedRequest prepared = client.Prepare(call, in.at("amz_date").get<std::string>());
  json out = {{"url", prepared.url}, {"headers", json::array()}};
  for (const auto& [name, value] : prepared.headers) out["headers"].push_back({name, value});
  std::cout << out.dump() << "\n";
  return 0;
}

}  // namespace

int main() {
  try {
    return Run(json::parse(std::cin));
  } catch (const json::exception& e) {
    std::cerr << "s3_sign_tool: bad request JSON: " << e.what() << "\n";
    return 2;
  }
}
