// store/s3_client.h - one S3 request over libcurl, signed by SignS3Request
// (never by curl's CURLOPT_AWS_SIGV4, see s3_signature.h), and retried with
// exponential backoff while the failure looks transient: no answer, 5xx,
// 429, or S3's RequestTimeout/SlowDown.
//
// Thread-safe: every call borrows a curl handle from a pool, so connections
// (and TLS sessions) are reused across calls and threads. Messages never
// hold credentials, the Authorization header or the session token.
#ifndef HEAPSCOPE_STORE_S3_CLIENT_H_
#define HEAPSCOPE_STORE_S3_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hprof/error.h"
#include "store/s3_config.h"

namespace heapscope::store {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct S3Call {
  // Every member has an initializer, so designated initializers may skip any.
  std::string method{};  // GET, HEAD, PUT, POST, DELETE
  std::string key{};     // the whole key, store prefix included; empty: the bucket
  std::vector<std::pair<std::string, std::string>> query{};  // not encoded
  HttpHeaders headers{};  // beyond Host, x-amz-date, the payload hash and the token; all signed
  std::span<const uint8_t> body{};  // must outlive the call
  std::string body_sha256{};        // computed from body when empty
  const std::atomic<bool>* cancel = nullptr;  // when set, the transfer and retries stop
};

struct S3Response {
  long status = 0;
  std::string body;
  HttpHeaders headers;  // names in lower case
  std::string_view Header(std::string_view lower_name) const;
};

// What a request goes out as: for the signature checks (tests/s3).
struct PreparedRequest {
  std::string url;
  HttpHeaders headers;  // Authorization last
};

// Totals over the client's life, for tests and progress lines.
struct S3Counters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> parts_uploaded{0};
  std::atomic<uint64_t> parts_reused{0};  // found already uploaded by a resumed upload
  std::atomic<uint64_t> uploads_resumed{0};
};

class S3Client {
 public:
  explicit S3Client(S3Config config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Config& config() const { return config_; }
  S3Counters& counters() const { return counters_; }

  // The URL and the signed headers of `call` at `amz_date` ("20240101T000000Z").
  PreparedRequest Prepare(const S3Call& call, const std::string& amz_date) const;

  // The answer, whatever its status, after retrying transient failures; an
  // Io error only when none came (or the call was cancelled).
  Result<S3Response> Send(const S3Call& call) const;

  // Send, and an Io error unless the status is one of `ok`.
  Result<S3Response> Expect(const S3Call& call, std::initializer_list<long> ok) const;

  // "s3 PUT s3://bucket/key?partNumber=2: HTTP 403 InvalidAccessKeyId: <S3's
  // message> (request id ...)".
  Error Failure(const S3Call& call, const S3Response& response) const;

 private:
  struct Attempt;
  Attempt SendOnce(const S3Call& call) const;
  std::string Describe(const S3Call& call) const;
  void* Borrow() const;
  void Return(void* handle) const;

  S3Config config_;
  mutable S3Counters counters_;
  mutable std::mutex pool_mu_;
  mutable std::vector<void*> idle_;  // CURL handles
};

}  // namespace heapscope::store

#endif  // HEAPSCOPE_STORE_S3_CLIENT_H_
