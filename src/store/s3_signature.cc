#include "store/s3_signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "hprof/dump_key.h"  // HexOf

namespace heapscope::store {
namespace {

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Header values: outer spaces trimmed, inner runs of spaces made one.
std::string TrimmedValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char ch : v) {
    if (ch == ' ' || ch == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' || (keep_slash && ch == '/')) {
      out += static_cast<char>(ch);
    } else {
      out += fmt::format("%{:02X}", ch);
    }
  }
  return out;
}

std::string Sha256Hex(std::span<const uint8_t> bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(bytes.data(), bytes.size(), digest);
  return hprof::HexOf({digest, sizeof digest});
}

S3Signature SignS3Request(const S3Request& r, const S3Credentials& c, const std::string& amz_date) {
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [k, v] : r.query) query.emplace_back(UriEncode(k, false), UriEncode(v, false));
  std::sort(query.begin(), query.end());
  std::string canonical_query;
  for (const auto& [k, v] : query) canonical_query += (canonical_query.empty() ? "" : "&") + k + "=" + v;

  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [k, v] : r.headers) headers.emplace_back(Lower(k), TrimmedValue(v));
  std::sort(headers.begin(), headers.end());
  std::string canonical_headers, signed_headers;
  for (const auto& [k, v] : headers) {
    canonical_headers += k + ":" + v + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + k;
  }

  S3Signature s;
  s.canonical_request = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", r.method, UriEncode(r.path, true), canonical_query,
                                    canonical_headers, signed_headers, r.payload_sha256);
  const std::string day = amz_date.substr(0, 8);
  const std::string scope = fmt::format("{}/{}/s3/aws4_request", day, c.region);
  s.string_to_sign = fmt::format(
      "AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope,
      Sha256Hex({reinterpret_cast<const uint8_t*>(s.canonical_request.data()), s.canonical_request.size()}));
  const std::string key =
      Hmac(Hmac(Hmac(Hmac("AWS4" + c.secret_key, day), c.region), "s3"), "aws4_request");
  const std::string mac = Hmac(key, s.string_to_sign);
  s.signature = hprof::HexOf({reinterpret_cast<const uint8_t*>(mac.data()), mac.size()});
  s.authorization = fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}", c.access_key,
                                scope, signed_headers, s.signature);
  return s;
}

}  // namespace heapscope::store
