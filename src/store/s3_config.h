// store/s3_config.h - where an S3 store is and how the client talks to it,
// from an s3:// URL and the environment (OpenObjectStore reads the process
// environment; tests pass their own).
//
//   s3://BUCKET[/PREFIX][?option=value&...]
//
// | option     | environment fallback                  | default                           |
// | endpoint   | HEAPSCOPE_S3_ENDPOINT                 | https://s3.<region>.amazonaws.com |
// | region     | AWS_REGION, AWS_DEFAULT_REGION        | us-east-1                         |
// | addressing |                                       | virtual on AWS, else path         |
// | sse        | HEAPSCOPE_S3_SSE (aws:kms or AES256)  | none (the bucket's default)       |
// | kms_key_id | HEAPSCOPE_S3_KMS_KEY_ID               | the account's aws/s3 key          |
// | part_size  |                                       | 16MiB (5MiB to 5GiB)              |
// | parallel   |                                       | 4 parts in flight (1 to 64)       |
//
// Credentials come only from the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN), never from the URL, so
// a URL can be printed. Sizes take k/M/G (binary) suffixes. A bucket whose
// name has a dot is always addressed by path, as its virtual host name would
// not match AWS's wildcard certificate.
#ifndef HEAPSCOPE_STORE_S3_CONFIG_H_
#define HEAPSCOPE_STORE_S3_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hprof/error.h"
#include "store/s3_signature.h"

namespace heapscope::store {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;

struct S3Config {
  std::string bucket;
  std::string prefix;  // a valid object key or empty; keys are PREFIX/key
  bool https = true;
  std::string host;    // the endpoint's host, with ":port" when the URL gave one
  bool path_style = false;
  S3Credentials credentials;  // with the region
  std::string session_token;  // sent (and signed) as x-amz-security-token
  std::string sse;            // "", "aws:kms" or "AES256"
  std::string kms_key_id;
  uint64_t part_size = 16 * kMiB;
  int parallel = 4;
  std::string ca_file;  // HEAPSCOPE_S3_CA_FILE: trusted CAs instead of the system's

  // Not in the URL; tests make them small to reach the paths big objects take.
  int list_page = 1000;         // keys per ListObjectsV2 page (S3's maximum)
  uint64_t get_chunk = 8 * kMiB;  // bytes per ranged GET
  int attempts = 4;             // tries per request when the failure is transient
  std::chrono::milliseconds retry_delay{250};  // before the second try; doubles after
  // Off only in tests: a sink dropped unfinished then leaves its multipart
  // upload behind, once its parts in flight have landed, as a killed
  // process would (minus the parts it lost).
  bool abort_unfinished = true;
};

// A variable's value; nullopt when unset or empty.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup ProcessEnvironment();

// Usage errors name the option or variable at fault (missing credentials
// name the variables to set).
Result<S3Config> ParseS3Url(std::string_view url, const EnvLookup& env);

// "s3://bucket/prefix": no endpoint, options or credentials.
std::string S3Location(const S3Config& config);

}  // namespace heapscope::store

#endif  // HEAPSCOPE_STORE_S3_CONFIG_H_
