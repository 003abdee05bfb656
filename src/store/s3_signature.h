// store/s3_signature.h - AWS Signature Version 4 for S3 requests, done here
// rather than by libcurl: curl 7.88's built-in signing leaves out
// x-amz-content-sha256 and signs "?uploads" without its "=", which real S3
// rejects (see the pipeline facts notes).
//
// S3's canonical form differs from other services in one way that matters:
// the path is URI-encoded once (every byte but A-Za-z0-9-._~ and '/'), not
// twice. Every header given is signed; x-amz-date and x-amz-content-sha256
// must be among them, as S3 requires.
#ifndef HEAPSCOPE_STORE_S3_SIGNATURE_H_
#define HEAPSCOPE_STORE_S3_SIGNATURE_H_

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace heapscope::store {

struct S3Request {
  std::string method;  // GET, PUT, POST, DELETE, HEAD
  std::string path;    // not encoded, from the '/' after the host (path style: /bucket/key)
  std::vector<std::pair<std::string, std::string>> query;    // not encoded; "uploads" has value ""
  std::vector<std::pair<std::string, std::string>> headers;  // any case; host included
  std::string payload_sha256;  // lower-case hex, or "UNSIGNED-PAYLOAD"
};

struct S3Credentials {
  std::string access_key;
  std::string secret_key;
  std::string region;
};

struct S3Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header's value
};

// `amz_date` is the request's x-amz-date, e.g. "20240101T000000Z".
S3Signature SignS3Request(const S3Request& request, const S3Credentials& credentials, const std::string& amz_date);

// RFC 3986 unreserved bytes stay, every other byte becomes %XX (upper case);
// '/' stays only when `keep_slash`.
std::string UriEncode(std::string_view text, bool keep_slash);

std::string Sha256Hex(std::span<const uint8_t> bytes);

}  // namespace heapscope::store

#endif  // HEAPSCOPE_STORE_S3_SIGNATURE_H_
