#include "store/s3_signature.h"

#include <gtest/gtest.h>

namespace heapscope::store {
namespace {

// Expected values: the AWS documentation's two S3 examples, and signatures
// computed by Debian's python3-botocore with fixed credentials and date
// (kept with the project's research notes, beside the checkout).
const S3Credentials kDocCredentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"};
const S3Credentials kBotoCredentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "eu-west-1"};
constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kHost[] = "dumps-bucket.s3.eu-west-1.amazonaws.com";
constexpr char kKms[] = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

S3Request Request(std::string method, std::string path, std::string payload,
                  std::vector<std::pair<std::string, std::string>> headers,
                  std::vector<std::pair<std::string, std::string>> query = {}) {
  headers.emplace_back("x-amz-content-sha256", payload);
  headers.emplace_back("x-amz-date", "20240101T000000Z");
  return {std::move(method), std::move(path), std::move(query), std::move(headers), std::move(payload)};
}

TEST(S3Signature, AwsDocumentationGetObject) {
  const S3Request r{"GET", "/test.txt", {},
                    {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", kEmpty}, {"x-amz-date", "20130524T000000Z"}},
                    kEmpty};
  EXPECT_EQ(SignS3Request(r, kDocCredentials, "20130524T000000Z").signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(S3Signature, AwsDocumentationPutObjectEncodesTheKeyOnce) {
  const std::string payload = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  const std::string body = "Welcome to Amazon S3.";
  EXPECT_EQ(Sha256Hex({reinterpret_cast<const uint8_t*>(body.data()), body.size()}), payload);
  const S3Request r{"PUT", "/test$file.text", {},
                    {{"Host", "examplebucket.s3.amazonaws.com"}, {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-content-sha256", payload}, {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                    payload};
  const S3Signature s = SignS3Request(r, kDocCredentials, "20130524T000000Z");
  EXPECT_NE(s.canonical_request.find("\n/test%24file.text\n"), std::string::npos) << s.canonical_request;
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

struct BotoVector {
  const char* name;
  S3Request request;
  const char* canonical_hash;  // the string to sign's last line
  const char* signature;
};

TEST(S3Signature, BotocoreVectors) {
  const std::vector<std::pair<std::string, std::string>> sse = {
      {"Content-Type", "application/octet-stream"}, {"Host", kHost},
      {"x-amz-meta-namespace", "prod"},             {"x-amz-meta-pod-name", "api-7d9f"},
      {"x-amz-server-side-encryption", "aws:kms"},  {"x-amz-server-side-encryption-aws-kms-key-id", kKms}};
  const std::string key = "/prod/api-7d9f/java_pid1.hprof.gz";
  const BotoVector vectors[] = {
      {"B1 PutObject, SSE-KMS and metadata",
       Request("PUT", key, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", sse),
       "d0a0988322306ca4f45cc1f49cf512bb8f5926eae430d5fa2025ce9e3bcacbd2",
       "1ca1b4229fddbc70315c7a704a2d802d7dd9dda9e1504906147461654d667062"},
      {"B2 path style, unsigned payload",
       Request("PUT", "/dumps-bucket" + key, "UNSIGNED-PAYLOAD",
               {{"Content-Type", "application/octet-stream"}, {"Host", "s3.eu-west-1.amazonaws.com"}}),
       "eaeda10d2374592ccacbfe55a3baa79488ed55c3355abb23978f7df25d58ae5e",
       "a1e29ce7daa53139679bc7307d59a92d82afe656a25e8145fec710ce68b63286"},
      {"B3 CreateMultipartUpload", Request("POST", key, kEmpty, sse, {{"uploads", ""}}),
       "c42b8d66a97ce621762c3aa83bcb618355a8bb5e96907fed67ccfce40e425af4",
       "6fd6a5210d779bb89c0d2e253a9e5b816676a51c1a2b423a15d85bb6c02e8430"},
      {"B4 UploadPart",
       Request("PUT", key, "UNSIGNED-PAYLOAD", {{"Host", kHost}},
               {{"uploadId", "VXBsb2FkSWQ-example"}, {"partNumber", "1"}}),
       "95fe221342b2cdb383c4d87467c0fcd0fafc7087ecd8c10dee209cbc4748bf0d",
       "f53076b1f72fcc0f289e78abf4964d5d0c155e615878eb44a7562bfe23dc5715"},
      {"B5 CompleteMultipartUpload",
       Request("POST", key, "2d2151aa6fdbaac3991111f36fc98d0911c6604d0eb8dfda060d685a035d860f",
               {{"Content-Type", "application/xml"}, {"Host", kHost}}, {{"uploadId", "VXBsb2FkSWQ-example"}}),
       "cf38d12672b214ca4302514066c1a9478ab9bcfbe8cdeb57fd756e6f670e5709",
       "245c61eef19f09d50bf0c3777f3331c0e6148fd63075924bb39a4ccaa224fb67"},
      {"B6 a key needing encoding", Request("PUT", "/team a/dump+1=2$.hprof", kEmpty, {{"Host", kHost}}),
       "1b2095606a3aeddc6c788bc3ad861277e5711a0e57473b654631a97fa94af588",
       "2e6d53cb7de94f60d8f86f9f3232bbe85148dd0df0715ff0c42ecbb55cd89de1"},
  };
  for (const BotoVector& v : vectors) {
    const S3Signature s = SignS3Request(v.request, kBotoCredentials, "20240101T000000Z");
    EXPECT_TRUE(s.string_to_sign.ends_with(v.canonical_hash)) << v.name << "\n" << s.canonical_request;
    EXPECT_EQ(s.signature, v.signature) << v.name;
    EXPECT_NE(s.authorization.find("Credential=AKIAIOSFODNN7EXAMPLE/20240101/eu-west-1/s3/aws4_request"),
              std::string::npos);
  }
}

TEST(S3Signature, UriEncode) {
  EXPECT_EQ(UriEncode("a b+c=d$e~f/g", true), "a%20b%2Bc%3Dd%24e~f/g");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriEncode("\xc3\xa9", true), "%C3%A9");
}

}  // namespace
}  // namespace heapscope::store
